"""Asking again who one is before changing what protects the account: the password, the second
factor, the space itself (closing it).

One mechanism for every such change: the current password, and a code of the current second
factor when that factor changes; throttled like a login (the shared throttle, per account and
per address), each failure and each success journaled; the change itself is then told to the
owner by a security e-mail that cannot be turned off (notifications, kind "account_security").
"""
from datetime import datetime, timedelta

from flask import g, session
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from .. import audit
from ..i18n import format_datetime
from ..throttle import Throttle
from .models import FACTOR_EMAIL, FACTOR_NONE, FACTOR_TOTP, Account, utcnow
from .otp import PURPOSE_REAUTH, check_login_code, open_secret, seal_secret, totp_matches
from .passwords import hash_password, verify_password
from .sessions import end_sessions

# A confirmed identity opens the next step of a change (pairing an app, the warning before
# switching the second factor off) for this long, in this session only.
STEP_VALID_FOR = timedelta(minutes=10)
STEP_KEY = "reauth_step"


class ReauthMixin:
    """The fields that ask again who one is (for a FlaskForm): the current password, and the
    code of the current second factor (see `ask_current_factor`)."""

    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(_l("Saisissez votre mot de passe actuel."))],
        render_kw={"autocomplete": "current-password"})
    current_code = StringField(
        _l("Code de vérification actuel"),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                   "maxlength": "7", "spellcheck": "false"})

    def ask_current_factor(self, account):
        """Ask for a code of the account's current second factor (none: no code at all)."""
        if account.second_factor == FACTOR_TOTP and account.totp_secret:
            self.current_code.label.text = _l("Code affiché par votre application "
                                              "d’authentification")
            self.current_code.description = _l("6 chiffres, renouvelés toutes les 30 "
                                               "secondes.")
        elif account.second_factor == FACTOR_EMAIL:
            self.current_code.label.text = _l("Code reçu par e-mail")
            self.current_code.description = _l("6 chiffres, par exemple 123456. Demandez-le "
                                               "avec le bouton « Recevoir un code par "
                                               "e-mail » ci-dessus.")
        else:
            del self.current_code
            return
        self.current_code.validators = [DataRequired(_l("Saisissez le code à 6 chiffres."))]
        self.current_code.flags.required = True


def _current_factor_matches(account, code):
    """Is `code` a valid code of the account's current second factor (used once)?"""
    if account.second_factor == FACTOR_TOTP and account.totp_secret:
        step = totp_matches(open_secret(account.totp_secret), code, account.totp_last_counter)
        if step is None:
            return False
        Account.update(totp_last_counter=step).where(Account.id == account.id).execute()
        return True
    if account.second_factor == FACTOR_EMAIL:
        return check_login_code(account, code, PURPOSE_REAUTH) == "ok"
    return True


def confirm_identity(account, action, password, code=None):
    """Check the current password typed in field `password` (and, with field `code`, a code of
    the current second factor) before `action`. True when both are right. Otherwise the fields
    carry the French message, the failure is journaled and counted (per account and address);
    past the limit every try is refused, even a right one, and `reauth_status()` says 429."""
    attempt = Throttle("reauth", account.id)
    if attempt.blocked():
        password.errors.append(attempt.message())
        g.reauth_status = 429
        return False
    right_password = verify_password(account.password_hash, password.data or "")
    # The code is checked (and used up) only with the right password: a mistyped password
    # does not cost the person the code they just received.
    right_code = (code is None or not right_password
                  or _current_factor_matches(account, code.data or ""))
    if right_password and right_code:
        audit.record("account.reauth", actor=account, patient=account.person, detail=action)
        return True
    attempt.failed()
    audit.record("account.reauth_failed", actor=account, patient=account.person,
                 outcome="denied", detail=f"{action}; " + ", ".join(
                     what for what, right in (("password", right_password),
                                              ("code", right_code)) if not right))
    if not right_password:
        password.errors.append(_("Le mot de passe est incorrect."))
    if not right_code:
        code.errors.append(_("Ce code est incorrect ou a expiré. Vérifiez les 6 chiffres et "
                             "réessayez."))
    if attempt.blocked():
        password.errors.append(attempt.message())
        g.reauth_status = 429
    return False


def reauth_status():
    """The HTTP status of a page whose identity check was refused by the throttle (429)."""
    return g.get("reauth_status", 200)


# --- the next step of a change, opened by a confirmed identity ---------------------------------

def open_step(purpose):
    """Remember in this session that identity was just confirmed for `purpose`."""
    session[STEP_KEY] = {"for": purpose, "at": utcnow().isoformat()}


def step_open(purpose):
    """Was identity confirmed for `purpose` in this session in the last few minutes?"""
    step = session.get(STEP_KEY) or {}
    if step.get("for") != purpose:
        return False
    return utcnow() - datetime.fromisoformat(step["at"]) <= STEP_VALID_FOR


def close_step():
    session.pop(STEP_KEY, None)


# --- the changes themselves ---------------------------------------------------------------------

def _when():
    return format_datetime(utcnow(), "d MMMM yyyy, HH:mm")


def _tell(account, sentence, subject=None):
    from ..notifications.events import account_security
    account_security(account, sentence, subject)


def change_password(account, new_password, keep_key=None, recovered=False):
    """Store the new password, end every other session, journal, tell the owner. Returns the
    count of sessions ended. `recovered`: set through "mot de passe oublié" (a code sent to the
    account's address), not in the settings: every session ends, the journal and the e-mail
    say how it was done. `recovered="counter"`: with a code printed at a counter
    (counter_recovery.py, which writes the e-mails itself: the address may change too)."""
    Account.update(password_hash=hash_password(new_password),
                   password_changed_at=utcnow()).where(Account.id == account.id).execute()
    ended = end_sessions(account, keep_key=keep_key)
    how = {True: "; recovery", "counter": "; counter recovery"}.get(recovered, "")
    audit.record("account.password_changed", actor=account, patient=account.person,
                 detail=f"sessions_ended={ended}{how}")
    if recovered == "counter":
        return ended
    if recovered:
        _tell(account, lambda: _(
            "Le mot de passe de votre compte Carnet a été changé le %(when)s (heure de Paris), "
            "avec un code envoyé à votre adresse e-mail (« Mot de passe oublié »). Toutes vos "
            "sessions ont été fermées.\n\nSi c’est vous, vous n’avez rien à faire.\n\n"
            "Si ce n’est pas vous, quelqu’un a accès à votre messagerie : changez le mot de "
            "passe de votre messagerie, puis contactez sans attendre votre caisse d’Assurance "
            "Maladie.", when=_when()), _l("Carnet : votre mot de passe a été changé"))
        return ended
    _tell(account, lambda: _(
        "Le mot de passe de votre compte Carnet a été changé le %(when)s (heure de Paris). "
        "Vos autres sessions ont été fermées.\n\nSi c’est vous, vous n’avez rien à faire.\n\n"
        "Si ce n’est pas vous, quelqu’un a pu prendre le contrôle de votre compte : contactez "
        "sans attendre votre caisse d’Assurance Maladie.", when=_when()))
    return ended


FACTOR_WORDS = {
    FACTOR_EMAIL: _l("Votre vérification en deux étapes se fait désormais par un code envoyé "
                     "par e-mail."),
    FACTOR_TOTP: _l("Votre vérification en deux étapes se fait désormais avec une application "
                    "d’authentification."),
    FACTOR_NONE: _l("Votre vérification en deux étapes est désactivée : votre mot de passe "
                    "suffit désormais pour ouvrir votre compte."),
}


def set_second_factor(account, method, secret=None, step=None):
    """Switch the account's second factor (the caller confirmed identity first), journal it and
    tell the owner. No second factor at all is refused for professionals, mediators and
    operators (ValueError), whatever the form sent."""
    if method == FACTOR_NONE and account.second_factor_mandatory:
        raise ValueError("the second factor is mandatory for this role")
    if method not in FACTOR_WORDS or (method == FACTOR_TOTP and not secret):
        raise ValueError(f"unknown second factor: {method}")
    Account.update(second_factor=method,
                   totp_secret=seal_secret(secret) if method == FACTOR_TOTP else None,
                   totp_last_counter=step if method == FACTOR_TOTP else None).where(
        Account.id == account.id).execute()
    audit.record("account.second_factor_changed", actor=account, patient=account.person,
                 detail=method)
    _tell(account, lambda: _(
        "La vérification en deux étapes de votre compte Carnet a été modifiée le %(when)s "
        "(heure de Paris). %(what)s\n\nSi c’est vous, vous n’avez rien à faire.\n\nSi ce "
        "n’est pas vous, quelqu’un connaît votre mot de passe : connectez-vous à Carnet en "
        "tapant vous-même son adresse, changez tout de suite votre mot de passe (Paramètres › "
        "Changer mon mot de passe), puis choisissez à nouveau votre vérification en deux "
        "étapes.", when=_when(), what=FACTOR_WORDS[method]))
