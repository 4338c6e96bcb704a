"""PostgreSQL prepared statements (portal/pgprepared.py): a statement a connection runs again
is parsed and planned once on the server, gives the same rows as its text, and whatever the
server cannot prepare (or can no longer run prepared) runs as text."""
import datetime

import pytest

from portal import pgprepared
from portal.pgprepared import PreparingConnection, server_text


@pytest.fixture
def app(pg_url, seeded_postgres, tmp_path):
    """The app on a fresh copy of the seeded PostgreSQL database (this module's tests are about
    PostgreSQL only; conftest's login_as uses this app)."""
    from conftest import _admin_execute, _close_pool
    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import db
    name = pg_url.rsplit("/", 1)[1]
    _admin_execute(pg_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
                   f"CREATE DATABASE {name} TEMPLATE carnet_seed")
    application = create_app(TestConfig, DATABASE_URL=pg_url, STORAGE_DIR=str(tmp_path))
    yield application
    if not db.is_closed():
        db.close()
    _close_pool(db)


@pytest.fixture
def connect(pg_url, seeded_postgres):
    """Raw psycopg2 connections to a seeded copy, in autocommit mode as peewee runs them."""
    import psycopg2

    from conftest import _admin_execute
    name = pg_url.rsplit("/", 1)[1]
    _admin_execute(pg_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
                   f"CREATE DATABASE {name} TEMPLATE carnet_seed")
    opened = []

    def do(prepared=True):
        options = {"connection_factory": PreparingConnection} if prepared else {}
        conn = psycopg2.connect(pg_url, **options)
        conn.autocommit = True
        opened.append(conn)
        return conn
    yield do
    for conn in opened:
        conn.close()


def server_statements(conn):
    """{name: statement} of what this connection has prepared, as the server lists it."""
    import psycopg2
    with conn.cursor(cursor_factory=psycopg2.extensions.cursor) as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def run(conn, sql, params=()):
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def test_server_text_numbers_the_placeholders_and_unescapes_percent_signs():
    assert server_text('SELECT "a" FROM "t" WHERE "b" = %s AND "c" LIKE %s') == (
        'SELECT "a" FROM "t" WHERE "b" = $1 AND "c" LIKE $2', 2)
    assert server_text("SELECT 'x%%' || %s") == ("SELECT 'x%' || $1", 1)
    assert server_text("SELECT 1") == ("SELECT 1", 0)
    # Anything but %s and %% is not ours to rewrite.
    assert server_text("SELECT %(name)s") is None
    assert server_text("SELECT 5 %") is None


def test_a_statement_run_again_is_prepared_once_and_gives_the_same_rows(connect):
    """Every kind of value a query passes (numbers, text, dates, times, booleans, NULL, a list
    for IN) gives the same rows prepared as written out."""
    prepared, text = connect(), connect(prepared=False)
    sql = ('SELECT "id", "family_name", "birth_date" FROM "person" WHERE "id" IN (%s, %s, %s) '
           'AND "family_name" <> %s AND "birth_date" < %s AND "created_at" < %s '
           'AND (%s OR "nir" IS NOT NULL) AND "phone" IS DISTINCT FROM %s ORDER BY "id"')
    params = (1, 2, 3, "Nobody", datetime.date(2030, 1, 1),
              datetime.datetime(2030, 1, 1, 12, 30), True, None)
    expected = run(text, sql, params)
    assert expected  # the demo has these people: the comparison means something
    for _ in range(4):
        assert run(prepared, sql, params) == expected
    name = prepared.statements[sql]
    assert isinstance(name, str)
    listed = server_statements(prepared)
    assert list(listed) == [name]
    assert "$8" in listed[name] and "%s" not in listed[name]
    # Other values on the same prepared statement.
    assert run(prepared, sql, (4, 5, 6, "Martin", datetime.date(1900, 1, 1),
                               datetime.datetime(2030, 1, 1), False, "x")) == []


def test_the_first_time_a_text_comes_it_runs_as_text(connect):
    """A text seen once (a migration, a script's one-off query) is not prepared."""
    conn = connect()
    assert run(conn, 'SELECT count(*) FROM "person" WHERE "id" > %s', (0,))[0][0] > 0
    assert server_statements(conn) == {}


def test_a_text_the_server_cannot_prepare_runs_as_text_and_is_not_tried_again(connect):
    """`SELECT %s + %s`: nothing tells the server the parameters' types (written out, they
    are numbers), so PREPARE fails ("operator is not unique: unknown + unknown")."""
    conn = connect()
    for value in (1, 2, 3):
        assert run(conn, "SELECT %s + %s", (value, 10)) == [(value + 10,)]
    assert conn.statements["SELECT %s + %s"] is pgprepared._UNPREPARABLE
    assert server_statements(conn) == {}


def test_nothing_new_is_prepared_inside_a_transaction_but_what_is_prepared_runs_there(connect):
    """A failed PREPARE would abort the transaction: new texts wait until outside one."""
    conn = connect()
    before = 'SELECT "family_name" FROM "person" WHERE "id" = %s'
    run(conn, before, (1,))
    run(conn, before, (1,))
    assert isinstance(conn.statements[before], str)
    inside = 'SELECT "given_names" FROM "person" WHERE "id" = %s'
    run(conn, "BEGIN")
    for _ in range(3):
        assert run(conn, inside, (1,))
    assert run(conn, before, (2,))  # runs prepared inside the transaction
    run(conn, 'UPDATE "person" SET "phone" = %s WHERE "id" = %s', ("0600000000", 1))
    run(conn, 'UPDATE "person" SET "phone" = %s WHERE "id" = %s', ("0600000001", 1))
    run(conn, "ROLLBACK")
    assert conn.statements[inside] == pgprepared.PREPARE_AFTER - 1
    assert len(server_statements(conn)) == 1
    assert run(conn, 'SELECT "phone" FROM "person" WHERE "id" = %s', (1,)) != [("0600000001",)]
    # Outside, the waiting text is prepared at its next run.
    run(conn, inside, (1,))
    assert isinstance(conn.statements[inside], str)


def test_writes_run_prepared_with_their_row_counts_and_returned_rows(connect):
    conn = connect()
    sql = 'UPDATE "person" SET "phone" = %s WHERE "id" = %s'
    for phone in ("0600000001", "0600000002", "0600000003"):
        assert run(conn, sql, (phone, 1)) == 1
    assert run(conn, sql, ("0600000004", -1)) == 0
    assert isinstance(conn.statements[sql], str)
    assert run(conn, 'SELECT "phone" FROM "person" WHERE "id" = %s', (1,)) == [("0600000003",)]
    returning = 'UPDATE "person" SET "phone" = %s WHERE "id" = %s RETURNING "id", "phone"'
    for phone in ("0611111111", "0622222222"):
        assert run(conn, returning, (phone, 1)) == [(1, phone)]
    assert isinstance(conn.statements[returning], str)


def test_a_statement_whose_result_changed_under_it_runs_as_text_again(connect):
    """A migration that changes what a prepared SELECT returns ("cached plan must not change
    result type"): outside a transaction the statement runs as text at once, and from then on."""
    conn, other = connect(), connect(prepared=False)
    run(other, 'CREATE TABLE "probe" ("a" integer)')
    run(other, 'INSERT INTO "probe" VALUES (1), (2)')
    sql = 'SELECT * FROM "probe" WHERE "a" >= %s ORDER BY "a"'
    assert run(conn, sql, (1,)) == [(1,), (2,)]
    assert run(conn, sql, (1,)) == [(1,), (2,)]
    assert isinstance(conn.statements[sql], str)
    run(other, 'ALTER TABLE "probe" ADD COLUMN "b" text DEFAULT %s', ("x",))
    assert run(conn, sql, (2,)) == [(2, "x")]
    assert conn.statements[sql] is pgprepared._UNPREPARABLE
    assert server_statements(conn) == {}
    assert run(conn, sql, (1,)) == [(1, "x"), (2, "x")]


def test_a_statement_dropped_by_the_server_runs_as_text(connect):
    conn = connect()
    sql = 'SELECT "id" FROM "person" WHERE "id" = %s'
    run(conn, sql, (1,))
    run(conn, sql, (1,))
    run(conn, "DEALLOCATE ALL")
    assert run(conn, sql, (1,)) == [(1,)]
    assert conn.statements[sql] is pgprepared._UNPREPARABLE


def test_a_connection_prepares_a_bounded_number_of_statements(connect, monkeypatch):
    monkeypatch.setattr(pgprepared, "MAX_PREPARED", 2)
    monkeypatch.setattr(pgprepared, "MAX_COUNTED", 3)
    conn = connect()
    texts = [f'SELECT "id" FROM "person" WHERE "id" = %s AND {n} = {n}' for n in range(6)]
    for sql in texts:
        for _ in range(3):
            assert run(conn, sql, (1,)) == [(1,)]
    assert len(server_statements(conn)) == 2
    assert sum(isinstance(v, str) for v in conn.statements.values()) == 2
    assert len(conn.statements) == 3  # two prepared, one counted, the rest not kept


def test_the_app_prepares_what_its_pages_ask_on_every_request(app, login_as):
    """A page asked again runs its statements prepared: the session lookup, the relations and
    the journal's insert are among them, and the page is the same."""
    from portal.extensions import db
    client = login_as("camille")
    first = client.get("/dossier/")
    assert first.status_code == 200
    for _ in range(2):
        again = client.get("/dossier/")
        assert again.status_code == 200
    assert again.get_data(as_text=True).count("Camille") == \
        first.get_data(as_text=True).count("Camille")
    prepared = {}
    for _timestamp, _key, conn in db.obj._connections:
        listed = server_statements(conn)
        assert set(listed) == {v for v in conn.statements.values() if isinstance(v, str)}
        prepared.update(listed)
    texts = "\n".join(prepared.values())
    for table in ('"user_session"', '"activity_event"', '"delegation"', '"profile_allergy"'):
        assert table in texts


def test_prepared_statements_can_be_turned_off(pg_url, seeded_postgres, tmp_path):
    """DATABASE_PREPARED_STATEMENTS=0 (behind a pooler that switches server connections)."""
    from conftest import _close_pool
    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import db
    assert TestConfig.DATABASE_PREPARED_STATEMENTS is True  # on unless turned off
    application = create_app(TestConfig, DATABASE_URL=pg_url, STORAGE_DIR=str(tmp_path),
                             DATABASE_PREPARED_STATEMENTS=False)
    try:
        with application.app_context():
            db.execute_sql("SELECT 1").fetchone()
            assert not isinstance(db.connection(), PreparingConnection)
        on = create_app(TestConfig, DATABASE_URL=pg_url, STORAGE_DIR=str(tmp_path))
        with on.app_context():
            assert isinstance(db.connection(), PreparingConnection)
    finally:
        if not db.is_closed():
            db.close()
        _close_pool(db)
