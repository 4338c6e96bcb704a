"""A patient invites a caregiver: who (NIR + birth date), what they may do, for how long, and
the patient's sworn statement."""
from datetime import date, timedelta

from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired, ValidationError

from ..accounts.identity import IdentityMixin, birth_date_field, nir_field
from ..i18n import format_date
from ..forms.fields import CheckboxesField, FrenchDateField, one_of_choices, options
from .models import DELEGATION_SCOPES, add_months

# What each scope lets the caregiver do, in plain words: (name, one-line explanation).
SCOPE_TEXTS = {
    "dossier_read": (_l("Consulter le dossier"),
                     _l("Voir les documents, les mesures et le profil médical, et imprimer des "
                        "synthèses.")),
    "dossier_write": (_l("Ajouter au dossier"),
                      _l("Ajouter des documents et des mesures, compléter le profil médical. "
                         "Sans pouvoir supprimer ni masquer de document.")),
    "messaging": (_l("Messagerie"),
                  _l("Lire et envoyer des messages aux professionnels de santé, au nom de la "
                     "personne aidée.")),
    "agenda": (_l("Agenda"),
               _l("Voir et noter les rendez-vous de santé.")),
}
assert set(SCOPE_TEXTS) == set(DELEGATION_SCOPES)

# What no caregiver may ever do, whatever the scopes (said on the form and on the attestation).
NEVER = _l("Un proche aidant ne peut jamais : gérer les autres proches aidants, modifier "
           "l’identifiant de connexion ou les coordonnées, fermer l’espace, demander la "
           "suppression ou l’export des données, ni changer les réglages d’accès en urgence.")

# The sworn statement (déclaration sur l'honneur) the inviting person confirms.
SWORN_POINTS = (
    _l("je choisis librement cette personne comme proche aidant ;"),
    _l("je sais que la délégation peut prendre fin à tout moment, à ma demande ou à la sienne ;"),
    _l("je sais que cette personne verra des données de santé de cet espace, selon les "
       "autorisations choisies."),
)

# A delegation lasts at most 3 years: long enough for a lasting illness or old age, short
# enough that the patient confirms their choice again from time to time.
MAX_YEARS = 3
# It may start later, but within a year.
START_WITHIN = timedelta(days=365)


def scope_texts(scopes):
    """(name, explanation) of the given scopes, in the order of DELEGATION_SCOPES."""
    return [(str(SCOPE_TEXTS[s][0]), str(SCOPE_TEXTS[s][1]))
            for s in DELEGATION_SCOPES if s in scopes]


def scope_names(scopes):
    """The scopes' plain names, in the order of DELEGATION_SCOPES."""
    return [name for name, _explanation in scope_texts(scopes)]


def at_least_one(form, field):
    if not field.data:
        raise ValidationError(_l("Choisissez au moins une autorisation."))


class InviteForm(IdentityMixin, FlaskForm):
    """Who the caregiver is, what they may do and until when, and the sworn statement."""

    nir = nir_field(_l("Numéro de sécurité sociale du proche aidant"))
    birth_date = birth_date_field(_l("Date de naissance du proche aidant"))
    scopes = CheckboxesField(
        _l("Ce que le proche aidant pourra faire"),
        choices=options((s, SCOPE_TEXTS[s][0]) for s in DELEGATION_SCOPES),
        validators=[at_least_one,
                    one_of_choices(_l("Choisissez parmi les autorisations proposées."))])
    starts_on = FrenchDateField(
        _l("Début de la délégation"), default=date.today,
        description=_l("Aujourd’hui ou plus tard, dans l’année. Par exemple : 01/03/2026."),
        required=_l("Saisissez la date de début, par exemple 01/03/2026."))
    ends_on = FrenchDateField(
        _l("Fin de la délégation"),
        description=_l("Au plus tard 3 ans après le début. Vous pourrez y mettre fin plus tôt, "
                       "à tout moment."),
        required=_l("Saisissez la date de fin, par exemple 01/03/2027."))
    sworn = BooleanField(
        _l("Je déclare sur l’honneur que ces trois points sont exacts."),
        validators=[DataRequired(_l("Cochez la déclaration sur l’honneur pour envoyer "
                                    "l’invitation."))])

    def validate_starts_on(self, field):
        today = date.today()
        if field.data < today:
            raise ValidationError(_l("La délégation ne peut pas commencer dans le passé : "
                                     "choisissez aujourd’hui ou une date à venir."))
        if field.data > today + START_WITHIN:
            raise ValidationError(_l("La délégation doit commencer dans l’année qui vient."))

    def validate_ends_on(self, field):
        start = self.starts_on.data
        if start is None:
            return
        if field.data <= start:
            raise ValidationError(_l("La date de fin doit être après la date de début."))
        if field.data > add_months(start, 12 * MAX_YEARS):
            raise ValidationError(_l("Une délégation dure au plus 3 ans : choisissez une date "
                                     "de fin au plus tard le %(date)s.",
                                     date=format_date(add_months(start, 12 * MAX_YEARS), "short")))
