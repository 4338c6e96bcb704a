"""Append-only, hash-chained activity journal: who did what, for whom, when, how, with what outcome.

Each entry stores the hash of the previous one, so editing or deleting any row breaks the chain
from that row on; `flask --app wsgi audit verify` names the first broken link. The database also
refuses UPDATE and DELETE on the table (triggers created by the migration).
"""
import hashlib
import json

from flask import g, has_request_context, request
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .accounts.models import Account, Person, utcnow
from .db import BaseModel, after_rollback, in_request_transaction, is_postgres, write_tx

GENESIS = "0" * 64

# patient=NOBODY: an entry about no patient even while a space is open (e.g. a failed lookup
# of another person: the open space is not the one searched for).
NOBODY = object()


class ActivityEvent(BaseModel):
    """One journal entry; never updated, never deleted."""

    at = DateTimeField(default=utcnow, index=True)
    actor = ForeignKeyField(Account, null=True, backref="+", on_delete="RESTRICT")
    actor_name = CharField(max_length=200, default="")
    patient = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    action = CharField(max_length=60)
    object_type = CharField(max_length=40, default="")
    object_id = CharField(max_length=64, default="")
    via = CharField(max_length=20, default="")
    outcome = CharField(max_length=20, default="ok")
    detail = TextField(default="")
    ip = CharField(max_length=64, default="")
    prev_hash = CharField(max_length=64)
    hash = CharField(max_length=64)

    class Meta:
        indexes = ((("patient", "at"), False),)


class AuditHead(BaseModel):
    """The single row holding the chain's last hash; locked while an entry is appended."""

    id = IntegerField(primary_key=True)
    last_hash = CharField(max_length=64, default=GENESIS)
    count = IntegerField(default=0)


def _digest(prev_hash, fields):
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def _fields(event):
    """The hashed content of an entry (everything but the hashes themselves)."""
    return {
        "at": event.at.isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "patient": event.patient_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "via": event.via,
        "outcome": event.outcome,
        "detail": event.detail,
        "ip": event.ip,
    }


def _locked_head():
    """The chain head, locked until the transaction ends (rows are serialised on SQLite by
    BEGIN IMMEDIATE, on PostgreSQL by SELECT … FOR UPDATE)."""
    query = AuditHead.select().where(AuditHead.id == 1)
    if is_postgres():
        query = query.for_update()
    return query.first()


def record(action, *, actor=None, patient=None, obj_type="", obj_id="", via=None,
           outcome="ok", detail=""):
    """Append one entry; actor and patient default to the current request's (an entry may name
    no patient: a login, a failed identity lookup).

    Inside a request's transaction the entry commits with the request's writes: both, or
    neither. A refusal or a failure (outcome other than "ok") is written again, on its own,
    if that transaction rolls back: the attempt stays in the journal even though nothing
    else of the action does."""
    if has_request_context():
        from flask_login import current_user
        if actor is None and current_user and current_user.is_authenticated:
            actor = current_user._get_current_object()
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
            after_rollback(lambda: record(action, actor=actor, patient=NOBODY if patient is None else patient,
                                          obj_type=obj_type, obj_id=obj_id, via=via,
                                          outcome=outcome, detail=detail))
    else:
        ip = ""
        if patient is NOBODY:
            patient = None
    event = ActivityEvent(
        at=utcnow(),
        actor=actor,
        actor_name=actor.display_name if actor else "",
        patient=patient,
        action=action,
        object_type=obj_type,
        object_id=str(obj_id or ""),
        via=via or "",
        outcome=outcome,
        detail=detail,
        ip=ip,
    )
    with write_tx():
        head = _locked_head()
        if head is None:
            AuditHead.insert(id=1, last_hash=GENESIS, count=0).on_conflict_ignore().execute()
            head = _locked_head()
        event.prev_hash = head.last_hash
        event.hash = _digest(event.prev_hash, _fields(event))
        event.save(force_insert=True)
        AuditHead.update(last_hash=event.hash, count=AuditHead.count + 1).where(
            AuditHead.id == 1).execute()
    return event


def verify_from(after_id=0, prev_hash=GENESIS, checked=0):
    """Walk the chain from the entry after `after_id` (whose hash is `prev_hash`, with `checked`
    entries already verified before it). Returns (entries checked, first broken entry id or
    None, reason or None, last verified id, last verified hash)."""
    prev, last_id = prev_hash, after_id
    for event in (ActivityEvent.select().where(ActivityEvent.id > after_id)
                  .order_by(ActivityEvent.id).iterator()):
        if event.prev_hash != prev:
            return checked, event.id, "prev_hash", last_id, prev
        if _digest(prev, _fields(event)) != event.hash:
            return checked, event.id, "hash", last_id, prev
        prev, last_id = event.hash, event.id
        checked += 1
    head = AuditHead.get_or_none(AuditHead.id == 1)
    if head is not None and (head.last_hash != prev or head.count != checked):
        return checked, None, "head", last_id, prev
    return checked, None, None, last_id, prev


def verify():
    """Walk the whole chain in order; return (entries checked, first broken entry id or None,
    reason)."""
    return verify_from()[:3]
