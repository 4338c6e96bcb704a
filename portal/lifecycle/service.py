"""Closing a space, opposing its opening, reopening it; each closure gets its proof."""
import secrets


from .. import audit
from ..accounts.models import Account, ActivationInvite, UserSession, utcnow
from ..db import write_tx
from ..links import public_url
from ..policy import revoke_lapsed_tokens
from ..proxies.models import add_months
from .models import (ARCHIVED_MONTHS, CLOSURE, EARLY_DELETION_MARGIN, EARLY_DELETION_MONTHS,
                     OPPOSITION, PROOF_KEPT_FOR, Proof, SpaceClosure, token_hash)


def deletion_dates(closed_at, early):
    """When a space closed at `closed_at` is deleted: 10 years later, or, when the person
    asked for it, within 3 months (the task runs hourly, a day early)."""
    if early:
        return add_months(closed_at, EARLY_DELETION_MONTHS) - EARLY_DELETION_MARGIN
    return add_months(closed_at, ARCHIVED_MONTHS)


def _proof(closure, language):
    """A proof to make for `closure`: (proof, token of its private link)."""
    token = secrets.token_urlsafe(32)
    proof = Proof.create(closure=closure, token_hash=token_hash(token), language=language,
                         expires_at=utcnow() + PROOF_KEPT_FOR)
    return proof, token


def proof_url(token):
    """The proof's private link (it carries a secret), on PUBLIC_URL."""
    return public_url("lifecycle.proof", token=token)


def close_space(account, reason, language, delete_early=False, person=None):
    """The holder (or, `person` given, their legal representative `account`) closes the
    space: no one reaches it any more, the holder's account stops and every session of it
    ends; it will be deleted 10 years later, or within 3 months when `delete_early`.
    Returns (closure, proof token)."""
    person = person or account.person
    now = utcnow()
    with write_tx():
        closure = SpaceClosure.create(
            person=person.id, kind=CLOSURE, closed_by=account.id, reason=(reason or "")[:1000],
            closed_at=now, delete_after=deletion_dates(now, delete_early),
            deletion_requested_at=now if delete_early else None)
        holders = [a.id for a in Account.select(Account.id).where(Account.person == person.id)]
        Account.update(is_active=False).where(Account.person == person.id).execute()
        UserSession.delete().where(UserSession.account.in_(holders)).execute()
        proof, token = _proof(closure, language)
    audit.record("space.closed", actor=account, patient=person, obj_type="closure",
                 obj_id=closure.id,
                 detail="" if person.id == account.person_id else "representative")
    if delete_early:
        audit.record("space.deletion_requested", actor=account, patient=person,
                     obj_type="closure", obj_id=closure.id,
                     detail=f"delete_after={closure.delete_after.isoformat()}")
    # Every token into the space, and every one its holder made acting for someone, stops now.
    revoke_lapsed_tokens(space_id=person.id)
    revoke_lapsed_tokens(made_by_person=person.id)
    _render_later(proof.id)
    return closure, token


def oppose(invite, language):
    """The person opposes the opening of their space, from their activation invitation (which
    stops working). Returns (closure, proof token), or None if the invitation was used,
    expired or voided meanwhile."""
    now = utcnow()
    with write_tx():
        # The same conditions as the activation's use (accounts/activation.py): unused, not
        # expired or voided by a newer code since the form checked it.
        used = ActivationInvite.update(used_at=now).where(
            ActivationInvite.id == invite.id, ActivationInvite.used_at.is_null(),
            ActivationInvite.expires_at > now).execute()
        if not used:
            return None
        closure = SpaceClosure.create(person=invite.person_id, kind=OPPOSITION, closed_at=now,
                                      delete_after=deletion_dates(now, False))
        proof, token = _proof(closure, language)
    audit.record("space.opposed", patient=invite.person, obj_type="closure", obj_id=closure.id,
                 detail=f"invite={invite.id}")
    revoke_lapsed_tokens(space_id=invite.person_id)
    _render_later(proof.id)
    return closure, token


class PastDeletion(Exception):
    """The space is due for deletion (or deleted): it cannot be reopened."""


def reopen(closure, actor, identity=""):
    """Reopen a closed space at the person's request: by an operator who checked the
    person's identity (`identity`: the document seen), or by their legal representative.
    The holder's account works again; a pending early deletion is cancelled (delete_after
    belongs to this closure, which ends here). An opposed space is reopened without account:
    the operator then hands over an activation link. Raises PastDeletion when the space is
    due for deletion. Returns True if this call reopened it."""
    now = utcnow()
    with write_tx():
        current = SpaceClosure.get_or_none(SpaceClosure.id == closure.id)
        if current is None:
            raise PastDeletion()
        if current.reopened_at is None and current.past_deletion(now):
            raise PastDeletion()
        done = SpaceClosure.update(reopened_at=now, reopened_by=actor.id,
                                   reopen_identity=identity).where(
            SpaceClosure.id == closure.id, SpaceClosure.reopened_at.is_null(),
            SpaceClosure.delete_after.is_null() | (SpaceClosure.delete_after > now)).execute()
        if done:
            Account.update(is_active=True).where(Account.person == closure.person_id).execute()
    if done:
        audit.record("space.reopened", actor=actor, patient=closure.person,
                     obj_type="closure", obj_id=closure.id,
                     detail=f"identity={identity}" if identity else "representative")
        if closure.deletion_requested_at:
            audit.record("space.deletion_cancelled", actor=actor, patient=closure.person,
                         obj_type="closure", obj_id=closure.id)
    return bool(done)


def _render_later(proof_id):
    from .tasks import render_proof
    render_proof(proof_id)
