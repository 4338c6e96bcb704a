"""The form fields every area shares: one date field (its differences are parameters), choices
checked with French messages, checkboxes."""
import re
from datetime import date, datetime

from flask_babel import gettext as _

from ..i18n import format_date
from ..rendering import lazy_gettext as _l
from markupsafe import Markup
from wtforms import SelectMultipleField, StringField
from wtforms.fields.core import UnboundField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput

from .widgets import html_params

ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
FRENCH_DATE = re.compile(r"^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{2,4})$")
OLDEST_YEAR = 1900

BAD_FORMAT = _l("Saisissez une date au format JJ/MM/AAAA, par exemple 14/05/2024.")
FOUR_DIGIT_YEAR = _l("Saisissez l’année avec 4 chiffres, par exemple 14/05/2024.")
NO_SUCH_DATE = _l("Cette date n’existe pas : vérifiez le jour et le mois.")
TOO_OLD = _l("Vérifiez l’année : la date est trop ancienne.")

def same_field(unbound):
    """Another form's field (the same label, checks and settings) for this form, placed where
    this form writes it. WTForms orders a form's fields by the moment each was made: the other
    form's field itself keeps its old place, first in the form, so its error came first in the
    error summary, above the fields written before it."""
    return UnboundField(unbound.field_class, *unbound.args, name=unbound.name, **unbound.kwargs)


# Field types whose value is written left to right in every language: an e-mail address, a
# phone number, a date typed as digits, a number. Typed into an Arabic page without `dir="ltr"`,
# "06 12 34 56 78" or "jean@example.org" would be laid out (and edited) right to left.
LEFT_TO_RIGHT_TYPES = frozenset({"EmailField", "TelField", "URLField", "FrenchDateField",
                                 "DateField", "IntegerField", "DecimalField", "FloatField"})


class LeftToRight:
    """Marks a text field whose value is always left to right, whatever the page's language (a
    NIR, a one-time or access code, an RPPS number): `validators=[…, LeftToRight()]`. Like
    WTForms' own `Optional`, it only sets a flag on the field (`ltr`), which the field macro
    reads to write `dir="ltr"`; it accepts every value."""

    field_flags = {"ltr": True}

    def __call__(self, form, field):
        return None


def left_to_right(field):
    """Is `field`'s value written left to right in every language (its type, or the `ltr` flag
    set by `LeftToRight`)? The field macro writes `dir="ltr"` on its input then."""
    return field.type in LEFT_TO_RIGHT_TYPES or bool(getattr(field.flags, "ltr", False))


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


def strptime_parser(formats, message):
    """A `parse` for FrenchDateField trying `formats` (strptime) in turn; `message()` is the
    French refusal (a function: it may name today's date)."""
    def parse(text):
        for pattern in formats:
            try:
                return datetime.strptime(text, pattern).date(), None
            except ValueError:
                continue
        return None, str(message())
    return parse


class FrenchDateField(StringField):
    """The one field where a person enters a date, on every screen. `data` is the date (None
    when empty or not a date), `raw_text` what was typed, `parse_error` what is wrong with it.

    What differs from one screen to another is a parameter:
    - `parse`: text -> (date, None) or (None, French message); `parse_date` by default;
    - `required`: the message when it is left empty (None: optional);
    - `future`: the message refusing a date after today (None allows the future);
    - `show`: how a date is written into the input (ISO, what <input type="date"> wants);
    - `keep_typed`: show again what was typed even when it is a date (screens whose input may
      be text), rather than the date itself;
    - `widget`: `date_input` by default.
    Never before the patient's birth (the form's `patient`, when set)."""

    widget = staticmethod(date_input)

    def __init__(self, label=None, validators=None, required=None, future=None, parse=None,
                 show=None, keep_typed=False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required_message = required
        self.future_message = future
        self.parse = parse or parse_date
        self.show = show or date.isoformat
        self.keep_typed = keep_typed
        self.raw_text = ""
        self.parse_error = None

    def process_data(self, value):
        self.data = value

    def process_formdata(self, valuelist):
        self.raw_text = (valuelist[0] if valuelist else "").strip()
        self.data, self.parse_error = (None, None) if not self.raw_text else \
            self.parse(self.raw_text)

    def _value(self):
        if self.raw_text and (self.keep_typed or self.data is None):
            return self.raw_text
        return self.show(self.data) if self.data is not None else ""

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
