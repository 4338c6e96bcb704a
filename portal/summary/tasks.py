"""The worker's side of printing: render a job's PDF in a separate, limited process, keep it
encrypted, and remove generated files once they expire.

A worker can die at any point (killed, out of memory, machine restarted). While it renders, it
beats (heartbeat_at, every HEARTBEAT_EVERY); sweep(), every minute and when a worker starts,
fails a running job not heard from within HEARTBEAT_LEASE ("interrupted": its page says so and
offers to ask again), and hands again to the queue a job still queued after QUEUE_LEASE."""
import logging

from flask import current_app
from flask_babel import force_locale
from huey import crontab

from .. import audit
from ..accounts.models import Account, utcnow
from ..db import hand_over_again
from ..documents.store import Rejected, delete_blob, store_blob
from ..extensions import huey
from ..pdf import RenderFailed, render_html, render_isolated
from ..policy import SUMMARY_DOWNLOAD, relation_to, revoke_lapsed_tokens, token_holds
from . import content
from .models import (CARD, DONE, EXPIRED, FAILED, HEARTBEAT_EVERY, HEARTBEAT_LEASE, KEPT_FOR,
                     QUEUE_LEASE, QUEUED, ROWS_KEPT_FOR, RUNNING, PrintJob)

LOGGER = logging.getLogger("carnet.summary")


def _fail(job_id, reason, *conditions):
    """Fail a running job (once: journaled only by the call that changed it)."""
    failed = PrintJob.update(status=FAILED, error=reason, finished_at=utcnow()).where(
        PrintJob.id == job_id, PrintJob.status == RUNNING, *conditions).execute()
    if failed:
        job = PrintJob.get_by_id(job_id)
        audit.record("summary.failed", actor=job.requested_by, patient=job.patient,
                     obj_type="print_job", obj_id=job_id, outcome="error", detail=reason)
    return bool(failed)


def claim(job_id):
    """Take a queued job (queued → running): a conditional UPDATE, so only one worker has it."""
    now = utcnow()
    return PrintJob.update(status=RUNNING, started_at=now, heartbeat_at=now).where(
        PrintJob.id == job_id, PrintJob.status == QUEUED).execute() == 1


def _beat(job_id):
    PrintJob.update(heartbeat_at=utcnow()).where(PrintJob.id == job_id,
                                                 PrintJob.status == RUNNING).execute()


def html_for(job, relation_kind):
    """The job's HTML, in its language (the worker and the benchmark call this)."""
    patient = job.patient
    common = {"patient": patient, "author": content.author_of(job.requested_by, patient,
                                                              relation_kind)}
    with force_locale(job.language):
        printed = content.printed_at()
        if job.kind == CARD:
            return render_html("emergency_card.html", locale=job.language,
                               card=content.card(patient), printed_at=printed, **common)
        return render_html("summary.html", locale=job.language,
                           summary=content.summary(patient, job.section_list),
                           printed_at=printed, **common)


def run_job(job_id):
    """Make one job's PDF. Claimed by a conditional UPDATE (queued → running), so a job runs
    once even if the task is delivered twice. The requester's access is checked again: a
    relationship that ended since the request prints nothing."""
    if not claim(job_id):
        return False
    job = PrintJob.get_by_id(job_id)
    account = Account.get_by_id(job.requested_by_id)
    if not token_holds(job.patient_id, account, SUMMARY_DOWNLOAD):
        _fail(job_id, "access")
        return False
    relation = relation_to(account, job.patient_id)
    config = current_app.config
    try:
        html = html_for(job, relation.kind)
        rendered = render_isolated(html, static_root=current_app.static_folder,
                                   timeout=config["SUMMARY_RENDER_TIMEOUT"],
                                   memory_mb=config["SUMMARY_RENDER_MEMORY_MB"],
                                   heartbeat=lambda: _beat(job_id),
                                   heartbeat_every=HEARTBEAT_EVERY.total_seconds())
        name = "carte-urgence.pdf" if job.kind == CARD else "ma-synthese.pdf"
        stored = store_blob(rendered.pdf, filename=name)
    except RenderFailed as exc:
        LOGGER.warning("print job %s failed: %s", job_id, exc)
        _fail(job_id, exc.reason)
        return False
    except Rejected:
        _fail(job_id, "too_big")
        return False
    except Exception:  # a bug must not leave the job "running" for ever: say it failed
        LOGGER.exception("print job %s failed", job_id)
        _fail(job_id, "failed")
        return False
    pages = rendered.pages
    now = utcnow()
    updated = PrintJob.update(
        status=DONE, finished_at=now, expires_at=now + KEPT_FOR,
        storage_key=stored["storage_key"], size=stored["size"], sha256=stored["sha256"],
        pages=pages, render_ms=round(rendered.seconds * 1000), peak_kb=rendered.peak_kb).where(
        PrintJob.id == job_id, PrintJob.status == RUNNING).execute()
    if not updated:  # removed meanwhile (the person deleted it, or it expired): keep nothing
        delete_blob(stored["storage_key"])
        return False
    audit.record("summary.generated", actor=account, patient=job.patient, via=relation.kind,
                 obj_type="print_job", obj_id=job_id,
                 detail=f"{job.kind} {job.language} {job.sections} pages={pages}")
    return True


@huey.task()
def render_job(job_id):
    """Render a print job's PDF (outside the web request)."""
    from ..worker import app_context
    with app_context():
        return run_job(job_id)


def purge(now=None):
    """Delete expired files (their rows say "expired" for a while, then go), and files whose
    access has ended (an access that simply ran out, as a mandate's end date)."""
    now = now or utcnow()
    revoke_lapsed_tokens_of_print_jobs()
    expired = 0
    for job in list(PrintJob.select().where(PrintJob.status == DONE, PrintJob.expires_at <= now)):
        claimed = PrintJob.update(status=EXPIRED, storage_key=None).where(
            PrintJob.id == job.id, PrintJob.status == DONE).execute()
        if claimed:
            if job.storage_key:
                delete_blob(job.storage_key)
            expired += 1
    PrintJob.delete().where(PrintJob.status.in_((EXPIRED, FAILED)),
                            PrintJob.created_at <= now - ROWS_KEPT_FOR).execute()
    return expired


def _silent_since(moment):
    """A running job whose worker has not been heard from since `moment`."""
    return (PrintJob.status == RUNNING) & (
        (PrintJob.heartbeat_at <= moment) |
        (PrintJob.heartbeat_at.is_null() & (PrintJob.started_at <= moment)))


def sweep(now=None):
    """Fail the jobs whose worker died, and hand again to the queue the jobs it lost; returns
    how many jobs were failed or handed over."""
    now = now or utcnow()
    silent = _silent_since(now - HEARTBEAT_LEASE)
    count = 0
    for job in list(PrintJob.select(PrintJob.id).where(silent)):
        if _fail(job.id, "interrupted", silent):
            LOGGER.warning("print job %s: its worker stopped, failed", job.id)
            count += 1
    return count + hand_over_again(PrintJob, render_job, queued=QUEUED,
                                   stale=now - QUEUE_LEASE, now=now)


def interrupted(job):
    """The job as its page should show it: one whose worker died is failed now, without
    waiting for the sweeper (the same rule)."""
    if job.abandoned():
        _fail(job.id, "interrupted", _silent_since(utcnow() - HEARTBEAT_LEASE))
        return PrintJob.get_by_id(job.id)
    return job


@huey.periodic_task(crontab(minute="*"))
def sweep_print_jobs():
    """Every minute: jobs whose worker died fail, jobs the queue lost are handed over again."""
    from ..worker import app_context
    with app_context():
        sweep()


def revoke_lapsed_tokens_of_print_jobs():
    """The print jobs alive now whose requester no longer reaches the space (policy rule)."""
    for space_id in {job.patient_id for job in PrintJob.select(PrintJob.patient).where(
            PrintJob.status.in_((QUEUED, RUNNING, DONE)))}:
        revoke_lapsed_tokens(space_id=space_id, kinds=("print",))



@huey.periodic_task(crontab(minute="*/10"))
def purge_print_jobs():
    """Every ten minutes: expired generated files are deleted."""
    from ..worker import app_context
    with app_context():
        purge()

