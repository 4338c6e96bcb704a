"""The worker's side of exports: build the ZIP into a temporary file (bounded memory), store
it encrypted in parts, tell the requester by e-mail; sweep() hands again to the queue what a
dead worker left (portal/jobs.py, like the closure proofs); purge() deletes ZIPs after 7 days."""
import logging
import tempfile

from ..rendering import lazy_gettext as _l
from huey import crontab

from .. import audit, jobs
from ..accounts.models import utcnow
from ..documents.store import delete_file, store_file
from ..extensions import huey
from ..links import public_url
from ..mail import send
from ..policy import EXPORT_REQUEST, relation_to, token_holds
from .archive import write_export
from .models import DONE, EXPIRED, FAILED, KEPT_FOR, LEASE, MAX_ATTEMPTS, RUNNING, ExportJob

LOGGER = logging.getLogger("carnet.export")
# The ZIP is written to disk, not memory, until it is this big (then it spills to a file).
SPOOL_BYTES = 8 * 1024 * 1024


def _failed(job_id, reason):
    if ExportJob.update(status=FAILED, error=reason, finished_at=utcnow()).where(
            ExportJob.id == job_id, ExportJob.status == RUNNING).execute():
        job = ExportJob.get_by_id(job_id)
        audit.record("export.failed", actor=job.requested_by, patient=job.patient,
                     obj_type="export", obj_id=job_id, outcome="error", detail=reason)
    return False


def run_export(job_id):
    """Build one export; claimed first (portal/jobs.py), so it runs once. The requester's
    access is checked again: a guardianship that ended since the request exports nothing."""
    if not jobs.claim(ExportJob, job_id):
        return False
    job = ExportJob.get_by_id(job_id)
    account = job.requested_by
    relation = relation_to(account, job.patient_id)
    if not token_holds(job.patient_id, account, EXPORT_REQUEST):
        return _failed(job_id, "access")
    try:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            files = write_export(job, relation, spool)
            spool.seek(0)
            stored = store_file(spool)
    except Exception:  # said on the page; never left "running" for ever
        LOGGER.exception("export %s failed", job_id)
        return _failed(job_id, "failed")
    now = utcnow()
    done = ExportJob.update(status=DONE, finished_at=now, expires_at=now + KEPT_FOR,
                            storage_key=stored["storage_key"], parts=stored["parts"],
                            size=stored["size"], files=files).where(
        ExportJob.id == job_id, ExportJob.status == RUNNING).execute()
    if not done:  # the sweeper gave it to another worker meanwhile: that one keeps its copy
        delete_file(stored["storage_key"], stored["parts"])
        return False
    audit.record("export.generated", actor=account, patient=job.patient, via=relation.kind,
                 obj_type="export", obj_id=job_id,
                 detail=f"files={files} bytes={stored['size']}")
    _tell(job, account)
    return True


def _tell(job, account):
    """The e-mail saying the export is ready, in the requester's language: a link to the page
    (where one logs in), never to the file."""
    if not account.email:
        return
    send(account.email, _l("Carnet : vos données sont prêtes à télécharger"),
         _l("L’export des données de l’espace santé que vous avez demandé est prêt.\n\n"
            "Connectez-vous à Carnet pour le télécharger, depuis la page « Télécharger mes "
            "données » de l’espace concerné :\n%(link)s\n\nIl restera disponible 7 jours, "
            "puis il sera supprimé.\n\nSi vous n’êtes pas à l’origine de cette demande, "
            "changez votre mot de passe et prévenez votre caisse d’Assurance Maladie.",
            link=public_url("export.index")), caused_by=account)


@huey.task()
def build_export(job_id):
    """Build a data export (outside the web request)."""
    from ..worker import app_context
    with app_context():
        return run_export(job_id)


def sweep(now=None):
    """Exports a dead worker left running go back to the queue (3 tries in all)."""
    return jobs.sweep(ExportJob, build_export, lease=LEASE, max_attempts=MAX_ATTEMPTS, now=now)


def purge(now=None):
    """Delete the ZIPs whose 7 days are over; their rows stay "expired" (the page says so)."""
    now = now or utcnow()
    count = 0
    for job in list(ExportJob.select().where(ExportJob.status == DONE,
                                             ExportJob.expires_at <= now)):
        if ExportJob.update(status=EXPIRED, storage_key=None).where(
                ExportJob.id == job.id, ExportJob.status == DONE).execute():
            delete_file(job.storage_key, job.parts)
            audit.record("export.expired", patient=job.patient, obj_type="export",
                         obj_id=job.id)
            count += 1
    return count


@huey.periodic_task(crontab(minute="25"))
def purge_expired_exports():
    """Hourly: exports older than 7 days are deleted."""
    from ..worker import app_context
    with app_context():
        purge()


@huey.periodic_task(crontab(minute="*"))
def sweep_stuck_exports():
    """Every minute: exports a dead worker left, or the queue lost, are handed over again."""
    from ..worker import app_context
    with app_context():
        sweep()
