"""Closing one's space (password again, and a clear yes) and opposing its opening."""
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..accounts.invites import code_field
from ..forms.fields import options

from ..accounts.identity import IdentityMixin, birth_date_field, nir_field


class CloseForm(FlaskForm):
    reason = TextAreaField(
        _l("Pourquoi fermez-vous votre espace ? (facultatif)"),
        validators=[Length(max=1000, message=_l("1 000 caractères au plus."))])
    understood = BooleanField(
        _l("J’ai compris : plus personne, ni moi ni les professionnels de santé, ne pourra "
           "consulter mon espace tant qu’il est fermé."),
        validators=[InputRequired(_l("Cochez la case pour confirmer que vous avez compris."))])
    delete_early = BooleanField(
        _l("Je demande aussi la suppression de mes données, sans attendre 10 ans."),
        description=_l("Elles seront supprimées dans les 3 mois. Jusque-là, vous pouvez changer "
                       "d’avis en faisant rouvrir votre espace par votre caisse d’Assurance "
                       "Maladie ; après, rien ne pourra être récupéré."))
    password = PasswordField(
        _l("Votre mot de passe"),
        validators=[DataRequired(_l("Saisissez votre mot de passe pour confirmer."))],
        render_kw={"autocomplete": "current-password"})


class RepresentativeCloseForm(CloseForm):
    """A legal representative closes the space of the person they represent."""

    reason = TextAreaField(
        _l("Pourquoi fermez-vous cet espace ? (facultatif)"),
        validators=[Length(max=1000, message=_l("1 000 caractères au plus."))])
    understood = BooleanField(
        _l("J’ai compris : plus personne, ni moi ni les professionnels de santé, ne pourra "
           "consulter cet espace tant qu’il est fermé."),
        validators=[InputRequired(_l("Cochez la case pour confirmer que vous avez compris."))])
    delete_early = BooleanField(
        _l("Je demande aussi la suppression de ses données, sans attendre 10 ans."),
        description=_l("Elles seront supprimées dans les 3 mois. Jusque-là, vous pouvez changer "
                       "d’avis en rouvrant l’espace ; après, rien ne pourra être récupéré."))


class RepresentativeReopenForm(FlaskForm):
    """A legal representative reopens the space of the person they represent."""

    password = PasswordField(
        _l("Votre mot de passe"),
        validators=[DataRequired(_l("Saisissez votre mot de passe pour confirmer."))],
        render_kw={"autocomplete": "current-password"})


IDENTITY_DOCUMENT_CHOICES = [
    ("cni", _l("Carte nationale d’identité")),
    ("passeport", _l("Passeport")),
    ("titre_sejour", _l("Titre de séjour")),
    ("permis", _l("Permis de conduire")),
]
IDENTITY_DOCUMENT_LABELS = dict(IDENTITY_DOCUMENT_CHOICES)


class ReopenForm(FlaskForm):
    """The operator reopens a space: identity checked (with which document), then a
    confirmation step (`confirmed` is set by the confirmation page's button)."""

    identity_checked = BooleanField(
        _l("Identité vérifiée : j’ai vu une pièce d’identité de la personne et elle "
           "correspond à l’espace"),
        validators=[InputRequired(_l("Cochez la case après avoir vérifié l’identité de la "
                                     "personne."))])
    identity_document = RadioField(
        _l("Pièce d’identité présentée"), choices=options(IDENTITY_DOCUMENT_CHOICES),
        invalid_choice_message=_l("Choisissez la pièce d’identité que la personne a "
                                  "présentée."))
    confirmed = HiddenField()


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
