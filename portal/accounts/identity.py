"""Identifying a person by NIR + birth date (never an open search): form fields and lookup.

Used wherever someone names another insured person: an emergency declaration, a caregiver's or
a second legal representative's invitation, a mandate at a counter, an operator's attachment.
A wrong NIR, a wrong birth date and an unknown person all get the same answer from the view.
"""
from flask_babel import LazyString
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, ValidationError

from ..forms.fields import FrenchDateField, LeftToRight
from .models import Person
from .nir import is_valid_nir, normalise


def nir_field(label=_l("Numéro de sécurité sociale"),
              example=_l("15 chiffres, espaces acceptés, par exemple : 1 44 02 19 031 012 34.")):
    return StringField(label, description=example,
                       validators=[DataRequired(_l("Saisissez le numéro de sécurité sociale.")),
                                   LeftToRight()],
                       render_kw={"autocomplete": "off", "inputmode": "numeric",
                                  "spellcheck": "false"})


def birth_date_field(label=_l("Date de naissance"), example=_l("Par exemple : 11/02/1944.")):
    # The message repeats the example the hint gives (never another date).
    # (Not _() inside an f-string: the extractor does not see it, so it was never translated.)
    required = LazyString(lambda: _("Saisissez la date de naissance.") + " " + str(example))
    return FrenchDateField(label, description=example, required=required,
                           future=_l("La date de naissance ne peut pas être dans le futur."))


class IdentityMixin:
    """For a FlaskForm with `nir` and `birth_date` fields (built with the functions above)."""

    def validate_nir(self, field):
        if not is_valid_nir(field.data):
            raise ValidationError(_l("Ce numéro de sécurité sociale n’est pas valide : "
                                     "vérifiez les 15 chiffres."))

    def nir_value(self):
        return normalise(self.nir.data)

    # A failed lookup is journaled here, unless the form's view journals it in its own words.
    journal_failed_lookups = True

    def find_person(self):
        """The person with this NIR and birth date, or None (never says which one differs).
        Failed lookups count in the shared throttle, per account (or, before login, per
        address): past the limit, the request is refused with a 429 even for a right
        identity, so no one can try identities one after another. A lookup that finds no one
        is journaled with no patient (who searched, from which page; never the number
        typed)."""
        from flask import request
        from flask_login import current_user

        from .. import audit
        from ..throttle import Throttle
        actor = current_user.get_id() if current_user.is_authenticated else None
        attempt = Throttle("identity", actor)
        attempt.check()
        person = Person.get_or_none(Person.nir == self.nir_value(),
                                    Person.birth_date == self.birth_date.data)
        if person is None:
            attempt.failed()
            if self.journal_failed_lookups:
                audit.record("identity.lookup_failed", patient=audit.NOBODY, via="",
                             outcome="denied", obj_type="identity",
                             detail=request.endpoint or "")
        return person
