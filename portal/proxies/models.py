"""Relationships through which a person acts for someone else."""
from peewee import CharField, DateField, DateTimeField, ForeignKeyField, TextField

from ..accounts.models import Account, Person, utcnow
from ..db import BaseModel

# Scopes a delegation may carry (the caregiver chooses none beyond these).
DELEGATION_SCOPES = ("dossier_read", "dossier_write", "messaging", "agenda")
# Tasks a mediator's mandate may cover, as in Aidants Connect.
MANDATE_TASKS = ("agenda", "messages_read", "documents", "summaries")


class Guardianship(BaseModel):
    """A legal representative (parent, guardian) of a minor or protected adult."""

    guardian = ForeignKeyField(Person, backref="wards", on_delete="CASCADE")
    ward = ForeignKeyField(Person, backref="guardians", on_delete="CASCADE")
    kind = CharField(max_length=20, default="parent")
    created_at = DateTimeField(default=utcnow)
    ended_at = DateTimeField(null=True)


class Delegation(BaseModel):
    """A patient lets a caregiver act for them, within scopes, until an end date."""

    patient = ForeignKeyField(Person, backref="delegations_given", on_delete="CASCADE")
    caregiver = ForeignKeyField(Person, backref="delegations_received", on_delete="CASCADE")
    scopes = TextField()
    starts_on = DateField()
    ends_on = DateField()
    accepted_at = DateTimeField(null=True)
    ended_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    @property
    def scope_set(self):
        return frozenset(s for s in self.scopes.split(",") if s)


class Mandate(BaseModel):
    """A patient and a digital-help mediator sign a mandate for some tasks, for a duration."""

    patient = ForeignKeyField(Person, backref="mandates", on_delete="CASCADE")
    mediator = ForeignKeyField(Account, backref="mandates", on_delete="CASCADE")
    tasks = TextField()
    starts_at = DateTimeField(default=utcnow)
    ends_at = DateTimeField()
    ended_at = DateTimeField(null=True)

    @property
    def task_set(self):
        return frozenset(t for t in self.tasks.split(",") if t)
