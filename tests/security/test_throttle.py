"""The one throttle of everything typed as a proof (codes, identities), and the client address
it counts by, behind reverse proxies or not."""
from conftest import DEMO_PASSWORD, ROLES, csrf_from, journal


def _login(client, email, password, forwarded=None, peer="10.0.0.2"):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    environ = {"REMOTE_ADDR": peer}
    page = client.get("/connexion", headers=headers, environ_base=environ)
    return client.post("/connexion", headers=headers, environ_base=environ,
                       data={"csrf_token": csrf_from(page), "email": email,
                             "password": password})


def _app_behind(app, proxies):
    """The same database and files, served behind `proxies` trusted reverse proxies."""
    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import limiter
    application = create_app(TestConfig, DATABASE_URL=app.config["DATABASE_URL"],
                             STORAGE_DIR=app.config["STORAGE_DIR"], TRUSTED_PROXIES=proxies)
    application.config["LOGIN_LIMIT_IP"] = "8 per 15 minutes"
    limiter.reset()
    return application


# --- item 5: the client's address behind reverse proxies -----------------------------------------

def test_without_a_trusted_proxy_x_forwarded_for_cannot_dodge_the_ip_limit(app):
    assert app.config["TRUSTED_PROXIES"] == 0  # the default
    app.config["LOGIN_LIMIT_IP"] = "8 per 15 minutes"
    client = app.test_client()
    for i in range(8):
        response = _login(client, f"user{i}@example.org", "wrong-password-123",
                          forwarded=f"198.51.100.{i}")
        assert response.status_code == 200
    assert _login(client, "user99@example.org", "wrong-password-123",
                  forwarded="198.51.100.99").status_code == 429


def test_behind_one_proxy_people_sharing_its_address_are_counted_apart(app):
    proxied = _app_behind(app, 1)
    attacker, neighbour = proxied.test_client(), proxied.test_client()
    for i in range(8):
        # whatever the attacker writes first, the proxy appends the address it saw
        response = _login(attacker, f"user{i}@example.org", "wrong-password-123",
                          forwarded=f"192.0.2.{i}, 203.0.113.7")
        assert response.status_code == 200
    assert _login(attacker, "user99@example.org", "wrong-password-123",
                  forwarded="192.0.2.99, 203.0.113.7").status_code == 429
    # someone else behind the same proxy (same socket peer) is not locked out
    response = _login(neighbour, ROLES["jean"], DEMO_PASSWORD, forwarded="198.51.100.20")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/connexion/code")


def test_behind_one_proxy_the_journal_records_the_clients_address(app, ctx):
    from portal.audit import ActivityEvent
    proxied = _app_behind(app, 1)
    _login(proxied.test_client(), ROLES["amina"], "wrong-password-123",
           forwarded="198.51.100.33")
    event = ActivityEvent.select().where(ActivityEvent.action == "auth.login_failed").order_by(
        ActivityEvent.id.desc()).first()
    assert event.ip == "198.51.100.33"


# --- item 6: every code-entry form and identity lookup, one throttle ---------------------------

def _post_form(client, path, **data):
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={"csrf_token": csrf_from(page), **data})


def _wrong(code):
    return "000000" if code != "000000" else "111111"


def test_login_code_tries_are_not_renewed_by_logging_in_again(app, client):
    from conftest import latest_code
    _login(client, ROLES["amina"], DEMO_PASSWORD)
    wrong = _wrong(latest_code(app, ROLES["amina"]))
    for _ in range(5):
        _post_form(client, "/connexion/code", code=wrong)
    # The password again gives a new code, but no new tries for this account.
    assert _login(client, ROLES["amina"], DEMO_PASSWORD).status_code == 302
    response = _post_form(client, "/connexion/code", code=latest_code(app, ROLES["amina"]))
    assert response.status_code == 429
    assert "Trop de tentatives incorrectes" in response.get_data(as_text=True)
    assert client.get("/dossier/").status_code == 302  # not logged in
    # Another account from another address is not concerned.
    other = app.test_client()
    _login(other, ROLES["jean"], DEMO_PASSWORD, peer="10.0.0.9")
    assert _post_form(other, "/connexion/code",
                      code=latest_code(app, ROLES["jean"])).status_code == 302


def test_a_new_mandate_request_does_not_give_new_code_tries(app, login_as, person, ctx):
    from conftest import latest_code

    from portal.accounts.nir import with_key
    from portal.proxies.models import Mandate
    sophie = login_as("sophie")
    amina = {"nir": with_key("2921175112078"), "birth_date": "30/11/1992"}

    def ask():
        response = _post_form(sophie, "/mandats/nouveau", **amina, tasks=["agenda"],
                              duration="3m", present="y")
        assert response.status_code == 303
        return response.headers["Location"]

    location = ask()
    wrong = _wrong(latest_code(app, "amina.diallo@example.org"))
    for _ in range(5):
        _post_form(sophie, location, code=wrong)  # the fifth cancels the request
    location = ask()  # a new request, a new code: still no more tries
    response = _post_form(sophie, location, code=latest_code(app, "amina.diallo@example.org"))
    assert response.status_code == 429
    assert "Trop de tentatives incorrectes" in response.get_data(as_text=True)
    assert not Mandate.select().where(Mandate.patient == person("Amina").id,
                                      Mandate.confirmed_at.is_null(False)).exists()


def test_failed_emergency_identity_lookups_are_journaled_and_throttled(login_as, person, ctx):
    from portal.accounts.nir import with_key
    from portal.emergency.models import EmergencyAccess
    lefevre = login_as("lefevre")
    jean = {"nir": with_key("1440219031012"), "reason": "Malaise au domicile, appel au 15.",
            "confirm": "y"}
    for _ in range(5):
        response = _post_form(lefevre, "/urgence/", **jean, birth_date="12/02/1944")
        assert response.status_code == 200
        assert "Aucun dossier ne correspond" in response.get_data(as_text=True)
    failures = journal("identity.lookup_failed", outcome="denied")
    assert len(failures) == 5
    assert {e.actor.email for e in failures} == {ROLES["lefevre"]}
    assert all(e.patient_id is None and "1440219031012" not in e.detail for e in failures)
    # the sixth try is refused, even with the right identity
    response = _post_form(lefevre, "/urgence/", **jean, birth_date="11/02/1944")
    assert response.status_code == 429
    assert "Trop de tentatives incorrectes" in response.get_data(as_text=True)
    assert EmergencyAccess.select().count() == 0


def test_identity_lookups_at_a_counter_share_the_same_throttle(login_as, ctx):
    from portal.accounts.nir import with_key
    sophie = login_as("sophie")
    wrong = {"nir": with_key("1440219031012"), "birth_date": "12/02/1944",
             "tasks": ["agenda"], "duration": "3m", "present": "y"}
    for _ in range(5):
        assert _post_form(sophie, "/mandats/nouveau", **wrong).status_code == 200
    assert len(journal("identity.lookup_failed", outcome="denied")) == 5
    right = wrong | {"birth_date": "11/02/1944"}
    assert _post_form(sophie, "/mandats/nouveau", **right).status_code == 429


def test_pairing_an_app_counts_wrong_codes_in_the_same_throttle(app, login_as, ctx):
    import pyotp
    from conftest import latest_code

    from portal.accounts.models import Account
    client = login_as("camille")
    page = client.get("/parametres/verification")
    client.post("/parametres/verification/code", data={"csrf_token": csrf_from(page)})
    client.post("/parametres/verification", data={
        "csrf_token": csrf_from(page), "method": "totp", "current_password": DEMO_PASSWORD,
        "current_code": latest_code(app, ROLES["camille"])})
    page = client.get("/parametres/verification/application")
    with client.session_transaction() as s:
        secret = s["totp_setup"]
    right = pyotp.TOTP(secret).now()
    data = {"csrf_token": csrf_from(page), "secret": "1"}
    for _ in range(5):
        response = client.post("/parametres/verification/application",
                               data=data | {"code": _wrong(right)})
        assert "Ce code ne correspond pas" in response.get_data(as_text=True)
    response = client.post("/parametres/verification/application", data=data | {"code": right})
    assert response.status_code == 429
    assert "Trop de tentatives incorrectes" in response.get_data(as_text=True)
    assert Account.get(Account.email == ROLES["camille"]).second_factor == "email"


def test_an_invitations_activation_and_opposition_share_one_counter(app, person, ctx):
    from portal.accounts.invites import issue_invite
    from portal.lifecycle.models import current_closure
    lina = person("Lina")
    with app.app_context():
        _invite, token = issue_invite(lina)
    client = app.test_client()
    client.get(f"/activation/{token}")
    identity = {"nir": lina.nir, "birth_date": "03/09/2015"}  # one day off
    activation = {**identity, "email": "lina.martin@example.org",
                  "new_password": "mon velo rouge part en vacances",
                  "confirm": "mon velo rouge part en vacances"}
    for _ in range(3):
        assert _post_form(client, "/activation", **activation).status_code == 200
    for _ in range(2):
        assert _post_form(client, "/activation/opposition", **identity,
                          understood="y").status_code == 200
    # five failures against this invitation, whatever the page: the right identity is refused
    response = _post_form(client, "/activation/opposition", **identity | {
        "birth_date": "02/09/2015"}, understood="y")
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Trop de tentatives incorrectes" in html and "<title>Erreur :" in html
    assert f'value="{lina.nir}"' in html  # what was typed is kept
    assert current_closure(lina.id) is None
    assert len(journal("account.activation_failed", outcome="denied")) == 5


def test_the_app_wide_limit_check_is_left_out_only_while_there_is_no_app_wide_limit(
        app, monkeypatch):
    """portal.drop_idle_limit_check: the before-request check of app-wide limits is left out
    because Carnet has none (every limit is a route's own, checked by the route); an
    application, default or blueprint limit puts it back."""
    from flask import Flask

    from portal import drop_idle_limit_check
    from portal.extensions import limiter
    assert limiter._check_request_limit not in app.before_request_funcs.get(None, [])
    manager = limiter.limit_manager
    for name in ("application_limits", "default_limits", "_blueprint_limits"):
        other = Flask(__name__)
        other.before_request(limiter._check_request_limit)
        with monkeypatch.context() as patch:
            patch.setattr(type(manager), name, property(lambda self: ["10 per minute"]),
                          raising=False)
            drop_idle_limit_check(other)
        assert limiter._check_request_limit in other.before_request_funcs[None], name
