"""Periodic housekeeping for accounts."""
from huey import crontab

from ..extensions import huey
from .models import OneTimeCode, utcnow
from .sessions import purge_expired


@huey.periodic_task(crontab(minute="*/10"))
def purge_sessions_and_codes():
    """Delete expired sessions and spent codes (idempotent)."""
    from ..worker import app_context
    with app_context() as app:
        purge_expired(app)
        OneTimeCode.delete().where(OneTimeCode.expires_at < utcnow()).execute()
