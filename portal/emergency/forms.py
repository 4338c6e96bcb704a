"""Forms of emergency access: the professional's declaration and the patient's settings."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..accounts.nir import is_valid_nir, normalise
from ..profile.fields import FrenchDateField


class DeclareForm(FlaskForm):
    """Identify the patient (NIR + birth date, no open search), state the reason, confirm."""

    nir = StringField(_l("Numéro de sécurité sociale du patient ou de la patiente"),
                      description=_l("15 chiffres, espaces acceptés, par exemple : "
                                     "1 44 02 19 031 012 34."),
                      validators=[DataRequired(_l("Saisissez le numéro de sécurité sociale."))],
                      render_kw={"autocomplete": "off", "inputmode": "numeric",
                                 "spellcheck": "false"})
    birth_date = FrenchDateField(_l("Date de naissance"),
                                 description=_l("Par exemple : 11/02/1944."),
                                 required=_l("Saisissez la date de naissance, par exemple "
                                             "11/02/1944."),
                                 future=_l("La date de naissance ne peut pas être dans le "
                                           "futur."))
    reason = TextAreaField(_l("Motif de l’urgence"),
                           description=_l("Obligatoire, au moins 10 caractères. Il est inscrit "
                                          "dans l’historique d’activité du patient ou de la "
                                          "patiente, qui peut le lire."),
                           validators=[DataRequired(_l("Indiquez le motif de l’urgence.")),
                                       Length(min=10, max=1000, message=_l(
                                           "Le motif doit compter entre 10 et 1000 "
                                           "caractères."))])
    confirm = BooleanField(_l("Je certifie agir dans l’urgence, sans pouvoir recueillir le "
                              "consentement du patient ou de la patiente."),
                           validators=[DataRequired(_l("Cochez la case pour certifier "
                                                       "l’urgence."))])

    def validate_nir(self, field):
        if not is_valid_nir(field.data):
            raise ValidationError(_l("Ce numéro de sécurité sociale n’est pas valide : "
                                     "vérifiez les 15 chiffres."))

    def nir_value(self):
        return normalise(self.nir.data)


class SettingsForm(FlaskForm):
    """The patient's three switches."""

    samu_allowed = BooleanField(
        _l("Le médecin régulateur du SAMU peut accéder à mon dossier en urgence"),
        description=_l("Lors d’un appel au 15, le médecin qui organise les secours peut "
                       "consulter votre dossier pendant 2 heures."))
    others_allowed = BooleanField(
        _l("Les autres professionnels de santé peuvent accéder à mon dossier en urgence"),
        description=_l("Par exemple un urgentiste à l’hôpital, si vous ne pouvez pas donner "
                       "votre accord. Chaque accès est limité à 2 heures et vous en êtes "
                       "informé."))
    masked_visible = BooleanField(
        _l("Mes documents masqués sont visibles en cas d’urgence"),
        description=_l("Sinon, les documents que vous avez masqués aux professionnels restent "
                       "invisibles, même en urgence."))
