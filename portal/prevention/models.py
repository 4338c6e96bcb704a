"""What the prevention calendar stores: each person's statements about their items, and the
reminders already claimed. The calendar itself is computed (engine.py), never stored."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from peewee import CharField, DateField, DateTimeField, ForeignKeyField, IntegerField

from ..accounts.models import Account, Person, utcnow
from ..db import BaseModel
from ..profile.models import Vaccination
from . import engine


class PreventionMark(BaseModel):
    """What the person's side said about one item of their calendar (one cycle of it): done on
    a date, not done, or to plan. One row per person, item and cycle; changed in place."""

    patient = ForeignKeyField(Person, backref="+", on_delete="CASCADE", index=False)
    code = CharField(max_length=40)
    cycle = CharField(max_length=20, default="")
    status = CharField(max_length=10)  # engine.MARK_DONE, MARK_NOT_DONE, MARK_TO_PLAN
    done_on = DateField(null=True)
    # The profile vaccination added when it was marked done (kept if that entry is deleted).
    vaccination = ForeignKeyField(Vaccination, null=True, backref="+", on_delete="SET NULL")
    marked_by = ForeignKeyField(Account, backref="+", on_delete="RESTRICT")
    marked_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("patient", "code", "cycle"), True),)

    def as_mark(self):
        return engine.Mark(self.code, self.cycle, self.status, self.done_on, self.id,
                           self.vaccination_id, self.marked_at)


class PreventionReminder(BaseModel):
    """A reminder claimed for one person, item and due cycle: the unique key makes each one
    sent at most once, whatever the number of runs (claimed before sending)."""

    patient = ForeignKeyField(Person, backref="+", on_delete="CASCADE", index=False)
    code = CharField(max_length=40)
    cycle = CharField(max_length=20, default="")
    theme = CharField(max_length=20)
    claimed_at = DateTimeField(default=utcnow)
    emails = IntegerField(null=True)  # how many e-mails went out (None: not sent yet)

    class Meta:
        indexes = ((("patient", "code", "cycle"), True),)


def paris_today():
    """Today in Carnet's time zone (the calendar counts in local days)."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Paris"))
    return datetime.now(zone).date()


def doses_of(patient_id):
    """The vaccinations of a person's medical profile, as the engine reads them."""
    return [engine.Dose(v.vaccine, v.given_on, v.id, v.updated_at)
            for v in Vaccination.select().where(Vaccination.patient == patient_id)]


def marks_of(patient_id):
    return list(PreventionMark.select().where(PreventionMark.patient == patient_id))


def calendar_for(person, on=None):
    """The person's calendar on `on` (today in Paris by default), from their record."""
    return engine.items_for(person.birth_date, person.sex, on or paris_today(),
                            doses_of(person.id), [m.as_mark() for m in marks_of(person.id)])
