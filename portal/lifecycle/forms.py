"""Closing one's space (password again, and a clear yes) and opposing its opening."""
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..accounts.invites import code_field
from ..accounts.identity import IdentityMixin, birth_date_field, nir_field


class CloseForm(FlaskForm):
    reason = TextAreaField(
        _l("Pourquoi fermez-vous votre espace ? (facultatif)"),
        validators=[Length(max=1000, message=_l("1 000 caractères au plus."))])
    understood = BooleanField(
        _l("J’ai compris : plus personne, ni moi ni les professionnels de santé, ne pourra "
           "consulter mon espace tant qu’il est fermé."),
        validators=[InputRequired(_l("Cochez la case pour confirmer que vous avez compris."))])
    password = PasswordField(
        _l("Votre mot de passe"),
        validators=[DataRequired(_l("Saisissez votre mot de passe pour confirmer."))],
        render_kw={"autocomplete": "current-password"})


class OppositionForm(IdentityMixin, FlaskForm):
    journal_failed_lookups = False  # is_invitee() journals every mismatch

    code = code_field()
    nir = nir_field(_l("Votre numéro de sécurité sociale"),
                    example=_l("15 chiffres, sur votre carte Vitale ; espaces acceptés."))
    birth_date = birth_date_field(_l("Votre date de naissance"),
                                  example=_l("Par exemple : 14/05/2007."))
    understood = BooleanField(
        _l("Je m’oppose à l’ouverture de mon espace santé. J’ai compris que je pourrai changer "
           "d’avis plus tard auprès de ma caisse d’Assurance Maladie."),
        validators=[InputRequired(_l("Cochez la case pour confirmer votre opposition."))])
