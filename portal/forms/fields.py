"""Form fields of the profile: dates typed either way, choices checked with French messages."""
import re
from datetime import date

from flask_babel import gettext as _

from ..i18n import format_date
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, html_params

ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
FRENCH_DATE = re.compile(r"^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{2,4})$")
OLDEST_YEAR = 1900

BAD_FORMAT = _l("Saisissez une date au format JJ/MM/AAAA, par exemple 14/05/2024.")
FOUR_DIGIT_YEAR = _l("Saisissez l’année avec 4 chiffres, par exemple 14/05/2024.")
NO_SUCH_DATE = _l("Cette date n’existe pas : vérifiez le jour et le mois.")
TOO_OLD = _l("Vérifiez l’année : la date est trop ancienne.")


def parse_date(text):
    """A date from `AAAA-MM-JJ` (what <input type="date"> sends) or `JJ/MM/AAAA` (typed);
    returns (date, None) or (None, French message)."""
    text = (text or "").strip()
    match = ISO_DATE.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = FRENCH_DATE.match(text)
        if not match:
            return None, BAD_FORMAT
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) != 4:
            return None, FOUR_DIGIT_YEAR
    try:
        value = date(year, month, day)
    except ValueError:
        return None, NO_SUCH_DATE
    if value.year < OLDEST_YEAR:
        return None, TOO_OLD
    return value, None


def date_input(field, **kwargs):
    """<input type="date">, except when the person typed text that is not a date: then a text
    input, so that what they typed is shown again (a date input would empty itself)."""
    kwargs.setdefault("id", field.id)
    kwargs["type"] = "text" if field.raw_text and field.data is None else "date"
    kwargs.setdefault("autocomplete", "off")
    return Markup("<input %s>" % html_params(name=field.name, value=field._value(), **kwargs))


class FrenchDateField(StringField):
    """A date field: optional unless `required` (its message) is given; `future` is the message
    refusing a date after today (None allows the future); never before the patient's birth
    (the form's `patient`, when set)."""

    widget = staticmethod(date_input)

    def __init__(self, label=None, validators=None, required=None, future=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required_message = required
        self.future_message = future
        self.raw_text = ""
        self.parse_error = None

    def process_data(self, value):
        self.data = value

    def process_formdata(self, valuelist):
        self.raw_text = (valuelist[0] if valuelist else "").strip()
        self.data, self.parse_error = (None, None) if not self.raw_text else \
            parse_date(self.raw_text)

    def _value(self):
        if self.data is not None:
            return self.data.isoformat()
        return self.raw_text

    def pre_validate(self, form):
        if self.parse_error:
            raise StopValidation(self.parse_error)
        if self.data is None:
            if self.required_message:
                raise StopValidation(self.required_message)
            raise StopValidation()
        if self.future_message and self.data > date.today():
            raise StopValidation(self.future_message)
        patient = getattr(form, "patient", None)
        if patient is not None and self.data < patient.birth_date:
            raise StopValidation(_("Cette date est antérieure à la date de naissance (%(date)s).",
                                   date=format_date(patient.birth_date, "long")))


def one_of_choices(message):
    """Refuse a value outside the field's choices (a tampered form), in French."""
    def check(form, field):
        allowed = {str(c.value) for c in field.choices}
        values = field.data if isinstance(field.data, (list, tuple)) else [field.data]
        if any(str("" if v is None else v) not in allowed for v in values):
            raise ValidationError(message)
    return check


def options(pairs):
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def optional_int(value):
    """Coerce a choice to an int; "" is None; anything else is kept, for the choice check to
    refuse it with a French message (WTForms' own message is in English)."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (more usable than <select multiple>)."""

    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, validate_choice=False, **kwargs)
