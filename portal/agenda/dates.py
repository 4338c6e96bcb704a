"""Reading dates and times the way French people type them.

Dates: `23/11/2026`, `23/11/26`, `23.11.2026`, `23/11`, `23 novembre`, `1er décembre 2026`,
`lundi 23 novembre`, `aujourd’hui`, `demain`, `après-demain`, and `2026-11-23` (ISO, what the
calendar picker and links send). A day and month without a year is their next occurrence
(today included). Times: `14h`, `14h30`, `14 h 30`, `14:30`, `14.30`, `9h05`, `midi`.
Every refusal says in French what is wrong and how to write it.
"""
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone

from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l

from ..i18n import format_date
from ..measures.forms import local_zone

MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}
WEEKDAYS = {"lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5,
            "dimanche": 6}
RELATIVE_DAYS = {"aujourd'hui": 0, "aujourdhui": 0, "auj": 0, "demain": 1,
                 "apres-demain": 2, "apres demain": 2}
MAX_YEARS_AHEAD = 5
OLDEST_YEAR = 1900

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d+))?$")
_WORDS = re.compile(r"^(?:([a-z]+)\s+)?(\d{1,2})(?:er)?\s+([a-z]+)\.?(?:\s+(\d+))?$")
_TIME = re.compile(r"^(\d{1,2})\s*(?:[h:.]\s*(\d{2})?|\s*heures?\s*(\d{2})?)$")
_TIME_DIGITS = re.compile(r"^(\d{2})(\d{2})$")

DATE_EXAMPLE = _l("Écrivez la date sous la forme 23/11/2026, 23 novembre, « aujourd’hui » ou "
                  "« demain ».")
DATE_MISSING = _l("Saisissez la date du rendez-vous, par exemple 23/11/2026 ou 23 novembre.")
TIME_MISSING = _l("Saisissez l’heure du rendez-vous, par exemple 14h30.")
TIME_EXAMPLE = _l("Écrivez l’heure sous la forme 14h30, 14h ou 14:30.")


class ParseError(ValueError):
    """What is wrong with a typed date or time, in French."""


def normalise(text):
    """Lower case, no accents, one kind of apostrophe, single spaces."""
    text = unicodedata.normalize("NFKD", (text or "").strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace("`", "'")
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def _month_name(month):
    return format_date(date(2000, month, 1), "MMMM")


def _build(year, month, day, typed_year=True):
    """A date from its parts, or a ParseError saying which part is wrong."""
    if not 1 <= month <= 12:
        raise ParseError(_("Le mois doit être un nombre de 1 à 12 : vérifiez la date."))
    try:
        return date(year, month, day)
    except ValueError:
        if day < 1:
            raise ParseError(_("Le jour doit être un nombre de 1 à 31 : vérifiez la date."))
        if month == 2 and day == 29:
            raise ParseError(_("Il n’y a pas de 29 février en %(year)s : vérifiez la date.",
                               year=year))
        last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
        raise ParseError(_("Il n’y a que %(last)s jours en %(month)s : vérifiez le jour.",
                           last=last, month=_month_name(month))) from None


def _year(text):
    if len(text) == 4:
        return int(text)
    if len(text) == 2:
        return 2000 + int(text)
    raise ParseError(_("Écrivez l’année avec 4 chiffres (2026) ou 2 chiffres (26)."))


def _next_occurrence(day, month, today):
    """A day and month without a year: this year, or next year once it is past."""
    found = _build(today.year, month, day) if (month, day) != (2, 29) else None
    if found is None or found < today:
        year = today.year + 1
        while True:  # 29 February: the next leap year
            try:
                return _build(year, month, day)
            except ParseError:
                if (month, day) != (2, 29) or year > today.year + 4:
                    raise
                year += 1
    return found


def parse_day(text, today):
    """The date typed in `text`, relative to `today` (Paris); ParseError in French otherwise."""
    raw = normalise(text)
    if not raw:
        raise ParseError(DATE_MISSING)
    if raw in RELATIVE_DAYS:
        return today + timedelta(days=RELATIVE_DAYS[raw])
    match = _ISO.match(raw)
    if match:
        value = _build(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        return _check_year(value, today)
    match = _NUMERIC.match(raw)
    if match:
        day, month, year = match.groups()
        if year is None:
            return _next_occurrence(int(day), int(month), today)
        return _check_year(_build(_year(year), int(month), int(day)), today)
    match = _WORDS.match(raw)
    if match:
        weekday, day, month_word, year = match.groups()
        month = MONTHS.get(month_word)
        if month is None:
            raise ParseError(_("« %(word)s » n’est pas un mois. Écrivez par exemple 23 novembre, "
                               "ou 23/11/2026.", word=month_word))
        if weekday is not None and weekday not in WEEKDAYS:
            raise ParseError(DATE_EXAMPLE)
        value = _next_occurrence(int(day), month, today) if year is None else \
            _check_year(_build(_year(year), month, int(day)), today)
        if weekday is not None and value.weekday() != WEEKDAYS[weekday]:
            raise ParseError(_("Le %(date)s est un %(actual)s, pas un %(typed)s : vérifiez la "
                               "date.", date=format_date(value, "d MMMM yyyy"),
                               actual=format_date(value, "EEEE"), typed=weekday))
        return value
    raise ParseError(DATE_EXAMPLE)


def _check_year(value, today):
    if value.year < OLDEST_YEAR:
        raise ParseError(_("Vérifiez l’année : cette date est trop ancienne."))
    if value.year > today.year + MAX_YEARS_AHEAD:
        raise ParseError(_("Vérifiez l’année : un rendez-vous est au plus dans %(years)s ans.",
                           years=MAX_YEARS_AHEAD))
    return value


def parse_time(text):
    """The time of day typed in `text` ((hour, minute)); ParseError in French otherwise."""
    raw = normalise(text).replace(" ", "")
    if not raw:
        raise ParseError(TIME_MISSING)
    if raw == "midi":
        return 12, 0
    match = _TIME.match(raw) or _TIME_DIGITS.match(raw)
    if not match:
        raise ParseError(TIME_EXAMPLE)
    groups = [g for g in match.groups()[1:] if g is not None]
    hour, minute = int(match.group(1)), int(groups[0]) if groups else 0
    if hour > 23:
        raise ParseError(_("L’heure doit être comprise entre 0 h et 23 h 59 : vérifiez-la."))
    if minute > 59:
        raise ParseError(_("Les minutes vont de 00 à 59 : vérifiez l’heure."))
    return hour, minute


def combine_local(day, hour, minute):
    """A Paris date and time as naive UTC; a time skipped by the change to summer time (or
    repeated in autumn: the first one is taken) is refused or resolved explicitly."""
    zone = local_zone()
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    utc = local.astimezone(timezone.utc)
    back = utc.astimezone(zone)
    if (back.hour, back.minute) != (hour, minute):
        raise ParseError(_("Cette heure n’existe pas ce jour-là (passage à l’heure d’été) : "
                           "choisissez une heure après 3 h."))
    return utc.replace(tzinfo=None)


def show_day(value):
    """A date as it is written back into the field: 23/11/2026."""
    return value.strftime("%d/%m/%Y")
