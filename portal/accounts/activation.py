"""Opening one's own account from an invitation (a young adult at 18): a random link, usable
once, plus the person's NIR and birth date typed again; then an e-mail and a password.

Only the token's SHA-256 is stored. The link alone opens nothing: whoever holds it must also
know who it was meant for (NIR + birth date), and every failure counts against the same
limits as a login.
"""

from flask import flash, redirect, session, url_for
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm

from .. import audit
from ..db import write_tx
from ..htmx import render
from ..i18n import page_language
from ..policy import public
from .forms import LoginForm, NewPasswordMixin, PasswordChangeForm
from .identity import IdentityMixin, birth_date_field, nir_field
from .models import FACTOR_EMAIL, ROLE_PATIENT, Account, ActivationInvite, Person, utcnow
from .passwords import hash_password
from . import bp
from .invites import (TOKEN_KEY, is_invitee, throttled_page,
                      usable_invite)


class ActivationForm(IdentityMixin, NewPasswordMixin, FlaskForm):
    """Who one is (NIR + birth date, as on the carte Vitale), then the new login."""

    journal_failed_lookups = False  # is_invitee() journals every mismatch

    nir = nir_field(_l("Votre numéro de sécurité sociale"),
                    example=_l("15 chiffres, sur votre carte Vitale ; espaces acceptés."))
    birth_date = birth_date_field(_l("Votre date de naissance"),
                                  example=_l("Par exemple : 14/05/2007."))
    email = LoginForm.email
    new_password = PasswordChangeForm.new_password  # the same rules as a password change
    confirm = PasswordChangeForm.confirm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.new_password.label.text = _l("Choisissez un mot de passe")
        self.confirm.label.text = _l("Confirmez le mot de passe")


@bp.route("/activation/<token>")
@public
def activation_link(token):
    """The e-mailed link: keep the token in the server-side session and go on to a page
    whose address no longer holds it (no token in the history or in a Referer)."""
    session[TOKEN_KEY] = token[:100]
    return redirect(url_for(".activate"))


@bp.route("/activation", methods=["GET", "POST"])
@public
def activate():
    """Open one's own account from an invitation: identity again, then e-mail and password."""
    invite = usable_invite(session.get(TOKEN_KEY))
    if invite is None:
        return render("accounts/activation_invalid.html"), 404
    form = ActivationForm()
    refused = throttled_page(form, invite, "accounts/activation.html")
    if refused:
        return refused
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        if not is_invitee(form, invite):
            pass  # the form says what is wrong
        elif Account.select().where(Account.email == email).exists():
            form.email.errors.append(_("Cette adresse e-mail est déjà celle d’un autre compte "
                                       "Carnet. Choisissez-en une autre."))
        elif form.check_new_password(Account(email=email, person=invite.person)):
            account = _create_account(invite, email, form.new_password.data)
            if account is None:
                return render("accounts/activation_invalid.html"), 404
            session.pop(TOKEN_KEY, None)
            audit.record("account.activated", actor=account, patient=invite.person,
                         obj_type="activation_invite", obj_id=invite.id,
                         detail=f"reason={invite.reason}")
            flash(_("Votre espace santé est activé. Connectez-vous avec votre adresse e-mail et "
                    "votre mot de passe : un code de connexion vous sera envoyé par e-mail."),
                  "success")
            return redirect(url_for(".login"), 303)
    return render("accounts/activation.html", form=form)


def _create_account(invite, email, password):
    """Use the invitation (once) and create the patient account, in one transaction."""
    now = utcnow()
    with write_tx():
        used = ActivationInvite.update(used_at=now).where(
            ActivationInvite.id == invite.id, ActivationInvite.used_at.is_null(),
            ActivationInvite.expires_at > now).execute()
        if not used or Account.select().where(Account.person == invite.person_id).exists():
            return None
        # The language the person activated in (chosen, or their browser's) is the one their
        # e-mails will be written in, starting with the login codes.
        account = Account.create(person=invite.person_id, email=email, role=ROLE_PATIENT,
                                 password_hash=hash_password(password),
                                 second_factor=FACTOR_EMAIL, language=page_language())
        Person.update(email=email).where(Person.id == invite.person_id).execute()
    return account
