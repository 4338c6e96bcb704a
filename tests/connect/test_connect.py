"""Connected services (issue 16): a real OAuth2 client (Authlib's OAuth2Session, sent to the app
through a requests transport adapter onto the Flask test client) drives the whole flow — PKCE,
consent screen, token, reads, writes with and without consent, refresh, revocation,
introspection, a suspended service, a version bump — and every FHIR JSON in or out is checked
against the fhir.resources R4B models."""
import html
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from conftest import csrf_from, hidden_fields, journal, open_space, outbox
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from requests.structures import CaseInsensitiveDict

BASE = "http://localhost"
CLIENT_ID = "tensiometre-demo"
REDIRECT = "http://127.0.0.1:5001/callback"
ALL_SCOPES = "launch/patient offline_access patient/Observation.rs patient/Observation.c"
FHIR = "application/fhir+json"


class FlaskAdapter(requests.adapters.BaseAdapter):
    """requests → the Flask test client (a client of its own: the app has no session)."""

    def __init__(self, client):
        super().__init__()
        self.client = client

    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        body = request.body.encode() if isinstance(request.body, str) else request.body
        # urllib3 would undo a compressed answer; this adapter does not: ask for none.
        headers = {k: v for k, v in request.headers.items() if k.lower() != "accept-encoding"}
        answer = self.client.open(url.path + (f"?{url.query}" if url.query else ""),
                                  method=request.method, headers=headers,
                                  data=body, base_url=f"{url.scheme}://{url.netloc}")
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content = answer.data
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self):
        pass


def oauth_session(app, scope=ALL_SCOPES, client_id=CLIENT_ID):
    session = OAuth2Session(client_id, redirect_uri=REDIRECT, scope=scope,
                            code_challenge_method="S256")
    session.mount(BASE, FlaskAdapter(app.test_client()))
    return session


def start(session):
    """The app sends the person's browser to the authorization endpoint."""
    verifier = generate_token(48)
    url, _state = session.create_authorization_url(f"{BASE}/oauth/authorize",
                                                   code_verifier=verifier)
    split = urlsplit(url)
    return f"{split.path}?{split.query}", verifier


def purposes(service_slug):
    from portal.connect.models import Purpose, Service
    service = Service.get(Service.slug == service_slug)
    return [p.id for p in Purpose.select().where(Purpose.service == service.id)
            .order_by(Purpose.position)]


def consent(browser, path, chosen):
    """Fill in the consent screen as a person would; returns the page leading back to the app."""
    page = browser.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)[:1500]
    data = dict(hidden_fields(page), purposes=[str(p) for p in chosen], accepter="1")
    return browser.post(path, data=data)


def back_to_app(answer):
    """The link back to the app on the page that follows the consent screen."""
    assert answer.status_code == 200, answer.get_data(as_text=True)[:1500]
    found = re.search(r'<a class="button-link" href="([^"]+)"', answer.get_data(as_text=True))
    return html.unescape(found.group(1))


def connect(app, browser, chosen, scope=ALL_SCOPES):
    """The whole authorization-code flow; returns (session, token)."""
    session = oauth_session(app, scope)
    path, verifier = start(session)
    location = back_to_app(consent(browser, path, chosen))
    assert location.startswith(REDIRECT)
    token = session.fetch_token(f"{BASE}/oauth/token", authorization_response=location,
                                code_verifier=verifier)
    return session, token


def blood_pressure(patient_id, systolic=128, diastolic=82, when="2026-11-20T07:30:00+01:00"):
    resource = {
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "subject": {"reference": f"Patient/{patient_id}"}, "effectiveDateTime": when,
        "component": [
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
             "valueQuantity": {"value": systolic, "unit": "mmHg",
                               "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
             "valueQuantity": {"value": diastolic, "unit": "mmHg",
                               "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}]}
    Observation.model_validate(resource)  # what an app sends is valid FHIR
    return resource


def post_observation(session, resource, **headers):
    return session.post(f"{BASE}/fhir/Observation", data=json.dumps(resource),
                        headers={"Content-Type": FHIR, **headers})


def refused(response, status, text=None):
    assert response.status_code == status, response.text[:800]
    assert response.headers["Content-Type"].startswith(FHIR)
    outcome = OperationOutcome.model_validate(response.json())
    if text:
        assert text in outcome.issue[0].diagnostics
    return outcome


# --- the flow -------------------------------------------------------------------------------

def test_the_consent_screen_lists_each_purpose_with_nothing_ticked(app, login_as):
    browser = login_as("camille")
    path, _verifier = start(oauth_session(app))
    page = browser.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Suivre votre tension" in html and "Enregistrer vos mesures de tension" in html
    assert html.count('name="purposes"') == 2
    assert "checked" not in html


def test_pkce_flow_reads_then_a_write_refused_without_consent_then_allowed(
        app, login_as, person, ctx):
    from portal.connect.models import ServiceToken
    from portal.measures.models import Measure
    camille = person("Camille")
    browser = login_as("camille")
    read, write = purposes("tensiometre-connecte")
    session, token = connect(app, browser, [read])
    # Granted: what was asked AND consented (no write yet); refresh with offline_access.
    assert set(token["scope"].split()) == {"patient/Observation.rs", "launch/patient",
                                           "offline_access"}
    assert token["patient"] == str(camille.id) and token.get("refresh_token")
    # Stored hashed: the token itself is nowhere in the table.
    row = ServiceToken.select().order_by(ServiceToken.id.desc()).first()
    assert token["access_token"] not in (row.access_hash, row.refresh_hash)

    search = session.get(f"{BASE}/fhir/Observation", params={"code": "85354-9"})
    assert search.status_code == 200 and search.headers["Content-Type"].startswith(FHIR)
    bundle = Bundle.model_validate(search.json())
    assert bundle.type == "searchset"
    before = bundle.total
    refused(post_observation(session, blood_pressure(camille.id)), 403, "Consentement")
    assert journal("api.observation.create", outcome="denied", patient=camille.id)

    # The person allows the write purpose on "Services connectés": it applies at once.
    page = browser.get("/services/connectes/tensiometre-connecte")
    answer = browser.post("/services/connectes/tensiometre-connecte",
                          data=dict(hidden_fields(page), purposes=[str(read), str(write)]))
    assert answer.status_code == 303
    session2, token2 = connect(app, browser, [read, write])
    assert "patient/Observation.crs" in token2["scope"].split()
    created = post_observation(session2, blood_pressure(camille.id, 141, 91))
    assert created.status_code == 201, created.text
    observation = Observation.model_validate(created.json())
    measure = Measure.get_by_id(int(observation.id))
    assert (measure.kind, measure.value, measure.value2) == ("blood_pressure", 141, 91)
    assert created.headers["Location"].endswith(f"/fhir/Observation/{measure.id}")
    read_back = session2.get(f"{BASE}/fhir/Observation/{measure.id}")
    assert Observation.model_validate(read_back.json()).component[0].valueQuantity.value == 141
    again = Bundle.model_validate(session2.get(f"{BASE}/fhir/Observation",
                                               params={"code": "85354-9"}).json())
    assert again.total == before + 1
    # Journaled with the service as actor, and shown under the history's own filter.
    entry = journal("api.observation.create", outcome="ok", patient=camille.id)[-1]
    assert entry.actor_id is None and entry.actor_name == "Tensiomètre connecté"
    assert entry.via == "service"
    history = browser.get("/dossier/historique/?qui=services").get_data(as_text=True)
    assert "Ajout d’une mesure par un service connecté" in history
    assert "Tensiomètre connecté" in history
    everyone = browser.get("/dossier/historique/?qui=moi").get_data(as_text=True)
    assert "Ajout d’une mesure par un service connecté" not in everyone


def test_patient_read_needs_the_profile_purpose_and_only_the_tokens_person(
        app, login_as, person, ctx):
    camille = person("Camille")
    browser = login_as("camille")
    identify = purposes("rendez-vous-sante")[1]
    session = OAuth2Session("rdv-demo", redirect_uri="http://127.0.0.1:5003/callback",
                            scope="launch/patient patient/Patient.r",
                            code_challenge_method="S256")
    session.mount(BASE, FlaskAdapter(app.test_client()))
    verifier = generate_token(48)
    url, _ = session.create_authorization_url(f"{BASE}/oauth/authorize", code_verifier=verifier)
    split = urlsplit(url)
    answer = consent(browser, f"{split.path}?{split.query}", [identify])
    session.fetch_token(f"{BASE}/oauth/token", authorization_response=back_to_app(answer),
                        code_verifier=verifier)
    mine = session.get(f"{BASE}/fhir/Patient/{camille.id}")
    assert mine.status_code == 200
    resource = Patient.model_validate(mine.json())
    assert resource.name[0].family == "Martin" and resource.gender == "female"
    refused(session.get(f"{BASE}/fhir/Patient/{person('Jean').id}"), 404)
    # No measures purpose: the measures stay closed.
    refused(session.get(f"{BASE}/fhir/Observation"), 403)


def test_refresh_rotates_and_revocation_and_introspection(app, login_as, ctx):
    browser = login_as("camille")
    read, _write = purposes("tensiometre-connecte")
    session, token = connect(app, browser, [read])
    old_refresh = token["refresh_token"]
    fresh = session.refresh_token(f"{BASE}/oauth/token", refresh_token=old_refresh)
    assert fresh["access_token"] != token["access_token"] and fresh["refresh_token"] != old_refresh
    # The old refresh token is spent; the old access token too.
    reuse = session.post(f"{BASE}/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": old_refresh, "client_id": CLIENT_ID})
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    introspect = session.post(f"{BASE}/oauth/introspect", data={
        "token": fresh["access_token"], "client_id": CLIENT_ID}).json()
    assert introspect["active"] is True and "patient/Observation.rs" in introspect["scope"]
    assert session.get(f"{BASE}/fhir/Observation").status_code == 200
    revoked = session.revoke_token(f"{BASE}/oauth/revoke", token=fresh["access_token"])
    assert revoked.status_code == 200
    refused(session.get(f"{BASE}/fhir/Observation"), 401)
    assert session.post(f"{BASE}/oauth/introspect", data={
        "token": fresh["access_token"], "client_id": CLIENT_ID}).json() == {"active": False}


def test_pkce_is_required_and_checked(app, login_as):
    browser = login_as("camille")
    query = ("response_type=code&client_id=tensiometre-demo&redirect_uri="
             "http%3A%2F%2F127.0.0.1%3A5001%2Fcallback&scope=patient%2FObservation.rs&state=x")
    page = browser.get(f"/oauth/authorize?{query}")
    assert page.status_code == 400
    assert "Demande de connexion invalide" in page.get_data(as_text=True)
    plain = browser.get(f"/oauth/authorize?{query}&code_challenge={'a' * 43}"
                        "&code_challenge_method=plain")
    assert plain.status_code == 400
    # A wrong verifier gets no token.
    read, _write = purposes("tensiometre-connecte")
    session = oauth_session(app)
    path, _verifier = start(session)
    location = back_to_app(consent(browser, path, [read]))
    code = parse_qs(urlsplit(location).query)["code"][0]
    answer = session.post(f"{BASE}/oauth/token", withhold_token=True, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID, "code_verifier": generate_token(48)})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_refusing_sends_the_app_access_denied_and_records_nothing(app, login_as, person, ctx):
    from portal.connect.models import Consent
    browser = login_as("camille")
    path, _verifier = start(oauth_session(app))
    page = browser.get(path)
    answer = browser.post(path, data=dict(hidden_fields(page), refuser="1"))
    assert "error=access_denied" in back_to_app(answer)
    assert not Consent.select().where(Consent.person == person("Camille").id).exists()


def test_no_purpose_ticked_is_an_error_in_french(app, login_as):
    browser = login_as("camille")
    path, _verifier = start(oauth_session(app))
    page = browser.get(path)
    answer = browser.post(path, data=dict(hidden_fields(page), accepter="1"))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Cochez au moins une finalité, ou refusez." in html and "<title>Erreur : " in html


def test_bmi_and_implausible_values_are_refused_in_french_and_english(app, login_as, person,
                                                                       ctx):
    camille = person("Camille")
    browser = login_as("camille")
    session, _token = connect(app, browser, purposes("tensiometre-connecte"))
    bmi = {"resourceType": "Observation", "status": "final",
           "code": {"coding": [{"system": "http://loinc.org", "code": "39156-5"}]},
           "effectiveDateTime": "2026-11-20T08:00:00Z",
           "valueQuantity": {"value": 24.1, "system": "http://unitsofmeasure.org",
                             "code": "kg/m2"}}
    refused(post_observation(session, bmi), 422, "L’IMC ne se saisit pas")
    refused(post_observation(session, bmi, **{"Accept-Language": "en"}), 422,
            "BMI cannot be entered")
    refused(post_observation(session, blood_pressure(camille.id, systolic=400)), 422)
    refused(post_observation(session, blood_pressure(camille.id, when="2030-01-01T00:00:00Z")),
            422)
    refused(post_observation(session, blood_pressure(person("Jean").id)), 422)


def test_search_by_date_and_paging(app, login_as, person, ctx):
    browser = login_as("camille")
    session, _token = connect(app, browser, purposes("tensiometre-connecte"))
    camille = person("Camille")
    for day in ("2026-11-01", "2026-11-10", "2026-11-15"):
        created = post_observation(session, blood_pressure(camille.id, when=f"{day}T08:00:00Z"))
        assert created.status_code == 201
    page1 = Bundle.model_validate(session.get(f"{BASE}/fhir/Observation", params={
        "code": "http://loinc.org|85354-9", "date": "ge2026-11-01", "_count": 2}).json())
    window = Bundle.model_validate(session.get(f"{BASE}/fhir/Observation", params=[
        ("code", "85354-9"), ("date", "ge2026-11-05"), ("date", "le2026-11-10")]).json())
    assert window.total == 1
    assert window.entry[0].resource.effectiveDateTime.isoformat().startswith("2026-11-10")
    assert page1.total >= 3 and len(page1.entry) == 2
    next_link = [link.url for link in page1.link if link.relation == "next"][0]
    page2 = Bundle.model_validate(session.get(next_link).json())
    assert {e.resource.id for e in page2.entry}.isdisjoint({e.resource.id for e in page1.entry})
    refused(session.get(f"{BASE}/fhir/Observation", params={"date": "hier"}), 400)


def test_a_suspended_service_gets_401_at_once(app, login_as, ctx):
    from portal.connect.models import Service
    browser = login_as("camille")
    session, _token = connect(app, browser, purposes("tensiometre-connecte")[:1])
    assert session.get(f"{BASE}/fhir/Observation").status_code == 200
    operator = login_as("operateur")
    service = Service.get(Service.slug == "tensiometre-connecte")
    page = operator.get(f"/operateur/services/{service.id}")
    answer = operator.post(f"/operateur/services/{service.id}/statut",
                           data={"csrf_token": csrf_from(page), "status": "suspended"})
    assert answer.status_code == 303
    refused(session.get(f"{BASE}/fhir/Observation"), 401)
    # Nor can it start again: unknown client while suspended.
    assert browser.get(start(oauth_session(app))[0]).status_code == 400
    assert browser.get("/services/tensiometre-connecte").status_code == 404


def test_a_version_bump_grants_nothing_new_until_the_person_approves(app, login_as, person,
                                                                     ctx):
    from portal.connect.models import Purpose, Service
    camille = person("Camille")
    browser = login_as("camille")
    read, _write = purposes("tensiometre-connecte")
    session, _token = connect(app, browser, [read])
    # The operator widens the purpose the person approved: measures read AND write.
    operator = login_as("operateur")
    service = Service.get(Service.slug == "tensiometre-connecte")
    page = operator.get(f"/operateur/services/{service.id}/finalites/{read}")
    answer = operator.post(f"/operateur/services/{service.id}/finalites/{read}", data={
        "csrf_token": csrf_from(page), "label": "Suivre votre tension",
        "explanation": "Lire et ajouter.", "rights": ["measures:read", "measures:write"]})
    assert answer.status_code == 303
    assert Service.get_by_id(service.id).version == 2
    assert Purpose.get_by_id(read).right_set == {"measures:read", "measures:write"}
    refused(post_observation(session, blood_pressure(camille.id)), 403)
    connected = browser.get("/services/connectes").get_data(as_text=True)
    assert "Ce service a changé ce qu’il demande" in connected
    # Reading still works: what was approved stays.
    assert session.get(f"{BASE}/fhir/Observation").status_code == 200
    page = browser.get("/services/connectes/tensiometre-connecte")
    browser.post("/services/connectes/tensiometre-connecte",
                 data=dict(hidden_fields(page), purposes=[str(read)]))
    assert post_observation(session, blood_pressure(camille.id)).status_code == 201
    assert "Ce service a changé" not in browser.get("/services/connectes").get_data(
        as_text=True)


def test_disconnecting_revokes_tokens_notifies_and_journals(app, login_as, person, ctx):
    camille = person("Camille")
    browser = login_as("camille")
    session, token = connect(app, browser, purposes("tensiometre-connecte")[:1])
    assert outbox("camille", "Un service a été connecté à votre espace santé")
    page = browser.get("/services/connectes")
    html = page.get_data(as_text=True)
    assert "Tensiomètre connecté" in html and "lire : Mesures de santé" in html
    answer = browser.post("/services/connectes/tensiometre-connecte/deconnecter",
                          data=hidden_fields(page))
    assert answer.status_code == 303
    refused(session.get(f"{BASE}/fhir/Observation"), 401)
    refresh = session.post(f"{BASE}/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": token["refresh_token"],
        "client_id": CLIENT_ID})
    assert refresh.status_code == 400
    assert outbox("camille", "Un service a été déconnecté de votre espace santé")
    assert journal("services.connect", patient=camille.id)
    assert journal("services.disconnect", patient=camille.id)
    assert "Aucun service n’est connecté." in browser.get("/services/connectes").get_data(
        as_text=True)


def test_a_caregiver_cannot_connect_a_service_but_a_legal_representative_can(
        app, login_as, person, ctx):
    from portal.connect.models import Consent
    browser = login_as("camille")
    open_space(browser, person("Jean").id)  # Camille is Jean's caregiver (delegation)
    path, _verifier = start(oauth_session(app))
    assert browser.get(path).status_code == 403
    assert browser.get("/services/connectes").status_code == 403
    lina = person("Lina")
    open_space(browser, lina.id)  # and Lina's mother
    assert back_to_app(consent(browser, path, purposes("tensiometre-connecte")[:1]))
    given = Consent.get(Consent.person == lina.id)
    assert given.given_by.person_id == person("Camille").id


def test_a_mediator_cannot_connect_a_service(app, login_as, person):
    browser = login_as("sophie")
    open_space(browser, person("Jean").id)
    path, _verifier = start(oauth_session(app))
    assert browser.get(path).status_code == 403


def test_catalogue_search_and_category_without_javascript(app, login_as):
    browser = login_as("camille")
    html = browser.get("/services/").get_data(as_text=True)
    assert "Tensiomètre connecté" in html and "Rendez-vous santé" in html
    found = browser.get("/services/?q=glyc").get_data(as_text=True)
    assert "Glycémie facile" in found and "Tensiomètre connecté" not in found
    booking = browser.get("/services/?categorie=rendez_vous").get_data(as_text=True)
    assert "Rendez-vous santé" in booking and "Glycémie facile" not in booking
    page = browser.get("/services/tensiometre-connecte").get_data(as_text=True)
    assert "Le service ajoute dans vos mesures" in page
    assert "ajouter : Mesures de santé" in page


def test_operator_references_a_confidential_service_whose_secret_is_stored_hashed(
        app, login_as, ctx):
    from portal.connect.models import Service, ServiceClient
    operator = login_as("operateur")
    page = operator.get("/operateur/services/nouveau")
    answer = operator.post("/operateur/services/nouveau", data={
        "csrf_token": csrf_from(page), "name": "Pas à pas", "publisher": "Marche Démo",
        "description": "Compte vos pas.", "categories": ["bien_etre"],
        "redirect_uris": "https://pas.example.org/retour", "confidential": "y"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "affiché une seule fois" in html
    service = Service.get(Service.name == "Pas à pas")
    client = ServiceClient.get(ServiceClient.service == service.id)
    secret = re.search(r"affiché une seule fois.*?<bdi[^>]*>([^<]+)</bdi>", html, re.S).group(1)
    assert client.secret_hash and secret not in client.secret_hash
    assert client.check_client_secret(secret) and not client.is_public
    refused_uri = operator.post("/operateur/services/nouveau", data={
        "csrf_token": csrf_from(page), "name": "X", "publisher": "Y", "description": "Z",
        "redirect_uris": "http://evil.example.org/"})
    assert "Chaque adresse de retour doit commencer par https://" in refused_uri.get_data(
        as_text=True)
    assert login_as("camille").get("/operateur/services/").status_code == 403


def test_only_the_oauth_and_fhir_endpoints_skip_csrf(app, login_as):
    from portal.extensions import csrf
    # The whole app's list: any other POST of any area keeps its CSRF check.
    assert not csrf._exempt_blueprints
    assert set(csrf._exempt_views) == {"portal.connect.api.token", "portal.connect.api.revoke",
                      "portal.connect.api.introspect", "portal.connect.api.observation_create",
                      "portal.connect.api_records.document_create",
                      "portal.connect.api_records.appointment_create",
                      "portal.connect.api_records.appointment_update",
                      "portal.connect.api_records.appointment_delete"}
    # The consent screen's POST keeps it.
    browser = login_as("camille")
    path, _verifier = start(oauth_session(app))
    page = browser.get(path)
    fields = hidden_fields(page)
    fields.pop("csrf_token")
    assert browser.post(path, data=dict(fields, accepter="1",
                                        purposes=[str(purposes("tensiometre-connecte")[0])])
                        ).status_code == 400


def test_discovery_and_capability_statement(client):
    smart = client.get("/.well-known/smart-configuration").get_json()
    assert smart["code_challenge_methods_supported"] == ["S256"]
    assert smart["token_endpoint"].endswith("/oauth/token")
    assert "permission-v2" in smart["capabilities"]
    metadata = client.get("/fhir/metadata")
    assert metadata.headers["Content-Type"].startswith(FHIR)
    statement = CapabilityStatement.model_validate(metadata.get_json())
    assert statement.fhirVersion == "4.0.1"
    assert {r.type for r in statement.rest[0].resource} == {
        "Patient", "Observation", "DocumentReference", "Binary", "Appointment"}
    assert "patient/DocumentReference.c" in smart["scopes_supported"]


def test_the_api_is_rate_limited_per_client(app, login_as):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    browser = login_as("camille")
    session, _token = connect(app, browser, purposes("tensiometre-connecte")[:1])
    answers = [session.get(f"{BASE}/fhir/Observation").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused(session.get(f"{BASE}/fhir/Observation"), 429)


@pytest.mark.db
def test_connected_service_tables_on_both_databases(ctx, person):
    from portal.connect.models import Service
    assert Service.select().where(Service.slug == "tensiometre-connecte").exists()
