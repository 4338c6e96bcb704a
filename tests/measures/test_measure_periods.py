"""Many values grouped by local period in the database (portal/measures/periods.py) give the
same periods, counts, means and spreads as grouping every value in Python
(charts.group_by_period, the reference), on SQLite and PostgreSQL: random values, values on
the periods' bounds and a second either side, summer-time changes (a missing hour in March,
a repeated hour in October), empty periods, a second value present or not.

And the page with thousands of values draws that same chart while reading only a bounded
number of rows."""
import math
import random
import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from querycount import count_queries
from test_measures import BASE, insert_measures

PARIS = ZoneInfo("Europe/Paris")  # the app's local time (BABEL_DEFAULT_TIMEZONE)


def utc(local):
    """A local (aware) time as the naive UTC the database stores."""
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def period_starts(first, last, unit):
    """The local first days of the periods from `first` to `last` (dates)."""
    day = first
    while day <= last:
        if (unit == "day" or (unit == "week" and day.weekday() == 0)
                or (unit == "month" and day.day == 1) or (day.month, day.day) == (1, 1)):
            yield day
        day += timedelta(days=1)


def moments(seed, first, last, unit, zone, count, gaps=()):
    """`count` random instants between the local dates `first` and `last`, plus each period's
    local midnight, a second before and after it, and the odd hours of summer-time changes;
    none inside `gaps` ((start, end) local dates: empty periods). Naive UTC, sorted."""
    rng = random.Random(seed)
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    span = (datetime.combine(last, datetime.max.time(), tzinfo=zone) - start).total_seconds()
    found = [start + timedelta(seconds=rng.uniform(0, span)) for _ in range(count)]
    for day in period_starts(first, last, unit):
        midnight = datetime.combine(day, datetime.min.time(), tzinfo=zone)
        found += [midnight, midnight - timedelta(seconds=1), midnight + timedelta(seconds=1),
                  midnight + timedelta(microseconds=1)]
    for day in (date(year, month, d) for year in range(first.year, last.year + 1)
                for month, d in ((3, 30), (3, 31), (10, 26), (10, 27), (3, 29), (10, 25))):
        for hour, minute, fold in ((0, 30, 0), (1, 59, 0), (2, 30, 0), (2, 30, 1), (3, 0, 0),
                                   (23, 59, 0)):
            found.append(datetime(day.year, day.month, day.day, hour, minute, fold=fold,
                                  tzinfo=zone))
    naive = sorted({utc(moment) for moment in found})
    lowest = utc(start)
    highest = utc(datetime.combine(last, datetime.max.time(), tzinfo=zone))
    return [moment for moment in naive if lowest <= moment <= highest and not any(
        gap_start <= moment.replace(tzinfo=timezone.utc).astimezone(zone).date() <= gap_end
        for gap_start, gap_end in gaps)]


def python_grouping(patient_id, kind, zone):
    """The reference: every stored value of the kind, put in local time, grouped in Python."""
    from portal.measures.charts import group_by_period
    from portal.measures.models import Measure
    rows = (Measure.select(Measure.measured_at, Measure.value, Measure.value2)
            .where(Measure.patient == patient_id, Measure.kind == kind)
            .order_by(Measure.measured_at, Measure.id))
    local = [(m.measured_at.replace(tzinfo=timezone.utc).astimezone(zone).replace(tzinfo=None),
              m.value, m.value2) for m in rows]
    return group_by_period(local), local


def same_groups(ours, reference):
    """Periods, counts and extremes equal; means equal but for the last bits (the database
    and Python may add the values in another order)."""
    (unit, groups), (ref_unit, ref_groups) = ours, reference
    assert unit == ref_unit
    assert [(g.start, g.x, g.count) for g in groups] == \
        [(g.start, g.x, g.count) for g in ref_groups]
    for ours_group, ref in zip(groups, ref_groups):
        assert (ours_group.low, ours_group.high, ours_group.low2, ours_group.high2) == \
            (ref.low, ref.high, ref.low2, ref.high2), ref.start
        for mine, theirs in ((ours_group.mean, ref.mean), (ours_group.mean2, ref.mean2)):
            assert (mine is None) == (theirs is None), ref.start
            assert mine is None or math.isclose(mine, theirs, rel_tol=1e-12), ref.start


def clear(patient, kind):
    """Remove the demo values of `kind`: the case alone decides the periods."""
    from portal.measures.models import Measure
    Measure.delete().where(Measure.patient == patient.id, Measure.kind == kind).execute()


# (kind, unit, first local day, last local day, random values, empty periods, second value)
CASES = [
    ("temperature", "day", date(2025, 2, 5), date(2025, 4, 30), 3000,
     [(date(2025, 2, 20), date(2025, 2, 24))], False),
    ("heart_rate", "day", date(2025, 9, 1), date(2025, 11, 20), 3000,
     [(date(2025, 10, 1), date(2025, 10, 3))], False),
    ("blood_pressure", "week", date(2024, 1, 3), date(2025, 11, 12), 3000,
     [(date(2024, 5, 1), date(2024, 6, 30))], True),
    ("glucose", "month", date(2018, 1, 15), date(2025, 12, 2), 3000,
     [(date(2019, 2, 1), date(2019, 7, 31))], False),
    ("steps", "year", date(1960, 6, 1), date(2026, 3, 1), 2000,
     [(date(1970, 1, 1), date(1985, 12, 31))], False),
]


@pytest.mark.db
@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
@pytest.mark.parametrize("zone_name", ["Europe/Paris", "America/St_Johns"])
def test_the_database_groups_by_local_period_as_python_does(ctx, person, case, zone_name):
    from portal.measures.periods import grouped_in_database
    kind, unit, first, last, count, gaps, paired = case
    zone = ZoneInfo(zone_name)  # Newfoundland: a half-hour offset, its changes at 2 a.m. too
    jean = person("Jean")
    clear(jean, kind)
    rng = random.Random(f"{kind}{zone_name}")
    instants = moments(kind, first, last, unit, zone, count, gaps)
    # a second value for most rows only (blood pressure): the means of the present ones
    insert_measures(jean, kind, [
        (at, round(rng.uniform(1, 200), 2),
         round(rng.uniform(30, 120), 1) if paired and rng.random() < 0.8 else None)
        for at in instants])
    reference, local = python_grouping(jean.id, kind, zone)
    assert reference[0] == unit, "the case covers the unit it is named after"
    assert len(local) > 1000
    ours = grouped_in_database(jean.id, kind, local[0][0].date(), local[-1][0].date(), zone,
                               paired=paired)
    same_groups(ours, reference)
    starts = {g.start for g in ours[1]}
    assert not any(gap_start <= start <= gap_end for start in starts for gap_start, gap_end
                   in gaps), "an empty period has no point"
    assert sum(g.count for g in ours[1]) == len(local)


@pytest.mark.db
def test_a_page_of_thousands_of_values_draws_the_python_chart_reading_few_rows(
        app, login_as, person):
    """The page's chart is the one every value grouped in Python draws, and no statement of
    the page reads the values without a bound (a LIMIT, or one row per period)."""
    from portal.measures import page
    from portal.measures.models import BY_CODE, Measure, MeasureTarget
    jean = person("Jean")
    instants = moments("page", date(2024, 9, 1), date(2026, 11, 30), "week", PARIS, 3000)
    rng = random.Random(7)
    insert_measures(jean, "blood_pressure", [(at, rng.randint(100, 180), rng.randint(60, 100))
                                             for at in instants])
    client = login_as("jean")
    url = f"{BASE}/tension/"
    client.get(url)
    with count_queries() as statements:
        html = client.get(url).get_data(as_text=True)
    reads = [sql for sql in statements if re.search(r'FROM "measure"|JOIN "measure"', sql)]
    unbounded = [sql for sql in reads if "LIMIT" not in sql and "GROUP BY" not in sql]
    assert not unbounded, unbounded
    with app.test_request_context(url):
        every = list(Measure.of(jean.id, "blood_pressure").order_by(Measure.measured_at,
                                                                    Measure.id))
        kind = BY_CODE["blood_pressure"]
        expected, grouping = page._chart(kind, jean, every,
                                         MeasureTarget.of(jean.id, "blood_pressure"), False)
    assert grouping and grouping in html
    drawn = re.search(r"<svg\b.*?</svg>", html, re.S).group(0)
    assert drawn == str(expected)


def test_the_periods_are_read_from_the_index_alone(ctx, person):
    """SQLite's plan: the values come from measure's index (migration 0020), no row of the
    table is looked up (half the query's time with thousands of values)."""
    from portal.extensions import db
    from portal.measures.periods import grouped_in_database
    seen, original = [], db.obj.execute_sql

    def capture(sql, params=None, *args, **kwargs):
        seen.append((sql, params))
        return original(sql, params, *args, **kwargs)

    db.obj.execute_sql = capture
    try:
        grouped_in_database(person("Jean").id, "weight", date(2020, 1, 1), date(2026, 1, 1),
                            PARIS)
    finally:
        del db.obj.execute_sql
    sql, params = seen[-1]
    plan = " ".join(row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "COVERING INDEX measure_patient_id_kind_measured_at_value_value2" in plan, plan
