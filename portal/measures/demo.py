"""Demo measures: Jean's diabetes and blood-pressure follow-up, Camille's weight and steps,
Lina's growth since birth (around the WHO median for a girl). Dates are relative to today so
that the charts always show the last months; creates only the series that are missing."""
import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .growth import DAYS_PER_MONTH, lms_at, value_at
from .models import Measure, MeasureTarget

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")


def _utc(day, at):
    """A local (Paris) date and time to the naive UTC stored in the database."""
    local = datetime.combine(day, at).replace(tzinfo=PARIS)
    return local.astimezone(UTC).replace(tzinfo=None)


def _series(rows):
    """rows: (day, time, value, value2, author, professional) -> Measure kwargs."""
    return [{"measured_at": _utc(day, at), "value": value, "value2": value2,
             "author": author, "author_is_professional": professional}
            for day, at, value, value2, author, professional in rows]


def _jean(today, jean, benali):
    rng = random.Random(1944)
    series = {}
    weights = []
    for month in range(12, -1, -1):  # 78 → 75 kg over a year, weighed at home
        day = today - timedelta(days=round(month * DAYS_PER_MONTH) + 2)
        trend = 78 - 3 * (12 - month) / 12
        by_doctor = month in (12, 9, 6, 3)
        weights.append((day, time(10, 15) if by_doctor else time(7, 50),
                        round(trend + rng.uniform(-0.3, 0.3), 1), None,
                        benali if by_doctor else jean, by_doctor))
    series["weight"] = weights
    series["height"] = [(today - timedelta(days=round(12 * DAYS_PER_MONTH) + 2), time(10, 10),
                         172, None, benali, True)]
    pressures, rates = [], []
    for half_month in range(23, -1, -1):  # twice a month: ~145/88 → ~132/80
        day = today - timedelta(days=round(half_month * DAYS_PER_MONTH / 2) + 1)
        progress = (23 - half_month) / 23
        by_doctor = half_month % 6 == 5
        author = benali if by_doctor else jean
        at = time(10, 20) if by_doctor else time(8, 5)
        systolic = round(145 - 13 * progress + rng.uniform(-4, 4))
        diastolic = round(88 - 8 * progress + rng.uniform(-3, 3))
        pressures.append((day, at, systolic, diastolic, author, by_doctor))
        rates.append((day, at, round(78 - 5 * progress + rng.uniform(-4, 4)), None, author,
                      by_doctor))
    series["blood_pressure"], series["heart_rate"] = pressures, rates
    series["hba1c"] = [  # quarterly, from the laboratory, entered by the GP
        (today - timedelta(days=days), time(11, 0), value, None, benali, True)
        for days, value in ((368, 8.1), (277, 7.9), (186, 7.6), (95, 7.4), (6, 7.2))]
    series["glucose"] = [
        (today - timedelta(days=days), time(7, 30), value, None, jean, False)
        for days, value in ((55, 1.42), (48, 1.35), (41, 1.38), (34, 1.29), (27, 1.31),
                            (20, 1.24), (13, 1.27), (6, 1.18))]
    return series


def _camille(today, camille):
    rng = random.Random(1980)
    weights = []
    for step in range(8, -1, -1):  # every six weeks, 64,5 → 63 kg
        day = today - timedelta(days=step * 42 + 3)
        weights.append((day, time(7, 40), round(64.5 - 1.5 * (8 - step) / 8
                                                + rng.uniform(-0.4, 0.4), 1),
                        None, camille, False))
    steps = []
    for days in range(30, 0, -1):  # the day's total, noted in the evening
        day = today - timedelta(days=days)
        base = 9500 if day.weekday() >= 5 else 7200
        steps.append((day, time(21, 30), round(base + rng.uniform(-2600, 2400), -1), None,
                      camille, False))
    return {"weight": weights, "steps": steps,
            "height": [(today - timedelta(days=200), time(9, 0), 165, None, camille, False)]}


# Lina's check-ups (age in months) as in the French carnet de santé, then yearly.
LINA_VISITS = (0, 0.27, 1, 2, 3, 4, 5, 6, 9, 12, 13, 16, 24, 30, 36, 42, 48, 54, 60, 72, 84,
               96, 108, 120, 132)


def _lina(lina, camille, benali, today):
    """Weight, height and (first two years) head circumference around the median; values
    beyond the WHO weight reference (after 10 years) follow the same path."""
    rng = random.Random(2015)
    born = lina.birth_date
    weights, heights, heads = [], [], []
    for months in LINA_VISITS:
        age = round(months * DAYS_PER_MONTH)
        day = born + timedelta(days=age)
        if day > today:
            break
        at = time(6, 40) if months == 0 else time(10, 30)
        author, professional = (camille, False) if months < 1 else (benali, True)
        weight_lms = lms_at("weight", "F", age)
        weight = (value_at(weight_lms, 0.15 + rng.uniform(-0.15, 0.15)) if weight_lms
                  else 31.9 + 5.6 * (months - 120) / 12)
        weights.append((day, at, round(weight, 2 if months < 24 else 1), None, author,
                        professional))
        height = value_at(lms_at("height", "F", age), 0.3 + rng.uniform(-0.1, 0.1))
        heights.append((day, at, round(height * 2) / 2, None, author, professional))
        if months <= 24:
            head = value_at(lms_at("head", "F", age), 0.2 + rng.uniform(-0.1, 0.1))
            heads.append((day, at, round(head * 2) / 2, None, author, professional))
    return {"weight": weights, "height": heights, "head": heads}


def seed(people, accounts):
    """Create the demo series that do not exist yet; returns how many rows were created."""
    today = date.today()
    jean, camille, benali = accounts["jean"], accounts["camille"], accounts["benali"]
    plans = [
        (people["jean"], _jean(today, jean.id, benali.id)),
        (people["camille"], _camille(today, camille.id)),
        (people["lina"], _lina(people["lina"], camille.id, benali.id, today)),
    ]
    created = 0
    for person, series in plans:
        for kind, rows in series.items():
            if Measure.select().where(Measure.patient == person.id,
                                      Measure.kind == kind).exists():
                continue
            rows = [dict(r, patient=person.id, kind=kind) for r in _series(rows)]
            Measure.insert_many(rows).execute()
            created += len(rows)
    targets = [(people["jean"], "hba1c", {"high": 7.0}, benali.id),
               (people["camille"], "steps", {"low": 8000.0}, camille.id)]
    for person, kind, bounds, author in targets:
        if MeasureTarget.of(person.id, kind) is None:
            MeasureTarget.create(patient=person.id, kind=kind, set_by=author, **bounds)
            created += 1
    return created
