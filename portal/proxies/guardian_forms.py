"""Forms of legal representation: the second parent's invitation, the operator's attachment of
a protected adult's representative and its end, and the activation link handed over at a
counter."""
from flask import current_app
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import DataRequired, Length

from ..accounts.identity import IdentityMixin, birth_date_field, nir_field
from ..accounts.models import Person
from ..accounts.nir import normalise
from ..documents.sniff import format_megabytes
from ..forms.fields import FrenchDateField, options

# How the invited person holds parental authority (kept in the journal and the e-mail).
PARENT_RELATIONSHIPS = [
    ("mere", _l("Sa mère")),
    ("pere", _l("Son père")),
    ("autre", _l("Une autre personne titulaire de l’autorité parentale (par décision de "
                 "justice)")),
]

# The measures under which a judge gives someone the power to represent an adult in matters
# of their person (health included): only these make a legal representative. A curatorship
# (even "renforcée") or a "sauvegarde de justice" assists the person without representing
# them, so the adult keeps their space to themselves (and may give their curator a delegation).
ADULT_MEASURES = [
    ("tutelle", _l("Tutelle avec représentation relative à la personne")),
    ("habilitation", _l("Habilitation familiale générale par représentation")),
]
ADULT_MEASURE_LABELS = dict(ADULT_MEASURES)

END_REASONS = [
    ("mainlevee", _l("Mainlevée de la mesure par le juge")),
    ("terme", _l("Mesure arrivée à son terme sans renouvellement")),
    ("changement", _l("Changement de tuteur ou de personne habilitée décidé par le juge")),
    ("erreur", _l("Rattachement fait par erreur")),
]
END_REASON_LABELS = dict(END_REASONS)


class InviteGuardianForm(IdentityMixin, FlaskForm):
    """The managing parent names the other parent by NIR + birth date and vouches for it."""

    nir = nir_field(_l("Numéro de sécurité sociale de l’autre parent"))
    birth_date = birth_date_field(_l("Date de naissance de l’autre parent"),
                                  example=_l("Par exemple : 14/05/1980."))
    relationship = RadioField(_l("Qui est cette personne pour l’enfant ?"),
                              choices=options(PARENT_RELATIONSHIPS),
                              invalid_choice_message=_l("Indiquez qui est cette personne pour "
                                                        "l’enfant."))
    statement = BooleanField(_l("Je déclare sur l’honneur que cette personne exerce l’autorité "
                                "parentale sur l’enfant."),
                             description=_l("Une fausse déclaration est passible de sanctions "
                                            "pénales (article 441-7 du code pénal)."),
                             validators=[DataRequired(_l("Cochez la case pour confirmer que "
                                                         "cette personne exerce l’autorité "
                                                         "parentale."))])


def _find(nir_field_, date_field):
    return Person.get_or_none(Person.nir == normalise(nir_field_.data),
                              Person.birth_date == date_field.data)


class AttachGuardianForm(IdentityMixin, FlaskForm):
    """An operator attaches a protected adult's representative, as the judge decided."""

    nir = nir_field(_l("Numéro de sécurité sociale de la personne protégée"))
    birth_date = birth_date_field(_l("Date de naissance de la personne protégée"))
    guardian_nir = nir_field(_l("Numéro de sécurité sociale du tuteur ou de la personne "
                                "habilitée"))
    guardian_birth_date = birth_date_field(_l("Date de naissance du tuteur ou de la personne "
                                              "habilitée"),
                                           example=_l("Par exemple : 14/05/1980."))
    measure = RadioField(_l("Mesure de protection"), choices=options(ADULT_MEASURES),
                         invalid_choice_message=_l("Choisissez la mesure de protection décidée "
                                                   "par le juge."))
    decision_date = FrenchDateField(_l("Date du jugement"),
                                    description=_l("Par exemple : 12/03/2024."),
                                    required=_l("Saisissez la date du jugement, par exemple "
                                                "12/03/2024."),
                                    future=_l("La date du jugement ne peut pas être dans le "
                                              "futur."))
    decision_reference = StringField(
        _l("Numéro du jugement (RG ou minute)"),
        description=_l("Tel qu’il figure sur le jugement, par exemple : RG 24/01234."),
        validators=[DataRequired(_l("Saisissez le numéro du jugement.")),
                    Length(max=60, message=_l("Le numéro du jugement ne doit pas dépasser 60 "
                                              "caractères."))],
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    fichier = FileField(_l("Jugement (PDF ou photo)"),
                        validators=[FileRequired(_l("Choisissez le fichier du jugement."))])

    validate_guardian_nir = IdentityMixin.validate_nir

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = format_megabytes(current_app.config["MAX_UPLOAD_BYTES"])
        self.fichier.description = _l("PDF ou image (JPEG, PNG, TIFF), %(max)s Mo au plus. Le "
                                      "jugement est rangé dans les documents de la personne "
                                      "protégée.", max=limit)

    def find_guardian(self):
        """The representative named by NIR + birth date, or None (never says which differs)."""
        return _find(self.guardian_nir, self.guardian_birth_date)


class EndGuardianshipForm(FlaskForm):
    reason = RadioField(_l("Pourquoi la représentation prend-elle fin ?"),
                        choices=options(END_REASONS),
                        invalid_choice_message=_l("Choisissez le motif de la fin de la "
                                                  "représentation."))


class HandOverForm(FlaskForm):
    """The operator vouches for having checked the young adult's identity at the counter."""

    checked = BooleanField(_l("J’ai vérifié l’identité de cette personne, présente devant moi, "
                              "avec une pièce d’identité"),
                           validators=[DataRequired(_l("Cochez la case : le lien ne se remet "
                                                       "qu’à la personne elle-même, après "
                                                       "vérification de son identité."))])
