"""How the history reads: amounts in the reader's language, lines grouped by year."""
from itertools import groupby

from flask_babel import format_currency


def amount(cents):
    """Cents to "26,50 €" (in the reader's language); None stays empty."""
    return "" if cents is None else format_currency(cents / 100, "EUR")


def by_year(lines):
    """[(year, [lines])] in the order given (newest first)."""
    return [(year, list(rows)) for year, rows in groupby(lines, key=lambda r: r.care_date.year)]
