"""Forms of the entourage: an emergency contact, the trusted person, the organ-donation wish.
The view sets `form.patient` (a designation is never dated before the patient's birth)."""
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, TelField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..forms.fields import FrenchDateField
from ..profile.forms import choice, strip, text
from . import phones
from .models import DONATION_AGREES, DONATION_REFUSES, DONATION_UNSET


class ContactForm(FlaskForm):
    """A person to contact in an emergency."""

    patient = None

    name = text(_l("Nom et prénom"), required=_l("Saisissez le nom et le prénom de la personne."),
                description=_l("Par exemple : Pierre Dupont."))
    # The view words the label in the right person: "Lien avec vous", "Lien avec Lina Martin".
    relationship = text(_l("Lien"), 100,
                        required=_l("Indiquez le lien, par exemple : fils, voisine, amie."),
                        description=_l("Par exemple : fils, voisine, amie."))
    phone = TelField(
        _l("Téléphone"), filters=[strip],
        description=_l("Par exemple : 06 12 34 56 78, ou +44 20 7946 0958 pour un numéro "
                       "étranger."),
        validators=[DataRequired(_l("Saisissez le numéro de téléphone."))],
        render_kw={"autocomplete": "off"})
    email = EmailField(
        _l("Adresse e-mail"), filters=[strip], description=_l("Facultatif."),
        validators=[Optional(), Length(max=254, message=_l("Saisissez au plus %(max)d "
                                                           "caractères.")),
                    Email(_l("Saisissez une adresse e-mail valide, par exemple "
                             "nom@exemple.fr."))],
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    note = text(_l("Remarque"), 500, area=True,
                description=_l("Facultatif. Par exemple : à appeler en premier, joignable "
                               "le soir, parle anglais."))

    def validate_phone(self, field):
        if phones.normalise(field.data) is None:
            raise ValidationError(_l("Ce numéro de téléphone n’est pas valide : saisissez "
                                     "10 chiffres, par exemple 06 12 34 56 78, ou un numéro "
                                     "international commençant par +, par exemple "
                                     "+44 20 7946 0958."))

    def load(self, contact):
        """Show the stored number as people read it (GET of an edit form)."""
        self.phone.data = contact.phone_display

    def apply(self, contact):
        contact.name = self.name.data
        contact.relationship = self.relationship.data
        contact.phone = phones.normalise(self.phone.data)
        contact.email = (self.email.data or "").lower()
        contact.note = self.note.data or ""


class TrustedPersonForm(ContactForm):
    """The trusted person: the designation is written and co-signed by the person (L1111-6)."""

    relationship = text(_l("Lien"), 100,
                        required=_l("Indiquez le lien, par exemple : fils, amie, médecin "
                                    "traitant."),
                        description=_l("Un proche, un ami ou le médecin traitant, par "
                                       "exemple : fils."))
    designated_on = FrenchDateField(
        _l("Date de la désignation écrite"),
        description=_l("La date du document signé, par exemple 14/05/2024."),
        required=_l("Saisissez la date de la désignation écrite, par exemple 14/05/2024."),
        future=_l("La date de la désignation ne peut pas être dans le futur."))
    accepted = BooleanField(
        _l("La personne a accepté d’être ma personne de confiance"),
        description=_l("La loi demande une désignation écrite, cosignée par la personne de "
                       "confiance. Elle peut être changée ou annulée à tout moment."),
        validators=[DataRequired(_l("Cochez la case : la personne de confiance doit avoir "
                                    "accepté et cosigné la désignation."))])

    def apply(self, contact):
        super().apply(contact)
        contact.designated_on = self.designated_on.data
        contact.accepted = True


DONATION_OPTIONS = [
    (DONATION_UNSET, _l("Non précisé")),
    (DONATION_AGREES, _l("Je ne m’oppose pas au don de mes organes et tissus")),
    (DONATION_REFUSES, _l("Je refuse le don, en totalité ou en partie")),
]


class WishesForm(FlaskForm):
    """The organ-donation wish, with the refusal's details."""

    organ_donation = choice(_l("Don d’organes et de tissus après la mort"), DONATION_OPTIONS,
                            radio=True)
    refusal_registered = BooleanField(
        _l("Inscrit ou inscrite au registre national des refus"),
        description=_l("Cochez seulement si l’inscription a été faite, par exemple sur "
                       "registrenationaldesrefus.fr."))
    refusal_scope = text(_l("Refus partiel : organes, tissus ou usages refusés"), 500, area=True,
                         description=_l("Facultatif. Laissez vide si le refus porte sur tout. "
                                        "Par exemple : cornées ; recherche scientifique."))
    comment = text(_l("Commentaire"), 1000, area=True,
                   description=_l("Facultatif. Par exemple : mes proches connaissent ma "
                                  "position."))

    def validate_organ_donation(self, field):
        if field.data != DONATION_REFUSES and (self.refusal_registered.data
                                               or self.refusal_scope.data):
            raise ValidationError(_l("L’inscription au registre des refus et le refus partiel "
                                     "vont avec le choix « Je refuse le don » : choisissez-le, "
                                     "ou décochez et videz ces champs."))

    def apply(self, wishes):
        wishes.organ_donation = self.organ_donation.data or DONATION_UNSET
        refuses = wishes.organ_donation == DONATION_REFUSES
        wishes.refusal_registered = refuses and bool(self.refusal_registered.data)
        wishes.refusal_scope = (self.refusal_scope.data or "") if refuses else ""
        wishes.comment = self.comment.data or ""
