"""Deleting a closed space for real: 10 years after its closing, or within 3 months when the
person (or their legal representative) asked for it at closing. README, "A space's life: what is
kept, what is deleted", says what goes and what stays, and why.

One space is deleted in one transaction:
1. what this person wrote or did in someone else's space (a parent's message in a child's
   conversation, a document a parent added) stays in that space, its author replaced by the
   placeholder "Personne supprimée": the other person's record is theirs;
2. the relationships that join this person to others (delegations, representations, mandates,
   grants, consents, tokens, codes, sessions, drafts, print jobs) go with either side;
3. every row that belongs to the space is found by walking the models' ON DELETE CASCADE
   foreign keys from the person and their account (not a hand list: a new table is covered),
   and deleted leaves first, with the person last; the stored objects of those rows (documents'
   originals and previews, message attachments, print files, proofs) are deleted from the object
   store once the transaction committed (a crash in between leaves orphans, which
   `flask storage orphans --delete` removes);
4. the journal entries about the space, or whose actor was this person, are erased: their
   content is wiped, their hashes stay, so every seal and every other person's chain still
   verifies (portal/audit/verify.py);
5. a tombstone row (space_tombstone) keeps the closure's reference and dates, and a
   "space.deleted" entry about no patient is journaled.
"""
import logging
from datetime import date

from peewee import fn

from .. import audit
from ..accounts.models import ROLE_PATIENT, Account, Person, utcnow
from ..audit import ERASED_ACTION, ERASED_ACTOR, ERASED_SPACE, ActivityEvent
from ..db import write_tx
from ..mail import OutboxMessage
from ..registry import all_models
from .models import SpaceClosure, SpaceTombstone

LOGGER = logging.getLogger("carnet.lifecycle")

# The author put in place of a deleted person in the records of others.
PLACEHOLDER_EMAIL = "personne-supprimee@carnet.invalid"
# Rows joining two people: they go when either side's space is deleted (never handed to the
# placeholder: no one acts for, nor is represented by, a deleted person).
GOES_WITH_EITHER_SIDE = frozenset({
    "delegation", "mandate", "guardianship", "grant", "emergency_access", "draft",
    "access_code", "authorization_code", "service_token", "consent", "print_job",
    "user_session", "one_time_code", "notification_preference", "messaging_settings",
    "activation_invite", "calendar_feed",
})
# Rows that are never part of a space (the journal is erased, not deleted; the outbox holds
# no foreign key and is cleaned by address).
NOT_WALKED = frozenset({"activity_event", "journal_seal", "outbox_message"})


def placeholder_account():
    """The inactive account standing for every deleted person in the records of others."""
    found = Account.get_or_none(Account.email == PLACEHOLDER_EMAIL)
    if found is not None:
        return found
    person = Person.create(nir=None, family_name="supprimée", given_names="Personne",
                           birth_date=date(1900, 1, 1), sex="F")
    return Account.create(person=person, email=PLACEHOLDER_EMAIL, password_hash="!",
                          role=ROLE_PATIENT, is_active=False)


def _models():
    return [m for m in all_models() if m._meta.table_name not in NOT_WALKED]


def _owner(row, depth=0):
    """The person whose space a row belongs to (its `patient`, or its parent row's), or None
    when it belongs to no space (a session, a preference)."""
    fields = row._meta.fields
    if "patient" in fields:
        return row.patient_id
    if depth > 4:
        return None
    for field in row._meta.refs:
        if field.rel_model in (Account, Person):
            continue
        if getattr(row, field.column_name) is None:
            continue
        owner = _owner(getattr(row, field.name), depth + 1)
        if owner is not None:
            return owner
    return None


def _refs_to_the_person(model, person_id, account_ids):
    """(field, ids) for each of `model`'s foreign keys to this person or their accounts."""
    for field in model._meta.refs:
        if field.rel_model is Person:
            yield field, [person_id]
        elif field.rel_model is Account and account_ids:
            yield field, account_ids


def _rehome_and_untie(person_id, account_ids, placeholder):
    """Hand what this person wrote in others' spaces to the placeholder, and delete the rows
    joining them to others that the database would not delete by itself (RESTRICT)."""
    moved = 0
    for model in _models():
        name = model._meta.table_name
        if model in (Account, Person, SpaceClosure):
            continue
        for field, ids in _refs_to_the_person(model, person_id, account_ids):
            if field.name == "patient" or field.on_delete == "SET NULL":
                continue
            query = model.select().where(field.in_(ids))
            if name in GOES_WITH_EITHER_SIDE:
                if field.on_delete != "CASCADE":
                    model.delete().where(field.in_(ids)).execute()
                continue
            stay = [row._pk for row in query if _owner(row) not in (None, person_id)]
            if stay:
                target = placeholder.id if field.rel_model is Account else placeholder.person_id
                model.update({field: target}).where(model._meta.primary_key.in_(stay)).execute()
                moved += len(stay)
    return moved


def _space_rows(person_id, account_ids):
    """{model: set of primary keys} of every row the space holds: those the ON DELETE CASCADE
    foreign keys reach from the person and their accounts, transitively."""
    found = {Person: {person_id}, Account: set(account_ids)}
    models = _models()
    grown = True
    while grown:
        grown = False
        for model in models:
            pk = model._meta.primary_key
            for field in model._meta.refs:
                if field.on_delete != "CASCADE" or not found.get(field.rel_model):
                    continue
                parents = sorted(found[field.rel_model])
                ids = set()
                for start in range(0, len(parents), 500):
                    ids.update(row[0] for row in model.select(pk).where(
                        field.in_(parents[start:start + 500])).tuples())
                new = ids - found.get(model, set())
                if new:
                    found.setdefault(model, set()).update(new)
                    grown = True
    return found


def _stored_objects(rows):
    """The object-store keys of the rows to delete. A model whose rows keep their bytes in
    another shape than one object (plus its preview) per `storage_key` says which objects are
    its rows' with a `stored_objects(ids)` class method (a data export: its encrypted parts)."""
    from ..documents.store import object_key
    objects = []
    for model, ids in rows.items():
        if not ids:
            continue
        ordered = sorted(ids)
        own = getattr(model, "stored_objects", None)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start:start + 500]
            if own is not None:
                objects.extend(own(chunk))
            elif "storage_key" in model._meta.fields:
                for (key,) in model.select(model.storage_key).where(
                        model._meta.primary_key.in_(chunk),
                        model.storage_key.is_null(False)).tuples():
                    objects.extend(object_key(key, preview) for preview in (False, True))
    return objects


def _leaves_first(models):
    """The models ordered so that a row is deleted before the rows it refers to."""
    ordered, placed = [], set()
    pending = list(models)
    while pending:
        for model in pending:
            children = [m for m in pending if m is not model and any(
                f.rel_model is model for f in m._meta.refs)]
            if not children:
                break
        else:  # a cycle: none here today; delete in the order found
            model = pending[0]
        pending.remove(model)
        ordered.append(model)
        placed.add(model)
    return ordered


def _delete_rows(rows):
    count = 0
    for model in _leaves_first(list(rows)):
        ids, pk = sorted(rows[model]), model._meta.primary_key
        for start in range(0, len(ids), 500):
            count += model.delete().where(pk.in_(ids[start:start + 500])).execute()
    return count


def _erase_journal(person_id, account_ids, now):
    """Wipe the entries about the space and those whose actor was this person; their hashes
    (and their seal) stay, so the seals verify."""
    blank = {ActivityEvent.erased_at: now, ActivityEvent.actor: None,
             ActivityEvent.actor_name: "", ActivityEvent.action: ERASED_ACTION,
             ActivityEvent.object_id: "", ActivityEvent.via: "", ActivityEvent.outcome: "",
             ActivityEvent.detail: "", ActivityEvent.ip: ""}
    erased = ActivityEvent.update({**blank, ActivityEvent.patient: None,
                                   ActivityEvent.object_type: ERASED_SPACE}).where(
        ActivityEvent.patient == person_id, ActivityEvent.erased_at.is_null()).execute()
    if account_ids:
        erased += ActivityEvent.update({**blank, ActivityEvent.object_type: ERASED_ACTOR}).where(
            ActivityEvent.actor.in_(account_ids), ActivityEvent.erased_at.is_null()).execute()
    return erased


def _unsealed(person_id, account_ids):
    about = ActivityEvent.patient == person_id
    if account_ids:
        about |= ActivityEvent.actor.in_(account_ids)
    return ActivityEvent.select().where(about, ActivityEvent.seal.is_null()).exists()


def delete_space(closure_id, now=None):
    """Delete the space of this closure if it is due (not reopened, past delete_after);
    returns its tombstone, or None when there was nothing to do (already deleted, reopened
    meanwhile, not due, or journal entries still waiting for their seal: the next run will)."""
    from ..audit.seal import seal_pending
    from ..storage import storage
    now = now or utcnow()
    closure = SpaceClosure.get_or_none(SpaceClosure.id == closure_id)
    if closure is None or closure.reopened_at is not None or not closure.past_deletion(now):
        return None
    seal_pending()  # only a sealed entry can be erased
    with write_tx():
        # Again inside the transaction: a reopening that committed meanwhile wins.
        closure = SpaceClosure.get_or_none(SpaceClosure.id == closure_id,
                                           SpaceClosure.reopened_at.is_null(),
                                           SpaceClosure.delete_after <= now)
        if closure is None:
            return None
        person_id = closure.person_id
        accounts = list(Account.select().where(Account.person == person_id))
        account_ids = [a.id for a in accounts]
        if _unsealed(person_id, account_ids):
            LOGGER.warning("closure %s: journal entries not sealed yet; deletion postponed",
                           closure_id)
            return None
        addresses = {a.email for a in accounts} | {closure.person.email or ""}
        _rehome_and_untie(person_id, account_ids, placeholder_account())
        rows = _space_rows(person_id, account_ids)
        objects = _stored_objects(rows)
        # What was stored, counted once whatever its shape (a preview, a file's parts).
        stored = len({key.rsplit("/", 1)[-1].split(".", 1)[0] for key in objects})
        erased = _erase_journal(person_id, account_ids, now)
        OutboxMessage.delete().where(
            fn.LOWER(OutboxMessage.to).in_(sorted(a.lower() for a in addresses if a))).execute()
        deleted_rows = _delete_rows(rows)
        tombstone = SpaceTombstone.create(
            closure_id=closure.id, kind=closure.kind, closed_at=closure.closed_at,
            deletion_requested_at=closure.deletion_requested_at, deleted_at=now,
            cause="request" if closure.deletion_requested_at else "expiry",
            objects_deleted=stored, entries_erased=erased)
    audit.record("space.deleted", patient=audit.NOBODY, obj_type="closure", obj_id=closure.id,
                 detail=f"cause={tombstone.cause}; rows={deleted_rows}; objects={stored}; "
                        f"journal_erased={erased}")
    store = storage()
    for key in objects:
        store.delete(key)
    return tombstone


def due_closures(now=None, batch=50):
    """The closures whose space is due for deletion, oldest first, at most `batch`."""
    now = now or utcnow()
    return [c.id for c in SpaceClosure.select(SpaceClosure.id).where(
        SpaceClosure.reopened_at.is_null(), SpaceClosure.delete_after.is_null(False),
        SpaceClosure.delete_after <= now).order_by(SpaceClosure.delete_after).limit(batch)]


def delete_due_spaces(now=None, batch=50):
    """Delete every space due (in batches of `batch`); returns how many were deleted."""
    deleted = 0
    while True:
        ids = due_closures(now, batch)
        done = [delete_space(closure_id, now) for closure_id in ids]
        deleted += sum(1 for d in done if d is not None)
        if len(ids) < batch or not any(done):
            return deleted
