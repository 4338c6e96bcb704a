"""Messagerie, the professional's side: their own conversations across patients, replying,
closing, "no reply" messages, writing to the patient whose space is open, and their setting
on patients writing first."""
from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from .. import audit, policy
from ..forms.base import EmptyForm
from ..accounts.models import Person, utcnow
from ..htmx import render
from ..i18n import _n
from ..pages_of import page_of
from ..uploads import accepts_upload
from ..policy import MESSAGING_PRO, MESSAGING_PRO_START, allowed, requires, scoped_or_404
from . import compose, rules, service
from .forms import ProComposeForm, ProReplyForm, SettingsForm
from .models import Conversation, MessagingSettings
from . import bp
from .views import LIST_ORDER


def load(conversation_id):
    """One of this professional's conversations (trash included); any other id is a 404."""
    return scoped_or_404(rules.professional_side(compose.account()).where(
        Conversation.id == conversation_id))


def conversation_rows(query):
    """One page of conversations, newest first, with their patient and unread counts."""
    query = query.select_extend(Person).join(Person, on=(Conversation.patient == Person.id))
    rows, page, pages, total = page_of(query, LIST_ORDER)
    unread = rules.unread_by_conversation([c.id for c in rows], pro=True)
    return {"rows": rows, "page": page, "pages": pages, "total": total, "unread": unread}


def open_patient():
    """The patient whose space this professional has open, if they may write to them."""
    relation = g.get("relation")
    if relation is not None and allowed(compose.account(), MESSAGING_PRO_START, relation):
        return relation.person
    return None


@bp.route("/pro/")
@requires(MESSAGING_PRO)
def pro_inbox():
    """This professional's conversations with all their patients, newest first."""
    mine = rules.professional_side(compose.account())
    return render("messaging/inbox.html", pro=True, trash=False,
                  unread_total=rules.unread_count_for_professional(compose.account()),
                  trashed=rules.in_trash(mine, pro=True).count(), can_write=False,
                  patient=open_patient(), **conversation_rows(rules.in_box(mine, pro=True)))


def conversation_page(conversation, form=None):
    return compose.thread_page(
        conversation, pro=True, form=form, form_class=ProReplyForm, can_write=True,
        reply_endpoint=".pro_reply", other=conversation.patient.full_name, may_start=False,
        can_file=False)


@bp.route("/pro/<int:conversation_id>")
@requires(MESSAGING_PRO)
def pro_show(conversation_id):
    """One of this professional's conversations; the patient's messages are now read."""
    conversation = load(conversation_id)
    rules.mark_read(conversation, pro=True)
    audit.record("messaging.open", patient=conversation.patient, obj_type="conversation",
                 obj_id=conversation.id)
    return conversation_page(conversation)


@bp.route("/pro/<int:conversation_id>/repondre", methods=["POST"])
@accepts_upload
@requires(MESSAGING_PRO)
def pro_reply(conversation_id):
    """Reply (possibly "no reply expected") in a conversation that is not closed."""
    conversation = load(conversation_id)
    blocked = rules.why_no_reply(conversation, pro=True)
    if blocked:
        policy.refuse(blocked)
    form = ProReplyForm()

    def send(attached):
        service.reply(conversation, compose.account(), form.body.data, from_professional=True,
                      relation_kind="", no_reply=form.no_reply.data, files=attached)
        flash(_n("Votre message est envoyé à %(name)s.", name=conversation.patient.full_name),
              "success")
        return redirect(url_for(".pro_show", conversation_id=conversation.id), 303)

    done = compose.post(form, (conversation.patient_id, conversation.id),
                        lambda: {"body": form.body.data or ""}, send,
                        url_for(".pro_show", conversation_id=conversation.id, _anchor="reponse"))
    return done or conversation_page(conversation, form)


@bp.route("/pro/<int:conversation_id>/cloturer", methods=["POST"])
@requires(MESSAGING_PRO)
def close(conversation_id):
    """Close the exchange: the patient sees it closed and can no longer reply."""
    conversation = load(conversation_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if conversation.closed_at is None:
        Conversation.update(closed_at=utcnow(), closed_by=compose.account().id).where(
            Conversation.id == conversation.id).execute()
        audit.record("messaging.close", patient=conversation.patient, obj_type="conversation",
                     obj_id=conversation.id)
    flash(_n("La conversation est clôturée : %(name)s ne peut plus y répondre.",
             name=conversation.patient.full_name), "success")
    return redirect(url_for(".pro_show", conversation_id=conversation.id), 303)


@bp.route("/pro/nouveau", methods=["GET", "POST"])
@accepts_upload
@requires(MESSAGING_PRO_START)
def pro_write():
    """Start a conversation with the patient whose space is open."""
    place = (g.space.id, None)
    draft = None
    if request.method == "POST":
        form = ProComposeForm()
    else:
        form, draft = compose.offered(ProComposeForm, place, {"subject": "subject",
                                                              "body": "body"})

    def send(attached):
        conversation = service.start(
            g.space, compose.account(), compose.account(), form.subject.data, form.body.data,
            from_professional=True, relation_kind="", no_reply=form.no_reply.data, files=attached)
        flash(_n("Votre message est envoyé à %(name)s.", name=g.space.full_name), "success")
        return redirect(url_for(".pro_show", conversation_id=conversation.id), 303)

    if request.method == "POST":
        done = compose.post(form, place, lambda: {"subject": form.subject.data or "",
                                                  "body": form.body.data or ""},
                            send, url_for(".pro_write"))
        if done:
            return done
    compose.autosave(form, url_for(".pro_write"))
    return render("messaging/pro_write.html", form=form, draft=draft, patient=g.space)


@bp.route("/pro/parametres", methods=["GET", "POST"])
@requires(MESSAGING_PRO)
def pro_settings():
    """May patients start conversations with this professional? (Replies always arrive.)"""
    settings = MessagingSettings.for_professional(compose.account().id)
    form = SettingsForm(obj=settings)
    if form.validate_on_submit():
        settings.patients_may_write = form.patients_may_write.data
        settings.save()
        audit.record("messaging.settings",
                     detail=f"patients_may_write={int(settings.patients_may_write)}")
        flash(_("Vos réglages de messagerie sont enregistrés."), "success")
        return redirect(url_for(".pro_settings"), 303)
    return render("messaging/pro_settings.html", form=form)
