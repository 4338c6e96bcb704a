"""Asking for an export: one at a time per space, and at most one every ONE_EVERY."""
from flask import current_app

from .. import audit
from ..accounts.models import Person, utcnow
from ..db import is_postgres, write_tx
from .models import ACTIVE, DONE, EXPIRED, ONE_EVERY, ExportJob


def latest(space_id, account_id=None):
    """The newest export of a space (asked by `account_id` when given)."""
    query = ExportJob.of_space(space_id) if account_id is None else \
        ExportJob.of_requester(space_id, account_id)
    return query.order_by(ExportJob.created_at.desc(),
                                                 ExportJob.id.desc()).first()


def refusal(space_id, account_id, now=None):
    """Why `account_id` cannot ask for a new export of this space now: ("running", job) while
    one of the space is being built (whoever asked: the worker builds one at a time), ("recent",
    when the next may be asked) within ONE_EVERY of the last one this account had built (a
    failed one does not count: the person may ask again at once), else None. The day counts
    per requester: a holder's export never holds back her legal representative's, nor tells
    him when she took one."""
    now = now or utcnow()
    last = latest(space_id)
    if last is not None and last.status in ACTIVE:
        return ("running", last)
    built = ExportJob.of_requester(space_id, account_id).where(
        ExportJob.status.in_((DONE, EXPIRED))).order_by(ExportJob.created_at.desc()).first()
    if built is not None and built.created_at > now - ONE_EVERY:
        return ("recent", built.created_at + ONE_EVERY)
    return None


def _lock_space(space_id):
    """Serialise the asks for one space's export: SQLite's BEGIN IMMEDIATE (write_tx) already
    allows one writer; on PostgreSQL a transaction locks nothing by itself, so two asks at the
    same moment would both find none running and both queue one: lock the person's row."""
    if is_postgres():
        list(Person.select(Person.id).where(Person.id == space_id).for_update())


def request_export(space, account):
    """Record an export of `space` asked by `account` and hand it to the worker; returns
    (job, None), or (None, refusal) when one runs or was asked too recently. Checked and
    created under the write lock, so two clicks make one job."""
    language = account.language if account.language in current_app.config["LANGUAGES"] \
        else "fr"
    with write_tx():
        _lock_space(space.id)
        refused = refusal(space.id, account.id)
        if refused:
            return None, refused
        job = ExportJob.create(patient=space.id, requested_by=account.id, language=language)
    audit.record("export.requested", obj_type="export", obj_id=job.id)
    from .tasks import build_export
    build_export(job.id)
    return job, None
