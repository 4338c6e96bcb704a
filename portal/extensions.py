"""Extension objects created once, bound to the app in create_app()."""
import os
from urllib.parse import urlparse

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from huey import RedisHuey, SqliteHuey
from peewee import DatabaseProxy

from .config import INSTANCE
from .request_tx import after_commit, in_request_transaction

db = DatabaseProxy()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)


class _AfterCommit:
    """Tasks queued while a request's transaction is open are sent once it commits (and never
    when it rolls back): a worker must not look for rows that are not there yet, nor send the
    e-mail of an action that did not happen."""

    def enqueue(self, task):
        if in_request_transaction():
            after_commit(lambda: super(_AfterCommit, self).enqueue(task))
            return None
        return super().enqueue(task)


class CarnetRedisHuey(_AfterCommit, RedisHuey):
    pass


class CarnetSqliteHuey(_AfterCommit, SqliteHuey):
    pass


def make_huey(url=None, immediate=None):
    """The queue: SQLite file of its own by default, Redis when HUEY_URL says so."""
    url = url or os.environ.get("HUEY_URL") or f"sqlite:///{INSTANCE / 'huey.db'}"
    if immediate is None:
        immediate = os.environ.get("HUEY_IMMEDIATE", "").lower() in {"1", "true", "yes"}
    if url.startswith("redis"):
        return CarnetRedisHuey("carnet", url=url, immediate=immediate)
    path = urlparse(url).path if url.startswith("sqlite:") else url
    if path.startswith("//"):
        path = path[1:]
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    return CarnetSqliteHuey("carnet", filename=path, immediate=immediate)


huey = make_huey()
