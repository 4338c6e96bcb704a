"""Documents hidden from the patient until announced: a notice at two weeks, visible after a
month; and the e-mails telling a patient that a document arrived (never its content)."""
from ..rendering import lazy_gettext as _l
from huey import crontab

from .. import audit
from ..accounts.models import utcnow
from ..extensions import huey
from ..i18n import LazyDate, _n
from ..notifications import notify
from .models import HIDDEN_NOTICE_AFTER, Document


def _send(document, subject, sentence_for):
    """E-mail the patient and their legal representatives who may know the document exists
    (the record's visibility rule), each as their notification preferences say (kind
    "document"); `sentence_for(is_patient)` says what happened, never what it holds."""
    notify(document.patient_id, "document", subject, sentence_for, document=document)


def notify_new_document(document):
    """Tell the patient (and a minor's legal representatives) that a document is there to
    see, naming only its author."""
    author, name = document.author.display_name, document.patient.full_name
    _send(document, _l("Nouveau document dans Carnet"), lambda is_patient: (
        _n("Un nouveau document a été ajouté à votre dossier Carnet par %(author)s.",
           author=author) if is_patient else
        _n("Un nouveau document a été ajouté au dossier Carnet de %(name)s par %(author)s.",
           name=name, author=author)))


def _notify_waiting(document):
    facts = {"author": document.author.display_name, "name": document.patient.full_name,
             "date": LazyDate(document.created_at), "until": LazyDate(document.hidden_until)}
    _send(document, _l("Un document vous attend dans Carnet"), lambda is_patient: (
        _n("%(author)s a déposé un document dans votre dossier Carnet le %(date)s. Il vous sera "
           "présenté lors d’une consultation ; sinon, il deviendra visible dans votre dossier "
           "le %(until)s.", **facts) if is_patient else
        _n("%(author)s a déposé un document dans le dossier Carnet de %(name)s le %(date)s. Il "
           "sera présenté lors d’une consultation ; sinon, il deviendra visible dans le dossier "
           "le %(until)s.", **facts)))


def process_hidden_documents(now=None):
    """Send the two-week notice once, and show documents whose hiding period is over.
    Each change is claimed by a conditional UPDATE, so two runs never act twice."""
    now = now or utcnow()
    noticed = released = 0
    due_notice = Document.select(Document.id).where(
        Document.hidden_from_patient == True,  # noqa: E712
        Document.hidden_notice_sent_at.is_null(),
        Document.created_at <= now - HIDDEN_NOTICE_AFTER,
        (Document.hidden_until.is_null()) | (Document.hidden_until > now))
    for row in list(due_notice):
        claimed = Document.update(hidden_notice_sent_at=now).where(
            Document.id == row.id, Document.hidden_notice_sent_at.is_null()).execute()
        if claimed:
            document = Document.get_by_id(row.id)
            _notify_waiting(document)
            audit.record("documents.hidden_notice", patient=document.patient,
                         obj_type="document", obj_id=document.id)
            noticed += 1
    due_release = Document.select(Document.id).where(
        Document.hidden_from_patient == True,  # noqa: E712
        Document.hidden_until.is_null(False), Document.hidden_until <= now)
    for row in list(due_release):
        claimed = Document.update(hidden_from_patient=False, hidden_until=None).where(
            Document.id == row.id, Document.hidden_from_patient == True).execute()  # noqa: E712
        if claimed:
            document = Document.get_by_id(row.id)
            notify_new_document(document)
            audit.record("documents.released", patient=document.patient, obj_type="document",
                         obj_id=document.id, detail="hidden period over")
            released += 1
    return noticed, released


@huey.periodic_task(crontab(minute="5,35"))
def release_hidden_documents():
    """Twice an hour: notices at two weeks, documents shown after a month (idempotent)."""
    from ..worker import app_context
    with app_context():
        return process_hidden_documents()
