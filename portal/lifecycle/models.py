"""Closed spaces (by the holder, or by opposition before activation) and their proofs."""
import hashlib
from datetime import timedelta

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..accounts.models import Account, Person, utcnow
from ..db import BaseModel

CLOSURE = "closure"
OPPOSITION = "opposition"
# A proof's private link works this long; the PDF is then deleted.
PROOF_KEPT_FOR = timedelta(days=7)
# A proof taken by a worker that is not done within this lease (the worker died), or queued
# and not taken for as long (the queue lost it), is handed to the queue again, at most
# PROOF_MAX_ATTEMPTS times in all.
PROOF_LEASE = timedelta(minutes=2)
PROOF_MAX_ATTEMPTS = 3


class SpaceClosure(BaseModel):
    """A space closed by its holder, or whose opening the person opposed. While not reopened,
    no one reaches the space (policy.relations_for) and the holder's account is inactive."""

    person = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    kind = CharField(max_length=12)
    closed_at = DateTimeField(default=utcnow)
    closed_by = ForeignKeyField(Account, null=True, backref="+", on_delete="SET NULL")
    reason = TextField(default="")
    reopened_at = DateTimeField(null=True)
    reopened_by = ForeignKeyField(Account, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        table_name = "space_closure"


def closed_among(person_ids):
    """The ids, among `person_ids`, of spaces closed now."""
    if not person_ids:
        return set()
    return {row.person_id for row in SpaceClosure.select(SpaceClosure.person).where(
        SpaceClosure.person.in_(sorted(person_ids)), SpaceClosure.reopened_at.is_null())}


def current_closure(person_id):
    return SpaceClosure.select().where(SpaceClosure.person == person_id,
                                       SpaceClosure.reopened_at.is_null()).first()


def token_hash(token):
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


class Proof(BaseModel):
    """The PDF proving a closure or an opposition, behind a private link (hash stored)."""

    closure = ForeignKeyField(SpaceClosure, backref="proofs", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    language = CharField(max_length=5, default="fr")
    status = CharField(max_length=10, default="queued")   # queued, running, done, failed, expired
    attempts = IntegerField(default=0)
    claimed_at = DateTimeField(null=True)                 # when a worker took it
    enqueued_at = DateTimeField(default=utcnow)           # last handed to the queue
    storage_key = CharField(max_length=64, null=True)
    size = IntegerField(null=True)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()

    class Meta:
        table_name = "lifecycle_proof"

    @classmethod
    def by_token(cls, token):
        return cls.select(cls, SpaceClosure).join(SpaceClosure).where(
            cls.token_hash == token_hash(token)).first()
