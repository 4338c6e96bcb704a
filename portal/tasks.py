"""The huey consumer's entry point: `huey_consumer portal.tasks.huey` imports every area's tasks."""
import logging
from contextlib import contextmanager

from flask import current_app, has_app_context

from .extensions import db, huey

_worker_app = None


@contextmanager
def app_context():
    """Run task code inside the current app (tests, immediate mode) or the worker's own app."""
    global _worker_app
    if has_app_context():
        yield current_app._get_current_object()
        return
    if _worker_app is None:
        from . import create_app
        _worker_app = create_app()
    with _worker_app.app_context():
        # The app context's teardown releases the connection (back to the pool on PostgreSQL;
        # kept by this worker thread on SQLite, see portal/db.py).
        db.connect(reuse_if_open=True)
        yield _worker_app


from . import mail  # noqa: E402,F401  (registers the mail task)
from .accounts import tasks as _account_tasks  # noqa: E402,F401
from .agenda import tasks as _agenda_tasks  # noqa: E402,F401
from .audit import tasks as _journal_tasks  # noqa: E402,F401
from .documents import tasks as _document_tasks  # noqa: E402,F401
from .documents import orphans as _orphan_tasks  # noqa: E402,F401
from .lifecycle import tasks as _lifecycle_tasks  # noqa: E402,F401
from .prevention import tasks as _prevention_tasks  # noqa: E402,F401
from .proxies import tasks as _proxy_tasks  # noqa: E402,F401
from .summary import tasks as _summary_tasks  # noqa: E402,F401



@huey.on_startup()
def recover_left_work():
    """A worker that starts (again) hands over at once what a dead one left: each area's sweep,
    which runs every minute anyway, with the same leases."""
    from .lifecycle.tasks import sweep_proofs
    from .summary.tasks import sweep as sweep_print_jobs
    try:
        with app_context():
            for sweep in (mail.sweep, sweep_print_jobs, sweep_proofs):
                sweep()
    except Exception:  # a worker starting before its database is ready still starts
        logging.getLogger("carnet.tasks").exception("recovery at start-up failed")
