"""The SQL text of a query built once per shape of query, for every query the app runs.

peewee builds a query's SQL from its expression tree each time the query runs: every column,
join and condition goes through a method call, a context push and string joins (a page's view
queries: ~30 % of its CPU). Two queries of the same shape (the same tree but for the values
that become parameters: this patient's id instead of that one's, this minute instead of the
last) get the same SQL, so `CachedSql.execute` reads the tree once, cheaply, without rendering
it, and reuses the SQL built the first time that shape ran.

The shape (the cache key) is everything in the tree but the values peewee sent as parameters:
the type of every node and the order of its attributes, each field, model and function by
identity (kept alive by the entry, so their ids cannot be reused), every container's length,
and for each plain value its type, its sign and whether it is empty. Which values are
parameters is not guessed: the first query of a shape is rendered twice, as is and with a
marker (a value of the same type and sign that no real value equals, of mixed case and with
spaces, so that a converter which changes values shows) in place of each value found among
its parameters. The shape is cached only when both renderings give the same text and the
marked one gives back, in the same places, exactly the parameters of the real one; a value
whose marker did not come back unchanged as a parameter is part of the shape (its value is in
the key: an operator, a column name, a LIMIT written as text, a value a converter changed).
Anything the reader does not know (a node with __slots__, a model instance, a set, any other
object) makes the query run as peewee runs it, uncached. The key also holds the database and
the settings of its SQL context (parameter style, quoting, server version...): SQLite's SQL is
never served to PostgreSQL.
"""
import threading
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import BuiltinFunctionType, BuiltinMethodType, FunctionType, MethodType
from uuid import UUID

from peewee import Database, Field, FieldAlias, ModelBase, ModelInsert, Node, Proxy

# Bounds on memory, far above the app's own needs (a cache past its bound starts again empty):
MAX_SHAPES = 4000  # shapes of query
MAX_VARIANTS = 500  # entries of one shape (one per value kept in its key: a boolean, a name)

# Values kept as they are in the key: few values (booleans, None) or rare as parameters; those
# whose equal values may differ (0.0 and -0.0, Decimal 1.0 and 1.00) by their repr.
_VALUE_IN_KEY = (bool, type(None), bytes, UUID)
_REPR_IN_KEY = (float, Decimal, time)
# Objects that are part of the shape by identity: never changed once the app runs.
_BY_IDENTITY = (Field, ModelBase, Database, Proxy, type, FunctionType, MethodType,
                BuiltinFunctionType, BuiltinMethodType)


class Uncacheable(Exception):
    """The tree holds something the reader does not know how to key safely."""


# What the reader does with an object, by its exact class (decided once per class).
(_STR, _INT, _WHEN, _SEQUENCE, _DICT, _IDENTITY, _NODE, _FIELD_ALIAS, _VALUE, _REPR,
 _UNKNOWN) = range(11)
_categories = {str: _STR, int: _INT, date: _WHEN, datetime: _WHEN, list: _SEQUENCE,
               tuple: _SEQUENCE, dict: _DICT}


def _category(kind):
    category = _categories.get(kind)
    if category is None:
        if issubclass(kind, FieldAlias):
            # A field of an aliased model gets a class of its own each time
            # (FieldAlias.create): not remembered, read as one kind.
            return _FIELD_ALIAS
        if issubclass(kind, _BY_IDENTITY):
            category = _IDENTITY
        elif issubclass(kind, Node):
            # a node whose state is all in its __dict__ (none in __slots__)
            category = _UNKNOWN if any(getattr(klass, "__slots__", ()) for klass in kind.__mro__
                                       if klass is not object) else _NODE
        elif kind in _VALUE_IN_KEY:
            category = _VALUE
        elif kind in _REPR_IN_KEY:
            category = _REPR
        else:
            category = _UNKNOWN
        if len(_categories) > 1000:  # classes made on the fly must not be kept forever
            _categories.clear()
            _categories.update({str: _STR, int: _INT, date: _WHEN, datetime: _WHEN,
                                list: _SEQUENCE, tuple: _SEQUENCE, dict: _DICT})
        _categories[kind] = category
    return category


def _defaults_made_while_rendering(insert):
    """Whether peewee will call a column's default (utcnow, date.today...) while rendering this
    INSERT (a column left out of its rows): a value that is in no tree, and that two renderings
    close in time may give alike (the same day), so a cache would repeat it."""
    callables = insert.model._meta._default_callable_list
    if not callables:
        return False
    rows = insert._insert
    if isinstance(rows, dict):  # keyed by fields (whose == builds an expression): by identity
        given = {id(column) for column in rows}
        fields = insert.model._meta.fields
        return any(id(fields[name]) not in given for name, _default in callables)
    return not isinstance(rows, Node)  # several rows: not read here


# Tags that open a token group in a shape (besides classes); each group's length follows from
# its tag, so two different trees never give the same list of tokens.
_EMPTY, _NEGATIVE, _ZERO, _ID, _AGAIN, _HASH = (object() for _ in range(6))
_NONE_TYPE = type(None)


class _Reader:
    """One pass over a query's tree: its shape (a flat list of tokens: tags, classes, small
    ints and attribute names, cheap to hash and compare) and its plain values in order
    (`scalars`); `refs` keeps alive every object whose id is in the shape."""

    __slots__ = ("hashes", "refs", "scalars", "seen", "shape")

    def __init__(self):
        self.shape = []
        self.scalars = []
        self.refs = []
        self.seen = {}
        self.hashes = {}

    def read(self, obj):
        shape = self.shape
        kind = type(obj)
        category = _categories.get(kind)
        if category is None:
            category = _category(kind)
        if category == _IDENTITY:
            shape.append(_ID)
            shape.append(id(obj))
            self.refs.append(obj)
        elif category == _STR:
            if obj:
                shape.append(str)
                self.scalars.append(obj)
            else:
                shape.append(_EMPTY)
        elif category == _INT:
            if obj:
                shape.append(int if obj > 0 else _NEGATIVE)
                self.scalars.append(obj)
            else:
                shape.append(_ZERO)
        elif category == _NODE or category == _FIELD_ALIAS:
            ident = id(obj)
            first = self.seen.get(ident)
            if first is not None:  # the same node again (aliases depend on identity)
                shape.append(_AGAIN)
                shape.append(first)
                return
            if kind is ModelInsert and _defaults_made_while_rendering(obj):
                raise Uncacheable("an INSERT whose missing columns take callable defaults")
            self.seen[ident] = len(shape)  # the tree (so this node) lives through the pass
            # The class itself (compared by identity, kept alive by the key).
            shape.append(FieldAlias if category == _FIELD_ALIAS else kind)
            state = obj.__dict__
            shape.append(tuple(state))  # the attributes' names, in order
            read = self.read
            for name, value in state.items():
                # The commonest attribute values (a node's many unset clauses, its fields and
                # models, its flags) are keyed here as read() would key them, without a call
                # per value (a query's tree holds ~50 of them: the call was most of the cost).
                if value is None:
                    shape.append(_NONE_TYPE)
                    shape.append(None)
                    continue
                kind = type(value)
                if kind is bool:
                    shape.append(bool)
                    shape.append(value)
                elif name == "_hash":
                    # A source's hash (from its id, or its table's name) only tells which
                    # sources are the same one (they share an alias): keep which, not the value.
                    shape.append(_HASH)
                    shape.append(self.hashes.setdefault(value, len(self.hashes)))
                elif _categories.get(kind) == _IDENTITY:
                    shape.append(_ID)
                    shape.append(id(value))
                    self.refs.append(value)
                else:
                    read(value)
        elif category == _SEQUENCE:
            shape.append(kind)
            shape.append(len(obj))
            read = self.read
            for item in obj:
                # A list of columns (a SELECT's, an ORDER BY's): keyed here as read() would.
                if _categories.get(type(item)) == _IDENTITY:
                    shape.append(_ID)
                    shape.append(id(item))
                    self.refs.append(item)
                else:
                    read(item)
        elif category == _WHEN:
            shape.append(kind)
            shape.append(obj.utcoffset() if kind is datetime else None)
            self.scalars.append(obj)
        elif category == _DICT:
            shape.append(dict)
            shape.append(len(obj))
            for key, value in obj.items():
                self.read(key)
                self.read(value)
        elif category == _VALUE:
            shape.append(kind)
            shape.append(obj)
        elif category == _REPR:
            shape.append(kind)
            shape.append(repr(obj))
        else:
            raise Uncacheable(kind.__name__)


def _marker(value, index):
    """A value of `value`'s type and sign that no real value will equal; a string one changes
    under lower(), upper(), strip() or truncation."""
    kind = type(value)
    if kind is int:
        return (987_654_321_000_000 + index) * (1 if value > 0 else -1)
    if kind is str:
        return f" \x00Carnet Marker {index} \x00"
    if kind is datetime:
        return datetime(1001, 1, 1, 0, 0, 0, index + 1, tzinfo=value.tzinfo)
    return date(1001, 1, 1) + timedelta(days=index)


class _Copier:
    """A copy of a tree with markers in place of the chosen plain values, walked in the same
    order as _Reader (so value number i is the same value in both)."""

    def __init__(self, marks):
        self.marks = marks  # scalar index -> marker
        self.index = 0
        self.copies = {}

    def copy(self, obj):
        kind = type(obj)
        if kind is str or kind is int:
            if obj:
                self.index += 1
                return self.marks.get(self.index - 1, obj)
            return obj
        if kind is datetime or kind is date:
            self.index += 1
            return self.marks.get(self.index - 1, obj)
        if kind is list or kind is tuple:
            return kind([self.copy(item) for item in obj])
        if kind is dict:
            return {self.copy(key): self.copy(value) for key, value in obj.items()}
        if _category(kind) not in (_NODE, _FIELD_ALIAS):
            return obj
        done = self.copies.get(id(obj))
        if done is not None:
            return done
        twin = object.__new__(kind)
        self.copies[id(obj)] = twin
        twin.__dict__.update({name: value if name == "_hash" else self.copy(value)
                              for name, value in obj.__dict__.items()})
        return twin


def _render(database, query):
    return database.get_sql_context().sql(query).query()


def _same(a, b):
    return type(a) is type(b) and a == b


def _in_tree(value, query):
    """Whether `value` is one of the tree's own values: a parameter kept as it is in the SQL
    must come from the tree (not from something computed while rendering it)."""
    found, stack, seen = False, [query], set()
    while stack and not found:
        obj = stack.pop()
        kind = type(obj)
        if kind is list or kind is tuple:
            stack.extend(obj)
        elif kind is dict:
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif _category(kind) in (_NODE, _FIELD_ALIAS):
            if id(obj) not in seen:
                seen.add(id(obj))
                stack.extend(value for name, value in obj.__dict__.items() if name != "_hash")
        else:
            found = _same(obj, value)
    return found


def _learn(database, query, reader, sql, params):
    """The cache entry for this query's shape, from its real rendering (sql, params), or None
    when the marked rendering does not give them back exactly."""
    scalars = reader.scalars
    marks = {}
    for index, value in enumerate(scalars):
        if any(_same(value, param) for param in params):
            marks[index] = _marker(value, index)
    twin = _Copier(marks).copy(query)
    twin_sql, twin_params = _render(database, twin)
    if twin_sql != sql or len(twin_params) != len(params):
        return None
    by_marker = {(type(marker), marker): index for index, marker in marks.items()}
    template, used = [], set()
    for real, marked in zip(params, twin_params):
        try:
            index = by_marker.get((type(marked), marked))
        except TypeError:  # an unhashable parameter (a list for an array column)
            index = None
        if index is not None:
            if not _same(real, scalars[index]):
                return None
            template.append((True, index))
            used.add(index)
        elif _same(real, marked) and _in_tree(real, query):
            template.append((False, real))
        else:
            return None
    if any(str(marker) in sql for index, marker in marks.items()):
        return None
    fixed = tuple(index for index in range(len(scalars)) if index not in used)
    return fixed, sql, tuple(template)


def _settings_key(database):
    """What, besides the tree, decides the SQL text: the database and its context's settings
    (read again when the server's version becomes known, at the first connection)."""
    known = database.__dict__.get("_sql_settings")
    if known is not None and known[0] == database.server_version:
        return known[1]
    key = (id(database), database.param, database.quote, database.server_version,
           database.limit_max, database.nulls_ordering, database.for_update,
           database.compound_select_parentheses, database.index_schema_prefix,
           database.use_concat_function, id(database._field_types),
           id(database._operations))
    database.__dict__["_sql_settings"] = (database.server_version, key)
    return key


class CachedSql:
    """The methods given to the app's database classes (see with_cached_sql): `execute`
    renders each shape of query once."""

    def execute(self, query, **context_options):
        if context_options:
            return self._uncached_execute(query, **context_options)
        cache = self.__dict__.get("_sql_shapes")
        if cache is None:
            cache = self.__dict__.setdefault("_sql_shapes", {})
            self.__dict__.setdefault("_sql_lock", threading.Lock())
        reader = _Reader()
        try:
            reader.read(query)
        except (Uncacheable, RecursionError):
            return self._uncached_execute(query)
        shape = (_settings_key(self), tuple(reader.shape))
        scalars = reader.scalars
        known = cache.get(shape)
        if known is not None:
            fixed, entries, _refs = known
            if entries is None:  # a shape the markers could not explain: peewee renders it
                return self._uncached_execute(query)
            entry = entries.get(tuple([scalars[i] for i in fixed]) if fixed else ())
            if entry is not None:
                sql, template = entry
                params = [scalars[value] if slot else value for slot, value in template]
                return self.execute_sql(sql, params)
        sql, params = _render(self, query)
        self._remember(cache, shape, known, query, reader, sql, params)
        return self.execute_sql(sql, params)

    def _remember(self, cache, shape, known, query, reader, sql, params):
        try:
            learned = _learn(self, query, reader, sql, params)
        except Exception:  # a tree the copy cannot render: this shape stays uncached
            learned = None
        with self._sql_lock:
            if len(cache) >= MAX_SHAPES:
                cache.clear()
            if learned is None:
                if known is None:  # not again for this shape: rendering it once is enough
                    cache[shape] = (None, None, reader.refs)
                return
            fixed, sql, template = learned
            key = tuple([reader.scalars[i] for i in fixed])
            if known is None:
                # `refs` keeps every object whose id is in the shape alive with the entry.
                known = cache.setdefault(shape, (fixed, {}, reader.refs))
            if known[1] is None or known[0] != fixed:
                return  # values placed differently than the first time: leave it uncached
            entries = known[1]
            if len(entries) >= MAX_VARIANTS:
                entries.clear()
            entries[key] = (sql, template)

    def forget_sql(self):
        """Drop every cached shape (tests; a schema change in a running process)."""
        self.__dict__.pop("_sql_shapes", None)
        self.__dict__.pop("_sql_settings", None)


_classes = {}


def with_cached_sql(database):
    """`database` (built by peewee or playhouse.db_url) made to cache its SQL: its class becomes
    a subclass of its own class with CachedSql's methods (isinstance checks still hold; one
    base and no new slot, so that the object's class can change in place)."""
    cls = type(database)
    if not getattr(cls, "caches_sql", False):
        cached = _classes.get(cls)
        if cached is None:
            cached = _classes[cls] = type(f"Cached{cls.__name__}", (cls,), {
                "__slots__": (), "__module__": __name__, "caches_sql": True,
                "_uncached_execute": cls.execute, "execute": CachedSql.execute,
                "_remember": CachedSql._remember, "forget_sql": CachedSql.forget_sql})
        database.__class__ = cached
    return database
