"""Closing a space, opposing its opening, reopening it; each closure gets its proof."""
import secrets


from .. import audit
from ..accounts.models import Account, ActivationInvite, UserSession, utcnow
from ..db import write_tx
from ..links import public_url
from ..policy import revoke_lapsed_tokens
from .models import CLOSURE, OPPOSITION, PROOF_KEPT_FOR, Proof, SpaceClosure, token_hash


def _proof(closure, language):
    """A proof to make for `closure`: (proof, token of its private link)."""
    token = secrets.token_urlsafe(32)
    proof = Proof.create(closure=closure, token_hash=token_hash(token), language=language,
                         expires_at=utcnow() + PROOF_KEPT_FOR)
    return proof, token


def proof_url(token):
    """The proof's private link (it carries a secret), on PUBLIC_URL."""
    return public_url("lifecycle.proof", token=token)


def close_space(account, reason, language):
    """The holder closes their space: no one reaches it any more, their account stops and
    every session of it ends. Returns (closure, proof token)."""
    with write_tx():
        closure = SpaceClosure.create(person=account.person_id, kind=CLOSURE,
                                      closed_by=account.id, reason=(reason or "")[:1000])
        Account.update(is_active=False).where(Account.id == account.id).execute()
        UserSession.delete().where(UserSession.account == account.id).execute()
        proof, token = _proof(closure, language)
    audit.record("space.closed", actor=account, patient=account.person, obj_type="closure",
                 obj_id=closure.id)
    # Every token into her space, and every one she made acting for someone, stops now.
    revoke_lapsed_tokens(space_id=account.person_id)
    revoke_lapsed_tokens(made_by_person=account.person_id)
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
        closure = SpaceClosure.create(person=invite.person_id, kind=OPPOSITION)
        proof, token = _proof(closure, language)
    audit.record("space.opposed", patient=invite.person, obj_type="closure", obj_id=closure.id,
                 detail=f"invite={invite.id}")
    revoke_lapsed_tokens(space_id=invite.person_id)
    _render_later(proof.id)
    return closure, token


def reopen(closure, operator):
    """An operator reopens a closed space (the person asked, at the counter); the holder's
    account works again. An opposed space is reopened without account: the operator then
    hands over an activation link."""
    with write_tx():
        done = SpaceClosure.update(reopened_at=utcnow(), reopened_by=operator.id).where(
            SpaceClosure.id == closure.id, SpaceClosure.reopened_at.is_null()).execute()
        if done:
            Account.update(is_active=True).where(Account.person == closure.person_id).execute()
    if done:
        audit.record("space.reopened", actor=operator, patient=closure.person,
                     obj_type="closure", obj_id=closure.id)
    return bool(done)


def _render_later(proof_id):
    from .tasks import render_proof
    render_proof(proof_id)
