"""Database wiring: one connection per request, IMMEDIATE write transactions on SQLite."""
import os
from urllib.parse import unquote, urlparse

from peewee import Model, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect

from .extensions import db

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


def open_database(url):
    """A peewee database for DATABASE_URL: SQLite file (pragmas set) or PostgreSQL."""
    if url.startswith("sqlite:"):
        # sqlite:///relative/path or sqlite:////absolute/path
        path = unquote(urlparse(url).path)[1:]
        if path not in ("", ":memory:"):
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        return SqliteDatabase(path or ":memory:", pragmas=SQLITE_PRAGMAS)
    return connect(url)


def init_app(app):
    """Bind the proxy to the configured database and open/close a connection per request."""
    db.initialize(open_database(app.config["DATABASE_URL"]))

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(exc):
        if not db.is_closed() and db.transaction_depth() == 0:
            db.close()


def is_sqlite():
    """True when the bound database is SQLite."""
    return isinstance(db.obj, SqliteDatabase)


def is_postgres():
    """True when the bound database is PostgreSQL."""
    return isinstance(db.obj, PostgresqlDatabase)


def write_tx():
    """A transaction for writes that read first: BEGIN IMMEDIATE on SQLite, so workers queue
    on the write lock at the start instead of failing with 'database is locked' later."""
    if is_sqlite():
        return db.atomic("IMMEDIATE")
    return db.atomic()
