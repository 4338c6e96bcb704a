"""Entering a measure and a target: French numbers ("72,5"), plausible ranges, clear messages."""
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.core import Label
from wtforms.validators import ValidationError
from wtforms.widgets import DateInput, TimeInput

from ..forms.fields import FrenchDateField, strptime_parser
from ..i18n import format_date
from .presenters import number

# 72,5 — 72.5 — 8 450 — 8 450 (no-break spaces) — "72,5 kg"
_NUMBER = re.compile(r"^(-?)(\d+)(?:[.,](\d+))?$")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
FUTURE_TOLERANCE = timedelta(minutes=5)  # a phone's clock a little ahead is not "the future"


def local_zone():
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Paris"))


def local_now():
    """Now, as a naive local (Europe/Paris) datetime, to the minute."""
    return datetime.now(local_zone()).replace(tzinfo=None, second=0, microsecond=0)


def to_utc(local_dt):
    """A naive local datetime to the naive UTC stored in the database."""
    aware = local_dt.replace(tzinfo=local_zone())
    return aware.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def parse_number(text, kind, second=False):
    """The float typed in `text` for this kind of measure; ValidationError in French otherwise.
    Accepts a decimal comma or point, spaces between thousands and the unit typed after."""
    raw = (text or "").strip()
    if not raw:
        raise ValidationError(kind.missing2 if second else kind.missing)
    unit = str(kind.unit).lower()
    cleaned = raw.lower()
    if unit and cleaned.endswith(unit):
        cleaned = cleaned[: -len(unit)]
    cleaned = _SPACES.sub("", cleaned)
    match = _NUMBER.match(cleaned)
    example = kind.typed_example(second)
    if not match:
        raise ValidationError(_("Saisissez un nombre, par exemple %(example)s.", example=example))
    sign, whole, fraction = match.groups()
    value = float(f"{sign}{whole}.{fraction or 0}")
    low, high = (kind.low2, kind.high2) if second else (kind.low, kind.high)
    if not low <= value <= high:
        if kind.other_unit and kind.other_unit[0] <= value <= kind.other_unit[1]:
            start, end, message, factor = kind.other_unit
            raise ValidationError(str(message) % {
                "typed": raw, "converted": number(value * factor, kind.decimals)})
        out_of_range = kind.out_of_range2 if second else kind.out_of_range
        raise ValidationError(str(out_of_range) % {"low": number(low, kind.decimals),
                                                   "high": number(high, kind.decimals)})
    if fraction and kind.decimals == 0:
        raise ValidationError(_("Saisissez un nombre entier, sans virgule, par exemple "
                                "%(example)s.", example=example))
    if fraction and len(fraction) > kind.decimals:
        raise ValidationError(ngettext("Saisissez au plus %(num)s chiffre après la virgule.",
                                       "Saisissez au plus %(num)s chiffres après la virgule.",
                                       kind.decimals))
    return value


class _TypedField(StringField):
    """Text kept as typed (to show it again), with `parsed` holding what it means, or None."""

    parsed = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.parsed = self.parse((self.data or "").strip())

    def _value(self):
        return self.show(self.data) if self.data and not isinstance(self.data, str) else (
            self.data or "")


def _bad_day():
    return _("Saisissez une date valide, par exemple %(example)s.",
             example=format_date(local_now().date(), "dd/MM/yyyy"))


# The browser's date picker where there is one, else typed as 15/11/2026 (or 15.11.26…).
parse_measure_day = strptime_parser(
    ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d-%m-%Y"), _bad_day)


class TimeField(_TypedField):
    """A time of day: 14:30, also typed 14h30 or 14h."""

    widget = TimeInput()

    @staticmethod
    def parse(text):
        match = re.match(r"^(\d{1,2})\s*[:hH.]\s*(\d{2})?(?::\d{2})?$", text)
        if match and int(match.group(1)) < 24 and int(match.group(2) or 0) < 60:
            return time(int(match.group(1)), int(match.group(2) or 0))
        return None

    @staticmethod
    def show(value):
        return value.strftime("%H:%M")


class MeasureForm(FlaskForm):
    """One measure of one kind, with its date and time (now by default, Europe/Paris)."""

    value = StringField(render_kw={"autocomplete": "off", "spellcheck": "false",
                                   "class": "input-number"})
    value2 = StringField(render_kw={"autocomplete": "off", "spellcheck": "false",
                                    "class": "input-number", "inputmode": "numeric"})
    day = FrenchDateField(_l("Date de la mesure"), required=_l("Saisissez la date de la mesure."),
                          parse=parse_measure_day, keep_typed=True, widget=DateInput(),
                          render_kw={"class": "input-date"})
    at = TimeField(_l("Heure"), description=_l("Par exemple 08:30."),
                   render_kw={"class": "input-time"})

    def __init__(self, kind, person, *args, **kwargs):
        now = local_now()
        kwargs.setdefault("day", now.date())
        kwargs.setdefault("at", now.time())
        super().__init__(*args, **kwargs)
        self.kind, self.person = kind, person
        self.value.render_kw = dict(self.value.render_kw,
                                    inputmode="decimal" if kind.decimals else "numeric")
        if kind.paired:
            self._label(self.value, _("Systolique (%(unit)s)", unit=kind.unit),
                        _("Le chiffre le plus haut, par exemple %(example)s.",
                          example=kind.typed_example()))
            self._label(self.value2, _("Diastolique (%(unit)s)", unit=kind.unit),
                        _("Le chiffre le plus bas, par exemple %(example)s.",
                          example=kind.typed_example(second=True)))
        else:
            del self.value2
            if kind.code == "pain":
                self._label(self.value, _("Douleur, de 0 à 10"),
                            _("0 : aucune douleur ; 10 : la pire douleur imaginable."))
            else:
                self._label(self.value, _("%(label)s (%(unit)s)", label=kind.name,
                                          unit=kind.unit),
                            _("Par exemple %(example)s.", example=kind.typed_example()))
        self.parsed_value = self.parsed_value2 = self.measured_at = None

    @staticmethod
    def _label(field, text, hint):
        field.label = Label(field.id, text)
        field.description = hint

    def validate_value(self, field):
        self.parsed_value = parse_number(field.data, self.kind)

    def validate_value2(self, field):
        self.parsed_value2 = parse_number(field.data, self.kind, second=True)

    def validate_day(self, field):
        if field.data < self.person.birth_date:
            raise ValidationError(_("La date de la mesure ne peut pas être avant la naissance "
                                    "(le %(date)s).", date=format_date(self.person.birth_date,
                                                                       "long")))
        if field.data > local_now().date():
            raise ValidationError(_("La date de la mesure ne peut pas être dans le futur."))

    def validate_at(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_("Saisissez l’heure de la mesure."))
        if field.parsed is None:
            raise ValidationError(_("Saisissez une heure valide, par exemple 08:30."))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.parsed_value is not None and self.parsed_value2 is not None and \
                self.parsed_value <= self.parsed_value2:
            self.value.errors.append(_("La tension systolique (le chiffre le plus haut) doit "
                                       "être supérieure à la diastolique. Vérifiez l’ordre des "
                                       "deux chiffres."))
            valid = False
        if valid:
            local = datetime.combine(self.day.data, self.at.parsed)
            if local > local_now() + FUTURE_TOLERANCE:
                self.at.errors.append(_("L’heure de la mesure ne peut pas être dans le futur."))
                return False
            self.measured_at = to_utc(local)
        return valid


class TargetForm(FlaskForm):
    """A personal target: a floor, a ceiling or both (blood pressure: two ceilings)."""

    low = StringField(render_kw={"autocomplete": "off", "class": "input-number"})
    high = StringField(render_kw={"autocomplete": "off", "class": "input-number"})
    high2 = StringField(render_kw={"autocomplete": "off", "class": "input-number"})

    def __init__(self, kind, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.parsed = {}
        if kind.paired:
            del self.low
            MeasureForm._label(self.high, _("Systolique : moins de (%(unit)s)", unit=kind.unit),
                               _("Par exemple 140."))
            MeasureForm._label(self.high2, _("Diastolique maximale (%(unit)s)",
                                             unit=kind.unit), _("Par exemple 90."))
        else:
            del self.high2
            MeasureForm._label(self.low, _("Au moins (%(unit)s)", unit=kind.unit),
                               _("Laissez vide s’il n’y a pas de minimum."))
            MeasureForm._label(self.high, _("Moins de (%(unit)s)", unit=kind.unit),
                               _("Laissez vide s’il n’y a pas de maximum."))

    def _optional(self, field, second=False):
        if (field.data or "").strip():
            self.parsed[field.name] = parse_number(field.data, self.kind, second=second)

    def validate_low(self, field):
        self._optional(field)

    def validate_high(self, field):
        if self.kind.paired and not (field.data or "").strip():
            raise ValidationError(_("Saisissez la tension systolique à ne pas dépasser."))
        self._optional(field)

    def validate_high2(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_("Saisissez la tension diastolique à ne pas dépasser."))
        self._optional(field, second=True)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not valid:
            return False
        low, high = self.parsed.get("low"), self.parsed.get("high")
        if not self.kind.paired and low is None and high is None:
            self.high.errors.append(_("Saisissez un minimum, un maximum, ou les deux."))
            return False
        if low is not None and high is not None and low >= high:
            self.low.errors.append(_("Le minimum doit être inférieur au maximum."))
            return False
        return True
