"""Drafts: what someone is writing, kept on the server so that nothing typed is lost.

There is one draft per author and place: a reply in one conversation, or a new conversation
from one patient's space (a caregiver writing for Jean has their own draft, apart from the one
in their own space). The compose and reply pages offer the draft again, after a new login too.
"""
from ..accounts.models import utcnow
from ..db import write_tx
from .models import Draft


def _where(author, patient_id, conversation_id):
    query = Draft.select().where(Draft.author == author.id, Draft.patient == patient_id)
    if conversation_id is None:
        return query.where(Draft.conversation.is_null())
    return query.where(Draft.conversation == conversation_id)


def find(author, patient_id, conversation_id=None):
    return _where(author, patient_id, conversation_id).order_by(Draft.updated_at.desc()).first()


def save(author, patient_id, conversation_id=None, *, body, subject="", professional_id=None):
    """Create or update the author's draft for this place; an empty draft is removed."""
    if not (body or "").strip() and not (subject or "").strip():
        discard(author, patient_id, conversation_id)
        return None
    with write_tx():
        draft = find(author, patient_id, conversation_id) or Draft(
            author=author, patient=patient_id, conversation=conversation_id)
        draft.body = body[:20000]
        draft.subject = (subject or "")[:200]
        draft.professional = professional_id
        draft.updated_at = utcnow()
        draft.save()
    return draft


def discard(author, patient_id, conversation_id=None):
    ids = [d.id for d in _where(author, patient_id, conversation_id)]
    if ids:
        Draft.delete().where(Draft.id.in_(ids)).execute()
