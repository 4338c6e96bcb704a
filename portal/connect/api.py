"""The apps' side: OAuth2 token, revocation and introspection endpoints (Authlib), SMART
discovery, and the FHIR R4 API. These routes are reached with client credentials or a bearer
token, never with a session: they are public to the policy (no login) and exempt from CSRF
(no cookie authenticates them), and each FHIR call decides its own right from the token
(rights.effective) and is journaled with the service as actor."""
import json
from urllib.parse import urlencode
from datetime import timedelta
from functools import wraps

from flask import current_app, g, request, url_for

from .. import audit
from ..accounts.models import utcnow
from ..extensions import csrf, limiter
from ..measures.models import Measure
from ..policy import public
from . import bp, fhir, rights
from .models import Consent
from .oauth import protector, server

PAGE_MAX = 100
PAGE_DEFAULT = 20


def _language():
    return request.accept_languages.best_match(["fr", "en"], default="fr")


def fhir_response(payload, status=200, headers=None):
    response = current_app.response_class(json.dumps(payload, ensure_ascii=False), status,
                                          mimetype=fhir.FHIR_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def outcome(status, key, texts=None):
    headers = {"WWW-Authenticate": 'Bearer realm="carnet"'} if status == 401 else {}
    return fhir_response(fhir.operation_outcome(status, key, _language(), texts), status,
                         headers)


# --- OAuth endpoints ---------------------------------------------------------------------------

@bp.route("/oauth/token", methods=["POST"])
@public
def token():
    """Exchange a code (with its PKCE verifier) or a refresh token for tokens."""
    return server.create_token_response()


@bp.route("/oauth/revoke", methods=["POST"])
@public
def revoke():
    """RFC 7009: the app revokes one of its tokens."""
    return server.create_endpoint_response("revocation")


@bp.route("/oauth/introspect", methods=["POST"])
@public
def introspect():
    """RFC 7662: the app asks whether one of its tokens is live, and what it may do now."""
    return server.create_endpoint_response("introspection")


for _view in (token, revoke, introspect):
    csrf.exempt(_view)


@bp.route("/.well-known/smart-configuration")
@public
def smart_configuration():
    """SMART App Launch discovery."""
    def absolute(endpoint):
        return url_for(endpoint, _external=True)
    return current_app.response_class(json.dumps({
        "issuer": url_for("connect.metadata", _external=True).rsplit("/metadata", 1)[0],
        "authorization_endpoint": absolute("connect.authorize"),
        "token_endpoint": absolute("connect.token"),
        "revocation_endpoint": absolute("connect.revoke"),
        "introspection_endpoint": absolute("connect.introspect"),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
                                                  "none"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["launch/patient", "offline_access", "patient/Patient.r",
                             "patient/Observation.rs", "patient/Observation.c",
                             "patient/DocumentReference.rs", "patient/DocumentReference.c",
                             "patient/Appointment.cruds"],
        "capabilities": ["launch-standalone", "client-public", "client-confidential-symmetric",
                         "context-standalone-patient", "permission-offline",
                         "permission-patient", "permission-v2"],
    }), mimetype="application/json")


@bp.route("/fhir/metadata")
@public
def metadata():
    """The server's CapabilityStatement."""
    base = url_for("connect.metadata", _external=True).rsplit("metadata", 1)[0]
    return fhir_response(fhir.capability_statement(base, "1", "2026-12-01"))


# --- the FHIR API -------------------------------------------------------------------------------

def _client_key():
    """Rate-limit key: the calling app's client (its token's), else the address."""
    token = _token_or_none()
    return f"client:{token.client_id}" if token is not None else \
        f"ip:{request.remote_addr}"


def _api_limit():
    return current_app.config["API_RATE_LIMIT"]


def _token_or_none():
    if "api_token" not in g:
        try:
            g.api_token = protector.validate_request(scopes=None, request=_json_request())
        except Exception:  # any OAuth error: no usable token
            g.api_token = None
    return g.api_token


def _json_request():
    from authlib.integrations.flask_oauth2.requests import FlaskJsonRequest
    return FlaskJsonRequest(request)


def api(resource, letter, action):
    """A FHIR route: a live token (else 401), the consented right `letter` on `resource`
    (else 403 "Consent not given"), one journal entry with the service as actor, and the
    consent's last use."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = _token_or_none()
            if token is None:
                return outcome(401, "unauthorized")
            service = token.client.service
            g.api_service = service
            allowed = letter in rights.effective(token, service).get(resource, set())
            journal = dict(actor_name=service.name, patient=token.person, via="service",
                           obj_type="service", obj_id=service.id,
                           detail=f"{request.method} {request.path}")
            if not allowed:
                audit.record(action, outcome="denied", **journal)
                return outcome(403, "consent")
            response = view(token, *args, **kwargs)
            if response.status_code >= 400:
                # Every call is journaled, refused ones too: an app probing ids that are not
                # its person's (404), or sending what is refused (409, 413, 422), leaves a trace.
                audit.record(action, outcome="refused",
                             **{**journal, "detail": f"{journal['detail']} → "
                                                      f"{response.status_code}"})
                return response
            # A view may name its action more precisely (an update that cancels).
            audit.record(g.pop("api_action", action), **journal)
            Consent.update(last_used_at=utcnow()).where(
                Consent.person == token.person_id,
                Consent.service == service.id).execute()
            return response
        wrapper = limiter.limit(_api_limit, key_func=_client_key)(wrapper)
        return public(wrapper)
    return decorate


@bp.errorhandler(429)
def too_many(error):
    """The API answers FHIR even when it refuses (only its routes are rate-limited here)."""
    return outcome(429, "too_many")


@bp.route("/fhir/Patient/<patient_id>")
@api("Patient", "r", "api.patient.read")
def patient_read(token, patient_id):
    """The token's person only: any other id is a 404."""
    if patient_id != str(token.person_id):
        return outcome(404, "not_found")
    return fhir_response(fhir.patient(token.person))


def _measures(token):
    return Measure.select().where(Measure.patient == token.person_id,
                                  Measure.kind.in_(sorted(fhir.LOINC_CODES)))


@bp.route("/fhir/Observation/<observation_id>")
@api("Observation", "r", "api.observation.read")
def observation_read(token, observation_id):
    """One measure of the token's person (another person's is a 404)."""
    found = _measures(token).where(Measure.id == observation_id).first() \
        if observation_id.isdigit() else None
    if found is None:
        return outcome(404, "not_found")
    return fhir_response(fhir.observation(found))


DATE_PREFIXES = {"ge": "__ge__", "gt": "__gt__", "le": "__le__", "lt": "__lt__"}


def date_condition(value, column=Measure.measured_at, day_column=False):
    """A FHIR date search value (ge2026-01-01, lt2026-02-01T00:00:00Z, 2026-01-05) on a
    datetime column (naive UTC), or on a date column when `day_column`."""
    prefix = value[:2] if value[:2] in DATE_PREFIXES or value[:2] == "eq" else "eq"
    text = value[2:] if value[:2] in DATE_PREFIXES or value[:2] == "eq" else value
    moment = fhir.parse_date(text)
    if day_column:
        text, moment = text[:10], moment.replace(hour=0, minute=0, second=0).date()
    if prefix == "eq":
        span = timedelta(days=1) if len(text) == 10 else timedelta(seconds=1)
        return (column >= moment) & (column < moment + span)
    if len(text) == 10 and prefix in ("gt", "le"):
        moment += timedelta(days=1)
        prefix = {"gt": "ge", "le": "lt"}[prefix]
    return getattr(column, DATE_PREFIXES[prefix])(moment)


@bp.route("/fhir/Observation", methods=["GET"])
@api("Observation", "s", "api.observation.search")
def observation_search(token):
    """Search the person's measures by code and date; a Bundle, newest first, paged."""
    query = _measures(token)
    try:
        for code in request.args.getlist("code"):
            codes = [c.split("|")[-1] for c in code.split(",")]
            kinds = [fhir.KIND_OF_LOINC[c] for c in codes if c in fhir.KIND_OF_LOINC]
            query = query.where(Measure.kind.in_(kinds))
        for value in request.args.getlist("date"):
            query = query.where(date_condition(value))
    except (ValueError, TypeError, KeyError):
        return outcome(400, "search")
    return search_bundle(query, (Measure.measured_at.desc(), Measure.id.desc()),
                         "connect.observation_search", fhir.observation)


def fhir_base():
    return url_for("connect.metadata", _external=True).rsplit("metadata", 1)[0]


def search_bundle(query, order, endpoint, build):
    """One page of `query` as a searchset Bundle (_count, page), with its self, next and
    previous links; `build` makes each resource."""
    try:
        count = min(PAGE_MAX, max(1, int(request.args.get("_count", PAGE_DEFAULT))))
        page = max(1, int(request.args.get("page", 1)))
    except (ValueError, TypeError):
        return outcome(400, "search")
    total = query.count()
    rows = list(query.order_by(*order).paginate(page, count))
    # Every value of a repeated parameter (date=ge…&date=le…) stays in the links. The query
    # string is written out, not given to url_for as keywords: a parameter named like one of
    # url_for's own (_external, _method, endpoint…) would change the link or raise.
    args = [(k, v) for k in request.args if k != "page" for v in request.args.getlist(k)]
    base = url_for(endpoint, _external=True)

    def link(number):
        return f"{base}?{urlencode(args + [('page', number)])}"
    links = [("self", link(page))]
    if page * count < total:
        links.append(("next", link(page + 1)))
    if page > 1:
        links.append(("previous", link(page - 1)))
    return fhir_response(fhir.bundle([build(row) for row in rows], fhir_base(), total, links))


def read_json():
    """The request's FHIR resource (None when the body is empty); ValueError when not JSON."""
    return json.loads(request.get_data(as_text=True) or "null")


@bp.route("/fhir/Observation", methods=["POST"])
@api("Observation", "c", "api.observation.create")
def observation_create(token):
    """Add a measure to the person's record, checked as the record's own form checks it."""
    try:
        resource = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        return outcome(400, "not_json")
    try:
        kind, value, value2, measured_at = fhir.measure_values(resource, token.person_id,
                                                                utcnow())
    except fhir.Invalid as error:
        return outcome(error.status, error.key)
    measure = Measure.create(patient=token.person_id, kind=kind, value=value, value2=value2,
                             measured_at=measured_at, author=token.account_id,
                             author_is_professional=False)
    location = url_for("connect.observation_read", observation_id=measure.id, _external=True)
    return fhir_response(fhir.observation(measure), 201, {"Location": location})


csrf.exempt(observation_create)
