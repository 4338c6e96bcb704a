"""Ending a print job whose access has ended: apart from the worker's tasks so that the policy
(`policy.revoke_lapsed_tokens`) can call it without importing the worker, which reads the policy
(an import cycle otherwise)."""
from ..accounts.models import utcnow
from ..documents.store import delete_blob
from .models import DONE, EXPIRED, FAILED, QUEUED, RUNNING, PrintJob


def revoke_job(job):
    """The access that asked for `job` has ended (policy.revoke_lapsed_tokens): its file is
    deleted now, and a job not yet made will print nothing. Returns 1 if this call did it."""
    if job.status == DONE:
        claimed = PrintJob.update(status=EXPIRED, storage_key=None).where(
            PrintJob.id == job.id, PrintJob.status == DONE).execute()
        if claimed and job.storage_key:
            delete_blob(job.storage_key)
    else:
        claimed = PrintJob.update(status=FAILED, error="access", finished_at=utcnow()).where(
            PrintJob.id == job.id, PrintJob.status.in_((QUEUED, RUNNING))).execute()
    return claimed
