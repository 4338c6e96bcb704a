"""Connected services: a referenced service, its OAuth client, its purposes, the consents people
give, and the authorization codes and tokens issued to it (stored hashed, never in clear).

The OAuth methods (get_client_id, check_redirect_uri, get_scope…) are the ones Authlib calls
(authlib.oauth2.rfc6749 ClientMixin, AuthorizationCodeMixin, TokenMixin)."""
import hashlib
import hmac
from datetime import timedelta

from peewee import (BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField,
                    TextField)

from ..accounts.models import Account, Person, utcnow
from ..accounts.passwords import hash_password, verify_password
from ..db import BaseModel
from .scopes import is_supported

ACTIVE = "active"
SUSPENDED = "suspended"
DEREFERENCED = "dereferenced"
STATUSES = (ACTIVE, SUSPENDED, DEREFERENCED)


def digest(secret):
    """How a token or code is stored: its SHA-256 (a database leak gives no usable token)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class Service(BaseModel):
    """A health app referenced by the operator. `version` goes up whenever its purposes change:
    people connected to an older version keep only what they approved until they re-approve."""

    slug = CharField(max_length=60, unique=True)
    name = CharField(max_length=120)
    publisher = CharField(max_length=120)
    description = TextField()
    categories = CharField(max_length=200, default="")  # comma-separated CATEGORIES keys
    status = CharField(max_length=20, default=ACTIVE)
    version = IntegerField(default=1)
    reapprove_by = DateTimeField(null=True)  # after a version bump: approve the new purposes
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    @property
    def category_set(self):
        return [c for c in self.categories.split(",") if c]

    @property
    def is_active(self):
        return self.status == ACTIVE

    @classmethod
    def listed(cls):
        """The services people may see and connect (active ones)."""
        return cls.select().where(cls.status == ACTIVE).order_by(cls.name)


class ServiceClient(BaseModel):
    """The service's OAuth client: public (PKCE only) or confidential (with a hashed secret)."""

    service = ForeignKeyField(Service, backref="clients", on_delete="CASCADE", unique=True)
    client_id = CharField(max_length=64, unique=True)
    secret_hash = CharField(max_length=200, null=True)  # None: a public client
    redirect_uris = TextField()  # one per line

    @property
    def is_public(self):
        return self.secret_hash is None

    def set_secret(self, secret):
        self.secret_hash = hash_password(secret) if secret else None

    @property
    def uris(self):
        return [u.strip() for u in self.redirect_uris.splitlines() if u.strip()]

    # --- Authlib ClientMixin ---
    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.uris[0] if self.uris else None

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if is_supported(s))

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.uris

    def check_client_secret(self, client_secret):
        return self.secret_hash is not None and verify_password(self.secret_hash, client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        if self.is_public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in ("authorization_code", "refresh_token")


class Purpose(BaseModel):
    """One purpose ("finalité") of a service: a label, its plain-French explanation, and the
    rights it needs, as "category:read" / "category:write" pairs (rights.CATEGORIES)."""

    service = ForeignKeyField(Service, backref="purposes", on_delete="CASCADE")
    position = IntegerField(default=0)
    label = CharField(max_length=200)
    explanation = TextField()
    rights = CharField(max_length=200)  # comma-separated "measures:read", …

    @property
    def right_set(self):
        return frozenset(r for r in self.rights.split(",") if r)


class Consent(BaseModel):
    """A person's consent to a service: the purposes granted, the rights they held at the
    version approved, who gave it (the person or whoever acts for them) and when. Withdrawn
    (disconnected): withdrawn_at is set and every token of the pair is revoked."""

    person = ForeignKeyField(Person, backref="+", on_delete="CASCADE", index=False)
    service = ForeignKeyField(Service, backref="consents", on_delete="CASCADE")
    purposes = CharField(max_length=200, default="")  # comma-separated Purpose ids
    rights = CharField(max_length=200, default="")  # the rights approved, frozen at `version`
    version = IntegerField()
    given_by = ForeignKeyField(Account, backref="+", on_delete="RESTRICT")
    given_at = DateTimeField(default=utcnow)
    withdrawn_at = DateTimeField(null=True)
    last_used_at = DateTimeField(null=True)
    # The service's version whose change the person did not approve before its deadline
    # (rights.lapse_reapprovals): that change was never granted, and the consent says so.
    declined_version = IntegerField(null=True)

    class Meta:
        indexes = ((("person", "service"), True),)

    @property
    def purpose_ids(self):
        return {int(p) for p in self.purposes.split(",") if p}

    @property
    def right_set(self):
        return frozenset(r for r in self.rights.split(",") if r)

    @property
    def active(self):
        return self.withdrawn_at is None


class AuthorizationCode(BaseModel):
    """A one-time code of the authorization-code flow (hashed), with its PKCE challenge."""

    code_hash = CharField(max_length=64, unique=True)
    client = ForeignKeyField(ServiceClient, backref="+", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    account = ForeignKeyField(Account, backref="+", on_delete="CASCADE")
    redirect_uri = TextField()
    scope = TextField()
    code_challenge = CharField(max_length=128, null=True)
    code_challenge_method = CharField(max_length=10, null=True)
    expires_at = DateTimeField()

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def is_expired(self):
        return self.expires_at <= utcnow()


class ServiceToken(BaseModel):
    """An access token (and its refresh token), both hashed; revoked_at stops it at once."""

    client = ForeignKeyField(ServiceClient, backref="+", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    account = ForeignKeyField(Account, backref="+", on_delete="CASCADE")  # who consented
    access_hash = CharField(max_length=64, unique=True)
    refresh_hash = CharField(max_length=64, null=True, unique=True)
    scope = TextField()
    issued_at = DateTimeField(default=utcnow)
    expires_in = IntegerField()
    refresh_expires_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)
    refresh_used = BooleanField(default=False)

    @classmethod
    def by_access(cls, secret):
        return cls.get_or_none(cls.access_hash == digest(secret))

    @classmethod
    def by_refresh(cls, secret):
        return cls.get_or_none(cls.refresh_hash == digest(secret))

    def matches_access(self, secret):
        return hmac.compare_digest(self.access_hash, digest(secret))

    # --- Authlib TokenMixin ---
    def check_client(self, client):
        return self.client_id == client.id

    def get_client(self):
        return self.client

    def get_user(self):
        return self.account

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    @property
    def expires_at(self):
        return self.issued_at + timedelta(seconds=self.expires_in)

    def is_expired(self):
        return self.expires_at <= utcnow()

    def is_revoked(self):
        return self.revoked_at is not None

    def refresh_usable(self):
        return (self.refresh_hash is not None and self.revoked_at is None
                and not self.refresh_used and self.refresh_expires_at is not None
                and self.refresh_expires_at > utcnow())
