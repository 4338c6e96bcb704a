"""The public page where a recovery code printed at a counter (counter_recovery.py) gives a
new password and, if wanted, a new e-mail address."""
from flask import flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import Email, Length, Optional

from ..forms.fields import same_field
from ..htmx import render
from ..policy import public
from ..rendering import lazy_gettext as _l
from . import bp
from .counter_recovery import address_taken, address_throttle, check, recover
from .forms import NewPasswordMixin, PasswordChangeForm
from .identity import IdentityMixin, birth_date_field, nir_field
from .invites import code_field

TEMPLATE = "accounts/counter_recovery.html"


class CounterRecoveryForm(IdentityMixin, NewPasswordMixin, FlaskForm):
    """The code of the counter's letter, who one is, the new password, perhaps a new address."""

    journal_failed_lookups = False  # counter_recovery.check journals every mismatch

    code = code_field()
    nir = nir_field(_l("Votre numéro de sécurité sociale"),
                    example=_l("15 chiffres, sur votre carte Vitale ; espaces acceptés."))
    birth_date = birth_date_field(_l("Votre date de naissance"),
                                  example=_l("Par exemple : 14/05/1985."))
    new_password = same_field(PasswordChangeForm.new_password)  # a password change's rules
    confirm = same_field(PasswordChangeForm.confirm)
    email = EmailField(
        _l("Nouvelle adresse e-mail (facultative)"),
        description=_l("Si vous n’avez plus accès à l’ancienne, indiquez-en une que vous "
                       "consultez : vos codes de connexion y seront envoyés. Sinon, laissez "
                       "vide."),
        validators=[Optional(), Length(max=254),
                    Email(_l("Saisissez une adresse e-mail valide, par exemple "
                             "nom@exemple.fr."))],
        render_kw={"autocomplete": "email", "spellcheck": "false"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.code.description = _l("12 lettres et chiffres, sur le courrier remis au guichet, "
                                   "par exemple : ACDE-FGHJ-KMNP.")


@bp.route("/mot-de-passe-oublie/guichet", methods=["GET", "POST"])
@public
def counter_recovery():
    """A new password (and perhaps a new address) with the code printed at a counter; every
    session of the account ends. Throttled like an activation, one message for every
    failure."""
    if current_user.is_authenticated:
        return redirect(url_for("settings.password"))
    form = CounterRecoveryForm()
    if address_throttle().holds_back(form, form.code):
        return render(TEMPLATE, form=form), 429
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower() or None
        invite, account = check(form)
        if invite == "blocked":
            return render(TEMPLATE, form=form), 429
        if invite is None:
            pass  # the code field says what failed, never which field
        elif email and address_taken(email, account):
            form.email.errors.append(_("Cette adresse e-mail est déjà celle d’un autre compte "
                                       "Carnet. Choisissez-en une autre, ou laissez le champ "
                                       "vide pour garder l’adresse actuelle."))
        elif form.check_new_password(account):
            if recover(invite, account, form.new_password.data, email) is None:
                form.code.errors.append(_("Ce code vient de servir ou d’être remplacé par un "
                                          "nouveau : demandez un nouveau code au guichet."))
            else:
                session.regenerate()
                flash(_("Votre mot de passe a été changé et toutes vos sessions ont été "
                        "fermées. Connectez-vous avec votre adresse e-mail et votre nouveau "
                        "mot de passe."), "success")
                return redirect(url_for(".login"), 303)
    return render(TEMPLATE, form=form)
