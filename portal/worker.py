"""The app a background task runs in.

Task code runs inside the current app when there is one (tests, HUEY_IMMEDIATE, a `flask`
command); in the huey consumer there is none, so the consumer's entry point, `portal.tasks`,
names the factory that makes it (`use_factory(create_app)`) and the first task makes it once
per process. This module imports nothing of the areas: every task module can import it
without reaching back to the app factory (which imports the areas).
"""
from contextlib import contextmanager

from flask import current_app, has_app_context

from .extensions import db

_factory = None
_worker_app = None


def use_factory(factory):
    """Name the app factory the consumer's tasks run in (called by portal.tasks)."""
    global _factory
    _factory = factory


@contextmanager
def app_context():
    """Run task code inside the current app (tests, immediate mode) or the worker's own app."""
    global _worker_app
    if has_app_context():
        yield current_app._get_current_object()
        return
    if _worker_app is None:
        if _factory is None:
            raise RuntimeError("no app for this task: start the consumer with "
                               "`huey_consumer portal.tasks.huey`")
        _worker_app = _factory()
    with _worker_app.app_context():
        # The app context's teardown releases the connection (back to the pool on PostgreSQL;
        # kept by this worker thread on SQLite, see portal/db.py).
        db.connect(reuse_if_open=True)
        yield _worker_app
