"""Login, second-factor and account-settings forms (labels and messages in French)."""
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, EmailField, HiddenField, PasswordField, RadioField,
                     StringField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, ValidationError

from ..forms.fields import LeftToRight, same_field
from .passwords import MAX_LENGTH, MIN_LENGTH, password_problem
from .reauth import ReauthMixin


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[DataRequired(_l("Saisissez votre adresse e-mail.")),
                    Email(_l("Saisissez une adresse e-mail valide, par exemple "
                             "nom@exemple.fr."))],
        render_kw={"autocomplete": "username", "spellcheck": "false"})
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(_l("Saisissez votre mot de passe.")),
                    Length(max=MAX_LENGTH, message=_l("Le mot de passe est trop long."))],
        render_kw={"autocomplete": "current-password"})


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code de connexion"),
        description=_l("6 chiffres, par exemple 123456."),
        validators=[DataRequired(_l("Saisissez le code à 6 chiffres.")), LeftToRight()],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                   "pattern": "[0-9 ]*", "maxlength": "7", "spellcheck": "false"})

    def validate_code(self, field):
        digits = "".join(ch for ch in field.data or "" if ch.isdigit())
        if len(digits) != 6:
            raise ValidationError(_l("Le code comporte 6 chiffres, par exemple 123456."))


class NewPasswordMixin:
    """New password + confirmation, checked against the policy."""

    def check_new_password(self, account):
        problem = password_problem(self.new_password.data or "", email=account.email,
                                   names=(account.person.family_name,
                                          account.person.given_names))
        if problem:
            self.new_password.errors.append(problem)
            return False
        return True


class PasswordChangeForm(FlaskForm, NewPasswordMixin):
    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(_l("Saisissez votre mot de passe actuel."))],
        render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(
        _l("Nouveau mot de passe"),
        description=_l("Au moins %(n)s caractères. Une phrase de plusieurs mots est facile à "
                       "retenir. Le collage est autorisé.", n=MIN_LENGTH),
        validators=[DataRequired(_l("Saisissez un nouveau mot de passe."))],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Confirmez le nouveau mot de passe"),
        validators=[DataRequired(_l("Saisissez à nouveau le nouveau mot de passe.")),
                    EqualTo("new_password", _l("Les deux mots de passe ne sont pas "
                                               "identiques."))],
        render_kw={"autocomplete": "new-password"})


class SecondFactorForm(ReauthMixin, FlaskForm):
    """The new method, confirmed with the current password and the current factor's code."""

    method = RadioField(
        _l("Méthode de vérification"),
        choices=[SelectChoice("email", _l("Un code envoyé par e-mail")),
                 SelectChoice("totp", _l("Une application d’authentification (TOTP)")),
                 SelectChoice("none", _l("Aucune vérification supplémentaire (déconseillé)"))],
        validators=[DataRequired(_l("Choisissez une méthode."))])


class FactorOffForm(FlaskForm):
    """A patient's last step before logging in with the password alone."""

    understood = BooleanField(
        _l("J’ai compris : avec mon seul mot de passe, une personne qui le découvre peut "
           "ouvrir mon dossier médical."),
        validators=[InputRequired(_l("Cochez la case pour confirmer que vous avez compris, ou "
                                     "gardez la vérification en deux étapes."))])


class TotpConfirmForm(FlaskForm):
    secret = HiddenField()
    code = StringField(
        _l("Code affiché par l’application"),
        description=_l("6 chiffres, renouvelés toutes les 30 secondes."),
        validators=[DataRequired(_l("Saisissez le code affiché par l’application.")),
                    LeftToRight()],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                   "maxlength": "7", "spellcheck": "false"})


class RecoveryRequestForm(FlaskForm):
    """"Mot de passe oublié", step 1: the address to send a code to."""

    email = same_field(LoginForm.email)


class RecoveryCodeForm(CodeForm):
    """Step 2: the code received by e-mail."""

    code = StringField(
        _l("Code reçu par e-mail"),
        description=_l("6 chiffres, par exemple 123456."),
        validators=[DataRequired(_l("Saisissez le code à 6 chiffres.")), LeftToRight()],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                   "pattern": "[0-9 ]*", "maxlength": "7", "spellcheck": "false"})


class RecoveryPasswordForm(FlaskForm, NewPasswordMixin):
    """Step 3: the new password, under the same rules as a change in the settings (the same
    fields, checked by the same policy)."""

    new_password = same_field(PasswordChangeForm.new_password)
    confirm = same_field(PasswordChangeForm.confirm)
