"""Writing for people in their language: names in sentences (names.py), dates (dates.py).

`init_app` registers the template side once: `_n` and `feminine` (globals), `date_long` and
`datetime_long` (filters; `date_fr` and `datetime_fr` are their older names).
"""
from . import dates
from .dates import LazyDate, format_date, format_datetime, format_time  # noqa: F401
from .names import _ln, _n, adjust, feminine, lower_first  # noqa: F401


def page_language():
    """The language the current page is written in ("fr", "en"…), for storing on an account."""
    from flask import current_app
    from flask_babel import get_locale
    language = getattr(get_locale(), "language", None)
    return language if language in current_app.config["LANGUAGES"] else "fr"


def french_too(msgid, **values):
    """On a paper written in another language, the French wording of `msgid` (French is the
    source language, so the message itself), as a left-to-right French isolate to print beside
    the translation; "" on a French paper. For what a professional in France must be able to
    read whatever the patient's language (a prescription's mandatory mentions). Dates among
    `values` are written in French too; `msgid` may also be a lazy label (`_l`)."""
    from datetime import date

    from flask_babel import LazyString, force_locale, get_locale
    from markupsafe import Markup

    from .names import jinja_n
    if getattr(get_locale(), "language", "fr") == "fr":
        return ""
    with force_locale("fr"):
        if isinstance(msgid, LazyString):   # a label made with _l (a profession): itself
            text = str(msgid)
        else:
            values = {key: dates.date_long(value) if isinstance(value, date) else value
                      for key, value in values.items()}
            text = jinja_n(msgid, **values)
    # The isolate inside a block of the paper's direction: the French line starts where the
    # paper's lines start (on the right of an Arabic paper) and reads left to right.
    return Markup('<span class="fr"><bdi lang="fr" dir="ltr">{}</bdi></span>').format(text)
