"""The prevention calendar of one person: which items are due, upcoming and done on a day.

Pure computation on the rules of rules.py: no database, no request (the CLI and the tests call
it directly; models.calendar_for feeds it from the record).

Statuses, on day `on` (every boundary is a date, that day included in what starts):
- done: the record says it was done (a profile vaccination of the rule's family, or the
  person's "fait le …"); listed even when its age has passed;
- due ("à faire"): from the due date; for a rule with a `late` age, "en retard" from that age
  (e.g. the 65-year booster is due from the 65th birthday and late from the 66th); it stays
  proposed until the rule's `until` age (the next booster, the end of a catch-up, the end of a
  screening age range) and is then dropped, never listed as missed;
- upcoming ("à venir"): due within the next HORIZON_MONTHS;
- a screening is due from its date until done or until its age range ends (no "late" state); a
  season item (flu, Covid-19) is due from mid-October, or from the birthday if it falls in the
  season, until the end of February;
- a window item (Mon bilan prévention, M'T dents) is due inside its window only.

A person's statement about an item (a Mark) wins over the profile when it is newer: marking
"pas fait" or "à planifier" an item that a profile vaccination satisfied makes it due again,
until a vaccination is recorded after that statement.
"""
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from ..rendering import lazy_gettext as _l

from ..proxies.models import add_months
from . import rules as R

DUE = "due"
LATE = "late"
UPCOMING = "upcoming"
DONE = "done"
EXPIRED = "expired"  # internal: past its last day, not done; never listed

# What the person said about an item.
MARK_DONE = "done"
MARK_NOT_DONE = "not_done"
MARK_TO_PLAN = "to_plan"

HORIZON_MONTHS = 60
# A profile vaccination this close to a "fait le …" of the same family is the same injection.
SAME_DOSE_DAYS = 14


@dataclass(frozen=True)
class Dose:
    """A vaccination recorded in the medical profile."""

    name: str
    given_on: date
    id: int | None = None
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class Mark:
    """What the person's side said about one item (one cycle of it)."""

    code: str
    cycle: str
    status: str
    done_on: date | None = None
    id: int | None = None
    vaccination_id: int | None = None
    marked_at: datetime | None = None


@dataclass
class Item:
    """One occurrence of a rule for the person: `cycle` tells occurrences of a rule apart
    ("" for a one-off, the season's first year, or a screening's due date)."""

    rule: R.Rule
    cycle: str
    due_on: date
    status: str
    late_on: date | None = None
    ends_on: date | None = None
    done_on: date | None = None
    dose: Dose | None = None
    mark: Mark | None = None
    detail: object = None

    @property
    def code(self):
        return self.rule.code

    @property
    def key(self):
        return (self.rule.code, self.cycle)

    @property
    def is_due(self):
        return self.status in (DUE, LATE)


@dataclass
class Calendar:
    due: list = field(default_factory=list)
    upcoming: list = field(default_factory=list)
    done: list = field(default_factory=list)

    def current(self, code):
        """The item of `code` to act on: the due or upcoming one, else the latest done."""
        for item in self.due + self.upcoming + self.done:
            if item.code == code:
                return item
        return None


def plus(birth, months):
    """The day a person born on `birth` reaches `months` of age."""
    return add_months(birth, months)


def normalise(name):
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    return " ".join(text.lower().split())


@lru_cache(maxsize=1024)  # a few vaccine names, read again on every agenda page
def families_of(name):
    """The vaccine families a recorded vaccination's name clearly names (maybe none)."""
    text = normalise(name)
    found = set()
    for family, pattern in R.FAMILIES.items():
        if re.search(pattern["match"], text) and not (
                pattern.get("exclude") and re.search(pattern["exclude"], text)):
            found.add(family)
    return frozenset(found)


def _season(year):
    """(due from, doses count from, first day after) of the season starting in `year`."""
    return (date(year, *R.SEASON_START), date(year, *R.SEASON_DOSES_FROM),
            date(year + 1, *R.SEASON_END))


class _Context:
    """The person's data prepared once: doses by family, marks by item, assignments."""

    def __init__(self, birth, sex, on, vaccinations, marks):
        self.birth, self.sex, self.on = birth, sex, on
        self.marks = {(m.code, m.cycle): m for m in marks}
        self.marks_of = {}
        for m in marks:
            self.marks_of.setdefault(m.code, []).append(m)
        linked = {m.vaccination_id for m in marks if m.vaccination_id is not None}
        done_by_mark = {}
        for m in marks:
            rule = R.BY_CODE.get(m.code)
            if m.status == MARK_DONE and m.done_on and rule is not None and rule.family:
                done_by_mark.setdefault(rule.family, []).append(m.done_on)
        self.doses = {}
        for dose in sorted(vaccinations, key=lambda d: (d.given_on, d.id or 0)):
            if dose.id is not None and dose.id in linked:
                continue  # already the item it was recorded for
            for family in families_of(dose.name):
                if any(abs((dose.given_on - d).days) <= SAME_DOSE_DAYS
                       for d in done_by_mark.get(family, ())):
                    continue
                self.doses.setdefault(family, []).append(dose)
        self.assigned = {}
        self._assign_courses()
        self._assign_windows()

    def mark_done(self, code, cycle=""):
        mark = self.marks.get((code, cycle))
        return mark is not None and mark.status == MARK_DONE

    def _assign_courses(self):
        for course, (family, start, end) in R.COURSES.items():
            lo = plus(self.birth, start)
            hi = plus(self.birth, end) if end is not None else None
            doses = [d for d in self.doses.get(family, ())
                     if d.given_on >= lo and (hi is None or d.given_on < hi)]
            open_rules = [r for r in R.RULES if r.course == course and not self.mark_done(r.code)]
            for rule, dose in zip(open_rules, doses):
                self.assigned[rule.code] = dose

    def _assign_windows(self):
        by_family = {}
        for rule in R.RULES:
            if rule.family and rule.course is None and rule.kind == R.ONCE:
                by_family.setdefault(rule.family, []).append(rule)
        for family, family_rules in by_family.items():
            family_rules.sort(key=lambda r: r.at)
            starts = [plus(self.birth, max(r.at - R.WINDOW_EARLY, 0)) for r in family_rules]
            for i, rule in enumerate(family_rules):
                if self.mark_done(rule.code):
                    continue
                hi = starts[i + 1] if i + 1 < len(starts) else None
                for dose in self.doses.get(family, ()):
                    if dose.given_on >= starts[i] and (hi is None or dose.given_on < hi):
                        self.assigned[rule.code] = dose
                        break

    def done_state(self, code, cycle, dose):
        """(done_on, dose, mark) for an item: the person's "fait le …" first, then a profile
        vaccination unless a newer "pas fait"/"à planifier" says otherwise."""
        mark = self.marks.get((code, cycle))
        if mark is not None and mark.status == MARK_DONE:
            return mark.done_on, None, mark
        if dose is not None:
            overridden = mark is not None and (
                dose.recorded_at is None or mark.marked_at is None
                or mark.marked_at > dose.recorded_at)
            if not overridden:
                return dose.given_on, dose, mark
        return None, None, mark


def _status(on, due, late, ends, done_on):
    if done_on is not None:
        return DONE
    if on < due:
        return UPCOMING
    if ends is not None and on >= ends:
        return EXPIRED
    if late is not None and on >= late:
        return LATE
    return DUE


def _once(rule, ctx, found):
    birth = ctx.birth
    if rule.after is not None:
        first = found.get(rule.after.code)
        if first is None or first.status != DONE:
            return []  # the next dose of a course shows once the previous one is done
        def started_late(age):
            return age is not None and first.done_on >= plus(birth, age)
        if rule.after.only_from_age is not None and not started_late(rule.after.only_from_age):
            return []
        months = rule.after.catch_up_months if started_late(rule.after.catch_up_age) \
            else rule.after.months
        due, late, ends = add_months(first.done_on, months), None, None
    else:
        due = plus(birth, rule.at)
        if rule.since is not None and due < rule.since:
            due = rule.since
        ends = plus(birth, rule.until) if rule.until is not None else None
        if ends is not None and due >= ends:
            return []  # recommended only after this person's age for it had passed
        late = plus(birth, rule.late) if rule.late is not None else None
    done_on, dose, mark = ctx.done_state(rule.code, "", ctx.assigned.get(rule.code))
    return [Item(rule, "", due, _status(ctx.on, due, late, ends, done_on), late, ends, done_on,
                 dose, mark)]


def _seasonal(rule, ctx):
    on, start_age = ctx.on, plus(ctx.birth, rule.at)
    if on >= date(on.year, *R.SEASON_START):
        year = on.year
    elif on < date(on.year, *R.SEASON_END):
        year = on.year - 1
    else:
        year = on.year  # off season: the next one is upcoming
    items = []
    for y in (year - 1, year):
        opens, doses_from, closes = _season(y)
        if start_age >= closes:
            continue
        due = max(opens, start_age)
        dose = next((d for d in ctx.doses.get(rule.family, ())
                     if doses_from <= d.given_on < closes), None)
        cycle = str(y)
        done_on, dose, mark = ctx.done_state(rule.code, cycle, dose)
        status = _status(on, due, None, closes, done_on)
        if y == year or status == DONE:
            items.append(Item(rule, cycle, due, status, None, closes, done_on, dose, mark,
                              detail=season_label(y)))
    return items


def season_label(year):
    return _l("saison %(first)d-%(second)d", first=year, second=year + 1)


def cervical_next(birth, done_dates, on, every):
    """The next cervical screening: (due date, is it an HPV test). Cytology at 25 and 26, then
    3 years later; from 30 an HPV test every 5 years, the first one 3 years after the last
    cytology (at 30 when there was none)."""
    hpv_age = plus(birth, R.CERVICAL_HPV_AGE)
    if not done_dates:
        due = plus(birth, R.Y(25)) if on < hpv_age else hpv_age
    elif done_dates[-1] < hpv_age:
        cytologies = len(done_dates)
        due = add_months(done_dates[-1], R.CERVICAL_FIRST_INTERVAL if cytologies == 1
                         else R.CERVICAL_CYTOLOGY_INTERVAL)
        if due >= hpv_age:
            due = add_months(done_dates[-1], R.CERVICAL_CYTOLOGY_INTERVAL)
    else:
        due = add_months(done_dates[-1], every)
    return due, due >= hpv_age


def _recurring(rule, ctx):
    birth, on = ctx.birth, ctx.on
    start, end = plus(birth, rule.at), plus(birth, rule.until)
    done_marks = sorted((m for m in ctx.marks_of.get(rule.code, ())
                         if m.status == MARK_DONE and m.done_on),
                        key=lambda m: (m.done_on, m.id or 0))
    done_dates = [m.done_on for m in done_marks]
    items = []
    if done_marks:
        last = done_marks[-1]
        items.append(Item(rule, last.cycle, last.done_on, DONE, done_on=last.done_on,
                          mark=last))
    detail = None
    if rule.code == "SCREEN_CERVICAL":
        due, hpv = cervical_next(birth, done_dates, on, rule.every)
        detail = _l("test HPV") if hpv else _l("examen cytologique (frottis)")
    else:
        due = start if not done_dates else max(add_months(done_dates[-1], rule.every), start)
    if due < end:
        cycle = due.isoformat()
        status = _status(on, due, None, end, None)
        items.append(Item(rule, cycle, due, status, ends_on=end,
                          mark=ctx.marks.get((rule.code, cycle)), detail=detail))
    return items


def _window(rule, ctx):
    due, ends = plus(ctx.birth, rule.at), plus(ctx.birth, rule.until)
    if rule.since is not None and due < rule.since:
        due = rule.since
    if due >= ends:
        return []
    done_on, _dose, mark = ctx.done_state(rule.code, "", None)
    return [Item(rule, "", due, _status(ctx.on, due, None, ends, done_on), None, ends, done_on,
                 None, mark)]


def items_for(birth, sex, on, vaccinations=(), marks=(), horizon_months=HORIZON_MONTHS):
    """The Calendar of a person born on `birth`, of sex "F" or "M", on day `on`, given the
    vaccinations of their profile (Dose) and what their side said (Mark)."""
    ctx = _Context(birth, sex, on, vaccinations, marks)
    found, items = {}, []
    for rule in R.RULES:
        if rule.sex is not None and rule.sex != sex:
            continue
        if rule.kind == R.ONCE:
            made = _once(rule, ctx, found)
        elif rule.kind == R.SEASONAL:
            made = _seasonal(rule, ctx)
        elif rule.kind == R.RECURRING:
            made = _recurring(rule, ctx)
        else:
            made = _window(rule, ctx)
        for item in made:
            found.setdefault(item.code, item)
        items.extend(made)
    horizon = add_months(on, horizon_months)
    calendar = Calendar()
    calendar.due = sorted((i for i in items if i.is_due), key=lambda i: (i.due_on, i.code))
    calendar.upcoming = sorted((i for i in items if i.status == UPCOMING and i.due_on <= horizon),
                               key=lambda i: (i.due_on, i.code))
    calendar.done = sorted((i for i in items if i.status == DONE),
                           key=lambda i: (i.done_on, i.code), reverse=True)
    return calendar


def due_items(birth, sex, on):
    """What is due on `on` for anyone born on `birth` of this sex, knowing nothing else (the
    CLI): in a stable order, by due date then code."""
    return items_for(birth, sex, on).due

