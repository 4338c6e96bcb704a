"""The huey consumer's entry point: `huey_consumer portal.tasks.huey` imports every area's tasks
and names the app they run in (portal/worker.py). Nothing in the app imports this module."""
import logging

from . import create_app
from .extensions import huey
from .worker import app_context, use_factory
from . import mail  # noqa: F401  (registers the mail task)
from .accounts import tasks as _account_tasks  # noqa: F401
from .agenda import tasks as _agenda_tasks  # noqa: F401
from .connect import tasks as _connect_tasks  # noqa: F401
from .audit import tasks as _journal_tasks  # noqa: F401
from .documents import tasks as _document_tasks  # noqa: F401
from .documents import orphans as _orphan_tasks  # noqa: F401
from .export import tasks as _export_tasks  # noqa: F401
from .lifecycle import tasks as _lifecycle_tasks  # noqa: F401
from .prevention import tasks as _prevention_tasks  # noqa: F401
from .proxies import tasks as _proxy_tasks  # noqa: F401
from .summary import tasks as _summary_tasks  # noqa: F401

use_factory(create_app)


@huey.on_startup()
def recover_left_work():
    """A worker that starts (again) hands over at once what a dead one left: each area's sweep,
    which runs every minute anyway, with the same leases."""
    from .export.tasks import sweep as sweep_exports
    from .lifecycle.tasks import sweep_proofs
    from .summary.tasks import sweep as sweep_print_jobs
    try:
        with app_context():
            for sweep in (mail.sweep, sweep_print_jobs, sweep_proofs, sweep_exports):
                sweep()
    except Exception:  # a worker starting before its database is ready still starts
        logging.getLogger("carnet.tasks").exception("recovery at start-up failed")
