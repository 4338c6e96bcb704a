"""What both sides' writing forms share: the draft buttons, autosave, sending with attachments,
and one page of a list of conversations."""
from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import prefetch

from ..forms.base import EmptyForm
from ..accounts.models import Account, Person
from ..errors import KEPT_MESSAGE
from ..documents.sniff import Rejected
from ..htmx import render
from ..storage import UNAVAILABLE_MESSAGE, Unavailable
from . import drafts, presenters, rules, service
from .models import Attachment, Message

SAVE = "brouillon"            # "Enregistrer le brouillon" (works without JavaScript)
AUTOSAVE = "brouillon-auto"   # htmx, while typing: answered with 204, nothing swapped
DISCARD = "abandonner"        # "Supprimer le brouillon"
DRAFT_ACTIONS = (SAVE, AUTOSAVE, DISCARD)


def account():
    return current_user._get_current_object()


def post(form, place, text, send, back):
    """Handle a compose/reply POST. `place` (patient_id, conversation_id) names the draft,
    `text()` gives the draft's fields, `send(files)` sends and returns the response, `back` is
    where the draft buttons lead. Returns a response, or None to show the form again (with
    its errors, the typed text kept, and the draft saved)."""
    action = request.form.get("action")
    if action in (SAVE, AUTOSAVE):
        drafts.save(account(), *place, **text())
        if action == AUTOSAVE:
            return "", 204
        flash(_("Votre brouillon est enregistré. Il vous attend sur cette page, même après une "
                "nouvelle connexion."), "success")
        return redirect(back, 303)
    if action == DISCARD:
        drafts.discard(account(), *place)
        flash(_("Le brouillon est supprimé."), "success")
        return redirect(back, 303)
    if form.validate_on_submit():
        try:
            files = service.read_files(form.chosen_files())
        except Rejected as refusal:
            form.fichiers.errors = [refusal.message]
        else:
            try:
                return send(files)
            except Unavailable:
                # Attachments are stored before any row is written (service._save_message):
                # nothing was sent, and the text is kept as a draft below.
                form.fichiers.errors = [UNAVAILABLE_MESSAGE]
    drafts.save(account(), *place, **text())
    return None


def offered(form_class, place, fields):
    """A writing form for a GET: filled from the author's draft when there is one. `fields`
    maps form fields to draft attributes. A message kept from an expired session (see
    errors._keep_unsent_message) becomes the draft of the page it was written on, for the
    account that typed it only."""
    kept = session.get(KEPT_MESSAGE)
    if kept and kept.get("path") == request.path and kept.get("account") == account().id:
        session.pop(KEPT_MESSAGE)
        drafts.save(account(), *place, body=kept.get("body", ""), subject=kept.get("subject", ""))
    draft = drafts.find(account(), *place)
    if draft is None:
        return form_class(), None
    data = {name: getattr(draft, attribute) for name, attribute in fields.items()}
    return form_class(formdata=None, data=data), draft


def autosave(form, url):
    """With JavaScript, the text is saved as a draft 3 s after the last keystroke (htmx posts
    the form's text fields; the answer is a 204, nothing on the page changes)."""
    for name in ("subject", "body"):
        if name in form:
            field = form[name]
            field.render_kw = dict(field.render_kw or {}, **{
                "data-hx-post": url, "data-hx-trigger": "input changed delay:3s",
                "data-hx-vals": '{"action": "%s"}' % AUTOSAVE, "data-hx-swap": "none"})
    return form


def thread_page(conversation, *, pro, form, form_class, can_write, reply_endpoint, other,
                **extra):
    """A conversation's page on either side: the thread, oldest first, and the reply box (with
    the author's draft) when this side may reply."""
    # Each message's author (and their person) is joined and the attachments read in one
    # query for the whole thread: the page names who wrote each message and lists its files.
    messages = prefetch(
        conversation.messages.select(Message, Account, Person)
        .join(Account, on=(Message.author == Account.id))
        .join(Person, on=(Account.person == Person.id))
        .order_by(Message.created_at, Message.id), Attachment)
    blocked = rules.why_no_reply(conversation, pro=pro)
    draft = None
    if form is None and blocked is None and can_write:
        form, draft = offered(form_class, (conversation.patient_id, conversation.id),
                              {"body": "body"})
    if form is not None:
        autosave(form, url_for(reply_endpoint, conversation_id=conversation.id))
    return render("messaging/conversation.html", conversation=conversation, messages=messages,
                  pro=pro, form=form, draft=draft, blocked=blocked, can_write=can_write,
                  actions=EmptyForm(), author_line=presenters.author_line, other=other,
                  **extra)


