"""Fermer mon espace (the holder), the opposition from an activation invitation, the proof's
private page (polled while the worker makes the PDF), and the operator's list of closed
spaces with reopening."""
from flask import abort, flash, redirect, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ..accounts.invites import (TOKEN_KEY, code_throttled_page, invite_from_code, is_invitee,
                                link_invite, throttled_page)
from ..forms.base import EmptyForm
from ..accounts.models import Account, Person
from ..accounts.reauth import confirm_identity, reauth_status
from ..documents.download import content_response
from ..documents.store import read_blob
from ..htmx import poll_unchanged, render
from ..i18n import _n
from ..notifications.events import account_security
from ..policy import (LIFECYCLE_CLOSE, LIFECYCLE_REOPEN, SELF, public, relations_for, requires,
                      token_holds)
from . import bp
from .forms import CloseForm, OppositionForm
from .models import CLOSURE, Proof, SpaceClosure
from .service import close_space, oppose, proof_url, reopen


def _language():
    return str(get_locale() or "fr")[:2]


@bp.route("/parametres/fermer-mon-espace", methods=["GET", "POST"])
@requires(LIFECYCLE_CLOSE)
def close():
    """Close one's own space, after saying plainly what it changes; password asked again.
    (Only one's own space carries account_settings: a representative or caregiver is denied
    by the rule itself.)"""
    account = current_user._get_current_object()
    others = [r for r in relations_for(account) if r.kind != SELF]
    form = CloseForm()
    if form.validate_on_submit() and confirm_identity(account, "close", form.password):
        closure, token = close_space(account, form.reason.data, _language())
        link = proof_url(token)
        # Security e-mail (cannot be turned off), sent to the account even though it is now
        # deactivated.
        account_security(account, lambda: _(
            "Votre espace santé Carnet a été fermé à votre demande. Plus personne ne peut le "
            "consulter.\n\nVotre attestation de fermeture est disponible pendant 7 jours à "
            "cette adresse :\n%(link)s\n\nPour rouvrir votre espace, adressez-vous à votre "
            "caisse d’Assurance Maladie.\n\nSi vous n’êtes pas à l’origine de cette "
            "fermeture, contactez-la sans attendre.", link=link),
            subject=_("Votre espace Carnet est fermé"))
        logout_user()
        session.end()
        return redirect(url_for(".proof", token=token), 303)
    return render("lifecycle/close.html", form=form, others=others), reauth_status()


@bp.route("/activation/opposition", methods=["GET", "POST"])
@public
def opposition():
    """With the letter's code (or the invitation's link): oppose the opening of one's space
    (identity again)."""
    by_link = link_invite()
    if by_link is None:
        return render("accounts/activation_invalid.html"), 404
    form = OppositionForm()
    if by_link != "none":
        del form.code  # the link stands for the code
        refused = throttled_page(form, by_link, "lifecycle/opposition.html")
    else:
        refused = code_throttled_page(form, "lifecycle/opposition.html")
    if refused:
        return refused
    if form.validate_on_submit():
        invite = by_link if by_link != "none" else invite_from_code(form, detail="opposition")
        if invite is not None and (by_link == "none"
                                   or is_invitee(form, invite, detail="opposition")):
            done = oppose(invite, _language())
            if done is None:
                return render("accounts/activation_invalid.html"), 404
            session.pop(TOKEN_KEY, None)
            return redirect(url_for(".proof", token=done[1]), 303)
    return render("lifecycle/opposition.html", form=form)


def _proof_or_404(token):
    """The proof behind a private link, while the closure it proves is in force."""
    found = Proof.by_token(token)
    if found is None or not token_holds(found.closure.person_id, closure_id=found.closure_id):
        abort(404)
    return found


@bp.route("/attestation/<token>")
@public
def proof(token):
    """The proof's private page: polled (htmx) until the PDF is ready, then its link."""
    found = _proof_or_404(token)
    if poll_unchanged(found.status):
        return "", 204
    return render("lifecycle/proof.html", block="status", proof=found, token=token,
                  closure=found.closure, is_closure=found.closure.kind == CLOSURE)


@bp.route("/attestation/<token>/pdf")
@public
def proof_pdf(token):
    found = _proof_or_404(token)
    if found.status != "done" or not found.storage_key:
        return redirect(url_for(".proof", token=token), 303)
    name = "attestation-fermeture.pdf" if found.closure.kind == CLOSURE else \
        "attestation-opposition.pdf"
    return content_response(read_blob(found.storage_key), "application/pdf",
                            f'attachment; filename="{name}"')


@bp.route("/operateur/espaces-fermes")
@requires(LIFECYCLE_REOPEN)
def closed_spaces():
    """The spaces closed now (names and dates only: never medical content)."""
    closures = list(SpaceClosure.select(SpaceClosure, Person).join(Person).where(
        SpaceClosure.reopened_at.is_null()).order_by(SpaceClosure.closed_at.desc()).limit(200))
    accounts = {a.person_id for a in Account.select(Account.person).where(
        Account.person.in_([c.person_id for c in closures]))} if closures else set()
    return render("lifecycle/closed_spaces.html", closures=closures, accounts=accounts,
                  form=EmptyForm())


@bp.route("/operateur/espaces-fermes/<int:closure_id>/rouvrir", methods=["POST"])
@requires(LIFECYCLE_REOPEN)
def reopen_space(closure_id):
    """Reopen a space at the person's request (identity checked at the counter)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    closure = SpaceClosure.get_or_none(SpaceClosure.id == closure_id,
                                       SpaceClosure.reopened_at.is_null())
    if closure is None:
        abort(404)
    reopen(closure, current_user._get_current_object())
    flash(_n("Espace rouvert : %(name)s.", name=closure.person.full_name), "success")
    return redirect(url_for(".closed_spaces"), 303)
