"""Many values of one kind, counted, averaged and bounded by local period in the database.

Past MAX_POINTS values a date chart shows one point per day, week, month or year (charts.py,
`group_by_period`, says which and how). Reading thousands of rows to group them in Python cost
more than the rest of the page: here the database groups them and returns at most about a
hundred rows, whatever the number of values.

Periods are cut in local time (the user's time zone: Europe/Paris by default), as the chart
and the table show them: a period's bounds are its local midnights, turned into the naive UTC
times the database stores, once per period in Python. The database then puts each value in
the period whose bounds surround it, by a join with the list of bounds (one index range read
per period on measure(patient_id, kind, measured_at)); summer time therefore moves no value to
the wrong period, on SQLite and PostgreSQL alike, with no time-zone support asked of either.
"""
from datetime import datetime, timezone

from peewee import ValuesList, fn

from ..db import is_sqlite
from .charts import make_group, period_first_day, period_keys, period_unit
from .models import Measure


def period_bounds(unit, first_day, last_day, zone):
    """(keys, bounds): the keys of the periods covering first_day..last_day (local dates) and
    the UTC instants where each begins, the last one where the period after last_day's
    begins; naive UTC, as stored."""
    keys = period_keys(unit, first_day, last_day)
    bounds = [datetime.combine(period_first_day(key, unit), datetime.min.time(), tzinfo=zone)
              .astimezone(timezone.utc).replace(tzinfo=None) for key in keys]
    return keys, bounds


def _stored(moment):
    """A bound as the column holds it: SQLite keeps "YYYY-MM-DD HH:MM:SS[.ffffff]" text (compared
    as text, so the bound is written the same way), PostgreSQL a timestamp."""
    return moment.strftime("%Y-%m-%d %H:%M:%S") if is_sqlite() else moment


def grouped_in_database(patient_id, kind_code, first_day, last_day, zone):
    """(unit, groups) of the patient's values of `kind_code` whose local dates run from
    `first_day` to `last_day` (those of the oldest and newest values): the shortest period
    of which at most MAX_POINTS cover them, and one charts.Group per period holding values
    (a period without any has no group), oldest first."""
    unit = period_unit(first_day, last_day)
    keys, bounds = period_bounds(unit, first_day, last_day, zone)
    stored = [_stored(bound) for bound in bounds]
    # (period index, its first instant, the next period's first instant)
    periods = ValuesList([(index, stored[index], stored[index + 1])
                          for index in range(len(keys) - 1)], alias="period")
    index, start, end = periods.c.column1, periods.c.column2, periods.c.column3
    rows = (Measure.select(index, fn.COUNT(Measure.id), fn.AVG(Measure.value),
                           fn.MIN(Measure.value), fn.MAX(Measure.value),
                           fn.AVG(Measure.value2), fn.MIN(Measure.value2),
                           fn.MAX(Measure.value2))
            .from_(periods)
            .join(Measure, on=((Measure.patient == patient_id) & (Measure.kind == kind_code)
                               & (Measure.measured_at >= start) & (Measure.measured_at < end)))
            .group_by(index).order_by(index).tuples())
    groups = []
    for position, count, mean, low, high, mean2, low2, high2 in rows:
        seconds = (mean2, low2, high2) if mean2 is not None else ()
        groups.append(make_group(unit, keys[position], count, mean, low, high, *seconds))
    return unit, groups
