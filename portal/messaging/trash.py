"""The trash, on each side: move a conversation there, restore it, and empty the trash for
good (after a question that says it is final). Each side has its own trash; the other side
keeps its copy. Once both sides have emptied theirs, the conversation and its files are gone."""
from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _

from .. import audit
from ..forms.base import EmptyForm
from ..accounts.models import utcnow
from ..db import write_tx
from ..documents.store import delete_blob
from ..htmx import render
from ..policy import MESSAGING_PRO, MESSAGING_READ, MESSAGING_WRITE, requires
from . import compose, rules
from .models import Attachment, Conversation, Message
from . import bp
from .views import can
from .views import conversation_rows as patient_rows
from .views import load as patient_load
from .pro import conversation_rows as pro_rows
from .pro import load as pro_load


def _columns(pro):
    if pro:
        return Conversation.professional_trashed_at, Conversation.professional_deleted_at
    return Conversation.patient_trashed_at, Conversation.patient_deleted_at


def _move(conversation, pro, to_trash):
    if not EmptyForm().validate_on_submit():
        abort(400)
    trashed, _deleted = _columns(pro)
    Conversation.update({trashed: utcnow() if to_trash else None}).where(
        Conversation.id == conversation.id).execute()
    audit.record("messaging.trash" if to_trash else "messaging.restore",
                 patient=conversation.patient, obj_type="conversation", obj_id=conversation.id)
    if to_trash:
        flash(_("La conversation « %(subject)s » est dans la corbeille.",
                subject=conversation.subject), "success")
        return redirect(url_for(".pro_inbox" if pro else ".inbox"), 303)
    flash(_("La conversation « %(subject)s » est de retour dans la messagerie.",
            subject=conversation.subject), "success")
    return redirect(url_for(".pro_show" if pro else ".show", conversation_id=conversation.id),
                    303)


def _empty(query, pro):
    """Delete this side's trashed conversations for good; purge those both sides deleted."""
    trashed, deleted = _columns(pro)
    ids = [c.id for c in rules.in_trash(query, pro).select(Conversation.id)]
    if not ids:
        return 0
    now = utcnow()
    with write_tx():
        Conversation.update({deleted: now}).where(Conversation.id.in_(ids)).execute()
        gone = [c.id for c in Conversation.select(Conversation.id).where(
            Conversation.id.in_(ids), Conversation.patient_deleted_at.is_null(False),
            Conversation.professional_deleted_at.is_null(False))]
        keys = [a.storage_key for a in Attachment.select(Attachment.storage_key).join(Message)
                .where(Message.conversation.in_(gone))] if gone else []
        if gone:
            Conversation.delete().where(Conversation.id.in_(gone)).execute()
    for key in keys:
        delete_blob(key)
    return len(ids)


def _trash_page(pro, rows):
    return render("messaging/inbox.html", pro=pro, trash=True, unread_total=0, trashed=0,
                  can_write=False, patient=None, can_empty=pro or can(MESSAGING_WRITE), **rows)


def _confirm_page(pro, query):
    form = EmptyForm()
    if form.validate_on_submit():
        count = _empty(query, pro)
        audit.record("messaging.empty_trash", detail=f"conversations={count}")
        flash(_("La corbeille est vidée."), "success")
        return redirect(url_for(".pro_inbox" if pro else ".inbox"), 303)
    return render("messaging/empty_trash.html", form=form, pro=pro,
                  count=rules.in_trash(query, pro).count())


@bp.route("/corbeille")
@requires(MESSAGING_READ)
def trash():
    """The open space's conversations in the trash."""
    return _trash_page(False, patient_rows(rules.in_trash(rules.patient_side(g.space.id),
                                                          pro=False)))


@bp.route("/<int:conversation_id>/corbeille", methods=["POST"])
@requires(MESSAGING_WRITE)
def to_trash(conversation_id):
    """Move a conversation to the trash (it can still be restored)."""
    return _move(patient_load(conversation_id), False, True)


@bp.route("/<int:conversation_id>/restaurer", methods=["POST"])
@requires(MESSAGING_WRITE)
def restore(conversation_id):
    """Bring a conversation back from the trash."""
    return _move(patient_load(conversation_id), False, False)


@bp.route("/corbeille/vider", methods=["GET", "POST"])
@requires(MESSAGING_WRITE)
def empty_trash():
    """Empty the trash, after a question that says it cannot be undone."""
    return _confirm_page(False, rules.patient_side(g.space.id))


@bp.route("/pro/corbeille")
@requires(MESSAGING_PRO)
def pro_trash():
    """This professional's conversations in the trash."""
    return _trash_page(True, pro_rows(rules.in_trash(rules.professional_side(
        compose.account()), pro=True)))


@bp.route("/pro/<int:conversation_id>/corbeille", methods=["POST"])
@requires(MESSAGING_PRO)
def pro_to_trash(conversation_id):
    """Move a conversation to the trash (it can still be restored)."""
    return _move(pro_load(conversation_id), True, True)


@bp.route("/pro/<int:conversation_id>/restaurer", methods=["POST"])
@requires(MESSAGING_PRO)
def pro_restore(conversation_id):
    """Bring a conversation back from the trash."""
    return _move(pro_load(conversation_id), True, False)


@bp.route("/pro/corbeille/vider", methods=["GET", "POST"])
@requires(MESSAGING_PRO)
def pro_empty_trash():
    """Empty the trash, after a question that says it cannot be undone."""
    return _confirm_page(True, rules.professional_side(compose.account()))
