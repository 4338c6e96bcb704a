"""The OAuth2 server, built on Authlib: authorization code with PKCE S256 (required of every
client, public or confidential), refresh tokens (only with offline_access, rotated on each
use), revocation (RFC 7009) and introspection (RFC 7662). Codes and tokens are stored hashed;
an access token lives OAUTH_ACCESS_TOKEN_SECONDS, a refresh token OAUTH_REFRESH_TOKEN_DAYS.
A token of a service no longer active, or whose consent was withdrawn, is refused at once."""
from dataclasses import dataclass
from datetime import timedelta

from authlib.common.security import generate_token
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from flask import current_app

from ..accounts.models import Account, Person, utcnow
from . import rights
from .models import ACTIVE, AuthorizationCode, ServiceClient, ServiceToken, digest

CODE_SECONDS = 60


@dataclass(frozen=True)
class Grantee:
    """Whom a code or token speaks for: the person's space, and the account that consented."""

    account: Account
    person: Person

    def get_user_id(self):
        return self.account.id


def query_client(client_id):
    """The client of an active service only: a suspended or dereferenced one is unknown."""
    client = (ServiceClient.select(ServiceClient).join(rights.Service)
              .where(ServiceClient.client_id == client_id).first())
    if client is None or client.service.status != ACTIVE:
        return None
    return client


def save_token(token, request):
    """Store the new token hashed, with the scope the app asked for (the effective right is
    computed on every call, see rights.effective)."""
    previous = getattr(request, "refresh_token", None)
    asked = request.payload.scope or previous.scope if previous is not None else \
        request.authorization_code.scope
    grantee = request.user
    refresh = token.get("refresh_token")
    days = current_app.config["OAUTH_REFRESH_TOKEN_DAYS"]
    ServiceToken.create(
        client=request.client.id, person=grantee.person.id, account=grantee.account.id,
        access_hash=digest(token["access_token"]),
        refresh_hash=digest(refresh) if refresh else None, scope=asked,
        expires_in=token["expires_in"],
        refresh_expires_at=utcnow() + timedelta(days=days) if refresh else None)


def generate_bearer_token(grant_type, client, user=None, scope=None, expires_in=None,
                          include_refresh_token=True):
    """A bearer token whose announced scope is what it may do now; a refresh token only when
    the app asked for offline_access."""
    expires = int(current_app.config["OAUTH_ACCESS_TOKEN_SECONDS"])
    token = {"token_type": "Bearer", "access_token": generate_token(48), "expires_in": expires}
    probe = ServiceToken(scope=scope or "", person=user.person.id, account=user.account)
    token["scope"] = rights.format_scope(rights.effective(probe, client.service), scope)
    token["patient"] = str(user.person.id)  # SMART launch context
    if include_refresh_token and "offline_access" in (scope or "").split():
        token["refresh_token"] = generate_token(48)
    return token


class S256Challenge(CodeChallenge):
    """PKCE with S256 only ("plain" would send the secret itself), required of every client
    from the authorization request on: a confidential client's secret does not protect a code
    stolen on its way back (OAuth 2.1 asks PKCE of every client; Authlib's `required` covers
    public clients only)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        from authlib.oauth2.rfc6749 import InvalidRequestError
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge'")
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Unsupported 'code_challenge_method'")
        return super().validate_code_challenge(grant, redirect_uri)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def save_authorization_code(self, code, request):
        grantee = request.user
        AuthorizationCode.create(
            code_hash=digest(code), client=request.client.id, person=grantee.person.id,
            account=grantee.account.id, redirect_uri=request.payload.redirect_uri or "",
            scope=request.payload.scope or "",
            code_challenge=request.payload.data.get("code_challenge"),
            code_challenge_method=request.payload.data.get("code_challenge_method"),
            expires_at=utcnow() + timedelta(seconds=CODE_SECONDS))

    def query_authorization_code(self, code, client):
        found = AuthorizationCode.get_or_none(AuthorizationCode.code_hash == digest(code),
                                              AuthorizationCode.client == client.id)
        if found is not None and not found.is_expired():
            return found
        return None

    def delete_authorization_code(self, authorization_code):
        AuthorizationCode.delete().where(AuthorizationCode.id == authorization_code.id).execute()

    def authenticate_user(self, authorization_code):
        return Grantee(authorization_code.account, authorization_code.person)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: each refresh token is used once

    def authenticate_refresh_token(self, refresh_token):
        token = ServiceToken.by_refresh(refresh_token)
        return token if token is not None and token.refresh_usable() else None

    def authenticate_user(self, refresh_token):
        return Grantee(refresh_token.account, refresh_token.person)

    def revoke_old_credential(self, refresh_token):
        ServiceToken.update(refresh_used=True, revoked_at=utcnow()).where(
            ServiceToken.id == refresh_token.id).execute()


def _find_token(token_string, token_type_hint):
    if token_type_hint != "refresh_token":
        found = ServiceToken.by_access(token_string)
        if found is not None:
            return found
    return ServiceToken.by_refresh(token_string)


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def query_token(self, token_string, token_type_hint):
        return _find_token(token_string, token_type_hint)

    def revoke_token(self, token, request):
        ServiceToken.update(revoked_at=utcnow()).where(ServiceToken.id == token.id).execute()


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def query_token(self, token_string, token_type_hint):
        return _find_token(token_string, token_type_hint)

    def check_permission(self, token, client, request):
        """A client may introspect only its own tokens."""
        return token.client_id == client.id

    def introspect_token(self, token):
        live = not token.is_revoked() and not token.is_expired() and \
            token.client.service.status == ACTIVE
        if not live:
            return {"active": False}
        issued = int(token.issued_at.timestamp())
        return {"active": True, "client_id": token.client.client_id, "token_type": "Bearer",
                "scope": rights.format_scope(rights.effective(token), token.scope),
                "sub": str(token.person_id), "patient": str(token.person_id),
                "iat": issued, "exp": issued + token.expires_in}


class TokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        return ServiceToken.by_access(token_string)

    def validate_token(self, token, scopes, request):
        super().validate_token(token, scopes, request)
        if token.client.service.status != ACTIVE:
            from authlib.oauth2.rfc6750 import InvalidTokenError
            raise InvalidTokenError()


server = AuthorizationServer()
protector = ResourceProtector()


def init_app(app):
    """Wire the server to the app (called by create_app)."""
    server.init_app(app, query_client=query_client, save_token=save_token)
    server.register_token_generator("default", generate_bearer_token)
    server.register_grant(AuthorizationCodeGrant, [S256Challenge(required=True)])
    server.register_grant(RefreshTokenGrant)
    server.register_endpoint(Revocation)
    server.register_endpoint(Introspection)
    if not protector._token_validators:
        protector.register_token_validator(TokenValidator())
