""""Mot de passe oublié": a one-time code sent to the account's address proves the mailbox,
then the person chooses a new password; every session of the account ends and its owner gets a
security e-mail (reauth.change_password).

The code is the login code's mechanism (otp.py, purpose "reset"): 6 digits, short-lived, single
use, few attempts, stored as a keyed hash only. Nothing here says whether an address has an
account: the page after the request is the same, the code step answers "wrong" or "expired"
for an unknown address exactly as for a known one, and the throttles count per address (a hash
of what was typed, account or not) and per client address.

Accounts with a second factor keep it: the code proves the mailbox only, which is what an
e-mail second factor proves already, but not the authenticator app. So the new password opens
nothing by itself: the next login still asks for the account's second factor (the TOTP code
for an app), and no factor is ever removed here.
"""
import hashlib
import hmac

from flask import current_app

from .. import audit
from ..throttle import Throttle
from .models import Account, utcnow
from .otp import PURPOSE_RESET, _code_hash, check_login_code, issue_login_code, new_code


def normalized(email):
    return (email or "").strip().lower()


def address_key(email):
    """Whose tries these are: the address typed (hashed), whether or not an account has it."""
    return hashlib.sha256(normalized(email).encode()).hexdigest()


def request_throttle(email):
    """Codes asked for one address, and from one client address (each request counts: each
    one may send an e-mail)."""
    return Throttle("recovery", address_key(email))


def code_throttle(email):
    """Wrong codes typed for one address, and from one client address."""
    return Throttle("recovery-code", address_key(email))


def account_for(email):
    """The active account of this address, or None (a closed space gets no code)."""
    return Account.get_or_none(Account.email == normalized(email),
                               Account.is_active == True)  # noqa: E712


def request_code(email):
    """Send a recovery code to `email` when an active account has that address; say nothing
    either way. The code is drawn and hashed before the account is even looked up, in every
    case: no early return for an unknown address skips that work (what remains different, the
    code's row and the e-mail's row, are two small INSERTs; the e-mail itself leaves through the
    worker, never during the request)."""
    prepared = new_code()
    account = account_for(email)
    if account is not None:
        issue_login_code(account, PURPOSE_RESET, prepared)
    audit.record("auth.recovery_requested", actor=account)
    return account


def check_code(email, code, requested_at, attempts):
    """(account, result) for the code typed; result as otp.check_login_code: "ok", "wrong",
    "expired" or "exhausted". For an address without an account the typed code is hashed and
    compared all the same, and the answers follow the same clock and count as a real code's
    (`requested_at`, `attempts` of this request, kept in the session), so that they tell
    nothing."""
    account = account_for(email)
    if account is not None:
        return account, check_login_code(account, code, PURPOSE_RESET)
    digits = "".join(ch for ch in (code or "") if ch.isdigit())
    hmac.compare_digest(_code_hash(digits), _code_hash("unknown-address"))
    if utcnow() - requested_at > current_app.config["OTP_VALIDITY"]:
        return None, "expired"
    if attempts + 1 >= current_app.config["OTP_MAX_ATTEMPTS"]:
        return None, "exhausted"
    return None, "wrong"
