"""One throttle for everything a person types to prove something: a password asked again, a
one-time code (login, authenticator app, access code, mandate), an identity (NIR + birth date).

Failures are counted in the login throttle's storage (Flask-Limiter's, so Redis at scale) and
with its limits: per subject (an account, a mediator and patient pair…) LOGIN_LIMIT_ACCOUNT, per
client address LOGIN_LIMIT_IP. The counters belong to the subject, not to a code or a request:
asking for a new code, starting a new request or logging in again never gives new tries.
While a counter is full, even a right answer is refused, exactly like a locked login.

    attempt = Throttle("mandate-code", subject=f"{mediator.id}:{patient.id}")
    if attempt.holds_back(form, form.code): ...the form again, with a 429...
    if wrong: attempt.failed()
"""
from datetime import datetime, timezone

from flask import current_app, request
from flask_babel import gettext as _
from limits import parse
from werkzeug.exceptions import TooManyRequests

from .extensions import limiter
from .i18n import format_datetime


class Throttled(TooManyRequests):
    """The 429 a throttle raises: its description says when to try again (errors.py shows it)."""


def client_ip():
    """The client's address: the socket's peer, or the address the trusted proxies give
    (ProxyFix with TRUSTED_PROXIES, see create_app); never a header a client chose."""
    return request.remote_addr or "unknown"


class Throttle:
    """Failure counters of one kind of proof, for one subject and the client's address."""

    def __init__(self, kind, subject=None, *, limit="LOGIN_LIMIT_ACCOUNT", ip=True):
        """`subject`: whose tries these are (an account id, …), or None for the address only;
        `limit`: the config setting limiting the subject's failures."""
        self.counters = []
        if subject is not None:
            self.counters.append((limit, f"{kind}:{subject}"))
        if ip:
            self.counters.append(("LOGIN_LIMIT_IP", f"{kind}:ip:{client_ip()}"))

    def _items(self):
        for setting, key in self.counters:
            yield parse(current_app.config[setting]), "throttle", key

    def blocked(self):
        """Is any counter full (no more tries until its window ends)?"""
        return any(not limiter.limiter.test(item, *keys) for item, *keys in self._items())

    def failed(self):
        """Count one failure on every counter."""
        for item, *keys in self._items():
            limiter.limiter.hit(item, *keys)

    def remaining(self):
        """How many failures are still allowed before the throttle refuses."""
        return min((limiter.limiter.get_window_stats(item, *keys).remaining
                    for item, *keys in self._items()), default=0)

    def retry_at(self):
        """When the fullest counter frees a try again (naive UTC)."""
        latest = 0
        for item, *keys in self._items():
            stats = limiter.limiter.get_window_stats(item, *keys)
            if stats.remaining <= 0:
                latest = max(latest, stats.reset_time)
        return datetime.fromtimestamp(latest or datetime.now().timestamp(), timezone.utc).replace(
            tzinfo=None)

    def refuse(self):
        """Stop the request with a 429 page that says when to try again."""
        raise Throttled(description=self.message())

    def holds_back(self, form, field):
        """A form posted while the throttle is full: nothing it carries is tried; it is checked
        all the same (its other errors show, what was typed stays) and `field` says until when.
        True then (the view answers the form again, with a 429)."""
        if not (form.is_submitted() and self.blocked()):
            return False
        form.validate()
        field.errors = [self.message()]
        return True

    def check(self):
        """Refuse (429) while the throttle is full."""
        if self.blocked():
            self.refuse()

    def message(self):
        """The French sentence shown when the throttle refuses: why, and from when to retry."""
        return _("Trop de tentatives incorrectes. Par sécurité, cette vérification est "
                 "suspendue : réessayez après %(time)s.",
                 time=format_datetime(self.retry_at(), "HH:mm"))
