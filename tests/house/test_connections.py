"""Database connections: SQLite threads keep theirs between requests (no WAL checkpoint on every
close); PostgreSQL connections come from a pool per process, opened lazily (nothing while the
app is created), given back at the end of each request or task, and never shared with a forked
child."""
import os
import threading

import pytest


def test_a_sqlite_thread_keeps_its_connection_and_the_wal_between_requests(app, login_as):
    """Closing the last connection of a WAL database checkpoints it and deletes the -wal file:
    a request must not pay that. The connection stays open and the WAL file stays."""
    from portal.extensions import db
    client = login_as("camille")
    assert client.get("/dossier/").status_code == 200
    assert not db.is_closed()
    first = db.connection()
    path = db.obj.database
    assert os.path.exists(path + "-wal")
    assert client.get("/agenda/").status_code == 200
    assert db.connection() is first
    assert os.path.exists(path + "-wal")


@pytest.fixture
def pg_app(pg_url, seeded_postgres, tmp_path):
    """The app on a fresh copy of the seeded PostgreSQL database, with a small pool."""
    from conftest import _admin_execute
    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import db
    name = pg_url.rsplit("/", 1)[1]
    _admin_execute(pg_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
                   f"CREATE DATABASE {name} TEMPLATE carnet_seed")
    application = create_app(TestConfig, DATABASE_URL=pg_url, STORAGE_DIR=str(tmp_path),
                             DATABASE_POOL_SIZE=3, DATABASE_POOL_TIMEOUT=0.3)
    yield application
    db.obj.close_all()


def backend_pid():
    from portal.extensions import db
    return db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]


def test_postgresql_urls_open_a_pool_with_the_configured_size_and_timeout(pg_app):
    from playhouse.pool import PooledPostgresqlDatabase

    from portal.db import open_database
    from portal.extensions import db
    assert isinstance(db.obj, PooledPostgresqlDatabase)
    assert db.obj._max_connections == 3 and db.obj._wait_timeout == 0.3
    # The spellings people write all give the pool.
    for url in ("postgres://u@127.0.0.1/x", "postgresql+pool://u@127.0.0.1/x"):
        assert isinstance(open_database(url), PooledPostgresqlDatabase)


def test_creating_the_app_opens_no_connection(pg_app):
    """gunicorn forks its workers after loading the app (with --preload): a connection opened
    while creating it would be shared by every worker."""
    from portal.extensions import db
    assert db.is_closed()
    assert db.obj._in_use == {} and db.obj._connections == []


def test_a_request_takes_a_pooled_connection_and_gives_it_back(pg_app):
    from portal.extensions import db
    client = pg_app.test_client()
    # A session cookie to look up: an anonymous visit without one needs no database at all.
    client.set_cookie(pg_app.config["SESSION_COOKIE_NAME"], "unknown-session")
    assert client.get("/connexion").status_code == 200
    assert db.is_closed() and db.obj._in_use == {}
    assert len(db.obj._connections) == 1
    pooled = db.obj._connections[0][2]
    assert client.get("/connexion").status_code == 200
    assert db.obj._in_use == {} and len(db.obj._connections) == 1
    assert db.obj._connections[0][2] is pooled  # the same server connection, reused


def test_a_full_pool_makes_a_caller_wait_then_fail(pg_app):
    from playhouse.pool import MaxConnectionsExceeded

    from portal.extensions import db
    held = threading.Barrier(4)
    release = threading.Event()

    def hold():
        db.connect()
        held.wait()
        release.wait(5)
        db.close()

    threads = [threading.Thread(target=hold) for _ in range(3)]
    for thread in threads:
        thread.start()
    held.wait()
    try:
        with pytest.raises(MaxConnectionsExceeded):
            db.connect()
    finally:
        release.set()
        for thread in threads:
            thread.join()
    db.connect()  # one came back
    db.close()


def test_a_forked_child_opens_its_own_connection_and_leaves_the_parents_alone(pg_app):
    from portal.extensions import db
    with pg_app.app_context():
        parent = backend_pid()  # the parent's connection, back in the pool at teardown
    assert len(db.obj._connections) == 1
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: a request, then report which server process answered
        code = 1
        try:
            os.close(read)
            with pg_app.app_context():
                os.write(write, str(backend_pid()).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    answer = os.read(read, 100).decode()
    os.close(read)
    _, status = os.waitpid(child, 0)
    assert os.WEXITSTATUS(status) == 0 and answer
    assert int(answer) != parent
    with pg_app.app_context():
        assert backend_pid() == parent  # still the parent's own, still working


def test_a_worker_task_gives_its_connection_back(pg_app, monkeypatch):
    """The huey worker runs each task in its app's context: the connection returns to the
    pool when the task ends."""
    from portal import worker
    from portal.extensions import db
    monkeypatch.setattr(worker, "_worker_app", pg_app)
    with worker.app_context():
        backend_pid()
        assert len(db.obj._in_use) == 1
    assert db.obj._in_use == {} and len(db.obj._connections) == 1

