"""CSV files people open in a spreadsheet (the history's export, the data export's journal and
measures): no text cell may start a formula. Names and titles are typed by people, and a
caregiver whose name reads "=HYPERLINK(…)" must stay text in the person's spreadsheet (OWASP
"CSV injection"): such a cell gets a leading quote, which spreadsheets show as text."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """`value` as a CSV cell that cannot start a formula (numbers are left as they are: no one
    typed them as text)."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def row(values):
    """A CSV row of safe cells (for csv.writer.writerow)."""
    return [cell(value) for value in values]
