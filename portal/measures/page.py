"""The page of one kind of measure: summary, chart (with targets, or a child's growth curves),
data table and forms. Used by the views for the page itself and for htmx fragments."""
from datetime import timezone
from math import ceil
from zoneinfo import ZoneInfo

from babel import numbers as babel_numbers
from flask import g, request
from flask_babel import get_locale, get_timezone, ngettext, to_user_timezone
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.models import ROLE_PROFESSIONAL
from ..htmx import render, wants_fragment
from ..i18n import _n, format_date, format_datetime, format_time
from ..policy import MEASURES_EDIT, allowed
from . import presenters
from .charts import (MAX_POINTS, Chart, Level, Point, Series, age_domain, day_number,
                     group_by_period)
from .forms import MeasureForm, TargetForm
from .growth import DAYS_PER_MONTH, SOURCE_NOTES, centile, curves
from .periods import grouped_in_database
from .models import (BMI_NORMAL, BY_CODE, TREND_WINDOW, Measure, MeasureTarget, bmi_series,
                     latest_bmi, trend, trend_points)

BLOCK = "measure_body"
EARLY_DAYS = 36 * DAYS_PER_MONTH  # the "0 à 3 ans" growth chart, as in the carnet de santé
# The table of values, newest first, a page at a time (?page=N): years of daily values would
# otherwise make a page of megabytes.
ROWS_PER_PAGE = 20


def can_edit():
    return allowed(current_user._get_current_object(), MEASURES_EDIT, g.relation)


def render_kind(kind, form=None, target_form=None, announce=None):
    """The page of one kind (or, for htmx, its body): the submitted form keeps what was typed."""
    person = g.space
    account = current_user._get_current_object()
    editable = can_edit() and kind.entered
    growth = bool(kind.growth and person.is_minor)
    grouped = None
    if kind.entered:
        # The chart, trend and summary need only when and how much, read raw (no date parsed,
        # no model built). Up to MAX_POINTS values (and a child's growth, drawn by age) they
        # use every value; past that, only the first, the latest few, and the periods' figures
        # that the database counts and averages (periods.py): a bounded read whatever the
        # number of values. The table reads its page of rows.
        values = (Measure.select(Measure.measured_at, Measure.value, Measure.value2)
                  .where(Measure.patient == person.id, Measure.kind == kind.code))
        oldest_first = values.order_by(Measure.measured_at, Measure.id)
        raw = _raw(oldest_first if growth else oldest_first.limit(MAX_POINTS + 1))
        total = len(raw)
        if growth or total <= MAX_POINTS:
            measures = [_Value(*row) for row in raw]
        else:
            latest = _raw(values.order_by(Measure.measured_at.desc(), Measure.id.desc())
                          .limit(TREND_WINDOW))[::-1]
            measures = [_Value(*row) for row in raw[:1] + latest]
            zone, local = _zone(), _localizer()
            grouped = grouped_in_database(person.id, kind.code,
                                          local(measures[0].measured_at).date(),
                                          local(measures[-1].measured_at).date(), zone,
                                          paired=kind.paired)
            total = sum(group.count for group in grouped[1])  # every value is in a period
        target = MeasureTarget.of(person.id, kind.code)
        newest = Measure.of(person.id, kind.code).order_by(Measure.measured_at.desc(),
                                                           Measure.id.desc())
        page, pages = _page(total)
        in_page = list(newest.limit(ROWS_PER_PAGE).offset((page - 1) * ROWS_PER_PAGE))
        newest_one = in_page[0] if page == 1 and in_page else newest.first()
        removable = _any_removable(kind, person, account)
    else:
        pairs = bmi_series(list(Measure.of(person.id, "weight")),
                           list(Measure.of(person.id, "height")))
        measures = [_BmiMeasure(w, h, value) for w, h, value in pairs]
        target = None
        total = len(measures)
        page, pages = _page(total)
        in_page = measures[::-1][(page - 1) * ROWS_PER_PAGE:page * ROWS_PER_PAGE]
        newest_one = measures[-1] if measures else None
        removable = False
    rows = [_row(kind, m, account, person, growth and kind.entered) for m in in_page]
    latest = _row(kind, newest_one, account, person, False) if newest_one else None
    # A child's growth since birth squeezes the first years: offer the 0–3 years view too.
    early = [m for m in measures if growth and _age_days(person, m.measured_at) <= EARLY_DAYS]
    periods = bool(growth and early and len(early) < len(measures))
    first_years = bool(periods and request.args.get("ages") == "0-3")
    shown = early if first_years else measures
    chart, grouping = _chart(kind, person, shown, target, growth, first_years,
                             total=None if first_years else total, grouped=grouped) \
        if shown else (None, None)
    measure_form = form or (MeasureForm(kind, person, formdata=None) if editable else None)
    if target_form is None and editable:
        target_form = TargetForm(kind, formdata=None, **_target_data(kind, target))
    submitted = form if form is not None else (
        target_form if target_form is not None and target_form.errors else None)
    return render(
        "measures/kind.html", block=BLOCK, kind=kind, person=person, rows=rows,
        page=page, pages=pages, total=total,
        page_args={"ages": "0-3"} if first_years else {}, chart=chart, grouping=grouping,
        target=target, target_text=presenters.target_text(kind, target),
        target_author=_author(target.set_by, account, with_role=False) if target else "",
        measure_form=measure_form, target_form=target_form, form=submitted,
        can_edit=editable, growth=growth,
        removable=removable,
        announce=announce if wants_fragment() else None,
        growth_source=SOURCE_NOTES.get(kind.growth, ""),
        trend=presenters.trend_text(trend(trend_points(measures), kind.stable)),
        latest=latest, presenters=presenters,
        bmi_now=latest_bmi(person.id) if not kind.entered else None,
        bmi_scale=presenters.bmi_scale() if not kind.entered else None,
        weight_kind=BY_CODE["weight"], height_kind=BY_CODE["height"],
        periods=periods, first_years=first_years)


def _page(total):
    """(page, pages) for the request's ?page= (out of range or not a number: the nearest)."""
    pages = max(1, ceil(total / ROWS_PER_PAGE))
    try:
        return min(max(1, int(request.args.get("page", 1))), pages), pages
    except ValueError:
        return 1, pages


def _any_removable(kind, person, account):
    """Whether `account` may remove one of these measures (see Measure.removable_by)."""
    query = Measure.select(Measure.id).where(Measure.patient == person.id,
                                             Measure.kind == kind.code)
    if account.role == ROLE_PROFESSIONAL:
        return query.where(Measure.author == account.id).exists()
    return query.where(Measure.author_is_professional == False).exists()  # noqa: E712


class _BmiMeasure:
    """A computed BMI shaped like a measure (for the chart and the table)."""

    def __init__(self, weight, height, value):
        self.id, self.value, self.value2 = None, value, None
        self.measured_at, self.author = weight.measured_at, weight.author
        self.author_is_professional = weight.author_is_professional
        self.weight, self.height = weight, height


def _row(kind, measure, account, person, growth):
    row = {"id": measure.id, "when": measure.measured_at,
           "when_text": format_datetime(measure.measured_at, "d MMM yyyy, HH:mm"),
           "text": presenters.measure_text(kind, measure),
           "author": _author(measure.author, account),
           "professional": measure.author_is_professional,
           "removable": bool(measure.id) and measure.removable_by(account)}
    if growth:
        age = _age_days(person, measure.measured_at)
        row["age"] = _age_text(age)
        value = centile(kind.growth, person.sex, age, measure.value)
        row["centile"] = _centile_text(value)
    if not kind.entered:
        row["basis"] = _("%(weight)s et %(height)s", weight=presenters.measure_text(
            BY_CODE["weight"], measure.weight), height=presenters.measure_text(
            BY_CODE["height"], measure.height))
    return row


def _chart(kind, person, measures, target, growth, first_years=False, total=None,
           grouped=None):
    """The chart of `measures` (oldest first), or of `grouped` = (unit, groups) made by the
    database: `measures` then holds the first and the latest values only, of `total`."""
    label = str(kind.label)
    first, last = measures[0], measures[-1]
    count = ngettext("%(num)s mesure", "%(num)s mesures", total or len(measures))
    desc = [_("%(count)s, du %(first)s (%(first_value)s) au %(last)s (%(last_value)s).",
              count=count, first=_day(first.measured_at), last=_day(last.measured_at),
              first_value=presenters.measure_text(kind, first),
              last_value=presenters.measure_text(kind, last))]
    levels = []
    if target is not None:
        desc.append(presenters.target_text(kind, target) + ".")
        if kind.paired:
            levels += [Level(None, target.high, _("objectif systolique")),
                       Level(None, target.high2, _("objectif diastolique"))]
        else:
            levels.append(Level(target.low, target.high, _("objectif")))
    if not kind.entered and not person.is_minor:
        levels.append(Level(BMI_NORMAL[0], BMI_NORMAL[1], _("corpulence normale"), "normal"))
    reference, x_domain = [], None
    if growth:
        ages = [_age_days(person, m.measured_at) for m in measures]
        x_domain = (0, EARLY_DAYS) if first_years else age_domain(max(ages))
        reference = curves(kind.growth, person.sex, *x_domain)
        desc.append(_("Les mesures sont placées selon l’âge, sur les courbes de référence de "
                      "l’OMS (3e, 50e et 97e percentiles)."))
        xs = ages
    (unit, groups), grouping = grouped or (None, None), None
    if not growth and not grouped:  # a child's growth is drawn by age: a few dozen visits
        local = _localizer()
        times = [local(m.measured_at) for m in measures]
        xs = [day_number(t) for t in times]
        unit, groups = group_by_period([(t, m.value, m.value2)
                                        for t, m in zip(times, measures)])
    if unit:
        grouping = _("Valeurs regroupées : %(mean)s, avec la plus basse et la plus haute "
                     "(trait vertical).", mean=PERIOD_MEANS[unit]())
        desc.append(_("Le graphique montre %(mean)s (%(count)s points), avec la plus basse et "
                      "la plus haute valeur de chaque période.", mean=PERIOD_MEANS[unit](),
                      count=len(groups)))
    desc.append(_("Toutes les valeurs figurent dans le tableau sous le graphique."))
    if unit:
        series = _grouped_series(kind, unit, groups)
    else:
        first_series = [Point(x, m.value, f"{_day(m.measured_at)} : "
                                          f"{presenters.measure_text(kind, m)}")
                        for x, m in zip(xs, measures)]
        series = [Series(first_series)]
        if kind.paired:
            series.append(Series([Point(x, m.value2, f"{_day(m.measured_at)} : "
                                                     f"{presenters.measure_text(kind, m)}")
                                  for x, m in zip(xs, measures)], alt=True))
    chart = Chart(title=_n("%(label)s – %(name)s", label=label, name=person.full_name),
                  desc=" ".join(desc), unit=str(kind.unit), series=series,
                  x_axis="age" if growth else "date", x_domain=x_domain, levels=levels,
                  reference=reference, y_floor=kind.axis_floor, y_ceiling=kind.axis_ceiling,
                  decimals=kind.decimals).render()
    return chart, grouping


# What a grouped chart shows, said on screen and in the chart's description.
PERIOD_MEANS = {"day": lambda: _("la moyenne par jour"),
                "week": lambda: _("la moyenne par semaine"),
                "month": lambda: _("la moyenne par mois"),
                "year": lambda: _("la moyenne par année")}


def _period_text(unit, start, locale):
    if unit == "day":
        return format_date(start, "long", locale=locale)
    if unit == "week":
        return _("semaine du %(date)s",
                 date=format_date(start, "long", locale=locale))
    if unit == "month":
        return format_date(start, "MMMM yyyy", locale=locale)
    return str(start.year)


def _grouped_series(kind, unit, groups):
    """One point per period (its mean, its values' spread as a bar), told in its tooltip.
    (Up to MAX_POINTS tooltips: the locale and the sentence are looked up once.)"""
    locale = get_locale()
    sentence = _("%(period)s : moyenne %(mean)s (de %(low)s à %(high)s), %(count)s")
    pattern = babel_numbers.parse_pattern(  # as presenters.number writes them
        "#,##0" + ("." + "#" * kind.decimals if kind.decimals else ""))

    written = {}  # rounded values repeat from one period to the next: each is written once

    def number(value):
        value = round(value, kind.decimals)
        if value not in written:
            written[value] = pattern.apply(value, locale)
        return written[value]

    def text(value, value2):
        out = number(value)
        if value2 is not None and kind.paired:
            out += "/" + number(value2)
        return presenters.with_unit(out, kind.unit)

    counted = {}  # so do the periods' counts (60 or 62 a month for twice-daily values)

    def count(number):
        if number not in counted:
            counted[number] = ngettext("%(num)s mesure", "%(num)s mesures", number)
        return counted[number]

    tips = [sentence % {"period": _period_text(unit, g.start, locale),
                        "mean": text(g.mean, g.mean2), "low": text(g.low, g.low2),
                        "high": text(g.high, g.high2), "count": count(g.count)}
            for g in groups]
    series = [Series([Point(g.x, g.mean, t) for g, t in zip(groups, tips)],
                     ranges=[(g.x, g.low, g.high) for g in groups])]
    if kind.paired:
        pairs = [(g, t) for g, t in zip(groups, tips) if g.mean2 is not None]
        series.append(Series([Point(g.x, g.mean2, t) for g, t in pairs],
                             ranges=[(g.x, g.low2, g.high2) for g, _t in pairs], alt=True))
    return series


def _target_data(kind, target):
    if target is None:
        return {}
    data = {}
    for name in ("low", "high", "high2"):
        value = getattr(target, name)
        if value is not None:
            data[name] = presenters.number(value, kind.decimals)
    return data


def errors_announcement(form):
    messages = [f.errors[0] for f in form if f.errors]
    return ngettext("Le formulaire contient une erreur : %(list)s",
                    "Le formulaire contient %(num)s erreurs : %(list)s",
                    len(messages), list=" ".join(str(m) for m in messages))


def _author(author, account, with_role=True):
    if author.id == account.id:
        return _("vous")
    if author.role == ROLE_PROFESSIONAL and with_role:
        return f"{author.display_name} ({author.role_label})"
    return author.display_name


def _zone():
    """The user's time zone as a zoneinfo (its conversions are several times faster)."""
    zone = get_timezone()
    try:
        return ZoneInfo(str(zone))
    except (ValueError, KeyError):
        return zone


def _localizer():
    """A fast UTC → local conversion for hundreds of values (the time zone looked up once)."""
    zone = _zone()

    def local(utc_naive):
        return utc_naive.replace(tzinfo=timezone.utc).astimezone(zone).replace(tzinfo=None)
    return local


class _Value:
    """One raw row (stored time, value, value2) shaped like a measure for the chart."""
    __slots__ = ("measured_at", "value", "value2")

    def __init__(self, measured_at, value, value2):
        self.measured_at = Measure.measured_at.python_value(measured_at)
        self.value, self.value2 = value, value2


def _raw(query):
    """The rows of `query` as the database driver returns them (tuples, no conversion)."""
    return Measure._meta.database.execute_sql(*query.sql()).fetchall()


def _local(utc_naive):
    return to_user_timezone(utc_naive).replace(tzinfo=None)


def _day(utc_naive):
    return format_date(_local(utc_naive).date(), "long")


def when(utc_naive):
    local = _local(utc_naive)
    return _("%(date)s à %(time)s", date=format_date(local.date(), "long"),
             time=format_time(local.time(), "HH:mm"))


def _age_days(person, utc_naive):
    local = _local(utc_naive)
    return (local.date() - person.birth_date).days + local.hour / 24


def _age_text(days):
    """"naissance", "12 jours", "9 mois", "3 ans", "10 ans et 2 mois"."""
    if days < 1:
        return _("naissance")
    if days < 28:
        return ngettext("%(num)s jour", "%(num)s jours", int(days))
    months = max(1, int((days + 2) / DAYS_PER_MONTH))  # a visit a day or two early counts
    if months < 24:
        return ngettext("%(num)s mois", "%(num)s mois", months)
    years, rest = months // 12, months % 12
    text = ngettext("%(num)s an", "%(num)s ans", years)
    if rest:
        text = _("%(years)s et %(months)s", years=text,
                 months=ngettext("%(num)s mois", "%(num)s mois", rest))
    return text


def _centile_text(value):
    if value is None:
        return _("pas de courbe à cet âge")
    if value < 1:
        return _("sous le 1er percentile")
    if value > 99:
        return _("au-dessus du 99e percentile")
    rank = int(round(value))
    if rank == 1:
        return _("1er percentile")
    return _("%(num)se percentile", num=rank)
