"""Relationships through which a person acts for someone else.

Each relationship has an invitation or confirmation step (`accepted_at` / `confirmed_at` empty
while it waits), may end (`ended_at`, with `ended_reason` and who ended it), and only an
accepted, unended, current one opens a space (see policy.relations_for).
"""
import calendar
from datetime import timedelta
from functools import lru_cache

from peewee import (CharField, DateField, DateTimeField, ForeignKeyField, IntegerField,
                    TextField)

from ..accounts.models import Account, Person, utcnow
from ..db import BaseModel
from ..documents.models import Document

# Scopes a delegation may carry (the caregiver chooses none beyond these).
DELEGATION_SCOPES = ("dossier_read", "dossier_write", "messaging", "agenda")
# Tasks a mediator's mandate may cover, as in Aidants Connect.
MANDATE_TASKS = ("agenda", "messages_read", "documents", "summaries")

# Limits set by the service: a patient has at most 3 caregivers, a caregiver helps at most 5.
MAX_CAREGIVERS_PER_PATIENT = 3
MAX_PATIENTS_PER_CAREGIVER = 5
# An invitation (delegation, second legal representative) not accepted in time lapses.
INVITATION_VALID_FOR = timedelta(days=14)
# A mandate's confirmation code, read out by the patient at the counter.
MANDATE_CODE_VALID_FOR = timedelta(minutes=15)
MANDATE_CODE_ATTEMPTS = 5

# Why a relationship ended (shown to both sides, kept in the journal).
ENDED_BY_PATIENT = "patient"
ENDED_BY_ACTOR = "actor"
ENDED_DECLINED = "declined"
ENDED_EXPIRED = "expired"
ENDED_MAJORITY = "majority"
ENDED_OPERATOR = "operator"


@lru_cache(maxsize=8192)  # dates and months: the prevention calendar asks ~140 per page
def add_months(moment, months):
    """The same day `months` calendar months later (the month's last day when it is shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


class Guardianship(BaseModel):
    """A legal representative (parent, guardian) of a minor or protected adult."""

    guardian = ForeignKeyField(Person, backref="wards", on_delete="CASCADE")
    ward = ForeignKeyField(Person, backref="guardians", on_delete="CASCADE")
    kind = CharField(max_length=20, default="parent")  # parent | tutelle
    created_at = DateTimeField(default=utcnow)
    accepted_at = DateTimeField(null=True)  # empty: the invited representative has not accepted
    invited_by = ForeignKeyField(Person, null=True, backref="+", on_delete="SET NULL")
    invitation_expires_at = DateTimeField(null=True)
    decision_document = ForeignKeyField(Document, null=True, backref="+", on_delete="SET NULL")
    ended_at = DateTimeField(null=True)
    ended_reason = CharField(max_length=20, default="")

    @classmethod
    def active(cls):
        """Accepted and not ended: the ones that open the ward's space."""
        return cls.select().where(cls.accepted_at.is_null(False), cls.ended_at.is_null())


class Delegation(BaseModel):
    """A patient lets a caregiver act for them, within scopes, until an end date."""

    patient = ForeignKeyField(Person, backref="delegations_given", on_delete="CASCADE")
    caregiver = ForeignKeyField(Person, backref="delegations_received", on_delete="CASCADE")
    scopes = TextField()
    starts_on = DateField()
    ends_on = DateField()
    sworn_at = DateTimeField(null=True)  # the patient's sworn statement when inviting
    invitation_expires_at = DateTimeField(null=True)
    accepted_at = DateTimeField(null=True)
    ended_at = DateTimeField(null=True)
    ended_reason = CharField(max_length=20, default="")
    ended_by = ForeignKeyField(Person, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    @property
    def scope_set(self):
        return frozenset(s for s in self.scopes.split(",") if s)

    @property
    def is_pending(self):
        return self.accepted_at is None and self.ended_at is None


class Mandate(BaseModel):
    """A patient and a digital-help mediator sign a mandate for some tasks, for a duration."""

    patient = ForeignKeyField(Person, backref="mandates", on_delete="CASCADE")
    mediator = ForeignKeyField(Account, backref="mandates", on_delete="CASCADE")
    tasks = TextField()
    starts_at = DateTimeField(default=utcnow)
    ends_at = DateTimeField()
    # The patient confirms with a one-time code sent to them; until then nothing is open.
    confirmed_at = DateTimeField(null=True)
    code_hash = CharField(max_length=64, null=True)
    code_expires_at = DateTimeField(null=True)
    code_attempts = IntegerField(default=0)
    document = ForeignKeyField(Document, null=True, backref="+", on_delete="SET NULL")
    ended_at = DateTimeField(null=True)
    ended_reason = CharField(max_length=20, default="")
    ended_by = ForeignKeyField(Person, null=True, backref="+", on_delete="SET NULL")

    @property
    def task_set(self):
        return frozenset(t for t in self.tasks.split(",") if t)
