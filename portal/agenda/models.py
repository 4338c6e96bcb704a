"""Appointments of one patient, and the private calendar feeds (subscription URLs) of a space.

Times are stored as naive UTC like every table; they are typed and shown in Europe/Paris.
"""
import hashlib
import uuid
from datetime import datetime, time, timedelta, timezone

from peewee import JOIN, SQL, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..accounts.models import Account, Person, utcnow
from ..db import BaseModel
from ..measures.forms import local_zone, to_utc

# Reminder choices: none, the day before at REMINDER_EVENING (Paris time), or N hours before.
REMINDER_NONE = "none"
REMINDER_DAY_BEFORE = "day_before"
REMINDER_HOURS = "hours_before"
REMINDERS = (REMINDER_NONE, REMINDER_DAY_BEFORE, REMINDER_HOURS)
REMINDER_EVENING = time(18, 0)
MIN_REMINDER_HOURS, MAX_REMINDER_HOURS = 1, 72

# What may leave Carnet (the subscribed calendar, reminder e-mails): the person chooses, per
# appointment. Never the specialty nor the note.
SHOW_MINIMAL = "minimal"             # "Rendez-vous de santé", date and time only
SHOW_PROFESSIONAL = "professional"   # … and the professional's name
SHOW_PLACE = "professional_place"    # … and the professional's name and the place
SHOW_CHOICES = (SHOW_MINIMAL, SHOW_PROFESSIONAL, SHOW_PLACE)


def new_uid():
    """A random, stable identifier for the iCalendar UID (no sequential id leaves Carnet)."""
    return uuid.uuid4().hex


def to_local(utc_value):
    """A stored naive UTC datetime as an aware Europe/Paris datetime."""
    return utc_value.replace(tzinfo=timezone.utc).astimezone(local_zone())


class Appointment(BaseModel):
    """One appointment in a patient's agenda. A cancelled one stays, marked as cancelled."""

    patient = ForeignKeyField(Person, backref="+", on_delete="CASCADE", index=False)
    uid = CharField(max_length=40, unique=True, default=new_uid)
    created_by = ForeignKeyField(Account, null=True, backref="+", on_delete="SET NULL")
    # The professional: a name typed freely, or an account of the directory (or both: the name
    # shown is then the account's, kept as typed for when the account goes away).
    professional = ForeignKeyField(Account, null=True, backref="+", on_delete="SET NULL")
    professional_name = CharField(max_length=200, default="")
    specialty = CharField(max_length=120, default="")
    place = CharField(max_length=300, default="")
    starts_at = DateTimeField()  # naive UTC
    duration_minutes = IntegerField(null=True)
    note = TextField(default="")
    reminder = CharField(max_length=15, default=REMINDER_NONE)
    reminder_hours = IntegerField(null=True)
    remind_at = DateTimeField(null=True, index=True)  # when the reminder is due (naive UTC)
    reminder_sent_at = DateTimeField(null=True)       # claimed by the reminder task: sent once
    show_in_feed = CharField(max_length=20, default=SHOW_MINIMAL)
    cancelled_at = DateTimeField(null=True)
    cancelled_by = ForeignKeyField(Account, null=True, backref="+", on_delete="SET NULL")
    sequence = IntegerField(default=0)  # iCalendar SEQUENCE: calendar apps apply changes
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("patient", "starts_at"), False),)

    @classmethod
    def of_patient(cls, patient_id):
        """Every appointment of one patient (cancelled ones included): load only through this."""
        return cls.select().where(cls.patient == patient_id)

    @classmethod
    def listed(cls, patient_id):
        """`of_patient` with the professional's and the author's account and person loaded in
        the same query (lists show both)."""
        pro, pro_person = Account.alias(), Person.alias()
        author, author_person = Account.alias(), Person.alias()
        return (cls.select(cls, pro, pro_person, author, author_person)
                .join(pro, JOIN.LEFT_OUTER, on=(cls.professional == pro.id), attr="professional")
                .join(pro_person, JOIN.LEFT_OUTER, on=(pro.person == pro_person.id),
                      attr="person")
                .switch(cls)
                .join(author, JOIN.LEFT_OUTER, on=(cls.created_by == author.id),
                      attr="created_by")
                .join(author_person, JOIN.LEFT_OUTER, on=(author.person == author_person.id),
                      attr="person")
                .switch(cls).where(cls.patient == patient_id))

    @property
    def local_start(self):
        return to_local(self.starts_at)

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes) \
            if self.duration_minutes else None

    @property
    def is_cancelled(self):
        return self.cancelled_at is not None

    def is_past(self, now=None):
        return self.starts_at <= (now or utcnow())

    def compute_remind_at(self):
        """When the reminder is due, as naive UTC (None without a reminder)."""
        if self.reminder == REMINDER_DAY_BEFORE:
            eve = self.local_start.date() - timedelta(days=1)
            return to_utc(datetime.combine(eve, REMINDER_EVENING))
        if self.reminder == REMINDER_HOURS and self.reminder_hours:
            return self.starts_at - timedelta(hours=self.reminder_hours)
        return None

    @classmethod
    def due_reminders(cls, now):
        """Reminders due at `now` and not yet claimed, for appointments still to come."""
        return cls.select(cls.id).where(
            cls.remind_at <= now, cls.reminder_sent_at.is_null(), cls.cancelled_at.is_null(),
            cls.starts_at > now).order_by(cls.remind_at)

    @classmethod
    def claim_reminder(cls, appointment_id, now):
        """Mark one reminder as sent if nobody did yet: one conditional UPDATE, so that two
        runs (or a run after a crash) never both send it. True when this caller claimed it."""
        return cls.update(reminder_sent_at=now).where(
            cls.id == appointment_id, cls.reminder_sent_at.is_null(),
            cls.cancelled_at.is_null(), cls.remind_at <= now, cls.starts_at > now).execute() == 1


def token_hash(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class CalendarFeed(BaseModel):
    """A private subscription URL to a space's agenda: the URL carries a random token, only its
    SHA-256 is stored; revoking it stops it at once. At most one active feed per space."""

    patient = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    created_by = ForeignKeyField(Account, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    revoked_at = DateTimeField(null=True)
    revoked_by = ForeignKeyField(Account, null=True, backref="+", on_delete="SET NULL")
    last_fetched_at = DateTimeField(null=True)
    fetch_count = IntegerField(default=0)

    @classmethod
    def active_for(cls, patient_id):
        return cls.select().where(cls.patient == patient_id, cls.revoked_at.is_null()).first()

    @classmethod
    def by_token(cls, token):
        """The active feed behind a token, or None (unknown and revoked alike)."""
        return cls.select(cls, Person).join(Person).where(
            cls.token_hash == token_hash(token or ""), cls.revoked_at.is_null()).first()


# A literal condition: the migration's frozen SQL must not hold a query parameter.
CalendarFeed.add_index(CalendarFeed.index(CalendarFeed.patient, unique=True, safe=False,
                                          name="calendar_feed_one_active")
                       .where(SQL('"revoked_at" IS NULL')))
