"""Dates and times as each language writes them: the one place that picks their patterns.

Every screen, e-mail and PDF formats dates through these functions (and the `date_long`,
`datetime_long` filters), never through `flask_babel.format_date` directly: Babel's English
is American (5/14/80, May 14, 1980), and Carnet's readers expect the day first in every
language. A named format ("short", "medium", "long", "full") is looked up in FORMATS for the
language being written; a language or a name missing there falls back to Babel's own pattern
(French is written exactly as Babel writes it). Explicit patterns ("d MMMM yyyy") pass
through unchanged. Adding a language (Arabic) is one more entry in FORMATS.
"""
from datetime import date, datetime
from functools import lru_cache

from babel import dates as babel_dates
from flask_babel import format_date as _babel_format_date
from flask_babel import format_datetime as _babel_format_datetime
from flask_babel import format_time as _babel_format_time
from flask_babel import get_locale, to_user_timezone

NAMED = ("short", "medium", "long", "full")

# {language: {"date" | "datetime" | "time": {name: pattern}}}
FORMATS = {
    "fr": {},
    "en": {
        "date": {"short": "dd/MM/yyyy", "medium": "d MMM yyyy", "long": "d MMMM yyyy",
                 "full": "EEEE d MMMM yyyy"},
        "datetime": {"short": "dd/MM/yyyy HH:mm", "medium": "d MMM yyyy, HH:mm",
                     "long": "d MMMM yyyy, HH:mm", "full": "EEEE d MMMM yyyy, HH:mm"},
        "time": {"short": "HH:mm", "medium": "HH:mm:ss"},
    },
    # Arabic as read in France: day first, the 24-hour clock of French appointments and papers
    # (Babel's ar writes 9:05 ص), numeric dates without Babel's right-to-left marks (shown
    # through the `ltr` filter they would scramble the digits), Latin digits (portal/bidi.py).
    "ar": {
        "date": {"short": "dd/MM/yyyy", "medium": "d MMMM yyyy", "long": "d MMMM yyyy",
                 "full": "EEEE d MMMM yyyy"},
        "datetime": {"short": "dd/MM/yyyy HH:mm", "medium": "d MMMM yyyy، HH:mm",
                     "long": "d MMMM yyyy، HH:mm", "full": "EEEE d MMMM yyyy، HH:mm"},
        "time": {"short": "HH:mm", "medium": "HH:mm:ss"},
    },
}


def _language(locale=None):
    locale = locale or get_locale()
    return getattr(locale, "language", None) or str(locale or "fr").split("_")[0]


def pattern(kind, format, locale=None):
    """The pattern to use for `format` (a name or a pattern) in this language; a name with no
    entry in FORMATS is returned as is, for Babel to resolve."""
    if format in NAMED:
        return FORMATS.get(_language(locale), {}).get(kind, {}).get(format, format)
    return format


@lru_cache(maxsize=4096)
def _calendar_date(value, pattern, locale):
    """A calendar date (no time of day, so no time zone) written with `pattern` in `locale`.
    The same date in the same language is always written the same way, and a page writes the
    same few dates on every request (a birth date, the dates of a list): worked out once
    (Babel parses the pattern and walks the locale's data each time, ~50 µs)."""
    return babel_dates.format_date(value, pattern, locale=locale)


def format_date(value=None, format="medium", rebase=True, locale=None):
    """A date in the page's language (or in `locale`, for a paper whose language is fixed)."""
    if locale is not None:
        return babel_dates.format_date(value, pattern("date", format, locale), locale=locale)
    kind = type(value)
    if kind is date or (kind is datetime and rebase):
        current = get_locale()
        if current is not None:
            if kind is datetime:  # its day where the reader is (as flask_babel does), then
                value = to_user_timezone(value).date()  # written as a calendar date
            return _calendar_date(value, pattern("date", format, current), current)
    return _babel_format_date(value, pattern("date", format), rebase=rebase)


def format_datetime(value=None, format="medium", rebase=True):
    """A moment (naive UTC) in the reader's time zone and language."""
    return _babel_format_datetime(value, pattern("datetime", format), rebase=rebase)


def format_time(value=None, format="medium", rebase=True):
    return _babel_format_time(value, pattern("time", format), rebase=rebase)


class LazyDate:
    """A date written only when the text around it is: an e-mail rendered later in its
    recipient's language writes the date in that language too."""

    def __init__(self, value, format="long", kind="date"):
        self.value, self.format, self.kind = value, format, kind

    def __str__(self):
        if self.kind == "datetime":
            return format_datetime(self.value, self.format)
        return format_date(self.value, self.format)

    def __html__(self):
        from markupsafe import escape
        return str(escape(str(self)))


def date_long(value):
    """Template filter: "14 mai 1980" / "14 May 1980"; empty for no date."""
    return format_date(value, "long") if value else ""


def datetime_long(value):
    """Template filter: "14 mai 1980, 15:04" in the reader's time zone; empty for none."""
    return format_datetime(value, "d MMMM yyyy, HH:mm") if value else ""
