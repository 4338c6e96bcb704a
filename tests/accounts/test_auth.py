"""Logging in: password, then a one-time code by e-mail or from an authenticator app."""
from datetime import timedelta

import pyotp
import pytest
from conftest import DEMO_PASSWORD, ROLES, csrf_from, latest_code
from helpers import start_login, submit_code


def test_login_fields_carry_autocomplete_for_password_managers(client):
    html = client.get("/connexion").get_data(as_text=True)
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
    start_login(client, ROLES["camille"])
    code_page = client.get("/connexion/code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in code_page and 'inputmode="numeric"' in code_page


def test_login_with_email_code_reaches_the_patients_dossier(app, client):
    response = start_login(client, ROLES["camille"])
    assert response.headers["Location"].endswith("/connexion/code")
    assert client.get("/dossier/").status_code == 302  # not logged in until the code
    response = submit_code(client, latest_code(app, ROLES["camille"]))
    assert response.headers["Location"].endswith("/dossier/")
    page = client.get("/dossier/").get_data(as_text=True)
    assert "Mon dossier médical" in page and "Camille" in page


def test_each_role_lands_on_its_home(login_as):
    assert login_as("benali").get("/").headers["Location"].endswith("/espaces")
    assert login_as("sophie").get("/").headers["Location"].endswith("/espaces")
    assert login_as("operateur").get("/").headers["Location"].endswith("/annuaire/")


def test_the_header_link_goes_home_without_a_redirect(login_as, client):
    """On a slow network a redirect costs a round trip: the "Carnet" link points at the home
    itself, for each role, and at the login page for a visitor."""
    import re
    brand = re.compile(r'<a class="brand" href="([^"]+)"')
    for role, page, home in (("camille", "/dossier/", "/dossier/"),
                             ("benali", "/espaces", "/espaces"),
                             ("operateur", "/annuaire/", "/annuaire/")):
        body = login_as(role).get(page).get_data(as_text=True)
        assert brand.search(body).group(1) == home, role
    assert brand.search(client.get("/connexion").get_data(as_text=True)).group(1) == "/connexion"


def test_code_is_single_use(app, client, ctx):
    from portal.accounts.models import Account
    from portal.accounts.otp import check_login_code
    start_login(client, ROLES["jean"])
    code = latest_code(app, ROLES["jean"])
    assert submit_code(client, code).status_code == 302
    jean = Account.get(Account.email == ROLES["jean"])
    with app.test_request_context():
        assert check_login_code(jean, code) == "expired"  # no unused code is left


def test_a_new_code_replaces_the_previous_one(app, client):
    start_login(client, ROLES["jean"])
    first = latest_code(app, ROLES["jean"])
    client.post("/connexion/code/nouveau",
                data={"csrf_token": csrf_from(client.get("/connexion/code"))})
    second = latest_code(app, ROLES["jean"])
    if first != second:
        assert "Code incorrect" in submit_code(client, first).get_data(as_text=True)
    assert submit_code(client, second).status_code == 302


def test_expired_code_is_refused_with_a_clear_message(app, client, ctx):
    from portal.accounts.models import OneTimeCode, utcnow
    start_login(client, ROLES["amina"])
    code = latest_code(app, ROLES["amina"])
    OneTimeCode.update(expires_at=utcnow() - timedelta(seconds=1)).execute()
    page = submit_code(client, code).get_data(as_text=True)
    assert "Ce code a expiré" in page
    assert client.get("/dossier/").status_code == 302


def test_five_wrong_codes_send_the_person_back_to_the_password(app, client):
    start_login(client, ROLES["amina"])
    good = latest_code(app, ROLES["amina"])
    wrong = f"{(int(good) + 1) % 1000000:06d}"
    for _ in range(4):
        assert "Code incorrect" in submit_code(client, wrong).get_data(as_text=True)
    response = submit_code(client, wrong)
    assert response.headers["Location"].endswith("/connexion")
    assert client.get("/connexion/code").headers["Location"].endswith("/connexion")
    late = client.post("/connexion/code", data={"csrf_token": csrf_from(client.get("/connexion")),
                                                "code": good})
    assert late.headers["Location"].endswith("/connexion")


def test_malformed_code_gets_a_french_message_and_keeps_the_form(client):
    start_login(client, ROLES["amina"])
    page = submit_code(client, "12ab").get_data(as_text=True)
    assert "Le code comporte 6 chiffres" in page
    assert "<title>Erreur :" in page and 'aria-invalid="true"' in page


def test_wrong_password_and_unknown_account_read_the_same(client):
    a = start_login(client, ROLES["amina"], "not-the-password-at-all").get_data(as_text=True)
    b = start_login(client, "personne@example.org",
                    "not-the-password-at-all").get_data(as_text=True)
    assert "Adresse e-mail ou mot de passe incorrect." in a
    assert "Adresse e-mail ou mot de passe incorrect." in b
    assert 'value="amina.diallo@example.org"' in a  # what was typed is kept


def test_lockout_after_repeated_failures_never_reveals_the_account(app, client):
    for email in (ROLES["amina"], "inconnu@example.org"):
        fresh = app.test_client()
        for _ in range(5):
            assert start_login(fresh, email, "wrong-password-123").status_code == 200
        locked = start_login(fresh, email, "wrong-password-123")
        assert locked.status_code == 429
        text = locked.get_data(as_text=True)
        assert "Connexion suspendue" in text and email in text
    # even the right password is refused while the account is locked
    assert start_login(app.test_client(), ROLES["amina"]).status_code == 429
    # other accounts are not affected
    assert start_login(app.test_client(), ROLES["jean"]).status_code == 302


def test_ip_throttle_counts_failures_across_accounts(app):
    app.config["LOGIN_LIMIT_IP"] = "8 per 15 minutes"
    client = app.test_client()
    for i in range(8):
        assert start_login(client, f"user{i}@example.org", "wrong-password-123").status_code == 200
    assert start_login(client, "user99@example.org", "wrong-password-123").status_code == 429


def test_totp_login(app, client, ctx):
    from portal.accounts.models import Account
    from portal.accounts.otp import seal_secret
    secret = pyotp.random_base32()
    with app.app_context():
        sealed = seal_secret(secret)
    Account.update(second_factor="totp", totp_secret=sealed).where(
        Account.email == ROLES["jean"]).execute()
    start_login(client, ROLES["jean"])
    page = client.get("/connexion/code").get_data(as_text=True)
    assert "application d’authentification" in page
    assert submit_code(client, pyotp.TOTP(secret).now()).headers["Location"].endswith("/dossier/")


def test_totp_code_cannot_be_replayed(app, ctx):
    from portal.accounts.models import Account
    from portal.accounts.otp import seal_secret
    secret = pyotp.random_base32()
    with app.app_context():
        sealed = seal_secret(secret)
    Account.update(second_factor="totp", totp_secret=sealed).where(
        Account.email == ROLES["jean"]).execute()
    code = pyotp.TOTP(secret).now()
    first, second = app.test_client(), app.test_client()
    start_login(first, ROLES["jean"])
    assert submit_code(first, code).status_code == 302
    start_login(second, ROLES["jean"])
    assert "Code incorrect" in submit_code(second, code).get_data(as_text=True)


def confirm_identity_for(app, client, email, method):
    """The second-factor page's way in: an e-mailed code, the method, the current password."""
    page = client.get("/parametres/verification")
    client.post("/parametres/verification/code", data={"csrf_token": csrf_from(page)})
    return client.post("/parametres/verification", data={
        "csrf_token": csrf_from(page), "method": method, "current_password": DEMO_PASSWORD,
        "current_code": latest_code(app, email)})


def test_totp_setup_requires_a_valid_code(login_as, app, ctx):
    from portal.accounts.models import Account
    client = login_as("camille")
    confirm_identity_for(app, client, ROLES["camille"], "totp")
    page = client.get("/parametres/verification/application")
    html = page.get_data(as_text=True)
    with client.session_transaction() as s:
        secret = s["totp_setup"]
    bad = client.post("/parametres/verification/application",
                      data={"csrf_token": csrf_from(page), "secret": "1", "code": "000000"})
    assert "Ce code ne correspond pas" in bad.get_data(as_text=True)
    assert "Erreur :" in bad.get_data(as_text=True)
    assert secret[:4] in html
    ok = client.post("/parametres/verification/application",
                     data={"csrf_token": csrf_from(page), "secret": "1",
                           "code": pyotp.TOTP(secret).now()})
    assert ok.status_code == 302
    account = Account.get(Account.email == ROLES["camille"])
    assert account.second_factor == "totp" and secret not in account.totp_secret


def test_second_factor_is_mandatory_for_professionals(login_as):
    client = login_as("benali")
    page = client.get("/parametres/verification")
    assert 'value="none"' not in page.get_data(as_text=True)
    response = client.post("/parametres/verification",
                           data={"csrf_token": csrf_from(page), "method": "none"})
    assert response.status_code == 200
    assert "Not a valid choice" not in response.get_data(as_text=True)


def test_patient_may_turn_the_second_factor_off(app, login_as):
    client = login_as("amina")
    page = client.get("/parametres/verification")
    assert 'value="none"' in page.get_data(as_text=True)
    confirm_identity_for(app, client, ROLES["amina"], "none")
    client.post("/parametres/verification/desactiver",
                data={"csrf_token": csrf_from(page), "understood": "y"})
    fresh = app.test_client()
    assert start_login(fresh, ROLES["amina"]).headers["Location"].endswith("/dossier/")


@pytest.mark.parametrize("password, message", [
    ("court", "au moins 12 caractères"),
    ("azertyuiop12", "trop courant"),
    ("x" * 129, "dépasser 128"),
    ("aaaaaaaaaaaaaa", "trop courant"),
])
def test_password_policy_messages(password, message):
    from portal.accounts.passwords import password_problem
    from portal import create_app
    from portal.config import TestConfig
    with create_app(TestConfig, DATABASE_URL="sqlite://").test_request_context():
        assert message in str(password_problem(password))


def test_password_policy_accepts_a_long_passphrase_and_the_demo_password():
    from portal.accounts.passwords import password_problem
    assert password_problem("la mer est calme ce matin") is None
    assert password_problem(DEMO_PASSWORD) is None


def test_passwords_are_hashed_with_argon2id(ctx):
    from portal.accounts.models import Account
    assert Account.get(Account.email == ROLES["camille"]).password_hash.startswith("$argon2id$")
