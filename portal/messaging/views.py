"""Messagerie, the patient's side: the open space's conversations, one conversation and its
reply box, and writing to a professional. The professional's side is in pro.py, attachments in
files.py, the trash in trash.py; the header's unread count is here."""
from flask import abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from flask_login import current_user

from .. import audit, policy
from ..accounts.models import Account, Person, utcnow
from ..htmx import render, render_partial
from ..i18n import _n
from ..pages_of import page_of
from ..uploads import accepts_upload
from ..policy import (ACCOUNT_SELF, DOCUMENT_UPLOAD, DOCUMENTS_VIEW, MESSAGING_PRO,
                      MESSAGING_READ, MESSAGING_WRITE, allowed, requires, scoped_or_404)
from . import bp
from . import compose, drafts, presenters, rules, service
from .forms import PatientComposeForm, ReplyForm
from .models import Conversation


REASON_LABELS = {"wrote": None, "treating": _l("médecin traitant"),
                 "authorised": _l("professionnel autorisé")}
LIST_ORDER = (Conversation.last_message_at.desc(), Conversation.id.desc())


def can(action):
    return allowed(compose.account(), action, g.relation)


def load(conversation_id):
    """A conversation of the open space (trash included); any other id is a 404."""
    return scoped_or_404(rules.patient_side(g.space.id).where(Conversation.id == conversation_id))


def conversation_rows(query):
    """One page of conversations, newest first, with their professional and unread counts."""
    query = query.select_extend(Account, Person).join(
        Account, on=(Conversation.professional == Account.id)).join(
        Person, on=(Account.person == Person.id))
    rows, page, pages, total = page_of(query, LIST_ORDER)
    unread = rules.unread_by_conversation([c.id for c in rows], pro=False)
    return {"rows": rows, "page": page, "pages": pages, "total": total, "unread": unread}


@bp.route("/")
@requires(MESSAGING_READ)
def inbox():
    """The open space's conversations, newest first, 20 per page, with what is unread."""
    space = g.space.id
    return render("messaging/inbox.html", pro=False, trash=False,
                  unread_total=rules.unread_count_for_patient(space),
                  trashed=rules.in_trash(rules.patient_side(space), pro=False).count(),
                  can_write=can(MESSAGING_WRITE),
                  can_send_prescription=can(MESSAGING_WRITE) and can(DOCUMENTS_VIEW),
                  **conversation_rows(rules.in_box(rules.patient_side(space), pro=False)))


def conversation_page(conversation, form=None):
    """The thread and the reply box (or why there is none), on the patient's side."""
    may_start = can(MESSAGING_WRITE) and any(
        account.id == conversation.professional_id
        for account, _reason in rules.writable_professionals(g.space.id))
    return compose.thread_page(
        conversation, pro=False, form=form, form_class=ReplyForm,
        can_write=can(MESSAGING_WRITE), reply_endpoint=".reply",
        other=presenters.professional_name(conversation.professional),
        may_start=may_start, can_file=can(DOCUMENT_UPLOAD))


@bp.route("/<int:conversation_id>")
@requires(MESSAGING_READ)
def show(conversation_id):
    """One conversation; what the professional wrote is now read."""
    conversation = load(conversation_id)
    rules.mark_read(conversation, pro=False)
    return conversation_page(conversation)


@bp.route("/<int:conversation_id>/repondre", methods=["POST"])
@accepts_upload
@requires(MESSAGING_WRITE)
def reply(conversation_id):
    """Reply in a conversation that is still open to replies."""
    conversation = load(conversation_id)
    blocked = rules.why_no_reply(conversation, pro=False)
    if blocked:
        policy.refuse(blocked)
    form = ReplyForm()
    back = url_for(".show", conversation_id=conversation.id, _anchor="reponse")

    def send(attached):
        service.reply(conversation, compose.account(), form.body.data, from_professional=False,
                      relation_kind=g.relation.kind, files=attached)
        flash(_("Votre message est envoyé."), "success")
        return redirect(url_for(".show", conversation_id=conversation.id), 303)

    done = compose.post(form, (g.space.id, conversation.id),
                        lambda: {"body": form.body.data or ""}, send, back)
    return done or conversation_page(conversation, form)


def recipients():
    """(id, label) of exactly the professionals this space may start a conversation with."""
    found = []
    for account, reason in rules.writable_professionals(g.space.id):
        label = presenters.professional_name(account)
        if REASON_LABELS.get(reason):
            label = _n("%(name)s (%(reason)s)", name=label, reason=REASON_LABELS[reason])
        found.append((str(account.id), label))
    return found


@bp.route("/ecrire", methods=["GET", "POST"])
@accepts_upload
@requires(MESSAGING_WRITE)
def write():
    """Start a conversation with one of the professionals the rules allow, and only them."""
    choices = recipients()
    allowed_ids = {value for value, _label in choices}
    place = (g.space.id, None)
    draft = None
    if request.method == "POST":
        form = PatientComposeForm()
    else:
        form, draft = compose.offered(PatientComposeForm, place, {
            "subject": "subject", "body": "body", "professional": "professional_id"})
        if draft is not None and str(draft.professional_id) not in allowed_ids:
            form.professional.data = ""
        if request.args.get("a") in allowed_ids and draft is None:
            form.professional.data = request.args["a"]
    form.professional.choices = [("", _("Choisissez un professionnel"))] + choices

    def text():
        chosen = form.professional.data if form.professional.data in allowed_ids else None
        return {"subject": form.subject.data or "", "body": form.body.data or "",
                "professional_id": int(chosen) if chosen else None}

    def send(attached):
        professional = Account.get_by_id(int(form.professional.data))
        conversation = service.start(
            g.space, professional, compose.account(), form.subject.data, form.body.data,
            from_professional=False, relation_kind=g.relation.kind, files=attached)
        flash(_n("Votre message est envoyé à %(name)s.", name=professional.display_name),
              "success")
        return redirect(url_for(".show", conversation_id=conversation.id), 303)

    if request.method == "POST":
        if request.form.get("action") not in compose.DRAFT_ACTIONS and \
                form.professional.data and form.professional.data not in allowed_ids:
            form.validate_on_submit()  # say everything that is wrong at once
            form.professional.errors = [_(
                "Vous ne pouvez pas écrire à ce professionnel : choisissez un des "
                "professionnels de la liste.")]
            drafts.save(compose.account(), *place, **text())
            audit.record("messaging.send", outcome="denied", detail="recipient not allowed")
            return _write_page(form, choices, None)
        done = compose.post(form, place, text, send, url_for(".write"))
        if done:
            return done
    return _write_page(form, choices, draft)


def _write_page(form, choices, draft):
    compose.autosave(form, url_for(".write"))
    return render("messaging/write.html", form=form, choices=choices, draft=draft)


# --- the header's unread count ------------------------------------------------------------------

def unread_here(account, relation):
    """(count, inbox endpoint) for the header: the open space's unread messages on the
    patient's side, one's own as a professional; None when there is no messaging here."""
    if account is None:
        return None
    if allowed(account, MESSAGING_PRO):
        return rules.unread_count_for_professional(account), "messaging.pro_inbox"
    if relation is not None and allowed(account, MESSAGING_READ, relation):
        return rules.unread_count_for_patient(relation.person.id), "messaging.inbox"
    return None


@bp.before_request
def quiet_poll_after_logout():
    """The badge's poll after the session ended: answer nothing (no redirect that would take
    the page, and what is being typed on it, away)."""
    if request.endpoint == "messaging.unread" and getattr(request, "htmx", None) and \
            not current_user.is_authenticated:
        return "", 204
    return None


@bp.route("/non-lus")
@requires(ACCOUNT_SELF)
def unread():
    """The header's unread count, polled by htmx once a minute; 204 when it has not changed.
    A poll is not activity: it leaves the session's idle clock where it was."""
    row = getattr(session, "row", None)
    if row is not None:
        row.last_seen_at = max(row.last_seen_at, utcnow())  # in memory only: nothing recorded
    found = unread_here(compose.account(), g.relation)
    if found is None:
        abort(404)
    count = found[0]
    if request.args.get("vu") == str(count):
        return "", 204
    return render_partial("messaging/_badge.html", unread_count=count)
