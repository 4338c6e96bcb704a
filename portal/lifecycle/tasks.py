"""The worker makes each proof's PDF (once), and deletes expired ones."""
import logging

from flask_babel import force_locale
from flask_babel import gettext as _
from huey import crontab

from ..accounts.models import Account, utcnow
from ..documents.store import delete_blob, store_blob
from ..extensions import huey
from .models import CLOSURE, Proof

LOGGER = logging.getLogger("carnet.lifecycle")


def run_proof(proof_id):
    """Render a proof's PDF; claimed by a conditional UPDATE so that it runs once."""
    from ..pdf import render_pdf
    proof = Proof.get_or_none(Proof.id == proof_id)
    if proof is None or proof.status != "queued":
        return False
    closure = proof.closure
    person = closure.person
    account = Account.get_or_none(Account.person == person.id)
    with force_locale(proof.language):
        title = (_("Attestation de fermeture de l’espace santé") if closure.kind == CLOSURE
                 else _("Attestation d’opposition à l’ouverture de l’espace santé"))
    try:
        data = render_pdf("lifecycle_proof.html", locale=proof.language, paper_title=title,
                          closure=closure, person=person, account=account, issued_at=utcnow(),
                          reference=f"C-{closure.id:06d}")
        stored = store_blob(data, filename="attestation.pdf")
    except Exception:  # said on the proof's page; never left "queued" for ever
        LOGGER.exception("proof %s failed", proof_id)
        Proof.update(status="failed").where(Proof.id == proof.id).execute()
        return False
    claimed = Proof.update(status="done", storage_key=stored["storage_key"],
                           size=stored["size"]).where(Proof.id == proof.id,
                                                      Proof.status == "queued").execute()
    if not claimed:
        delete_blob(stored["storage_key"])
    return bool(claimed)


@huey.task()
def render_proof(proof_id):
    """Render a closure's or an opposition's proof (outside the web request)."""
    from ..tasks import app_context
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
    from ..tasks import app_context
    with app_context():
        purge_proofs()
