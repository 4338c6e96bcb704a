"""Fermer mon espace (the holder), the opposition from an activation invitation, the proof's
private page (polled while the worker makes the PDF), and the operator's list of closed
spaces with reopening."""
from flask import abort, flash, redirect, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from flask_login import current_user, logout_user

from .. import mail
from ..accounts.invites import (TOKEN_KEY, code_throttled_page, invite_from_code, is_invitee,
                                link_invite, throttled_page)
from ..forms.base import EmptyForm
from ..accounts.models import Account, Person, utcnow
from ..accounts.reauth import confirm_identity, reauth_status
from ..documents.download import content_response
from ..documents.store import read_blob
from ..htmx import poll_unchanged, render
from ..i18n import LazyDate, _n, _ln
from ..notifications.events import account_security
from ..policy import (LIFECYCLE_CLOSE, LIFECYCLE_REOPEN, LIFECYCLE_REPRESENT, SELF, public,
                      relations_for, requires, token_holds)
from ..proxies.guardianship import PARENT
from ..proxies.models import Guardianship
from . import bp
from .forms import (IDENTITY_DOCUMENT_LABELS, CloseForm, OppositionForm, ReopenForm,
                    RepresentativeCloseForm, RepresentativeReopenForm)
from .models import CLOSURE, Proof, SpaceClosure, SpaceTombstone, current_closure
from .service import PastDeletion, close_space, oppose, proof_url, reopen


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
        closure, token = close_space(account, form.reason.data, _language(),
                                     delete_early=form.delete_early.data)
        link = proof_url(token)
        # Security e-mail (cannot be turned off), sent to the account even though it is now
        # deactivated.
        account_security(account, lambda: _(
            "Votre espace santé Carnet a été fermé à votre demande. Plus personne ne peut le "
            "consulter.\n\nVotre attestation de fermeture est disponible pendant 7 jours à "
            "cette adresse :\n%(link)s\n\nPour rouvrir votre espace, adressez-vous à votre "
            "caisse d’Assurance Maladie.\n\nSi vous n’êtes pas à l’origine de cette "
            "fermeture, contactez-la sans attendre.", link=link) + "\n\n" + _(
            "Vos données seront supprimées définitivement le %(date)s, sauf si votre espace est "
            "rouvert avant.", date=LazyDate(closure.delete_after.date())),
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


def _addresses(person):
    """Where to write to the holder of a space: their login e-mail, else the one on file."""
    account = Account.get_or_none(Account.person == person.id)
    address = account.email if account else person.email
    return [address] if address else []


def _tell_reopened(person):
    """The holder learns their space is open again (in their language: mail.send)."""
    for address in _addresses(person):
        mail.send(address, _l("Votre espace Carnet est rouvert"), _ln(
            "Bonjour,\n\nVotre espace santé Carnet a été rouvert le %(date)s : tout ce "
            "qu’il contenait est de nouveau accessible, comme avant sa fermeture, et la "
            "suppression prévue de vos données est annulée.\n\nSi vous n’êtes pas à "
            "l’origine de cette demande, contactez sans attendre votre caisse d’Assurance "
            "Maladie.\n", date=LazyDate(utcnow().date())))


def _gone(closure_id):
    """The page saying a space can no longer be reopened (deleted, or due for deletion)."""
    tombstone = SpaceTombstone.get_or_none(SpaceTombstone.closure_id == closure_id)
    return render("lifecycle/reopen.html", gone=True, tombstone=tombstone, closure=None,
                  form=None, step=None), 410


@bp.route("/operateur/espaces-fermes/<int:closure_id>/rouvrir", methods=["GET", "POST"])
@requires(LIFECYCLE_REOPEN)
def reopen_space(closure_id):
    """Reopen a space at the person's request: the operator ticks that they checked the
    person's identity (and with which document), then confirms on a second step."""
    closure = SpaceClosure.get_or_none(SpaceClosure.id == closure_id,
                                       SpaceClosure.reopened_at.is_null())
    if closure is None:
        if SpaceTombstone.select().where(SpaceTombstone.closure_id == closure_id).exists():
            return _gone(closure_id)
        abort(404)
    if closure.past_deletion():
        return _gone(closure_id)
    form = ReopenForm()
    step = "check"
    if form.validate_on_submit():
        if form.confirmed.data != "1":
            form.confirmed.data = "1"
            step = "confirm"
        else:
            try:
                done = reopen(closure, current_user._get_current_object(),
                              identity=form.identity_document.data)
            except PastDeletion:
                return _gone(closure_id)
            if done:
                _tell_reopened(closure.person)
            flash(_n("Espace rouvert : %(name)s.", name=closure.person.full_name), "success")
            return redirect(url_for(".closed_spaces"), 303)
    return render("lifecycle/reopen.html", closure=closure, form=form, step=step, gone=False,
                  identity_label=IDENTITY_DOCUMENT_LABELS.get(form.identity_document.data))


# --- a legal representative closes or reopens the space of the person they represent ---------

def _represented_or_404(ward_id):
    """The current representation of `ward_id` by the logged-in person (a minor's parent, or
    a protected adult's tutor or "personne habilitée": both measures represent the person),
    else a 404 (nothing is revealed about other people)."""
    found = Guardianship.active().where(Guardianship.guardian == current_user.person_id,
                                        Guardianship.ward == ward_id).first()
    if found is None or (found.kind == PARENT and not found.ward.is_minor):
        abort(404)
    return found


def _tell_representative_change(ward, subject, body):
    for address in _addresses(ward):
        mail.send(address, subject, body)


@bp.route("/proches/<int:ward_id>/fermer-son-espace", methods=["GET", "POST"])
@requires(LIFECYCLE_REPRESENT)
def represent_close(ward_id):
    """A legal representative closes the space of the person they represent (password asked
    again); the person's own account, if any, stops too."""
    guardianship = _represented_or_404(ward_id)
    ward = guardianship.ward
    if current_closure(ward.id) is not None:
        return redirect(url_for(".represent_reopen", ward_id=ward.id), 303)
    account = current_user._get_current_object()
    form = RepresentativeCloseForm()
    if form.validate_on_submit() and confirm_identity(account, "close", form.password):
        closure, token = close_space(account, form.reason.data, _language(),
                                     delete_early=form.delete_early.data, person=ward)
        _tell_representative_change(ward, _l("Votre espace Carnet est fermé"), _ln(
            "Bonjour,\n\n%(name)s, votre représentant légal, a fermé votre espace santé "
            "Carnet. Plus personne ne peut le consulter. Vos données seront supprimées le "
            "%(date)s, sauf s’il est rouvert avant.\n", name=account.person.full_name,
            date=LazyDate(closure.delete_after.date())))
        return redirect(url_for(".proof", token=token), 303)
    return render("lifecycle/represent_close.html", form=form, ward=ward), reauth_status()


@bp.route("/proches/<int:ward_id>/rouvrir-son-espace", methods=["GET", "POST"])
@requires(LIFECYCLE_REPRESENT)
def represent_reopen(ward_id):
    """A legal representative reopens the space of the person they represent (password asked
    again): everything archived is back, a pending deletion is cancelled."""
    guardianship = _represented_or_404(ward_id)
    ward = guardianship.ward
    closure = current_closure(ward.id)
    if closure is None:
        abort(404)
    account = current_user._get_current_object()
    if closure.past_deletion():
        return render("lifecycle/represent_reopen.html", form=None, ward=ward, closure=closure,
                      gone=True), 410
    form = RepresentativeReopenForm()
    if form.validate_on_submit() and confirm_identity(account, "reopen", form.password):
        try:
            done = reopen(closure, account)
        except PastDeletion:
            return render("lifecycle/represent_reopen.html", form=None, ward=ward,
                          closure=closure, gone=True), 410
        if done:
            _tell_reopened(ward)
        flash(_n("L’espace de %(name)s est rouvert.", name=ward.full_name), "success")
        return redirect(url_for("proxies.relatives"), 303)
    return render("lifecycle/represent_reopen.html", form=form, ward=ward, closure=closure,
                  gone=False), reauth_status()
