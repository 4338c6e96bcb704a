"""Server-side prepared statements on PostgreSQL: a query asked again on a connection is parsed
and planned once there, not at every request.

Why: the server parses, analyses and plans every statement it receives as text. Measured on a
dossier page (pg_stat_statements with track_planning, 12 statements): ~1.9 ms of planning for
~0.5 ms of execution per request, on a server that shares the machine's cores with the app
(the relations' UNION alone: 0.77 ms of planning, 0.06 ms of execution).

How: each connection (`PreparingConnection`) keeps the SQL texts it has run. The second time a
text comes (portal/sqlcache.py gives every shape of query the same text), the connection runs
`PREPARE carnet_N AS <the text, with $1, $2… for its parameters>` once, and from then on
`EXECUTE carnet_N (<the parameters>)`. psycopg2 still writes the parameters (client side, as
for any statement); the server then coerces each to the type it inferred at PREPARE and runs
the prepared plan: after five executions PostgreSQL keeps a generic plan when it is no worse
than the custom ones (plan_cache_mode), and otherwise still skips parsing and analysis.

What is never prepared, and runs as before:
- a text seen once (a migration, a maintenance script's one-off query);
- a text the server cannot prepare (a parameter whose type nothing in the statement decides,
  such as `SELECT %s`): the PREPARE fails once, the text is remembered as not preparable;
- a text first seen twice inside a transaction: a failed PREPARE there would abort the
  transaction, so new statements are prepared only outside one (a statement already prepared
  runs prepared inside a transaction too);
- anything with psycopg2 placeholders other than `%s` (named ones), or beyond
  MAX_PREPARED statements on one connection (the extra texts simply run as text).
A prepared statement the server dropped or can no longer run as prepared (a migration changed
the columns it returns: "cached plan must not change result type") is forgotten and the
statement runs as text again, at once outside a transaction (inside one the error stands, as
any error would: the transaction is already aborted).

Off with DATABASE_PREPARED_STATEMENTS=0: behind a pooler that hands a client another server
connection at each transaction (PgBouncer in transaction mode before 1.21), a statement
prepared on one server connection is unknown on the next."""
import re

import psycopg2
import psycopg2.errors
import psycopg2.extensions

# Statements prepared on one connection at most (each holds a parse tree and, later, a plan
# in the server process's memory; the app asks well under a hundred shapes of query).
MAX_PREPARED = 500
# A text is prepared when it comes this many times on the connection.
PREPARE_AFTER = 2
# Texts counted (seen, not yet prepared) on one connection at most.
MAX_COUNTED = 4 * MAX_PREPARED
# Statements PostgreSQL can prepare (PREPARE's grammar), as peewee starts them.
_PREPARABLE = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "(SELECT", "((SELECT", "VALUES")
_PLACEHOLDER = re.compile(r"%(.)", re.DOTALL)
_UNPREPARABLE = False


class PreparingConnection(psycopg2.extensions.connection):
    """A psycopg2 connection that remembers what it prepared (see the module's docstring);
    its cursors are PreparingCursor."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cursor_factory = PreparingCursor
        # SQL text -> statement name (prepared), a count (seen, not yet prepared) or
        # _UNPREPARABLE.
        self.statements = {}
        self.prepared_count = 0


class PreparingCursor(psycopg2.extensions.cursor):
    """A cursor whose `execute` runs a statement prepared when it can be; a named (server-side)
    cursor declares its query as text, as psycopg2 does."""

    def execute(self, query, vars=None):
        if self.name is not None or not isinstance(query, str):
            return super().execute(query, vars)
        return execute(self, query, vars)


def server_text(sql):
    """`sql` with psycopg2's placeholders (%s, and %% for a percent sign) written as
    PostgreSQL's ($1, $2… and %), and how many there are; None when it holds anything else
    (a named placeholder)."""
    count = 0
    parts = []
    position = 0
    for match in _PLACEHOLDER.finditer(sql):
        parts.append(sql[position:match.start()])
        kind = match.group(1)
        if kind == "s":
            count += 1
            parts.append(f"${count}")
        elif kind == "%":
            parts.append("%")
        else:
            return None
        position = match.end()
    if "%" in sql[position:]:
        return None  # a lone % at the end
    parts.append(sql[position:])
    return "".join(parts), count


def execute(cursor, sql, params):
    """Run `sql` with `params` on `cursor` (a PreparingCursor), prepared when it can be
    (module's docstring)."""
    plain = super(PreparingCursor, cursor).execute
    connection = cursor.connection
    statements = connection.statements
    params = () if params is None else params
    if not sql.startswith(_PREPARABLE) or not isinstance(params, (tuple, list)):
        plain(sql, params)
        return
    known = statements.get(sql)
    if known is _UNPREPARABLE:
        plain(sql, params)
        return
    if type(known) is str:
        _execute_prepared(cursor, connection, sql, known, params)
        return
    seen = (known or 0) + 1
    if seen < PREPARE_AFTER or connection.prepared_count >= MAX_PREPARED or \
            _in_transaction(connection):
        # Not yet, no room left, or inside a transaction. Texts are counted up to a bound
        # (one-off texts, such as IN lists of every length, would otherwise pile up).
        if known is not None or len(statements) < MAX_COUNTED:
            statements[sql] = min(seen, PREPARE_AFTER - 1)
        plain(sql, params)
        return
    converted = server_text(sql)
    if converted is None or converted[1] != len(params):
        statements[sql] = _UNPREPARABLE
        plain(sql, params)
        return
    text, _count = converted
    name = f"carnet_{connection.prepared_count + 1}"
    try:
        plain(f"PREPARE {name} AS {text}")
    except psycopg2.Error:
        if connection.closed:
            raise
        # Outside a transaction (autocommit), a failed PREPARE changes nothing else.
        statements[sql] = _UNPREPARABLE
        plain(sql, params)
        return
    connection.prepared_count += 1
    statements[sql] = name
    _execute_prepared(cursor, connection, sql, name, params)


def _execute_prepared(cursor, connection, sql, name, params):
    plain = super(PreparingCursor, cursor).execute
    statement = f"EXECUTE {name} ({', '.join(['%s'] * len(params))})" if params else \
        f"EXECUTE {name}"
    try:
        plain(statement, params)
    except (psycopg2.errors.InvalidSqlStatementName, psycopg2.errors.FeatureNotSupported):
        # Dropped by the server (DEALLOCATE, DISCARD), or its result's columns changed under
        # it (a migration): run it as text from now on. Outside a transaction at once; inside
        # one the transaction is aborted and the error stands.
        connection.statements[sql] = _UNPREPARABLE
        if _in_transaction(connection):
            raise
        try:
            plain(f"DEALLOCATE {name}")
        except psycopg2.Error:
            pass
        plain(sql, params)


def _in_transaction(connection):
    """Whether the server has a transaction open on `connection` (peewee runs psycopg2 in
    autocommit mode and sends BEGIN itself, so psycopg2's own status does not know)."""
    return connection.info.transaction_status != psycopg2.extensions.TRANSACTION_STATUS_IDLE
