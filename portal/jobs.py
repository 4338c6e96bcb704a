"""The worker's lease rule for a job table (closure proofs, data exports): a row is taken by a
conditional UPDATE (queued → running, attempts + 1), so only one worker has it; a row left
running past its lease (its worker died) goes back to the queue, at most `max_attempts` times
in all, then fails (its page says so); a row queued and not taken within the lease (the queue
lost it) is handed over again (db.hand_over_again). The model needs the columns status,
attempts, claimed_at and enqueued_at."""
import logging

from .accounts.models import utcnow
from .db import hand_over_again

LOGGER = logging.getLogger("carnet.jobs")


def claim(model, job_id):
    """Take a queued row (queued → running): True for the one worker that got it."""
    return model.update(status="running", claimed_at=utcnow(),
                        attempts=model.attempts + 1).where(
        model.id == job_id, model.status == "queued").execute() == 1


def sweep(model, task, *, lease, max_attempts, now=None, on_failed=None):
    """Hand again to the queue the rows a dead worker left running (or fail them after
    `max_attempts`; `on_failed(row_id)` is then called once), and the rows the queue lost;
    returns how many were handed over."""
    now = now or utcnow()
    stale = now - lease
    for row in list(model.select(model.id, model.attempts, model.claimed_at).where(
            model.status == "running", model.claimed_at <= stale)):
        status = "queued" if row.attempts < max_attempts else "failed"
        changed = model.update(status=status, claimed_at=None).where(
            model.id == row.id, model.status == "running",
            model.claimed_at == row.claimed_at).execute()
        LOGGER.warning("%s %s was left running by a worker: %s", model.__name__, row.id, status)
        if changed and status == "failed" and on_failed is not None:
            on_failed(row.id)
    return hand_over_again(model, task, queued="queued", stale=stale, now=now)
