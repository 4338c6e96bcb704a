"""Attachments: download (each side, through its own conversations), and "Ajouter à mon
dossier" for what a professional sent (patient's side, with the right to add documents)."""
from urllib.parse import quote

from flask import flash, g, redirect, url_for
from flask_babel import gettext as _

from .. import audit, policy
from ..documents import store
from ..documents.download import content_response
from ..documents.sniff import KINDS
from ..htmx import render
from ..i18n import _n
from ..policy import DOCUMENT_UPLOAD, MESSAGING_PRO, MESSAGING_READ, requires, scoped_or_404
from . import compose, rules
from .forms import FileForm
from .models import Attachment, Conversation, Message
from . import bp
from .views import can


def _attachment(conversations, attachment_id):
    """An attachment of one of these conversations; any other id is a 404."""
    return scoped_or_404(
        Attachment.select(Attachment, Message, Conversation).join(Message).join(Conversation)
        .where(Attachment.id == attachment_id,
               Conversation.id.in_(conversations.select(Conversation.id))))


def download_name(attachment):
    """The file's own name, with the extension of its real type (RFC 6266: an ASCII fallback
    and the UTF-8 name)."""
    extension = KINDS.get(attachment.mime_type, ("bin",))[0]
    stem = attachment.original_name.rsplit(".", 1)[0] if "." in attachment.original_name \
        else attachment.original_name
    stem = " ".join("".join(ch if ch.isalnum() or ch in " -_" else " " for ch in stem).split())
    name = f"{stem[:80] or 'piece-jointe'}.{extension}"
    ascii_name = name.encode("ascii", "ignore").decode().strip() or f"piece-jointe.{extension}"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _send_file(attachment, patient):
    audit.record("messaging.download", patient=patient, obj_type="attachment",
                 obj_id=attachment.id)
    return content_response(store.read_blob(attachment.storage_key), attachment.mime_type,
                            download_name(attachment))


@bp.route("/pieces/<int:attachment_id>")
@requires(MESSAGING_READ)
def download(attachment_id):
    """Download an attachment of the open space's conversations."""
    attachment = _attachment(rules.patient_side(g.space.id), attachment_id)
    return _send_file(attachment, g.space)


@bp.route("/pro/pieces/<int:attachment_id>")
@requires(MESSAGING_PRO)
def pro_download(attachment_id):
    """Download an attachment of one of this professional's conversations."""
    attachment = _attachment(rules.professional_side(compose.account()), attachment_id)
    return _send_file(attachment, attachment.message.conversation.patient)


@bp.route("/pieces/<int:attachment_id>/dossier", methods=["GET", "POST"])
@requires(MESSAGING_READ)
def file_in_record(attachment_id):
    """Add a file a professional sent to the record, as a document by that professional."""
    attachment = _attachment(rules.patient_side(g.space.id), attachment_id)
    message = attachment.message
    if not can(DOCUMENT_UPLOAD):
        policy.refuse(_n("Dans l’espace de %(name)s, votre accès ne permet pas d’ajouter des "
                         "documents au dossier.", name=g.space.full_name))
    back = url_for(".show", conversation_id=message.conversation_id)
    if not message.from_professional:
        policy.refuse(_("Seules les pièces jointes reçues d’un professionnel s’ajoutent au "
                        "dossier depuis la messagerie."))
    if attachment.filed_document_id is not None:
        flash(_("Cette pièce jointe est déjà dans le dossier."), "info")
        return redirect(url_for("documents.show", document_id=attachment.filed_document_id))
    default_title = attachment.original_name.rsplit(".", 1)[0][:200] or _("Pièce jointe")
    form = FileForm(data={"title": default_title,
                          "document_date": message.created_at.date()})
    if form.validate_on_submit():
        document = store.store_document(
            g.space, message.author, store.read_blob(attachment.storage_key),
            filename=attachment.original_name, title=form.title.data,
            category=form.category.data, document_date=form.document_date.data,
            author_is_professional=True)
        Attachment.update(filed_document=document.id).where(
            Attachment.id == attachment.id).execute()
        audit.record("messaging.file", obj_type="document", obj_id=document.id,
                     detail=f"attachment={attachment.id}")
        flash(_("« %(title)s » est ajouté au dossier.", title=document.title), "success")
        return redirect(back, 303)
    return render("messaging/file.html", form=form, attachment=attachment, message=message,
                  back=back)
