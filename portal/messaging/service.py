"""Sending: a new conversation or a message in one, with its attachments, then telling the
other side. Attachments are all-or-nothing: every file is checked before any is stored, and a
failure while saving removes the files already written."""
from flask import current_app
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l

from .. import audit, notifications
from ..accounts.models import utcnow
from ..db import write_tx
from ..documents.sniff import Rejected, identify
from ..documents.store import delete_blob, store_blob
from ..i18n import _n
from . import drafts
from .forms import MAX_FILES
from .models import Attachment, Conversation, Message


def read_files(uploads):
    """[(data, filename)] from the chosen files, every one checked (type from its content,
    size, integrity) before anything is stored; raises Rejected naming the file at fault."""
    if len(uploads) > MAX_FILES:
        raise Rejected(_("Vous pouvez joindre %(count)s fichiers au plus.", count=MAX_FILES))
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    files, total = [], 0
    for upload in uploads:
        data = upload.read(limit + 1)
        total += len(data)
        name = upload.filename or ""
        try:
            identify(data, limit)
        except Rejected as refusal:
            raise Rejected(_n("« %(name)s » : %(reason)s", name=name,
                              reason=refusal.message)) from None
        files.append((data, name))
    if total > limit:
        from ..documents.sniff import format_megabytes
        raise Rejected(_("Les pièces jointes dépassent %(max)s Mo en tout : envoyez-les en "
                         "plusieurs messages.", max=format_megabytes(limit)))
    return files


def _store(files):
    stored = []
    try:
        for data, name in files:
            stored.append(store_blob(data, filename=name))
    except BaseException:
        for fields in stored:
            delete_blob(fields["storage_key"])
        raise
    return stored


def _save_message(conversation, author, body, *, from_professional, relation_kind, no_reply,
                  files):
    """The message and its attachments' rows; the blobs are removed if saving fails."""
    stored = _store(files)
    try:
        with write_tx():
            if conversation.id is None:
                conversation.save()
            now = utcnow()
            message = Message.create(
                conversation=conversation, author=author, from_professional=from_professional,
                relation_kind=relation_kind, body=body.strip(), no_reply=no_reply,
                created_at=now)
            for fields in stored:
                Attachment.create(message=message, **fields)
            # A new message brings the conversation back from either side's trash.
            Conversation.update(last_message_at=now, patient_trashed_at=None,
                                professional_trashed_at=None).where(
                Conversation.id == conversation.id).execute()
    except BaseException:
        for fields in stored:
            delete_blob(fields["storage_key"])
        raise
    return message


def start(patient, professional, author, subject, body, *, from_professional, relation_kind,
          no_reply=False, files=()):
    """A new conversation between `patient` and `professional`, with its first message."""
    conversation = Conversation(patient=patient, professional=professional, started_by=author,
                                subject=subject.strip()[:200])
    message = _save_message(conversation, author, body, from_professional=from_professional,
                            relation_kind=relation_kind, no_reply=no_reply, files=files)
    _after_sending(conversation, message, author, "new")
    return conversation


def reply(conversation, author, body, *, from_professional, relation_kind, no_reply=False,
          files=()):
    """One more message in a conversation the author's side may reply in (checked before)."""
    message = _save_message(conversation, author, body, from_professional=from_professional,
                            relation_kind=relation_kind, no_reply=no_reply, files=files)
    _after_sending(conversation, message, author, "reply")
    return message


def _after_sending(conversation, message, author, kind):
    drafts.discard(author, conversation.patient_id,
                   None if kind == "new" else conversation.id)
    attached = message.attachments.count()
    audit.record("messaging.send", patient=conversation.patient, obj_type="conversation",
                 obj_id=conversation.id, detail=kind + (",no_reply" if message.no_reply else "")
                 + (f",attachments={attached}" if attached else ""))
    if message.from_professional:
        tell_patient(conversation, author)
    else:
        tell_professional(conversation)


def tell_patient(conversation, professional):
    """An e-mail to the patient (and their legal representatives), if they want it: who
    wrote, nothing more."""
    who = professional.display_name
    name = conversation.patient.full_name
    notifications.notify(conversation.patient_id, "message", _l("Nouveau message dans Carnet"),
                         lambda is_self: _n(
                             "Vous avez reçu un nouveau message de %(who)s dans votre "
                             "messagerie Carnet.", who=who) if is_self else _n(
                             "%(name)s a reçu un nouveau message de %(who)s dans sa "
                             "messagerie Carnet.", name=name, who=who))


def tell_professional(conversation):
    """An e-mail to the professional's account, if they want it: a patient wrote (no name, no
    content)."""
    notifications.notify(conversation.professional.person_id, "message",
                         _l("Nouveau message dans Carnet"),
                         lambda is_self: _("Un patient vous a écrit dans votre messagerie "
                                           "Carnet."), representatives=False)
