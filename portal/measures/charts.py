"""Charts drawn on the server as inline SVG.

No chart library and no script in the browser; no style attribute and no <style> element
either (strict CSP): shapes carry classes from carnet.css. The SVG scales to its container
(viewBox + width 100 %) and is one image for assistive technologies (role="img", <title>,
<desc>); the page's data table carries every value.
"""
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..i18n import format_date
from .growth import DAYS_PER_MONTH, DAYS_PER_YEAR
from .models import EPOCH, days_since_epoch

WIDTH, HEIGHT = 600, 370
TOP, BOTTOM, RIGHT = 52, 54, 18
RIGHT_WITH_LABELS = 44  # room for "P97" at the end of reference curves


@dataclass
class Point:
    x: float
    y: float
    label: str  # tooltip: "12 nov. 2026 : 75,2 kg"


@dataclass
class Series:
    points: list
    alt: bool = False  # second series (diastolic): other colour, square points
    ranges: list = field(default_factory=list)  # [(x, low, high)]: a grouped point's spread


@dataclass
class Level:
    """A horizontal line (a ceiling or a floor), or a shaded zone when both ends are set."""

    low: float | None
    high: float | None
    label: str
    css: str = "target"


@dataclass
class Chart:
    title: str
    desc: str
    unit: str
    series: list
    x_axis: str = "date"          # "date" (x in days since 1970, local time) or "age" (days)
    x_domain: tuple | None = None
    levels: list = field(default_factory=list)
    reference: list = field(default_factory=list)  # [(age days, {"P3":…, "P50":…, "P97":…})]
    y_floor: float | None = None
    y_ceiling: float | None = None
    decimals: int = 1
    ident: str = "graphique"

    def render(self):
        return Markup(_Drawing(self).svg())


def day_number(local_dt):
    """A local (naive) datetime as a number of days, the x of date charts."""
    return days_since_epoch(local_dt)


def from_day_number(x):
    return EPOCH + timedelta(days=x)


def nice_step(span, most=7):
    """The smallest round step (1, 2, 2.5, 5 × 10^n) cutting `span` in at most `most` parts."""
    magnitude = 10 ** math.floor(math.log10(span / most))
    for factor in (1, 2, 2.5, 5, 10, 20):
        if span / (factor * magnitude) <= most + 1e-9:
            return factor * magnitude
    return 20 * magnitude


def decimals_of(step):
    for places in range(0, 4):
        if abs(round(step, places) - step) < 1e-9:
            return places
    return 3


def value_ticks(low, high, floor=None, ceiling=None):
    """Round ticks covering [low, high] with a little room, within the floor and ceiling; a
    quantity that is never negative never gets a negative axis."""
    if floor is None and low >= 0:
        floor = 0
    if high - low < 1e-9:
        pad = max(abs(high) * 0.05, 1)
    else:
        pad = (high - low) * 0.08
    low, high = low - pad, high + pad
    if floor is not None:
        low = max(low, floor)
    if ceiling is not None:
        high = min(high, ceiling)
    step = nice_step(high - low)
    start = math.floor(low / step + 1e-9) * step
    end = math.ceil(high / step - 1e-9) * step
    if floor is not None:
        start = max(start, floor)
    ticks, value = [], start
    while value <= end + step / 1000:
        ticks.append(round(value, 10))
        value += step
    return ticks, decimals_of(step)


def date_ticks(x0, x1):
    """Ticks of a date axis: (x, [line, optional second line])."""
    start, end = from_day_number(x0), from_day_number(x1)
    span = x1 - x0
    ticks = []
    if span <= 70:
        step = next(s for s in (1, 2, 7, 14) if span / s <= 7)
        day = start.date() + timedelta(days=1)
        if step >= 7:
            day += timedelta(days=(7 - day.weekday()) % 7)  # Mondays
        while datetime(day.year, day.month, day.day) <= end:
            ticks.append((day_number(datetime(day.year, day.month, day.day)),
                          [format_date(day, "d MMM")]))
            day += timedelta(days=step)
        return ticks
    if span <= 4 * 366:
        months = span / DAYS_PER_MONTH
        step = next(s for s in (1, 2, 3, 6, 12) if months / s <= 7)
        year, month = start.year, start.month + 1
        if month > 12:
            year, month = year + 1, 1
        while (month - 1) % step:
            month += 1
            if month > 12:
                year, month = year + 1, 1
        previous_year = None
        while datetime(year, month, 1) <= end:
            first = date(year, month, 1)
            lines = [format_date(first, "MMM")]
            if year != previous_year:
                lines.append(str(year))
                previous_year = year
            ticks.append((day_number(datetime(year, month, 1)), lines))
            month += step
            while month > 12:
                year, month = year + 1, month - 12
        return ticks
    years = span / DAYS_PER_YEAR
    step = next(s for s in (1, 2, 5, 10, 20) if years / s <= 7)
    year = start.year + 1
    while year % step:
        year += 1
    while datetime(year, 1, 1) <= end:
        ticks.append((day_number(datetime(year, 1, 1)), [str(year)]))
        year += step
    return ticks


def age_unit(x1):
    """Months up to 3 years, then years."""
    return "months" if x1 <= 36 * DAYS_PER_MONTH + 1 else "years"


def age_domain(last_age_days):
    """From birth to the next round age after the last measure."""
    if age_unit(last_age_days) == "months":
        months = last_age_days / DAYS_PER_MONTH
        step = 3 if months <= 24 else 6
        return 0, max(step, math.ceil(months / step - 1e-9) * step) * DAYS_PER_MONTH
    years = last_age_days / DAYS_PER_YEAR
    return 0, max(4, math.ceil(years + 0.2)) * DAYS_PER_YEAR


def age_ticks(x0, x1):
    if age_unit(x1) == "months":
        months = x1 / DAYS_PER_MONTH
        step = next(s for s in (1, 2, 3, 6, 12) if months / s <= 8)
        return [(m * DAYS_PER_MONTH, [str(m)])
                for m in range(0, int(months + 1e-6) + 1, step) if m * DAYS_PER_MONTH >= x0]
    years = x1 / DAYS_PER_YEAR
    step = next(s for s in (1, 2, 5) if years / s <= 10)
    return [(y * DAYS_PER_YEAR, [str(y)])
            for y in range(0, int(years + 1e-6) + 1, step) if y * DAYS_PER_YEAR >= x0]


def _f(value):
    """A coordinate, short."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Drawing:
    """Scales and SVG markup for one Chart."""

    def __init__(self, chart):
        self.c = chart
        points = [p for s in chart.series for p in s.points]
        spread = [v for s in chart.series for _x, low, high in s.ranges for v in (low, high)]
        xs = [p.x for p in points]
        if chart.x_domain:
            self.x0, self.x1 = chart.x_domain
        elif xs:
            span = max(xs) - min(xs)
            pad = span * 0.04 if span else 1
            self.x0, self.x1 = min(xs) - pad, max(xs) + pad
        else:
            self.x0, self.x1 = 0, 1
        ys = [p.y for p in points] + spread
        ys += [v for lv in chart.levels for v in (lv.low, lv.high) if v is not None]
        ys += [v for _age, row in chart.reference for v in row.values()]
        if not ys:
            ys = [chart.y_floor or 0, chart.y_ceiling or 1]
        low, high = min(ys), max(ys)
        if chart.y_floor is not None and chart.y_ceiling is not None:
            low, high = chart.y_floor, chart.y_ceiling
        self.ticks, tick_decimals = value_ticks(low, high, chart.y_floor, chart.y_ceiling)
        if chart.y_floor is not None and chart.y_ceiling is not None:
            self.ticks = [t for t in self.ticks if chart.y_floor <= t <= chart.y_ceiling]
        self.y0, self.y1 = self.ticks[0], self.ticks[-1]
        from .presenters import number
        self.tick_labels = [number(t, tick_decimals) for t in self.ticks]
        # room for the longest value at the small screens' larger font (see carnet.css)
        longest = max(len(t) for t in self.tick_labels)
        self.left = max(46, 16 + 15 * longest)
        self.right = RIGHT_WITH_LABELS if chart.reference else RIGHT
        if chart.x_axis == "age":
            self.x_ticks = age_ticks(self.x0, self.x1)
        else:
            self.x_ticks = date_ticks(self.x0, self.x1)

    def sx(self, x):
        width = WIDTH - self.left - self.right
        return self.left + (x - self.x0) / ((self.x1 - self.x0) or 1) * width

    def sy(self, y):
        height = HEIGHT - TOP - BOTTOM
        return TOP + (self.y1 - y) / ((self.y1 - self.y0) or 1) * height

    def clamp_y(self, y):
        return min(max(y, self.y0), self.y1)

    def svg(self):
        c = self.c
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'width="100%" class="chart" role="img" '
            f'aria-labelledby="{c.ident}-titre {c.ident}-desc" focusable="false">',
            f'<title id="{c.ident}-titre">{escape(c.title)}</title>',
            f'<desc id="{c.ident}-desc">{escape(c.desc)}</desc>',
        ]
        parts += self.grid()
        parts += self.reference()
        parts += self.levels()
        parts += self.axes()
        for series in c.series:
            parts += self.series(series)
        parts.append("</svg>")
        return "".join(parts)

    def grid(self):
        out = ['<g class="chart-grid">']
        for tick in self.ticks:
            y = _f(self.sy(tick))
            out.append(f'<line x1="{self.left}" x2="{WIDTH - self.right}" y1="{y}" y2="{y}"/>')
        out.append("</g>")
        return out

    def reference(self):
        rows = self.c.reference
        if not rows:
            return []

        def line(name):
            return " ".join(f"{_f(self.sx(age))},{_f(self.sy(self.clamp_y(values[name])))}"
                            for age, values in rows)

        top, bottom = line("P97"), line("P3")
        area = top + " " + " ".join(reversed(bottom.split(" ")))
        out = [f'<polygon class="chart-ref" points="{area}"/>',
               f'<polyline class="chart-ref-edge" points="{top}"/>',
               f'<polyline class="chart-ref-edge" points="{bottom}"/>',
               f'<polyline class="chart-median" points="{line("P50")}"/>']
        last_age, last = rows[-1]
        x = _f(self.sx(last_age) + 5)
        for name in ("P97", "P50", "P3"):
            if self.y0 <= last[name] <= self.y1:
                out.append(f'<text class="chart-ref-label" x="{x}" '
                           f'y="{_f(self.sy(last[name]) + 4)}">{name}</text>')
        return out

    def levels(self):
        out = []
        x_left, x_right = self.left, WIDTH - self.right
        for level in self.c.levels:
            ends = [v for v in (level.low, level.high) if v is not None]
            if len(ends) == 2:
                y_top = self.sy(self.clamp_y(level.high))
                y_bottom = self.sy(self.clamp_y(level.low))
                out.append(f'<rect class="chart-{level.css}-zone" x="{x_left}" y="{_f(y_top)}" '
                           f'width="{x_right - x_left}" height="{_f(y_bottom - y_top)}"/>')
            for value in ends:
                if self.y0 <= value <= self.y1:
                    y = _f(self.sy(value))
                    out.append(f'<line class="chart-{level.css}" x1="{x_left}" x2="{x_right}" '
                               f'y1="{y}" y2="{y}"/>')
            # a line's label sits just above it; a zone's inside it, along its lower edge
            label_value = level.low if len(ends) == 2 else ends[0] if ends else None
            if label_value is not None and self.y0 <= label_value <= self.y1:
                out.append(f'<text class="chart-{level.css}-label" x="{x_right - 4}" '
                           f'y="{_f(self.sy(label_value) - 6)}" text-anchor="end">'
                           f'{escape(level.label)}</text>')
        return out

    def axes(self):
        bottom = HEIGHT - BOTTOM
        out = ['<g class="chart-axis">',
               f'<line x1="{self.left}" x2="{WIDTH - self.right}" y1="{bottom}" y2="{bottom}"/>',
               f'<line x1="{self.left}" x2="{self.left}" y1="{TOP}" y2="{bottom}"/>']
        for tick, label in zip(self.ticks, self.tick_labels):
            y = self.sy(tick)
            out.append(f'<line x1="{self.left - 5}" x2="{self.left}" y1="{_f(y)}" y2="{_f(y)}"/>')
            out.append(f'<text x="{self.left - 9}" y="{_f(y + 4.5)}" text-anchor="end">'
                       f'{escape(label)}</text>')
        visible = [(x, lines) for x, lines in self.x_ticks if self.x0 <= x <= self.x1]
        for index, (x, lines) in enumerate(visible):
            sx = _f(self.sx(x))
            minor = ' class="tick-minor"' if len(visible) > 4 and index % 2 else ""
            # a label at the right edge ends at its tick rather than overflowing the image
            near_edge = self.sx(x) > WIDTH - 8 * max(len(line) for line in lines)
            anchor, tx = ("end", _f(self.sx(x) + 4)) if near_edge else ("middle", sx)
            out.append(f'<g{minor}><line x1="{sx}" x2="{sx}" y1="{bottom}" y2="{bottom + 5}"/>'
                       f'<text x="{tx}" y="{bottom + 20}" text-anchor="{anchor}">'
                       f'{escape(lines[0])}')
            for extra in lines[1:]:
                out.append(f'<tspan x="{tx}" dy="1.2em">{escape(extra)}</tspan>')
            out.append("</text></g>")
        out.append("</g>")
        out.append(f'<text class="chart-unit" x="4" y="{TOP - 26}">{escape(self.c.unit)}</text>')
        if self.c.x_axis == "age":
            title = _("Âge (mois)") if age_unit(self.x1) == "months" else _("Âge (ans)")
            out.append(f'<text class="chart-unit" x="{WIDTH - self.right}" y="{HEIGHT - 4}" '
                       f'text-anchor="end">{escape(title)}</text>')
        return out

    def series(self, series):
        css = " chart-line--alt" if series.alt else ""
        points = sorted(series.points, key=lambda p: p.x)
        out = []
        # every period's spread in one path (a hundred <line>s would weigh five times more)
        bars = "".join(f"M{_f(self.sx(x))} {_f(self.sy(high))}V{_f(self.sy(low))}"
                       for x, low, high in series.ranges if high > low)
        if bars:
            out.append(f'<path class="chart-range{css}" d="{bars}"/>')
        if len(points) > 1:
            path = " ".join(f"{_f(self.sx(p.x))},{_f(self.sy(p.y))}" for p in points)
            out.append(f'<polyline class="chart-line{css}" points="{path}"/>')
        for p in points:
            x, y = self.sx(p.x), self.sy(p.y)
            tip = f"<title>{escape(p.label)}</title>"
            if series.alt:
                out.append(f'<rect class="chart-point chart-point--alt" x="{_f(x - 4.5)}" '
                           f'y="{_f(y - 4.5)}" width="9" height="9">{tip}</rect>')
            else:
                out.append(f'<circle class="chart-point" cx="{_f(x)}" cy="{_f(y)}" r="5">'
                           f'{tip}</circle>')
        return out


# --- many values: grouped by period ------------------------------------------------------------

# Past this many values a date chart shows one point per period (day, week, month or year,
# the shortest that keeps at most this many points): the mean, with the lowest and highest
# value of the period as a vertical bar. The table below the chart keeps every value.
MAX_POINTS = 100


@dataclass
class Group:
    x: float             # the middle of the period (local day number)
    start: date          # first day of the period
    count: int
    mean: float
    low: float
    high: float
    mean2: float | None = None  # diastolic, for blood pressure
    low2: float | None = None
    high2: float | None = None


PERIODS = ("day", "week", "month", "year")


def period_key(day, unit):
    """A number naming the period of `day` (cheap: thousands of values go through it)."""
    if unit == "day":
        return day.toordinal()
    if unit == "week":
        return day.toordinal() - day.weekday()
    if unit == "month":
        return day.year * 12 + day.month - 1
    return day.year


def period_first_day(key, unit):
    if unit in ("day", "week"):
        return date.fromordinal(key)
    if unit == "month":
        return date(key // 12, key % 12 + 1, 1)
    return date(key, 1, 1)


def period_unit(first_day, last_day, most=MAX_POINTS):
    """The shortest period (day, week, month, year) of which at most `most` cover the days."""
    return next((unit for unit in PERIODS
                 if (period_key(last_day, unit) - period_key(first_day, unit))
                 // _step(unit) + 1 <= most), PERIODS[-1])


def _step(unit):
    return 7 if unit == "week" else 1  # week keys are the ordinals of their Mondays


def period_keys(unit, first_day, last_day):
    """The keys of the periods from `first_day`'s to the one after `last_day`'s (n periods
    covering the days, and the next one: their first days are the n + 1 bounds)."""
    step = _step(unit)
    return list(range(period_key(first_day, unit), period_key(last_day, unit) + 2 * step, step))


def period_x(unit, key):
    """The x of a period's point: the middle of the period (local days)."""
    start = period_first_day(key, unit)
    following = period_first_day(key + _step(unit), unit)
    return (day_number(datetime.combine(start, datetime.min.time()))
            + day_number(datetime.combine(following, datetime.min.time()))) / 2


def group_by_period(values, most=MAX_POINTS):
    """(unit, groups) for `values` = [(local datetime, value, value2 or None)], oldest first:
    unit None and one group per value when there are at most `most` of them, else the
    shortest period (day, week, month, year) of which at most `most` cover them all."""
    if len(values) <= most:
        return None, [Group(day_number(at), at.date(), 1, v, v, v, v2, v2, v2)
                      for at, v, v2 in values]
    unit = period_unit(values[0][0].date(), values[-1][0].date(), most)
    buckets = {}
    for at, v, v2 in values:
        buckets.setdefault(period_key(at.date(), unit), []).append((v, v2))
    groups = []
    for key in sorted(buckets):
        items = buckets[key]
        firsts = [v for v, _v2 in items]
        seconds = [v2 for _v, v2 in items if v2 is not None]
        groups.append(make_group(unit, key, len(items), sum(firsts) / len(firsts), min(firsts),
                                 max(firsts), *((sum(seconds) / len(seconds), min(seconds),
                                                 max(seconds)) if seconds else ())))
    return unit, groups


def make_group(unit, key, count, mean, low, high, mean2=None, low2=None, high2=None):
    return Group(period_x(unit, key), period_first_day(key, unit), count, mean, low, high,
                 mean2, low2, high2)
