"""A hostile review of the connected-services API (issue 16): each test is one attack, driven
with the same real OAuth2 client as test_connect (Authlib's OAuth2Session through a requests
adapter onto the Flask test client).

Tests named test_held_* prove a defence that holds (each fails if the defence is removed);
The four holes this review found (a closed space's connections, url_for keywords in search
links, refused reads not journaled, PKCE skipped by confidential clients) are fixed; their
tests stay here."""
from datetime import date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from conftest import account, journal, open_space
from fhir.resources.R4B.bundle import Bundle
from helpers import tiny_pdf
from test_connect import (ALL_SCOPES, BASE, CLIENT_ID, REDIRECT, FlaskAdapter, back_to_app,
                          blood_pressure, connect, consent, oauth_session, post_observation,
                          purposes, refused, start)
from test_records import (DOCS_CLIENT, DOCS_REDIRECT, agenda_purpose, appointment_resource,
                          camille_documents, connect_client, docs_service, post_json)

__all__ = ["docs_service"]  # a fixture used here (imported, not called)

DOCS_SCOPE = "launch/patient patient/DocumentReference.rs"
AGENDA_SCOPE = "launch/patient patient/Appointment.cruds"


def jean_data(ctx, person):
    """One measure, one document and one appointment of Jean: what Camille's token must never
    reach."""
    from portal.agenda.models import Appointment
    from portal.documents.store import store_document
    from portal.measures.models import Measure
    jean = person("Jean")
    measure = Measure.create(patient=jean.id, kind="blood_pressure", value=150, value2=95,
                             measured_at=datetime(2026, 11, 2, 7, 0), author=account("camille"))
    with ctx.app_context():  # ctx is the app (no context pushed: see conftest)
        document = store_document(jean, account("camille"), tiny_pdf("jean"),
                                  filename="jean.pdf", title="Document de Jean",
                                  category="biologie", document_date=date(2026, 10, 1))
    appointment = Appointment.create(patient=jean.id, starts_at=datetime(2026, 12, 20, 9, 0),
                                     professional_name="Dr Jean")
    return jean, measure, document, appointment


def token_request(session, **data):
    """A raw POST to the token endpoint (no client-side checks from OAuth2Session)."""
    return session.post(f"{BASE}/oauth/token", data=data, withhold_token=True)


def authorization_code(app, browser, scope=ALL_SCOPES, chosen=None):
    """Run the flow up to the code: (session, verifier, code, redirect location)."""
    session = oauth_session(app, scope)
    path, verifier = start(session)
    chosen = chosen if chosen is not None else purposes("tensiometre-connecte")
    location = back_to_app(consent(browser, path, chosen))
    code = parse_qs(urlsplit(location).query)["code"][0]
    return session, verifier, code, location


# --- person A's token against person B's data -----------------------------------------------

def test_held_another_persons_ids_are_404_and_search_parameters_cannot_name_them(
        app, login_as, person, ctx, docs_service):
    camille = person("Camille")
    jean, measure, document, appointment = jean_data(ctx, person)
    browser = login_as("camille")
    session, _token = connect(app, browser, purposes("tensiometre-connecte"))
    refused(session.get(f"{BASE}/fhir/Observation/{measure.id}"), 404)
    for params in ({"patient": str(jean.id)}, {"subject": f"Patient/{jean.id}"},
                   {"patient": f"Patient/{jean.id}", "_count": "100"}):
        bundle = Bundle.model_validate(session.get(f"{BASE}/fhir/Observation",
                                                   params=params).json())
        assert all(e.resource.subject.reference == f"Patient/{camille.id}"
                   for e in bundle.entry or [])
        assert str(measure.id) not in {e.resource.id for e in bundle.entry or []}
    # A write naming Jean as subject is refused, and nothing lands in Jean's record.
    from portal.measures.models import Measure
    jeans = Measure.select().where(Measure.patient == jean.id).count()
    refused(post_observation(session, blood_pressure(jean.id)), 422)
    assert Measure.select().where(Measure.patient == jean.id).count() == jeans

    docs, _ = connect_client(app, browser, DOCS_CLIENT, DOCS_REDIRECT, DOCS_SCOPE,
                             list(docs_service))
    refused(docs.get(f"{BASE}/fhir/DocumentReference/{document.id}"), 404)
    refused(docs.get(f"{BASE}/fhir/Binary/{document.id}"), 404)
    found = docs.get(f"{BASE}/fhir/DocumentReference",
                     params={"patient": str(jean.id), "subject": f"Patient/{jean.id}"}).json()
    assert str(document.id) not in {e["resource"]["id"] for e in found.get("entry", [])}

    agenda, _ = connect_client(app, browser, "rdv-demo",
                               _agenda_redirect(), AGENDA_SCOPE, [agenda_purpose()])
    path = f"/fhir/Appointment/{appointment.id}"
    refused(agenda.get(f"{BASE}{path}"), 404)
    refused(post_json(agenda, path, appointment_resource(camille.id), method="put"), 404)
    refused(agenda.delete(f"{BASE}{path}"), 404)
    from portal.agenda.models import Appointment
    assert Appointment.get_by_id(appointment.id).cancelled_at is None


def _agenda_redirect():
    from portal.connect.models import ServiceClient
    return ServiceClient.get(ServiceClient.client_id == "rdv-demo").uris[0]


def test_a_refused_read_of_another_persons_id_is_journaled(app, login_as, person, ctx):
    """The issue: "Every API call is journaled with the service as actor". A read that ends
    in 404 (here: an app probing Jean's measure id with Camille's token) leaves no trace."""
    camille = person("Camille")
    _jean, measure, _document, _appointment = jean_data(ctx, person)
    session, _token = connect(app, login_as("camille"), purposes("tensiometre-connecte"))
    refused(session.get(f"{BASE}/fhir/Observation/{measure.id}"), 404)
    assert journal("api.observation.read", patient=camille.id), \
        "a refused (404) API read is not journaled"


# --- paging links ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["_external", "endpoint", "_method", "_scheme", "_anchor"])
def test_a_search_parameter_named_like_url_for_arguments_is_only_carried_in_the_links(
        app, login_as, name):
    """search_bundle passes every query parameter to url_for as keyword arguments: one named
    like url_for's own (`_external`, `endpoint`, `_method`, `_scheme`, `_anchor`) is a
    TypeError, an HTML 500 instead of a FHIR answer (the issue: an OperationOutcome for every
    error); the same holds for DocumentReference and Appointment searches (same helper)."""
    session, _token = connect(app, login_as("camille"), purposes("tensiometre-connecte"))
    try:
        answer = session.get(f"{BASE}/fhir/Observation", params={name: "1"})
    except TypeError as error:
        pytest.fail(f"?{name}=1 crashes the search: {error}")
    assert answer.status_code in (200, 400)
    assert answer.headers["Content-Type"].startswith("application/fhir+json")


# --- masked and hidden documents ----------------------------------------------------------------

def test_held_masked_and_hidden_documents_never_leave_through_paging_count_or_include(
        app, login_as, person, docs_service):
    camille, made = camille_documents(app, person)
    browser = login_as("camille")
    docs, _ = connect_client(app, browser, DOCS_CLIENT, DOCS_REDIRECT, DOCS_SCOPE,
                             list(docs_service))
    seen, totals = [], set()
    url = f"{BASE}/fhir/DocumentReference?_count=1&_include=*&_revinclude=*"
    while url:
        bundle = docs.get(url).json()
        totals.add(bundle["total"])
        seen += [e["resource"]["id"] for e in bundle.get("entry", [])]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    # One page per document, each once, and the total counts only what the app may reach.
    assert totals == {len(seen)} and len(set(seen)) == len(seen)
    assert str(made["plain"].id) in seen
    assert not {str(made["masked"].id), str(made["hidden"].id)} & set(seen)
    for name in ("masked", "hidden"):
        for page in ("DocumentReference", "Binary"):
            refused(docs.get(f"{BASE}/fhir/{page}/{made[name].id}"), 404)
    # A page far beyond the end is empty, not the hidden ones.
    far = docs.get(f"{BASE}/fhir/DocumentReference",
                   params={"_count": 1, "page": len(seen) + 1}).json()
    assert not far.get("entry")


# --- tokens after the right ended -------------------------------------------------------------

def test_held_tokens_and_refresh_tokens_die_with_disconnect_and_suspension(
        app, login_as, person, ctx):
    from portal.connect import rights
    from portal.connect.models import Service
    camille = person("Camille")
    browser = login_as("camille")
    session, token = connect(app, browser, purposes("tensiometre-connecte"))
    service = Service.get(Service.slug == "tensiometre-connecte")
    rights.withdraw(camille, service)
    refused(session.get(f"{BASE}/fhir/Observation"), 401)
    again = token_request(session, grant_type="refresh_token", client_id=CLIENT_ID,
                          refresh_token=token["refresh_token"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    session, token = connect(app, browser, purposes("tensiometre-connecte"))
    rights.set_status(Service.get_by_id(service.id), "suspended")
    refused(session.get(f"{BASE}/fhir/Observation"), 401)
    again = token_request(session, grant_type="refresh_token", client_id=CLIENT_ID,
                          refresh_token=token["refresh_token"])
    assert again.status_code in (400, 401) and "access_token" not in again.json()
    # Reactivated, the old tokens stay dead.
    rights.set_status(Service.get_by_id(service.id), "active")
    refused(session.get(f"{BASE}/fhir/Observation"), 401)


def test_held_a_parents_token_stops_when_the_child_comes_of_age(
        app, login_as, person, ctx):
    from portal.accounts.models import Person
    from portal.proxies.guardians import process_majorities
    lina = person("Lina")
    browser = login_as("camille")
    open_space(browser, lina.id)  # Camille is Lina's mother
    session, token = connect(app, browser, purposes("tensiometre-connecte"))
    assert session.get(f"{BASE}/fhir/Observation").status_code == 200
    Person.update(birth_date=date(2000, 1, 1)).where(Person.id == lina.id).execute()
    with ctx.app_context():  # ctx is the app: the majority tells the parents by mail
        assert process_majorities() >= 1
    # The consent her mother gave lapsed with her access (policy.revoke_lapsed_tokens): the
    # token is revoked and its refresh token refused, not merely denied call by call.
    refused(session.get(f"{BASE}/fhir/Observation"), 401)
    refused(post_observation(session, blood_pressure(lina.id)), 401)
    fresh = token_request(session, grant_type="refresh_token", client_id=CLIENT_ID,
                          refresh_token=token["refresh_token"])
    assert fresh.status_code == 400 and "access_token" not in fresh.json()


# --- OAuth flow attacks -------------------------------------------------------------------------

def test_held_refresh_cannot_widen_the_scope(app, login_as, ctx):
    browser = login_as("camille")
    session, token = connect(app, browser, purposes("tensiometre-connecte"),
                             scope="launch/patient offline_access patient/Observation.rs")
    wider = token_request(session, grant_type="refresh_token", client_id=CLIENT_ID,
                          refresh_token=token["refresh_token"],
                          scope="offline_access patient/Observation.crs")
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    # The refresh token was not spent by the refused attempt, and the honest one gets no more.
    honest = token_request(session, grant_type="refresh_token", client_id=CLIENT_ID,
                           refresh_token=token["refresh_token"]).json()
    assert "patient/Observation.c" not in honest["scope"]
    refused(post_observation(session, blood_pressure(0)), 401)  # stale token: rotated out


def test_held_scopes_beyond_consent_are_never_granted(app, login_as, person, ctx):
    browser = login_as("camille")
    read, _write = purposes("tensiometre-connecte")
    session, token = connect(app, browser, [read], scope=ALL_SCOPES + (
        " patient/Observation.cruds patient/DocumentReference.rs patient/Patient.r"
        " user/Observation.cruds system/*.cruds patient/*.cruds"))
    assert set(token["scope"].split()) == {"patient/Observation.rs", "launch/patient",
                                           "offline_access"}
    refused(post_observation(session, blood_pressure(person("Camille").id)), 403)
    refused(session.get(f"{BASE}/fhir/DocumentReference"), 403)
    refused(session.get(f"{BASE}/fhir/Patient/{person('Camille').id}"), 403)


def test_held_a_code_is_used_once_and_only_by_its_client(app, login_as, ctx, docs_service):
    browser = login_as("camille")
    session, verifier, code, _location = authorization_code(app, browser)
    # Another client (its own, registered redirect) cannot redeem it.
    thief = OAuth2Session(DOCS_CLIENT, redirect_uri=DOCS_REDIRECT)
    thief.mount(BASE, FlaskAdapter(app.test_client()))
    stolen = token_request(thief, grant_type="authorization_code", client_id=DOCS_CLIENT,
                           code=code, redirect_uri=REDIRECT, code_verifier=verifier)
    assert stolen.status_code == 400 and "access_token" not in stolen.json()
    # Without the verifier, or with a wrong one, the rightful client cannot either.
    for extra in ({}, {"code_verifier": generate_token(48)}):
        bad = token_request(session, grant_type="authorization_code", client_id=CLIENT_ID,
                            code=code, redirect_uri=REDIRECT, **extra)
        assert bad.status_code == 400 and "access_token" not in bad.json()
    # A redirect_uri other than the authorization request's is refused.
    other = token_request(session, grant_type="authorization_code", client_id=CLIENT_ID,
                          code=code, redirect_uri=REDIRECT + "/x", code_verifier=verifier)
    assert other.status_code == 400 and "access_token" not in other.json()
    first = token_request(session, grant_type="authorization_code", client_id=CLIENT_ID,
                          code=code, redirect_uri=REDIRECT, code_verifier=verifier)
    assert first.status_code == 200 and first.json()["access_token"]
    second = token_request(session, grant_type="authorization_code", client_id=CLIENT_ID,
                           code=code, redirect_uri=REDIRECT, code_verifier=verifier)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("redirect", [
    REDIRECT + "/../../evil", REDIRECT + "x", REDIRECT + "?next=http://evil.example.org",
    "http://127.0.0.1:5001/callback@evil.example.org", "http://127.0.0.1:5001.evil.org/callback",
    REDIRECT.upper(), REDIRECT + "#frag", "https://evil.example.org/callback"])
def test_held_an_unregistered_redirect_uri_gets_an_error_page_not_a_code(
        app, login_as, redirect):
    browser = login_as("camille")
    session = OAuth2Session(CLIENT_ID, redirect_uri=redirect, scope=ALL_SCOPES,
                            code_challenge_method="S256")
    url, _state = session.create_authorization_url(f"{BASE}/oauth/authorize",
                                                   code_verifier=generate_token(48))
    page = browser.get(url[len(BASE):])
    assert page.status_code == 400
    assert "evil" not in page.headers.get("Location", "")
    assert 'name="purposes"' not in page.get_data(as_text=True)


def test_held_the_state_comes_back_unchanged(app, login_as):
    browser = login_as("camille")
    session = oauth_session(app)
    url, state = session.create_authorization_url(f"{BASE}/oauth/authorize",
                                                  code_verifier=generate_token(48))
    location = back_to_app(consent(browser, url[len(BASE):],
                                   purposes("tensiometre-connecte")[:1]))
    assert parse_qs(urlsplit(location).query)["state"] == [state]


def test_held_a_public_client_needs_s256(app, login_as):
    browser = login_as("camille")
    base = (f"/oauth/authorize?response_type=code&client_id={CLIENT_ID}"
            f"&redirect_uri={REDIRECT}&scope=launch/patient&state=s")
    verifier = generate_token(48)
    for extra in ("", f"&code_challenge={verifier}&code_challenge_method=plain",
                  f"&code_challenge={verifier}"):
        page = browser.get(base + extra)
        assert page.status_code == 400, extra
        assert 'name="purposes"' not in page.get_data(as_text=True)


def test_a_confidential_client_needs_pkce_too(app, login_as, ctx):
    """oauth.py says PKCE S256 is "required of every client, public or confidential", and the
    issue asks for "authorization code + PKCE (S256)"; Authlib's CodeChallenge(required=True)
    only requires it of public clients: a confidential one gets a consent screen (and a code)
    without any code_challenge."""
    from portal.connect.models import Purpose, Service, ServiceClient
    service = Service.create(slug="secret-app", name="Appli secrète", publisher="Test",
                             description="Confidentielle.", categories="suivi")
    client = ServiceClient(service=service.id, client_id="secret-app",
                           redirect_uris="https://secret.example.org/cb")
    client.set_secret("s3cret-" + generate_token(20))
    client.save()
    Purpose.create(service=service.id, position=0, label="Lire", explanation="Lit.",
                   rights="measures:read")
    page = login_as("camille").get(
        "/oauth/authorize?response_type=code&client_id=secret-app"
        "&redirect_uri=https://secret.example.org/cb&scope=patient/Observation.rs&state=s")
    assert page.status_code == 400, "a confidential client is served without PKCE"


def test_held_the_consent_post_needs_csrf_and_a_login(app, client, login_as):
    browser = login_as("camille")
    path, _verifier = start(oauth_session(app))
    page = browser.get(path)
    from conftest import hidden_fields
    fields = hidden_fields(page)
    fields.pop("csrf_token")
    chosen = [str(p) for p in purposes("tensiometre-connecte")]
    assert browser.post(path, data=dict(fields, accepter="1",
                                        purposes=chosen)).status_code == 400
    anonymous = client.post(path, data=dict(fields, accepter="1", purposes=chosen))
    assert anonymous.status_code in (302, 303, 400, 401, 403)
    assert "code=" not in anonymous.headers.get("Location", "")


def test_held_revocation_by_another_client_does_nothing(app, login_as, ctx, docs_service):
    browser = login_as("camille")
    session, token = connect(app, browser, purposes("tensiometre-connecte"))
    other = OAuth2Session(DOCS_CLIENT)
    other.mount(BASE, FlaskAdapter(app.test_client()))
    other.post(f"{BASE}/oauth/revoke", data={"token": token["access_token"],
                                             "client_id": DOCS_CLIENT}, withhold_token=True)
    assert session.get(f"{BASE}/fhir/Observation").status_code == 200
    peek = other.post(f"{BASE}/oauth/introspect", withhold_token=True,
                      data={"token": token["access_token"], "client_id": DOCS_CLIENT})
    assert peek.json().get("active") is not True


# --- the journal --------------------------------------------------------------------------------

def test_held_every_successful_api_read_is_journaled_with_the_service_as_actor(
        app, login_as, person, ctx):
    camille = person("Camille")
    session, _token = connect(app, login_as("camille"), purposes("tensiometre-connecte"))
    before = len(journal("api.observation.search", patient=camille.id))
    session.get(f"{BASE}/fhir/Observation")
    session.get(f"{BASE}/fhir/Observation", params={"page": 2, "_count": 1})
    entries = journal("api.observation.search", patient=camille.id)
    assert len(entries) == before + 2
    assert all(e.actor_id is None and e.via == "service"
               and e.actor_name == "Tensiomètre connecté" for e in entries[before:])


# --- the space closed, then reopened ------------------------------------------------------------

def test_closing_a_space_withdraws_its_connections_for_good_even_once_reopened(
        app, login_as, person, ctx):
    """Closing a space stops "every token into her space" (lifecycle.close_space): the API
    refuses while it is closed (held: relation_to ignores closed spaces), but the service's
    tokens are not revoked, nor its consent withdrawn, so once an operator reopens the space
    the app's old access token (and its refresh tokens, for days) reach the record again
    without the person connecting anything."""
    from portal.connect.models import ServiceToken
    from portal.lifecycle.service import close_space, reopen
    camille = person("Camille")
    session, _token = connect(app, login_as("camille"), purposes("tensiometre-connecte"))
    with ctx.app_context():  # ctx is the app: the closure renders its proof, sends mail
        closure, _proof = close_space(account("camille"), "", "fr")
    assert session.get(f"{BASE}/fhir/Observation").status_code in (401, 403)
    with ctx.app_context():
        assert reopen(closure, account("operateur"))
    live = ServiceToken.select().where(ServiceToken.person == camille.id,
                                       ServiceToken.revoked_at.is_null()).count()
    assert session.get(f"{BASE}/fhir/Observation").status_code == 401 and live == 0, \
        "the service's tokens survive the closure and work again after reopening"


def test_held_the_consent_screen_accepts_only_this_services_purposes(app, login_as, person,
                                                                     ctx):
    """A purpose id of another service posted on this one's consent screen grants nothing."""
    from portal.connect.models import Consent, Service
    browser = login_as("camille")
    other = purposes("glycemie-facile")
    path, _verifier = start(oauth_session(app))
    answer = consent(browser, path, other)
    assert 'name="purposes"' in answer.get_data(as_text=True)  # the form again, refused
    service = Service.get(Service.slug == "tensiometre-connecte")
    assert not Consent.select().where(Consent.person == person("Camille").id,
                                      Consent.service == service.id).exists()


def test_held_a_code_redeemed_after_the_person_disconnected_reaches_nothing(
        app, login_as, person, ctx):
    from portal.connect import rights
    from portal.connect.models import Service
    camille = person("Camille")
    session, verifier, code, _location = authorization_code(app, login_as("camille"))
    rights.withdraw(camille, Service.get(Service.slug == "tensiometre-connecte"))
    late = token_request(session, grant_type="authorization_code", client_id=CLIENT_ID,
                         code=code, redirect_uri=REDIRECT, code_verifier=verifier).json()
    assert "patient/" not in late.get("scope", "")
    if "access_token" in late:
        session.token = late
        refused(session.get(f"{BASE}/fhir/Observation"), 403)


def test_held_an_appointment_cannot_be_moved_to_another_persons_agenda(app, login_as, person,
                                                                       ctx):
    from portal.agenda.models import Appointment
    camille, jean = person("Camille"), person("Jean")
    agenda, _ = connect_client(app, login_as("camille"), "rdv-demo", _agenda_redirect(),
                               AGENDA_SCOPE, [agenda_purpose()])
    jeans = Appointment.select().where(Appointment.patient == jean.id).count()
    refused(post_json(agenda, "/fhir/Appointment", appointment_resource(jean.id)), 422)
    created = post_json(agenda, "/fhir/Appointment", appointment_resource(camille.id)).json()
    path = f"/fhir/Appointment/{created['id']}"
    refused(post_json(agenda, path, appointment_resource(jean.id), method="put"), 422)
    assert Appointment.get_by_id(int(created["id"])).patient_id == camille.id
    assert Appointment.select().where(Appointment.patient == jean.id).count() == jeans


def test_held_the_consent_screen_cannot_be_framed_and_tokens_are_not_cached(app, login_as):
    browser = login_as("camille")
    session = oauth_session(app)
    path, verifier = start(session)
    page = browser.get(path)
    policy = page.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in policy or page.headers.get("X-Frame-Options") == "DENY"
    location = back_to_app(consent(browser, path, purposes("tensiometre-connecte")[:1]))
    code = parse_qs(urlsplit(location).query)["code"][0]
    answer = token_request(session, grant_type="authorization_code", client_id=CLIENT_ID,
                           code=code, redirect_uri=REDIRECT, code_verifier=verifier)
    assert answer.status_code == 200 and "no-store" in answer.headers["Cache-Control"]
    # Introspection needs a client: an anonymous caller learns nothing.
    anonymous = session.post(f"{BASE}/oauth/introspect", withhold_token=True,
                             data={"token": answer.json()["access_token"]})
    assert anonymous.status_code in (400, 401) and "scope" not in anonymous.json()
