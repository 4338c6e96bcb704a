"""Activation invitations: a random link, usable once, for a person without an account (a
young adult at 18, or handed over at a counter). Used by the activation pages (activation.py),
the opposition to an opening (lifecycle), the majority task (proxies) and operators."""
import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _

from .. import audit
from ..db import write_tx
from ..htmx import render
from ..links import public_url
from ..policy import token_holds
from ..throttle import Throttle
from .models import Account, ActivationInvite, Person, utcnow

# An invitation sent by e-mail waits two months; a link handed over at a counter, after the
# person's identity was checked there, is meant to be used within days.
INVITE_VALID_FOR = timedelta(days=60)
COUNTER_VALID_FOR = timedelta(days=14)
REASON_MAJORITY = "majority"
REASON_COUNTER = "counter"
TOKEN_KEY = "activation_token"


def token_hash(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_invite(person, *, reason=REASON_MAJORITY, sent_to=None, valid_for=INVITE_VALID_FOR):
    """A new invitation for `person`: returns (invite, token). Earlier unused invitations of
    the person stop working, so that only the newest link opens the space."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with write_tx():
        ActivationInvite.update(expires_at=now).where(
            ActivationInvite.person == person.id, ActivationInvite.used_at.is_null(),
            ActivationInvite.expires_at > now).execute()
        invite = ActivationInvite.create(person=person, token_hash=token_hash(token),
                                         reason=reason, sent_to=sent_to,
                                         expires_at=now + valid_for)
    return invite, token


def invite_url(token):
    """The absolute link to the activation page (it carries a secret), on PUBLIC_URL."""
    return public_url("accounts.activation_link", token=token)


def usable_invite(token):
    """The unused, unexpired invitation behind `token` for a person without an account, whose
    space is not closed (policy.token_holds)."""
    invite = (ActivationInvite.select(ActivationInvite, Person).join(Person)
              .where(ActivationInvite.token_hash == token_hash(token or ""),
                     ActivationInvite.used_at.is_null(), ActivationInvite.expires_at > utcnow())
              .first())
    if invite is None or Account.select().where(Account.person == invite.person_id).exists() \
            or not token_holds(invite.person_id):
        return None
    return invite


def invite_throttle(invite):
    """The failures typed against one invitation (activation and opposition together), and
    from the client's address, in the shared throttle (the limits of a login)."""
    return Throttle("activation", invite.id)


def throttled_page(form, invite, template):
    """While the invitation's throttle is full, its form again, saying until when (429)."""
    attempt = invite_throttle(invite)
    if not attempt.holds_back(form, form.nir):
        return None
    return render(template, form=form), 429


def is_invitee(form, invite, detail=""):
    """Whether the NIR and birth date typed are those of the invited person; if not, the form
    says so, and the failure counts in the invitation's throttle (and is journaled)."""
    person = form.find_person()
    if person is not None and person.id == invite.person_id:
        return True
    invite_throttle(invite).failed()
    audit.record("account.activation_failed", patient=invite.person, outcome="denied",
                 obj_type="activation_invite", obj_id=invite.id, detail=detail)
    form.nir.errors.append(_("Le numéro de sécurité sociale ou la date de naissance ne "
                             "correspond pas à cette invitation. Vérifiez-les sur votre "
                             "carte Vitale."))
    return False
