"""Forms of emergency access: the professional's declaration and the patient's settings."""
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..accounts.identity import IdentityMixin, birth_date_field, nir_field


class DeclareForm(IdentityMixin, FlaskForm):
    """Identify the patient (NIR + birth date, no open search), state the reason, confirm."""

    nir = nir_field(_l("Numéro de sécurité sociale du patient ou de la patiente"))
    birth_date = birth_date_field()
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
