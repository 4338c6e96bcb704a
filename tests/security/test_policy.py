"""Deny by default: every endpoint has a rule; spaces open only through a known relationship."""
import pytest
from conftest import csrf_from, hidden_fields, open_space

# Endpoints reachable without logging in: keep this list short and explicit.
PUBLIC_ENDPOINTS = {
    "accounts.index", "accounts.login", "accounts.login_code", "accounts.resend_code",
    "accounts.recovery_request", "accounts.recovery_code", "accounts.recovery_password",
    "pages.accessibility", "pages.language", "static",
    "accounts.activation_link", "accounts.activate",  # a young adult's activation (token)
    "lifecycle.opposition",  # opposing from the activation invitation (token + identity)
    "accounts.new_code",  # a new provisional code (identity + the old letter's reference)
    "accounts.counter_recovery",  # a counter's recovery code (code + identity)
    "lifecycle.proof", "lifecycle.proof_pdf",  # a closure's proof, behind its private link
    "agenda.feed",  # the private calendar subscription (token; revocable)
    # Connected services' apps: client authentication or a bearer token, never a session
    "connect.token", "connect.revoke", "connect.introspect", "connect.smart_configuration",
    "connect.metadata", "connect.patient_read", "connect.observation_read",
    "connect.observation_search", "connect.observation_create",
    "connect.document_search", "connect.document_read", "connect.binary_read",
    "connect.document_create", "connect.appointment_search", "connect.appointment_read",
    "connect.appointment_create", "connect.appointment_update", "connect.appointment_delete",
}


def test_every_endpoint_has_a_policy_rule_or_is_listed_public(app):
    from portal.policy import PUBLIC, RULES
    missing, unexpected_public = [], []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        action = getattr(view, "_policy_action", None)
        if action is None or (action != PUBLIC and action not in RULES):
            missing.append(rule.endpoint)
        elif action == PUBLIC and rule.endpoint not in PUBLIC_ENDPOINTS:
            unexpected_public.append(rule.endpoint)
    assert not missing, f"endpoints without @requires/@public: {missing}"
    assert not unexpected_public, f"public endpoints not listed in the test: {unexpected_public}"


def test_anonymous_requests_to_protected_pages_go_to_login(app, client):
    from portal.policy import PUBLIC
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint == "static" or getattr(view, "_policy_action", None) == PUBLIC:
            continue
        url = rule.build({arg: 1 for arg in rule.arguments} | {"handle": "x" * 16})[1]
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        assert response.status_code in (302, 400), (rule.endpoint, response.status_code)
        if response.status_code == 302:
            assert "/connexion" in response.headers["Location"], rule.endpoint


@pytest.mark.parametrize("role, target, allowed", [
    ("camille", "Lina", True),     # legal representative
    ("camille", "Jean", True),     # caregiver under delegation
    ("camille", "Amina", False),   # no relationship
    ("jean", "Camille", False),
    ("amina", "Jean", False),
    ("sophie", "Jean", True),      # mandate
    ("sophie", "Camille", False),
    ("benali", "Camille", True),   # médecin traitant
    ("benali", "Amina", False),    # no open patient search
    ("girard", "Jean", True),      # authorised pharmacist
    ("girard", "Camille", False),
    ("lefevre", "Jean", False),    # emergency access comes with its own rules
])
def test_spaces_open_only_through_a_relationship(login_as, person, role, target, allowed):
    client = login_as(role)
    response = open_space(client, person(target).id)
    if allowed:
        assert response.status_code == 302
        assert target in client.get("/dossier/").get_data(as_text=True)
    else:
        assert response.status_code == 404
        assert target not in client.get("/espaces").get_data(as_text=True)


def test_operator_never_reaches_any_space(login_as, person):
    client = login_as("operateur")
    for name in ("Camille", "Jean", "Lina", "Amina"):
        assert open_space(client, person(name).id).status_code in (403, 404)
    assert client.get("/dossier/").status_code == 403
    assert client.get("/proches").status_code == 403
    assert client.get("/annuaire/").status_code == 200


def test_acting_for_banner_names_the_patient(login_as, person):
    client = login_as("camille")
    open_space(client, person("Jean").id)
    page = client.get("/dossier/").get_data(as_text=True)
    assert "Vous agissez pour" in page and "Jean Dupont" in page
    assert "Proche aidante (délégation)" in page  # Camille: agreed


def test_scope_outside_the_relationship_is_a_403_with_an_explanation(login_as, person):
    client = login_as("camille")
    open_space(client, person("Jean").id)
    response = client.get("/proches")  # a caregiver may not manage Jean's other caregivers
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "Jean Dupont" in text and "ne permet pas cette action" in text


def test_navigation_shows_only_what_the_scope_allows(login_as, person):
    client = login_as("camille")
    own = client.get("/dossier/").get_data(as_text=True)
    assert 'href="/proches"' in own
    open_space(client, person("Jean").id)
    acting = client.get("/dossier/").get_data(as_text=True)
    assert 'href="/proches"' not in acting


def test_mediator_without_documents_task_cannot_read_the_dossier(login_as, person, ctx):
    from portal.proxies.models import Mandate
    Mandate.update(tasks="agenda").execute()
    client = login_as("sophie")
    open_space(client, person("Jean").id)
    assert client.get("/dossier/").status_code == 403


def test_blocking_a_professional_takes_effect_on_the_next_request(login_as, person, ctx):
    from portal.access.models import Grant
    client = login_as("girard")
    open_space(client, person("Jean").id)
    assert client.get("/dossier/").status_code == 200
    Grant.update(blocked=True).where(Grant.patient == person("Jean").id).execute()
    assert client.get("/dossier/").status_code == 403


def test_ending_a_delegation_ends_the_caregivers_sessions_acting_under_it(app, login_as, person):
    caregiver = login_as("camille")
    open_space(caregiver, person("Jean").id)
    assert caregiver.get("/dossier/").status_code == 200
    other_tab = login_as("camille")  # another session of Camille, in her own space
    jean = login_as("jean")
    page = jean.get("/proches")
    text = page.get_data(as_text=True)
    assert "Camille Martin" in text
    import re
    delegation_id = re.search(r"/proches/delegations/(\d+)/fin", text).group(1)
    response = jean.post(f"/proches/delegations/{delegation_id}/fin", data=hidden_fields(page))
    assert response.status_code == 302
    assert caregiver.get("/dossier/").status_code == 302  # that session has ended
    assert other_tab.get("/dossier/").status_code == 200  # her own-space session goes on
    assert open_space(other_tab, person("Jean").id).status_code == 404


def test_a_delegation_cannot_be_ended_by_a_stranger(login_as, person, ctx):
    from portal.proxies.models import Delegation
    delegation = Delegation.get()
    client = login_as("amina")
    data = {"csrf_token": csrf_from(client.get("/proches")), "_space": person("Amina").id}
    response = client.post(f"/proches/delegations/{delegation.id}/fin", data=data)
    assert response.status_code == 404
    assert Delegation.get_by_id(delegation.id).ended_at is None


def test_expired_delegation_gives_no_access(login_as, person, ctx):
    from datetime import date, timedelta
    from portal.proxies.models import Delegation
    Delegation.update(ends_on=date.today() - timedelta(days=1)).execute()
    assert open_space(login_as("camille"), person("Jean").id).status_code == 404


def test_guardianship_ends_at_eighteen_is_not_bypassed_by_a_stale_session(login_as, person, ctx):
    from portal.accounts.models import utcnow
    from portal.proxies.models import Guardianship
    client = login_as("camille")
    open_space(client, person("Lina").id)
    assert client.get("/dossier/").status_code == 200
    Guardianship.update(ended_at=utcnow()).execute()
    response = client.get("/dossier/")
    # the stale space is forgotten: Camille is back in her own space, not Lina's
    assert response.status_code == 200 and "Mon dossier médical" in response.get_data(as_text=True)


def test_a_form_shown_for_another_space_is_refused_and_changes_nothing(login_as, person, ctx):
    from portal.proxies.models import Delegation
    jean = login_as("jean")
    page = jean.get("/proches")  # the form carries Jean's space
    fields = hidden_fields(page)
    assert fields["_space"] == str(person("Jean").id)
    delegation = Delegation.get()
    fields["_space"] = str(person("Camille").id)
    response = jean.post(f"/proches/delegations/{delegation.id}/fin", data=fields)
    assert response.status_code == 409
    assert "Rien n’a été modifié" in response.get_data(as_text=True)
    assert Delegation.get_by_id(delegation.id).ended_at is None


def test_banner_and_menu_stay_the_same_on_account_pages(login_as, person):
    client = login_as("camille")
    open_space(client, person("Jean").id)
    dossier = client.get("/dossier/").get_data(as_text=True)
    for url in ("/parametres/", "/espaces", "/parametres/sessions"):
        page = client.get(url).get_data(as_text=True)
        assert "Vous agissez pour Jean Dupont" in page, url
        assert 'href="/dossier/"' in page and 'href="/dossier/"' in dossier, url


def test_account_actions_are_not_journaled_against_the_open_space(login_as, person, ctx):
    from portal.audit import ActivityEvent
    client = login_as("camille")
    open_space(client, person("Jean").id)
    page = client.get("/parametres/sessions")
    client.post("/parametres/sessions/fin-autres", data={"csrf_token": csrf_from(page)})
    event = ActivityEvent.select().where(ActivityEvent.action == "account.sessions_ended").get()
    assert event.patient_id is None and event.via == ""


def test_current_account_is_the_account_flask_login_loaded(app, login_as, monkeypatch):
    """policy.current_account (read by the code every page runs, instead of the current_user
    proxy) is the very account flask_login loaded for the request, loaded once; None for a
    visitor and outside a request."""
    from flask import g
    from flask_login import current_user

    from portal import policy
    client = login_as("camille")
    seen = []
    real = policy.current_account

    def watching():
        account = real()
        seen.append((account, current_user._get_current_object(), g.get("_login_user")))
        return account

    monkeypatch.setattr(policy, "current_account", watching)
    assert client.get("/dossier/").status_code == 200
    assert seen and all(account is user is kept for account, user, kept in seen)
    assert seen[0][0].email == "camille.martin@example.org"
    with app.test_request_context("/"):
        assert real() is None  # a visitor
    assert real() is None  # no request
