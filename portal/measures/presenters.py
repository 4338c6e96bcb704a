"""How measures read on screen: numbers in the user's language, units, targets, trends."""
from flask_babel import format_decimal
from flask_babel import gettext as _

from .models import BMI_CATEGORIES, TRENDS, bmi_category  # noqa: F401 (templates)

NBSP = "\u00a0"


def number(value, decimals=0):
    """A number as written in the user's language: 72,5 — 8 450 — 0,5."""
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(round(value, decimals), format=pattern)


def with_unit(text, unit):
    """"72,5 kg", "7,2 %", but "3/10"."""
    unit = str(unit)
    return f"{text}{unit}" if unit.startswith("/") else f"{text}{NBSP}{unit}"


def plain(kind, value, value2=None):
    """The value(s) without unit: "72,5", "145/88"."""
    text = number(value, kind.decimals)
    if kind.paired and value2 is not None:
        text += "/" + number(value2, kind.decimals)
    return text


def display(kind, value, value2=None):
    """The value(s) with the unit: "72,5 kg", "145/88 mmHg"."""
    return with_unit(plain(kind, value, value2), kind.unit)


def measure_text(kind, measure):
    return display(kind, measure.value, measure.value2)


def trend_text(code):
    return TRENDS[code] if code else ""


def target_text(kind, target):
    """"Objectif : moins de 7 %", "Objectif : au moins 8 000 pas/jour", "Objectif : entre…"."""
    if target is None:
        return ""
    if kind.paired:
        return _("Objectif : moins de %(value)s", value=display(kind, target.high, target.high2))
    if target.low is not None and target.high is not None:
        return _("Objectif : entre %(low)s et %(high)s", low=number(target.low, kind.decimals),
                 high=display(kind, target.high))
    if target.high is not None:
        return _("Objectif : moins de %(value)s", value=display(kind, target.high))
    return _("Objectif : au moins %(value)s", value=display(kind, target.low))


def bmi_text(value):
    """"27,1 kg/m² (surpoids)"."""
    return _("%(value)s (%(category)s)", value=with_unit(number(value, 1), "kg/m²"),
             category=bmi_category(value))


def bmi_scale():
    """The adult categories as readable ranges, for the BMI page."""
    rows, start = [], None
    for below, label in BMI_CATEGORIES:
        if start is None:
            rows.append((_("moins de %(value)s", value=number(below, 1)), label))
        elif below == float("inf"):
            rows.append((_("%(value)s ou plus", value=number(start, 1)), label))
        else:
            rows.append((_("de %(low)s à moins de %(high)s", low=number(start, 1),
                           high=number(below, 1)), label))
        start = below
    return rows
