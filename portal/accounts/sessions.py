"""Server-side sessions: the cookie holds a random token, the data lives in `user_session`.

Deleting the row ends the session everywhere at once: a copy of the cookie taken earlier
finds nothing and is treated as a stranger. Idle and absolute lifetimes are enforced here.

An anonymous visitor gets no row: reading the login page (or any public page) writes nothing.
The only thing such a visitor's session holds is the secret behind the CSRF tokens of its forms
(Flask-WTF keeps it in `session["csrf_token"]` and puts a signed, timestamped copy in each
form). It rides in a cookie of its own instead, signed with the app's key, HttpOnly and
SameSite=Lax like the session cookie, and named `__Host-…` over HTTPS so that no other origin
(a sibling subdomain, a plain-http page) can plant one. A POST is then checked exactly as before:
the form's token must carry the server's signature over the secret that the cookie holds, so a
form posted from another site (which cannot read the cookie nor sign a token) is refused. When
the visitor starts a real session (a first POST that stores something: a login, a language) the
secret moves into the new row and the cookie is deleted.
"""
import hashlib
import json
import secrets
from datetime import timedelta

from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, Signer
from peewee import JOIN
from werkzeug.datastructures import CallbackDict

from ..db import Prepared, write_tx
from .models import Account, Person, UserSession, utcnow

TOUCH_EVERY = timedelta(seconds=60)
# The account of a session that ended by idleness or age, carried in the browser's next
# (anonymous) session: text typed in that session is then offered to that account only
# (never after a logout or a revocation: those rows are gone at once).
ENDED_ACCOUNT = "ended_account"
# An expired row is kept (unusable) this long, so that a form posted from a page left open
# still says whose session it was: what was typed can then be offered to that account only.
EXPIRED_REMEMBERED_FOR = timedelta(hours=24)
# Flask-WTF's session key (WTF_CSRF_FIELD_NAME's default) for the secret behind its tokens.
CSRF_KEY = "csrf_token"


def csrf_cookie_name(app):
    """The anonymous CSRF cookie; `__Host-` (Secure, this host only, path /) over HTTPS."""
    return "__Host-carnet_csrf" if app.config["SESSION_COOKIE_SECURE"] else "carnet_csrf"


def _csrf_signer(app):
    return Signer(app.secret_key, salt="carnet-anonymous-csrf")


def _key(token):
    return hashlib.sha256(token.encode("ascii")).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    """Session data plus the bookkeeping the interface needs."""

    def __init__(self, initial=None, token=None, row=None, expired=False):
        def on_update(self):
            self.modified = True
        super().__init__(initial, on_update)
        self.token = token
        self.row = row
        self.expired = expired
        self.modified = False
        self.rotate = False
        self.ended = False
        self.anonymous_csrf = None  # the CSRF secret this request's cookie brought, if any
        # The session's account, read with its row when it is active (see SESSION_ROW); the
        # login manager's loader takes it instead of reading it again.
        self.account = None

    @property
    def new(self):
        return self.row is None

    def regenerate(self):
        """New token on privilege change (login): the old id is dropped (no session fixation)."""
        self.rotate = True
        self.modified = True

    def end(self):
        """Logout: delete the row and the cookie."""
        self.clear()
        self.ended = True
        self.modified = True

    def expires_at(self, app):
        """When idleness will end this session (for the warning shown before expiry)."""
        if self.row is None:
            return None
        idle_end = self.row.last_seen_at + app.config["SESSION_IDLE"]
        absolute_end = self.row.created_at + app.config["SESSION_ABSOLUTE"]
        return min(idle_end, absolute_end)


def end_sessions(account, keep_key=None):
    """End every session of an account (password change, revocation), but `keep_key`."""
    query = UserSession.delete().where(UserSession.account == account)
    if keep_key:
        query = query.where(UserSession.key != keep_key)
    return query.execute()


def alive(app):
    """The condition of a row still usable (expired rows wait for the purge, unusable)."""
    now = utcnow()
    return ((UserSession.last_seen_at >= now - app.config["SESSION_IDLE"])
            & (UserSession.created_at >= now - app.config["SESSION_ABSOLUTE"]))


def purge_expired(app):
    """Delete rows that have been past their idle or absolute lifetime for a day (until then
    an expired row only names its account, see EXPIRED_REMEMBERED_FOR; it never opens)."""
    before = utcnow() - EXPIRED_REMEMBERED_FOR
    return UserSession.delete().where(
        (UserSession.last_seen_at < before - app.config["SESSION_IDLE"])
        | (UserSession.created_at < before - app.config["SESSION_ABSOLUTE"])).execute()


def _session_row(key):
    """The session row of this key with its account and person, when that account is active:
    one query for who is asking, on every request (the account was a second one)."""
    return (UserSession.select(UserSession, Account, Person)
            .join(Account, JOIN.LEFT_OUTER,
                  on=((UserSession.account == Account.id)
                      & (Account.is_active == True)))  # noqa: E712
            .join(Person, JOIN.LEFT_OUTER, on=(Account.person == Person.id))
            .where(UserSession.key == key))


# Asked on every request: its SQL is built once (see db.Prepared).
SESSION_ROW = Prepared(_session_row, "")


def account_of(session, account_id):
    """The active account `account_id` when the session's row brought it (else None: the
    caller reads it as before)."""
    account = getattr(session, "account", None)
    if account is not None and account.id == int(account_id):
        return account
    return None


class ServerSideSessionInterface(SessionInterface):
    """Flask session interface backed by the UserSession table."""

    def open_session(self, app, request):
        token = request.cookies.get(self.get_cookie_name(app))
        if not token or len(token) > 100:
            return self._anonymous(app, request)
        row = SESSION_ROW.first(_key(token))
        # The row stays a plain row: its joined account is kept apart, never as row.account
        # (peewee would say None there for an inactive account).
        account = row.__rel__.pop("account", None) if row is not None else None
        if row is None:
            return self._anonymous(app, request, expired=True)
        now = utcnow()
        if (now - row.last_seen_at > app.config["SESSION_IDLE"]
                or now - row.created_at > app.config["SESSION_ABSOLUTE"]):
            row.delete_instance()
            if row.account_id:
                return self._anonymous(app, request, {ENDED_ACCOUNT: row.account_id},
                                       expired=True)
            return self._anonymous(app, request)
        try:
            data = json.loads(row.data)
        except ValueError:
            data = {}
        session = ServerSession(data, token=token, row=row)
        session.account = account
        return session

    def _anonymous(self, app, request, data=None, expired=False):
        """A session without a row, holding the CSRF secret its cookie brought (if valid)."""
        data = dict(data or {})
        value = request.cookies.get(csrf_cookie_name(app))
        secret = None
        if value and len(value) < 200:
            try:
                secret = _csrf_signer(app).unsign(value).decode("ascii")
            except (BadSignature, UnicodeDecodeError):
                secret = None
        if secret:
            data[CSRF_KEY] = secret
        session = ServerSession(data or None, expired=expired)
        session.anonymous_csrf = secret
        return session

    def save_session(self, app, session, response):
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        if session.ended:
            if session.row is not None:
                UserSession.delete().where(UserSession.key == session.row.key).execute()
            response.delete_cookie(name, domain=domain, path=path)
            return
        if session.new and set(session) <= {CSRF_KEY}:
            # Anonymous: no row. A CSRF secret made in this request goes into its cookie.
            if session.expired:
                response.delete_cookie(name, domain=domain, path=path)
            secret = session.get(CSRF_KEY)
            if secret and secret != session.anonymous_csrf:
                response.set_cookie(
                    csrf_cookie_name(app), _csrf_signer(app).sign(secret).decode("ascii"),
                    httponly=True, secure=self.get_cookie_secure(app),
                    samesite=self.get_cookie_samesite(app), path="/")
            return
        if session.anonymous_csrf:
            # The secret now lives in the session row created below.
            response.delete_cookie(csrf_cookie_name(app), path="/",
                                   secure=self.get_cookie_secure(app), httponly=True,
                                   samesite=self.get_cookie_samesite(app))
        from flask import request
        now = utcnow()
        account_id = session.get("_user_id")
        payload = json.dumps(dict(session), separators=(",", ":"))
        if session.new or session.rotate:
            token = secrets.token_urlsafe(32)
            with write_tx():
                if session.row is not None:
                    UserSession.delete().where(UserSession.key == session.row.key).execute()
                UserSession.create(
                    key=_key(token), account=account_id, data=payload, created_at=now,
                    last_seen_at=now, ip=(request.remote_addr or "")[:64],
                    user_agent=(request.user_agent.string or "")[:300])
            session.token = token
        else:
            changes = {}
            if session.modified:
                changes.update(data=payload, account=account_id, last_seen_at=now)
            elif now - session.row.last_seen_at > TOUCH_EVERY:
                changes["last_seen_at"] = now
            if changes:
                UserSession.update(**changes).where(UserSession.key == session.row.key).execute()
            if not session.modified and "last_seen_at" not in changes:
                return
        response.set_cookie(
            name, session.token, httponly=True, secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app), domain=domain, path=path)
