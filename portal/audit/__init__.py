"""Append-only activity journal: who did what, for whom, when, how, with what outcome.

An entry is a plain INSERT in the business transaction: no lock, no head row. A worker seals
new entries in batches (portal/audit/seal.py): each entry's hash, linked to its patient's
previous entry, a Merkle root per batch, chained to the previous seal and signed (Ed25519).
The background verifier and `flask --app wsgi audit verify` check the seals
(portal/audit/verify.py); the database refuses DELETE, and UPDATE except the sealer's one
setting of an entry's seal columns (triggers created by the migrations).
"""
from flask import g, has_request_context, request
from peewee import (BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField,
                    TextField)

from ..accounts.models import Account, Person, utcnow
from ..accounts.current import current_account
from ..db import BaseModel, PreparedInsert
from ..request_tx import after_rollback, in_request_transaction

# The patient_prev of the first entry of a chain.
GENESIS = "0" * 64

# An erased entry of a deleted space has this object_type (its chain ends with the space); one
# whose actor's space was deleted, in someone else's journal, has ERASED_ACTOR and stays in
# that chain.
ERASED_SPACE = "erased:space"
ERASED_ACTOR = "erased:actor"
ERASED_ACTION = "journal.erased"

# patient=NOBODY: an entry about no patient even while a space is open (e.g. a failed lookup
# of another person: the open space is not the one searched for).
NOBODY = object()


class JournalSeal(BaseModel):
    """One sealed batch: its Merkle root, chained to the previous seal, signed. `seq` counts
    from 1 without gaps; `tree_size` is the number of entries sealed up to this one."""

    seq = IntegerField(primary_key=True)
    first_entry_id = IntegerField()
    last_entry_id = IntegerField()
    count = IntegerField()
    tree_size = IntegerField()
    root = CharField(max_length=64)
    prev_hash = CharField(max_length=64)
    seal_hash = CharField(max_length=64)
    sealed_at = DateTimeField()
    signature = CharField(max_length=100)


class ActivityEvent(BaseModel):
    """One journal entry; never deleted, never updated but for the sealer's one setting of
    seal, entry_hash and patient_prev."""

    at = DateTimeField(default=utcnow, index=True)
    actor = ForeignKeyField(Account, null=True, backref="+", on_delete="RESTRICT")
    actor_name = CharField(max_length=200, default="")
    patient = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT", index=False)
    action = CharField(max_length=60)
    object_type = CharField(max_length=40, default="")
    object_id = CharField(max_length=64, default="")
    via = CharField(max_length=20, default="")
    outcome = CharField(max_length=20, default="ok")
    detail = TextField(default="")
    ip = CharField(max_length=64, default="")
    seal = ForeignKeyField(JournalSeal, null=True, backref="+", column_name="seal_id",
                           on_delete="RESTRICT", index=False)
    entry_hash = CharField(max_length=64, null=True)
    patient_prev = CharField(max_length=64, null=True)
    # Set when the entry's space was deleted: its content is wiped, its hashes stay (see
    # portal/lifecycle/deletion.py and the verifier).
    erased_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("patient", "at"), False), (("seal", "id"), False),
                   (("patient", "seal", "id"), False))


# The columns an append writes, in order (all but the id and the sealer's three).
APPEND_FIELDS = (ActivityEvent.at, ActivityEvent.actor, ActivityEvent.actor_name,
                 ActivityEvent.patient, ActivityEvent.action, ActivityEvent.object_type,
                 ActivityEvent.object_id, ActivityEvent.via, ActivityEvent.outcome,
                 ActivityEvent.detail, ActivityEvent.ip)
# Run on every page that shows health data: its SQL built once (see db.PreparedInsert).
APPEND = PreparedInsert(ActivityEvent, APPEND_FIELDS)


class JournalSealer(BaseModel):
    """The sealers' lock row: a sealer holds it (SELECT … FOR UPDATE on PostgreSQL) for the
    length of one batch, so two sealers never seal the same entries nor fork the seals.
    Appends never touch it."""

    id = IntegerField(primary_key=True)


class JournalVerification(BaseModel):
    """The background verifier's progress and last result (one row, id 1): seals up to
    `seq` (whose hash is `seal_hash`, `tree_size` entries) were found intact."""

    id = IntegerField(primary_key=True)
    seq = IntegerField(default=0)
    seal_hash = CharField(max_length=64, default=GENESIS)
    tree_size = IntegerField(default=0)
    intact = BooleanField(default=True)
    problem = CharField(max_length=40, default="")
    broken_seal = IntegerField(null=True)
    broken_entry = IntegerField(null=True)
    detail = TextField(default="")
    pending = IntegerField(default=0)
    oldest_pending_at = DateTimeField(null=True)
    checked = IntegerField(default=0)
    duration_ms = IntegerField(default=0)
    verified_at = DateTimeField(null=True)


def record(action, *, actor=None, patient=None, obj_type="", obj_id="", via=None,
           outcome="ok", detail="", actor_name=None):
    """Append one entry; actor and patient default to the current request's (an entry may name
    no patient: a login, a failed identity lookup). `actor_name` names an actor that is no
    account (a connected service calling the API): then no account is taken from the request.

    Inside a request's transaction the entry commits with the request's writes: both, or
    neither. A refusal or a failure (outcome other than "ok") is written again, on its own,
    if that transaction rolls back: the attempt stays in the journal even though nothing
    else of the action does."""
    if has_request_context():
        if actor is None and actor_name is None:
            actor = current_account()
        if patient is None:
            patient = getattr(g, "space", None)
        elif patient is NOBODY:
            patient = None
        if via is None:
            relation = getattr(g, "relation", None)
            via = relation.kind if relation and patient is not None else ""
        ip = request.remote_addr or ""
        g.journaled = True
        if outcome != "ok" and in_request_transaction():
            after_rollback(lambda: record(
                action, actor=actor, patient=NOBODY if patient is None else patient,
                                          obj_type=obj_type, obj_id=obj_id, via=via,
                                          outcome=outcome, detail=detail,
                                          actor_name=actor_name))
    else:
        ip = ""
        if patient is NOBODY:
            patient = None
    event = ActivityEvent(
        at=utcnow(),
        actor=actor,
        actor_name=actor.display_name if actor else (actor_name or ""),
        patient=patient,
        action=action,
        object_type=obj_type,
        object_id=str(obj_id or ""),
        via=via or "",
        outcome=outcome,
        detail=detail,
        ip=ip,
    )
    # A plain INSERT: it commits (or rolls back) with the business transaction, takes no
    # lock and reads nothing; the sealer hashes and links it later. Its SQL is built once
    # (see APPEND); the seal columns stay NULL until the sealer sets them.
    data = event.__data__
    event.id = APPEND(*[data.get(field.name) for field in APPEND_FIELDS])
    event._dirty.clear()
    return event
