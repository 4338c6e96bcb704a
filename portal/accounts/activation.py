"""Opening one's own account from an invitation: a provisional code typed from a letter or an
e-mail (a space announced by the insurer), or a random link (a young adult at 18), usable
once, plus the person's NIR and birth date typed again; then an e-mail and a password. And
"Générer un nouveau code": NIR + birth date + the old letter's reference.

Only a hash of each code or link is stored. The code alone opens nothing: whoever holds it
must also know who it was meant for (NIR + birth date); every failure gets one message that
never says which field was wrong, and counts against the same limits as a login (per code,
per address).
"""

from flask import flash, redirect, session, url_for
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

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
from ..forms.fields import LeftToRight, same_field
from ..lifecycle.announcements import open_space
from .invites import (TOKEN_KEY, code_field, code_throttled_page, invite_from_code, is_invitee,
                      link_invite, throttled_page)


class ActivationForm(IdentityMixin, NewPasswordMixin, FlaskForm):
    """Who one is (NIR + birth date, as on the carte Vitale), then the new login."""

    journal_failed_lookups = False  # is_invitee() journals every mismatch

    code = code_field()
    nir = nir_field(_l("Votre numéro de sécurité sociale"),
                    example=_l("15 chiffres, sur votre carte Vitale ; espaces acceptés."))
    birth_date = birth_date_field(_l("Votre date de naissance"),
                                  example=_l("Par exemple : 14/05/2007."))
    email = same_field(LoginForm.email)
    new_password = same_field(PasswordChangeForm.new_password)  # a password change's rules
    confirm = same_field(PasswordChangeForm.confirm)

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
    """Open one's own account from a code (or an e-mailed link): identity again, then e-mail
    and password."""
    by_link = link_invite()
    if by_link is None:
        return render("accounts/activation_invalid.html"), 404
    form = ActivationForm()
    if by_link != "none":
        del form.code  # the link stands for the code
        refused = throttled_page(form, by_link, "accounts/activation.html")
    else:
        refused = code_throttled_page(form, "accounts/activation.html")
    if refused:
        return refused
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        invite = by_link if by_link != "none" else invite_from_code(form)
        if invite is None:
            pass  # the code field says what failed, never which field
        elif by_link != "none" and not is_invitee(form, invite):
            pass  # the form says what is wrong
        elif Account.select().where(Account.email == email).exists():
            form.email.errors.append(_("Cette adresse e-mail est déjà celle d’un autre compte "
                                       "Carnet. Choisissez-en une autre."))
        elif form.check_new_password(Account(email=email, person=invite.person)):
            account = _create_account(invite, email, form.new_password.data)
            if account is None:
                return render("accounts/activation_invalid.html"), 404
            session.pop(TOKEN_KEY, None)
            open_space(invite.person_id, "activation")
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


class NewCodeForm(IdentityMixin, FlaskForm):
    """Who one is, and the reference of the letter (or e-mail) whose code is lost or expired."""

    nir = nir_field(_l("Votre numéro de sécurité sociale"),
                    example=_l("15 chiffres, sur votre carte Vitale ; espaces acceptés."))
    birth_date = birth_date_field(_l("Votre date de naissance"),
                                  example=_l("Par exemple : 14/05/2007."))
    reference = StringField(_l("Référence du courrier"),
                            description=_l("En haut de votre courrier ou dans l’e-mail, par "
                                           "exemple : R-ACD4KMP."),
                            validators=[DataRequired(_l("Saisissez la référence de votre "
                                                        "courrier.")), LeftToRight()],
                            render_kw={"autocomplete": "off", "spellcheck": "false",
                                       "autocapitalize": "characters"})


@bp.route("/activation/nouveau-code", methods=["GET", "POST"])
@public
def new_code():
    """Ask for a new provisional code (the old one is lost or expired): it goes by e-mail when
    the address is known, otherwise by post; the old code stops working when the new one is
    made."""
    from ..lifecycle.announcements import request_new_code
    from ..throttle import Throttle
    form = NewCodeForm()
    attempt = Throttle("new-code", None)
    if attempt.holds_back(form, form.reference):
        return render("accounts/new_code.html", form=form), 429
    if form.validate_on_submit():
        channel = request_new_code(form.find_person(), form.reference.data)
        if channel == "limit":
            form.reference.errors.append(_(
                "Vous avez déjà demandé plusieurs nouveaux codes : le dernier vous a été envoyé. "
                "Vérifiez vos e-mails (et le dossier des indésirables) ou votre boîte aux "
                "lettres, ou rendez-vous à l’accueil de votre caisse d’Assurance Maladie ou "
                "dans un espace France Services."))
            return render("accounts/new_code.html", form=form), 429
        if channel is None:
            attempt.failed()
            form.reference.errors.append(_(
                "Ces informations ne correspondent à aucun courrier d’un espace à activer. "
                "Vérifiez votre numéro de sécurité sociale, votre date de naissance et la "
                "référence du courrier. Vous pouvez aussi vous rendre à l’accueil de votre "
                "caisse d’Assurance Maladie ou dans un espace France Services."))
        else:
            flash(_("Un nouveau code vous a été envoyé par e-mail. L’ancien ne fonctionne plus.")
                  if channel == "email" else
                  _("Un nouveau courrier avec un nouveau code vous sera envoyé par la poste, "
                    "sous une semaine environ. Votre ancien code fonctionne jusqu’à "
                    "l’impression du nouveau courrier."), "success")
            return redirect(url_for(".activate"), 303)
    return render("accounts/new_code.html", form=form)
