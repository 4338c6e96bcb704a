"""Connected services' periodic work: settling the re-approvals whose deadline has passed
(rights.lapse_reapprovals). Hourly: a deadline is 30 days away, an hour late changes nothing
the person can see (the new rights were never granted meanwhile)."""
from huey import crontab

from ..extensions import huey
from . import rights


@huey.periodic_task(crontab(minute="5"))
def reapproval_deadlines():
    """Every hour: the consents whose service's re-approval deadline has passed."""
    from ..worker import app_context
    with app_context():
        rights.lapse_reapprovals()
