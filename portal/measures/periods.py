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


def grouped_in_database(patient_id, kind_code, first_day, last_day, zone, paired=False):
    """(unit, groups) of the patient's values of `kind_code` whose local dates run from
    `first_day` to `last_day` (those of the oldest and newest values): the shortest period
    of which at most MAX_POINTS cover them, and one charts.Group per period holding values
    (a period without any has no group), oldest first. `paired`: the second value (blood
    pressure's diastolic) is averaged and bounded too."""
    unit = period_unit(first_day, last_day)
    keys, bounds = period_bounds(unit, first_day, last_day, zone)
    stored = [_stored(bound) for bound in bounds]
    database = Measure._meta.database
    # Written out rather than built by peewee: building a hundred-row VALUES list node by node
    # cost as much as running the query. (period index, its first instant, the next one's)
    mark = database.param
    periods = ", ".join([f"({mark}, {mark}, {mark})"] * (len(keys) - 1))
    params = [value for index in range(len(keys) - 1)
              for value in (index, stored[index], stored[index + 1])]
    columns = ['AVG("m"."value")', 'MIN("m"."value")', 'MAX("m"."value")']
    if paired:
        columns += ['AVG("m"."value2")', 'MIN("m"."value2")', 'MAX("m"."value2")']
    sql = (f'SELECT "p"."column1", COUNT(*), {", ".join(columns)} '
           f'FROM (VALUES {periods}) AS "p" '
           f'JOIN "measure" AS "m" ON "m"."patient_id" = {mark} AND "m"."kind" = {mark} '
           f'AND "m"."measured_at" >= "p"."column2" AND "m"."measured_at" < "p"."column3" '
           f'GROUP BY "p"."column1" ORDER BY "p"."column1"')
    groups = []
    for position, count, *figures in database.execute_sql(sql, params + [patient_id,
                                                                         kind_code]):
        if len(figures) > 3 and figures[3] is None:  # no second value in this period
            figures = figures[:3]
        groups.append(make_group(unit, keys[position], count, *figures))
    return unit, groups
