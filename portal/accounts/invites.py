"""Activation invitations, usable once, for a person without an account: a random link (a
young adult at 18, by e-mail), or a provisional code of 12 characters typed from a letter or
an e-mail (a space announced by the insurer, a new code asked online or at a counter). Used by
the activation pages (activation.py), the opposition to an opening (lifecycle), the majority
task (proxies), the announcements and operators."""
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app, session
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired

from .. import audit
from ..db import write_tx
from ..forms.fields import LeftToRight
from ..htmx import render
from ..links import public_url
from ..policy import token_holds
from ..throttle import Throttle
from .models import Account, ActivationInvite, Person, utcnow

# An invitation sent by e-mail waits two months; a link handed over at a counter, after the
# person's identity was checked there, is meant to be used within days.
INVITE_VALID_FOR = timedelta(days=60)
COUNTER_VALID_FOR = timedelta(days=14)
# A provisional code (letter, e-mail, counter) works six weeks, as the announcement's delay.
CODE_VALID_FOR = timedelta(weeks=6)
REASON_MAJORITY = "majority"
REASON_COUNTER = "counter"
REASON_ANNOUNCEMENT = "announcement"
REASON_NEW_CODE = "new_code"
# A code printed at a counter for someone who HAS an account and lost their mailbox
# (counter_recovery.py): never an activation code (usable_invite refuses a person with an
# account), and no activation code is ever a recovery code (its reason differs).
REASON_RECOVERY = "recovery"
TOKEN_KEY = "activation_token"

# No character that reads or types like another: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 12      # 25^12 ≈ 2^55.7, and every try also needs the NIR and the birth date
REFERENCE_LENGTH = 7  # printed on the letter: names a code without being it


def token_hash(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def code_hash(code):
    """A code's stored form: an HMAC under the app's secret, so that a copy of the database
    alone cannot be searched through the codes' small space."""
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(key, b"activation-code:" + code.encode("ascii"), hashlib.sha256).hexdigest()


def _random(length):
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def format_code(code):
    """ABCD-EFGH-JKLM: in groups of four, as printed and e-mailed."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise_code(typed, length=CODE_LENGTH):
    """The code as typed (lower case, spaces, dashes, dots accepted), or None when it cannot
    be one (a wrong length, a character the alphabet never uses)."""
    cleaned = "".join((typed or "").split()).replace("-", "").replace(".", "").upper()
    if len(cleaned) != length or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return cleaned


def normalise_reference(typed):
    cleaned = "".join((typed or "").split()).replace("-", "").upper()
    if cleaned.startswith("R"):
        cleaned = cleaned[1:]
    return normalise_code(cleaned, REFERENCE_LENGTH)


def format_reference(reference):
    return f"R-{reference}"


def _issue(person, hashed, *, reason, sent_to, valid_for, reference=None):
    now = utcnow()
    with write_tx():
        ActivationInvite.update(expires_at=now).where(
            ActivationInvite.person == person.id, ActivationInvite.used_at.is_null(),
            ActivationInvite.expires_at > now).execute()
        return ActivationInvite.create(person=person, token_hash=hashed, reason=reason,
                                       created_at=now, sent_to=sent_to,
                                       expires_at=now + valid_for,
                                       reference=reference)


def issue_invite(person, *, reason=REASON_MAJORITY, sent_to=None, valid_for=INVITE_VALID_FOR):
    """A new invitation for `person`: returns (invite, token). Earlier unused invitations of
    the person (links and codes) stop working, so that only the newest one opens the space."""
    token = secrets.token_urlsafe(32)
    invite = _issue(person, token_hash(token), reason=reason, sent_to=sent_to,
                    valid_for=valid_for)
    return invite, token


def issue_code(person, *, reason=REASON_ANNOUNCEMENT, sent_to=None, valid_for=CODE_VALID_FOR):
    """A new provisional code for `person`: returns (invite, code). Only its HMAC and its
    public reference are kept; every earlier unused link or code of the person stops working."""
    while True:  # a clash of 55 bits (code) or 32 bits (reference) is rare: draw again
        code, reference = _random(CODE_LENGTH), _random(REFERENCE_LENGTH)
        hashed = code_hash(code)
        if not ActivationInvite.select().where(
                (ActivationInvite.token_hash == hashed)
                | (ActivationInvite.reference == reference)).exists():
            break
    invite = _issue(person, hashed, reason=reason, sent_to=sent_to, valid_for=valid_for,
                    reference=reference)
    return invite, code


def invite_url(token):
    """The absolute link to the activation page (it carries a secret), on PUBLIC_URL."""
    return public_url("accounts.activation_link", token=token)


def usable_invite(token, *, hashed=None):
    """The unused, unexpired invitation behind `token` (or whose hash is `hashed`) for a
    person without an account, whose space is not closed (policy.token_holds; a space
    announced but not open yet counts: activating opens it)."""
    invite = (ActivationInvite.select(ActivationInvite, Person).join(Person)
              .where(ActivationInvite.token_hash == (hashed or token_hash(token or "")),
                     ActivationInvite.used_at.is_null(), ActivationInvite.expires_at > utcnow())
              .first())
    if invite is None or Account.select().where(Account.person == invite.person_id).exists() \
            or not token_holds(invite.person_id, unopened=True):
        return None
    return invite


def usable_code(typed):
    """The usable invitation of a typed provisional code, or None."""
    code = normalise_code(typed)
    return usable_invite(None, hashed=code_hash(code)) if code else None


def mismatch_message():
    """One message for every failure of a code: wrong, used, expired, voided, or for another
    NIR or birth date. It never tells which field was wrong."""
    return _("Ces informations ne permettent pas d’ouvrir un espace : le code, le numéro de "
             "sécurité sociale ou la date de naissance ne correspondent pas, ou le code a déjà "
             "servi ou expiré. Vérifiez-les sur votre courrier et votre carte Vitale, ou "
             "demandez un nouveau code.")


def invite_from_code(form, detail=""):
    """The invitation whose code, NIR and birth date the form holds, or None: then the code
    field says so (one message for every failure), the failure counts in the throttle of the
    address (and of the code's invitation when the code exists) and is journaled."""
    invite = usable_code(form.code.data)
    if invite is not None:
        if invite_throttle(invite).blocked():
            form.code.errors.append(invite_throttle(invite).message())
            return None
        person = form.find_person()
        if person is not None and person.id == invite.person_id:
            return invite
        invite_throttle(invite).failed()
        audit.record("account.activation_failed", patient=invite.person, outcome="denied",
                     obj_type="activation_invite", obj_id=invite.id, detail=detail or "code")
    else:
        Throttle("activation", None).failed()
        audit.record("account.activation_failed", patient=audit.NOBODY, via="",
                     outcome="denied", obj_type="activation_invite", detail=detail or "code")
    form.code.errors.append(mismatch_message())
    return None


def code_throttled_page(form, template, **context):
    """While the address's code throttle is full, the form again, saying until when (429)."""
    attempt = Throttle("activation", None)
    if not attempt.holds_back(form, form.code):
        return None
    return render(template, form=form, **context), 429


def invite_throttle(invite):
    """The failures typed against one invitation (activation and opposition together), and
    from the client's address, in the shared throttle (the limits of a login). A code that
    exists counts here; a code that does not counts on the address alone."""
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


def code_field():
    """The provisional code, as on the letter or the e-mail (dashes, spaces, lower case
    accepted)."""
    return StringField(_l("Code provisoire"),
                       description=_l("12 lettres et chiffres, sur votre courrier ou dans "
                                      "l’e-mail reçu, par exemple : ACDE-FGHJ-KMNP."),
                       validators=[DataRequired(_l("Saisissez le code provisoire reçu par "
                                                   "courrier ou par e-mail.")), LeftToRight()],
                       render_kw={"autocomplete": "off", "spellcheck": "false",
                                  "autocapitalize": "characters"})


def link_invite():
    """The invitation of the link kept in the session, ("none" when no link was followed),
    or None for a link that no longer works (it is then forgotten, so that the page asks
    for a code instead)."""
    token = session.get(TOKEN_KEY)
    if not token:
        return "none"
    invite = usable_invite(token)
    if invite is None:
        session.pop(TOKEN_KEY, None)
    return invite
