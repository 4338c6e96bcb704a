"""Database wiring: IMMEDIATE write transactions on SQLite, and one transaction per request
that may write (every method but GET, HEAD, OPTIONS): the view's writes and their journal
entries commit together when it returns, and roll back together when it raises (abort, refusal,
crash), so no error path commits half an action.

Connections: on SQLite each thread keeps its own connection open from one request to the next
(closing the last connection of a WAL database checkpoints and deletes the WAL file: a disk
write and several syscalls per request). On PostgreSQL a pool per process
(`PooledPostgresqlDatabase`, DATABASE_POOL_SIZE connections at most, a request waiting up to
DATABASE_POOL_TIMEOUT seconds for one); a request takes a connection when it first needs one
and gives it back at teardown. Nothing connects while the app is created, and a process forked
from one that had connected (gunicorn with --preload, a worker's child) forgets its parent's
connections instead of sharing their sockets."""
import os
import threading
from contextlib import contextmanager
from urllib.parse import unquote, urlparse

from peewee import Model, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect
from playhouse.pool import PooledDatabase

from . import turn
from .extensions import db
from .sqlcache import with_cached_sql

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "busy_timeout": 5000,
}


class BaseModel(Model):
    """Every table lives in the deferred application database."""

    class Meta:
        database = db
        legacy_table_names = False

    @classmethod
    def get_or_none(cls, *query, **filters):
        """peewee's get_or_none (the same query: LIMIT 1 OFFSET 0), without building, when no
        row matches, the query's SQL text for a DoesNotExist message it then drops (a page
        asking for a row that does not exist yet, such as a blood group, paid for it each
        time)."""
        select = cls.select()
        if query:
            if len(query) == 1 and isinstance(query[0], int) and cls._meta.auto_increment:
                select = select.where(cls._meta.primary_key == query[0])
            else:
                select = select.where(*query)
        if filters:
            select = select.filter(**filters)
        rows = select.paginate(1, 1).execute()[:1]
        return rows[0] if rows else None


POOLED_SCHEMES = {"postgresql": "postgresql+pool", "postgres": "postgresql+pool"}


def open_database(url, pool_size=20, pool_timeout=10, pool_recycle=600, prepared=True):
    """A peewee database for DATABASE_URL: SQLite file (pragmas set) or PostgreSQL, pooled.
    `postgresql://` and `postgres://` URLs open a `PooledPostgresqlDatabase` (as
    `postgresql+pool://` does): at most `pool_size` connections, a caller waits up to
    `pool_timeout` seconds for a free one, and a connection older than `pool_recycle` seconds
    is replaced when it comes back; with `prepared`, its connections prepare on the server the
    statements they run again (portal/pgprepared.py, DATABASE_PREPARED_STATEMENTS). Either
    builds each shape of query's SQL once (sqlcache.CachedSql)."""
    return with_cached_sql(_open(url, pool_size, pool_timeout, pool_recycle, prepared))


def _open(url, pool_size, pool_timeout, pool_recycle, prepared=True):
    if url.startswith("sqlite:"):
        # sqlite:///relative/path or sqlite:////absolute/path
        path = unquote(urlparse(url).path)[1:]
        if path not in ("", ":memory:"):
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        return TurnSqliteDatabase(path or ":memory:", pragmas=SQLITE_PRAGMAS)
    scheme, rest = url.split("://", 1)
    scheme = POOLED_SCHEMES.get(scheme, scheme)
    options = {}
    if prepared and scheme.startswith(("postgresql", "postgres")):
        from .pgprepared import PreparingConnection
        options["connection_factory"] = PreparingConnection
    if scheme.endswith("+pool"):
        return connect(f"{scheme}://{rest}", max_connections=int(pool_size),
                       timeout=float(pool_timeout), stale_timeout=int(pool_recycle), **options)
    return connect(url, **options)


class TurnSqliteDatabase(SqliteDatabase):
    """SQLite that gives the request's turn back (portal/turn.py) while a statement may wait for
    the database's write lock held by another request of this process (one that gave its turn
    back inside a transaction, turn.writers_away): then every statement but a SELECT, BEGIN and
    COMMIT give it back. A SELECT never waits in WAL mode, and most of a page's statements are
    SELECTs: they keep the turn, so the interpreter is not handed over at each one (but a
    request that has held it for long lets the waiting ones go first: turn.pause)."""

    def _execute_cursor(self, sql, params, **cursor_options):
        if not turn.holds():
            return super()._execute_cursor(sql, params, **cursor_options)
        if sql.startswith("SELECT"):
            turn.pause()  # a long request lets the waiting ones through (turn.LONG_TURN)
            return super()._execute_cursor(sql, params, **cursor_options)
        if not turn.writers_away():
            return super()._execute_cursor(sql, params, **cursor_options)
        with turn.given_back(writing=True):
            return super()._execute_cursor(sql, params, **cursor_options)

    def begin(self, lock_type=None):
        if turn.holds() and turn.writers_away():
            with turn.given_back(writing=True):
                return super().begin(lock_type)
        return super().begin(lock_type)

    def commit(self):
        if turn.holds() and turn.writers_away():
            with turn.given_back(writing=True):
                return super().commit()
        return super().commit()


def _in_transaction():
    """Whether this thread's SQLite connection is inside a transaction (turn.in_transaction)."""
    conn = db.obj._state.conn if db.obj is not None else None
    return conn is not None and getattr(conn, "in_transaction", False)


turn.in_transaction = _in_transaction


class Prepared:
    """A query asked on every request, its SQL built once per process.

    peewee builds a query's SQL from its expression tree each time it runs, which costs about
    as much as running it (a wide SELECT with joins: half a millisecond). The few queries every
    page runs (who is logged in, which spaces they may open) are built once by `build`, called
    with markers in place of its arguments (one example value per argument, in `samples`,
    gives each marker its type); each call puts the real arguments where the markers landed in
    the parameters, and reads the rows with the query's own reader (the same model objects,
    joined models and conversions as running the query itself).

    That reader (peewee's cursor wrapper) works out, from the query and the cursor's columns,
    which column goes to which model and field and through which conversion: for a query
    joining three models, as long again as running it. The query and its SQL never change, so
    what it worked out the first time (the attributes its `initialize` sets) is given to the
    reader of each later call."""

    def __init__(self, build, *samples):
        self._build = build
        self._samples = samples
        self._compiled = (None, None)  # (the database it was built for, what was built)
        self._reader = (None, None)  # (that database, (reader class, what initialize set))

    def _compile(self, database):
        markers = [_marker(sample, index) for index, sample in enumerate(self._samples)]
        query = self._build(*markers)
        sql, params = database.get_sql_context().sql(query).query()
        slots = [(position, markers.index(value)) for position, value in enumerate(params)
                 if any(value == m and type(value) is type(m) for m in markers)]
        if sorted({index for _position, index in slots}) != list(range(len(markers))):
            raise ValueError("every argument of a prepared query must appear in its SQL")
        return query, sql, list(params), slots

    def __call__(self, *args):
        """The rows (an iterable cursor wrapper, read once) for these arguments."""
        database = db.obj
        built_for, compiled = self._compiled
        if built_for is not database:
            compiled = self._compile(database)
            self._compiled = (database, compiled)
        query, sql, params, slots = compiled
        params = list(params)
        for position, index in slots:
            params[position] = args[index]
        rows = query._get_cursor_wrapper(database.execute_sql(sql, params))
        built_for, learned = self._reader
        if built_for is database and type(rows) is learned[0]:
            rows.__dict__.update(learned[1])
        else:
            before = set(rows.__dict__)
            rows.initialize()  # from the cursor's description: known before any row
            self._reader = (database, (type(rows), {
                name: value for name, value in rows.__dict__.items() if name not in before}))
        rows.initialized = True
        return rows

    def first(self, *args):
        """The first row, or None."""
        return next(iter(self(*args)), None)


class PreparedInsert:
    """One row appended to a model's table on many requests (the journal: every page that
    shows health data), as a plain INSERT of the given columns whose SQL is built once per
    process: no expression tree, no Model.save bookkeeping. Each value goes through its
    column's own conversion (db_value: a model instance becomes its id...), as save() does;
    the columns left out take their database default. Calling it returns the new row's id;
    it runs on the request's connection, inside its transaction if one is open."""

    def __init__(self, model, fields):
        self._model = model
        self._fields = tuple(fields)
        self._compiled = (None, None)  # (the database it was built for, (sql, returning))

    def _compile(self, database):
        from peewee import SQL
        query = self._model.insert({field: SQL(database.param) for field in self._fields})
        returning = bool(database.returning_clause)
        if returning:  # as peewee's own INSERT does on PostgreSQL: the id comes back
            query = query.returning(self._model._meta.primary_key)
        sql, params = database.get_sql_context().sql(query).query()
        if params:
            raise ValueError("a prepared INSERT takes every value as an argument")
        return sql, returning

    def __call__(self, *values):
        database = db.obj
        built_for, compiled = self._compiled
        if built_for is not database:
            compiled = self._compile(database)
            self._compiled = (database, compiled)
        sql, returning = compiled
        if len(values) != len(self._fields):
            raise TypeError(f"{len(self._fields)} values expected, {len(values)} given")
        cursor = database.execute_sql(
            sql, [field.db_value(value) for field, value in zip(self._fields, values)])
        if returning:
            return cursor.fetchone()[0]
        return cursor.lastrowid


def _marker(sample, index):
    """A value of the sample's type that no real argument will equal."""
    from datetime import date, datetime
    if isinstance(sample, bool):
        raise TypeError("a boolean cannot be a prepared argument (it has two values)")
    if isinstance(sample, int):
        return -987_654_321_000 - index
    if isinstance(sample, datetime):
        return datetime(1001, 1, 1, 0, 0, 0, index + 1)
    if isinstance(sample, date):
        return date(1001, 1, 1 + index)
    if isinstance(sample, str):
        return f"\x00prepared-{index}\x00"
    raise TypeError(f"no marker for {type(sample).__name__}")


def keeps_connection():
    """Whether a thread keeps its connection between requests (SQLite: see the module's
    docstring); otherwise it gives it back (to the pool) when a request or a task ends."""
    return isinstance(db.obj, SqliteDatabase) and db.obj.database != ":memory:"


def release():
    """End of a request or a task: give the connection back, unless this thread keeps it."""
    if not db.is_closed() and db.transaction_depth() == 0 and not keeps_connection():
        db.close()


def forget_inherited_connections():
    """In a freshly forked child: drop (without closing: the parent still uses them) the
    connections the parent had open, so that the child opens its own."""
    target = db.obj
    if target is None:
        return
    target._state = type(target._state)()
    if target.thread_safe:
        target._lock = threading.Lock()
    if isinstance(target, PooledDatabase):
        target._connections = []
        target._in_use = {}
        target._pool_lock = threading.RLock()
        target._pool_available = threading.Condition(target._pool_lock)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=forget_inherited_connections)


def init_app(app):
    """Bind the proxy to the configured database; a request connects when it first needs to
    (lazily, so creating the app opens nothing) and releases its connection at teardown."""
    previous = db.obj
    if isinstance(previous, PooledDatabase):
        previous.close_idle()  # another app (tests) replaces this one: its idle sockets go
    db.initialize(open_database(app.config["DATABASE_URL"],
                                app.config.get("DATABASE_POOL_SIZE", 20),
                                app.config.get("DATABASE_POOL_TIMEOUT", 10),
                                app.config.get("DATABASE_POOL_RECYCLE", 600),
                                app.config.get("DATABASE_PREPARED_STATEMENTS", True)))

    @app.teardown_appcontext
    def _close(exc):
        release()


def is_sqlite():
    """True when the bound database is SQLite."""
    return isinstance(db.obj, SqliteDatabase)


def is_postgres():
    """True when the bound database is PostgreSQL."""
    return isinstance(db.obj, PostgresqlDatabase)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@contextmanager
def request_transaction():
    """The view of a request that may write runs in one transaction (IMMEDIATE on SQLite)."""
    from flask import g
    state = {"after_commit": [], "after_rollback": []}
    g._request_tx = state
    try:
        with write_tx():
            yield
    except BaseException:
        g._request_tx = None
        for callback in state["after_rollback"]:
            try:
                callback()
            except Exception as error:  # the original error matters more; say what failed
                import logging
                logging.getLogger("carnet.db").error(
                    "after-rollback step failed: %s", type(error).__name__)
        raise
    else:
        g._request_tx = None
        for callback in state["after_commit"]:
            callback()
    finally:
        g._request_tx = None


def hand_over_again(model, task, *, queued, stale, now, limit=None):
    """Rows of `model` still `queued` that were last handed to the queue before `stale` (the
    queue lost the task, or a worker looked before the row was committed) are handed to `task`
    again. Each is taken by moving its `enqueued_at` to `now` with a conditional UPDATE, so
    two sweepers never hand the same row twice. Returns how many were handed over."""
    rows = model.select(model.id, model.enqueued_at).where(
        model.status == queued, model.enqueued_at <= stale).order_by(model.id)
    handed = 0
    for row in list(rows.limit(limit) if limit else rows):
        if model.update(enqueued_at=now).where(
                model.id == row.id, model.status == queued,
                model.enqueued_at == row.enqueued_at).execute():
            task(row.id)
            handed += 1
    return handed


def write_tx():
    """A transaction for writes that read first: BEGIN IMMEDIATE on SQLite, so workers queue
    on the write lock at the start instead of failing with 'database is locked' later."""
    if is_sqlite():
        return db.atomic("IMMEDIATE")
    return db.atomic()
