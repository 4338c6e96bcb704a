"""The worker makes each proof's PDF (once), and deletes expired ones. A worker that dies
while making one leaves it "running": sweep_proofs() hands it to the queue again."""
import logging

from flask_babel import force_locale
from flask_babel import gettext as _
from huey import crontab

from ..accounts.models import Account, utcnow
from ..documents.store import delete_blob, store_blob
from .. import jobs
from ..extensions import huey
from .models import CLOSURE, PROOF_LEASE, PROOF_MAX_ATTEMPTS, Proof

LOGGER = logging.getLogger("carnet.lifecycle")


def claim_proof(proof_id):
    """Take a queued proof (queued → running): only one worker has it (portal/jobs.py)."""
    return jobs.claim(Proof, proof_id)


def run_proof(proof_id):
    """Render a proof's PDF; claimed first, so that it runs once."""
    from ..pdf import render_pdf
    if not claim_proof(proof_id):
        return False
    proof = Proof.get_by_id(proof_id)
    closure = proof.closure
    person = closure.person
    account = Account.get_or_none(Account.person == person.id)
    with force_locale(proof.language):
        if closure.kind == CLOSURE and closure.deletion_requested_at:
            title = _("Attestation de fermeture et de demande de suppression de l’espace santé")
        elif closure.kind == CLOSURE:
            title = _("Attestation de fermeture de l’espace santé")
        else:
            title = _("Attestation d’opposition à l’ouverture de l’espace santé")
    try:
        data = render_pdf("lifecycle_proof.html", locale=proof.language, paper_title=title,
                          closure=closure, person=person, account=account, issued_at=utcnow(),
                          reference=f"C-{closure.id:06d}")
        stored = store_blob(data, filename="attestation.pdf")
    except Exception:  # said on the proof's page; never left "queued" for ever
        LOGGER.exception("proof %s failed", proof_id)
        Proof.update(status="failed").where(Proof.id == proof.id,
                                            Proof.status == "running").execute()
        return False
    done = Proof.update(status="done", storage_key=stored["storage_key"],
                        size=stored["size"]).where(Proof.id == proof.id,
                                                   Proof.status == "running").execute()
    if not done:  # the sweeper gave it to another worker meanwhile: that one keeps its copy
        delete_blob(stored["storage_key"])
    return bool(done)


def sweep_proofs(now=None):
    """Hand again to the queue the proofs a dead worker left running (up to
    PROOF_MAX_ATTEMPTS tries, then failed: the page says so) and the ones the queue lost;
    returns how many were handed over (portal/jobs.py)."""
    return jobs.sweep(Proof, render_proof, lease=PROOF_LEASE, max_attempts=PROOF_MAX_ATTEMPTS,
                      now=now)


@huey.task()
def render_proof(proof_id):
    """Render a closure's or an opposition's proof (outside the web request)."""
    from ..worker import app_context
    with app_context():
        return run_proof(proof_id)


def purge_proofs(now=None):
    now = now or utcnow()
    count = 0
    for proof in list(Proof.select().where(Proof.status == "done", Proof.expires_at <= now)):
        if Proof.update(status="expired", storage_key=None).where(
                Proof.id == proof.id, Proof.status == "done").execute():
            delete_blob(proof.storage_key)
            count += 1
    return count


@huey.periodic_task(crontab(minute="20"))
def purge_expired_proofs():
    """Hourly: proofs whose private link expired are deleted."""
    from ..worker import app_context
    with app_context():
        purge_proofs()


@huey.periodic_task(crontab(minute="*"))
def sweep_stuck_proofs():
    """Every minute: proofs a dead worker left, or the queue lost, are handed over again."""
    from ..worker import app_context
    with app_context():
        sweep_proofs()


@huey.periodic_task(crontab(minute="35"))
def delete_due_spaces_task():
    """Hourly: the spaces due for deletion (10 years after closing, or the early deletion the
    person asked for) are deleted, in batches; a run that finds none does nothing."""
    from ..worker import app_context
    from .deletion import delete_due_spaces
    with app_context():
        delete_due_spaces()
