"""Writing for people in their language: names in sentences (names.py), dates (dates.py).

`init_app` registers the template side once: `_n` and `feminine` (globals), `date_long` and
`datetime_long` (filters; `date_fr` and `datetime_fr` are their older names).
"""
from .dates import LazyDate, format_date, format_datetime, format_time  # noqa: F401
from .names import _ln, _n, adjust, feminine, lower_first  # noqa: F401


def page_language():
    """The language the current page is written in ("fr", "en"…), for storing on an account."""
    from flask import current_app
    from flask_babel import get_locale
    language = getattr(get_locale(), "language", None)
    return language if language in current_app.config["LANGUAGES"] else "fr"
