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
# A closed space is kept (archived, reached by no one) this many months, then deleted.
ARCHIVED_MONTHS = 120
# Asked for, the deletion happens within this many months (the person may change their mind
# and have the space reopened until then); the task deletes a day early so as never to be late.
EARLY_DELETION_MONTHS = 3
EARLY_DELETION_MARGIN = timedelta(days=1)
# The identity documents an operator may check before reopening a space.
IDENTITY_DOCUMENTS = ("cni", "passeport", "titre_sejour", "permis")


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
    # The deletion task deletes the space at this time (10 years after closing, or sooner
    # when the person asked); reopening stops it.
    delete_after = DateTimeField(null=True, index=True)
    deletion_requested_at = DateTimeField(null=True)
    reopen_identity = CharField(max_length=20, default="")

    class Meta:
        table_name = "space_closure"

    @property
    def reference(self):
        """The reference printed on the proofs and kept in the tombstone."""
        return f"C-{self.id:06d}"

    def past_deletion(self, now=None):
        return self.delete_after is not None and self.delete_after <= (now or utcnow())


class SpaceTombstone(BaseModel):
    """What is left of a deleted space: that the closure C-NNNNNN existed and when it was
    deleted, and why. No name, no NIR, no id of a person: the person's proofs carry the
    reference, which is how anyone links them to this row."""

    closure_id = IntegerField(unique=True)
    kind = CharField(max_length=12)
    closed_at = DateTimeField()
    deletion_requested_at = DateTimeField(null=True)
    deleted_at = DateTimeField(default=utcnow)
    cause = CharField(max_length=12)  # expiry (10 years) | request (early deletion)
    objects_deleted = IntegerField(default=0)
    entries_erased = IntegerField(default=0)

    class Meta:
        table_name = "space_tombstone"

    @property
    def reference(self):
        return f"C-{self.closure_id:06d}"


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
