"""Changing what protects an account (password, second factor, closing the space) asks again
who one is: the current password, and the current second factor's code when it changes;
throttled like a login, journaled, and told by a security e-mail that cannot be turned off."""
import pyotp
import pytest
from conftest import DEMO_PASSWORD, ROLES, csrf_from, hidden_fields, journal, latest_code

NEW_PASSWORD = "une phrase de passe toute neuve"
SECURITY_SUBJECTS = ("Carnet : la sécurité de votre compte a changé",
                     "Votre espace Carnet est fermé")


def _account(email):
    from portal.accounts.models import Account
    return Account.get(Account.email == email)


def _security_mails(email):
    from portal.mail import OutboxMessage
    return list(OutboxMessage.select().where(OutboxMessage.to == email,
                                             OutboxMessage.subject.in_(SECURITY_SUBJECTS)))


def _reauth_code(app, client, email):
    """Ask for the e-mailed code that confirms a change, as the page's button does."""
    page = client.get("/parametres/verification")
    response = client.post("/parametres/verification/code",
                           data={"csrf_token": csrf_from(page), "method": "email"})
    assert response.status_code == 302
    return latest_code(app, email)


def change_password(client, current=DEMO_PASSWORD, new=NEW_PASSWORD):
    page = client.get("/parametres/mot-de-passe")
    return client.post("/parametres/mot-de-passe", data={
        "csrf_token": csrf_from(page), "current_password": current, "new_password": new,
        "confirm": new})


def change_factor(client, method, current=DEMO_PASSWORD, code=""):
    page = client.get("/parametres/verification")
    return client.post("/parametres/verification", data={
        "csrf_token": csrf_from(page), "method": method, "current_password": current,
        "current_code": code})


def close_space(client, current=DEMO_PASSWORD):
    page = client.get("/parametres/fermer-mon-espace")
    return client.post("/parametres/fermer-mon-espace", data={
        **hidden_fields(page), "reason": "", "understood": "y", "password": current})


def _unchanged(email, password_hash, factor):
    account = _account(email)
    return (account.password_hash == password_hash and account.second_factor == factor
            and account.is_active)


# --- refused without, or with a wrong, current password ------------------------------------------

@pytest.mark.parametrize("current", ["", "not-the-password-at-all"])
@pytest.mark.parametrize("action", ["password", "second_factor", "close"])
def test_each_change_is_refused_without_the_right_current_password(app, login_as, ctx,
                                                                   action, current):
    client = login_as("amina")
    before = _account(ROLES["amina"])
    if action == "password":
        response = change_password(client, current=current)
    elif action == "second_factor":
        response = change_factor(client, "totp", current=current,
                                 code=_reauth_code(app, client, ROLES["amina"]))
    else:
        response = close_space(client, current=current)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Erreur :" in html
    assert ("Saisissez votre mot de passe" in html) if not current else (
        "Le mot de passe est incorrect." in html)
    assert _unchanged(ROLES["amina"], before.password_hash, before.second_factor)
    assert client.get("/parametres/verification/application").status_code == 302


def test_changing_the_second_factor_needs_the_current_factors_code(app, login_as, ctx):
    from portal.accounts.models import Account
    from portal.accounts.otp import seal_secret
    secret = pyotp.random_base32()
    with app.app_context():
        sealed = seal_secret(secret)
    client = login_as("jean")  # (login_as reads the e-mail code: give Jean an app afterwards)
    Account.update(second_factor="totp", totp_secret=sealed).where(
        Account.email == ROLES["jean"]).execute()
    page = client.get("/parametres/verification").get_data(as_text=True)
    assert "Code affiché par votre application d’authentification" in page
    wrong = change_factor(client, "email", code="000000" if pyotp.TOTP(secret).now() != "000000"
                          else "111111")
    assert "Ce code est incorrect" in wrong.get_data(as_text=True)
    assert _account(ROLES["jean"]).second_factor == "totp"
    missing = change_factor(client, "email", code="")
    assert "Saisissez le code à 6 chiffres." in missing.get_data(as_text=True)
    assert change_factor(client, "email", code=pyotp.TOTP(secret).now()).status_code == 302
    assert _account(ROLES["jean"]).second_factor == "email"


def test_pairing_an_app_only_follows_a_confirmed_identity(app, login_as, ctx):
    client = login_as("camille")
    response = client.get("/parametres/verification/application")
    assert response.status_code == 302 and "/parametres/verification" in response.location
    code = _reauth_code(app, client, ROLES["camille"])
    response = change_factor(client, "totp", code=code)
    assert response.headers["Location"].endswith("/parametres/verification/application")
    page = client.get("/parametres/verification/application")
    assert page.status_code == 200
    with client.session_transaction() as s:
        secret = s["totp_setup"]
    ok = client.post("/parametres/verification/application", data={
        "csrf_token": csrf_from(page), "secret": "1", "code": pyotp.TOTP(secret).now()})
    assert ok.status_code == 302
    assert _account(ROLES["camille"]).second_factor == "totp"
    assert journal("account.second_factor_changed", detail="totp")


# --- throttled like a login -----------------------------------------------------------------

@pytest.mark.parametrize("action", ["password", "second_factor", "close"])
def test_the_sixth_wrong_try_is_throttled_even_with_the_right_password(app, login_as, ctx,
                                                                       action):
    client = login_as("amina")
    before = _account(ROLES["amina"])

    def attempt(current):
        if action == "password":
            return change_password(client, current=current)
        if action == "second_factor":
            return change_factor(client, "totp", current=current,
                                 code=_reauth_code(app, client, ROLES["amina"])
                                 if current == DEMO_PASSWORD else "123456")
        return close_space(client, current=current)

    statuses = [attempt(f"wrong-password-{i}").status_code for i in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure fills the counter
    response = attempt(DEMO_PASSWORD)
    assert response.status_code == 429
    assert "Trop de tentatives incorrectes" in response.get_data(as_text=True)
    assert _unchanged(ROLES["amina"], before.password_hash, before.second_factor)
    failures = journal("account.reauth_failed", outcome="denied")
    assert len(failures) == 5
    assert {e.actor.email for e in failures} == {ROLES["amina"]}
    assert all(e.patient_id == before.person_id for e in failures)


# --- journal and security e-mail, whatever the notification choices ------------------------

def _all_notifications_off(email):
    from portal.notifications import preferences, save_preferences
    account = _account(email)
    save_preferences(account, dict.fromkeys(preferences(account), False))


def test_password_change_is_journaled_and_emailed_even_with_notifications_off(app, login_as,
                                                                             ctx):
    client = login_as("amina")
    _all_notifications_off(ROLES["amina"])
    assert change_password(client).status_code == 302
    assert journal("account.reauth", detail="password")
    changed = journal("account.password_changed")
    assert len(changed) == 1 and changed[0].actor.email == ROLES["amina"]
    mails = _security_mails(ROLES["amina"])
    assert len(mails) == 1
    assert "mot de passe de votre compte Carnet a été changé" in mails[0].body
    assert "Si ce n’est pas vous" in mails[0].body


def test_second_factor_change_is_emailed_even_with_notifications_off(app, login_as, ctx):
    client = login_as("benali")
    _all_notifications_off(ROLES["benali"])
    code = _reauth_code(app, client, ROLES["benali"])
    assert change_factor(client, "totp", code=code).status_code == 302
    page = client.get("/parametres/verification/application")
    with client.session_transaction() as s:
        secret = s["totp_setup"]
    client.post("/parametres/verification/application", data={
        "csrf_token": csrf_from(page), "secret": "1", "code": pyotp.TOTP(secret).now()})
    mails = _security_mails(ROLES["benali"])
    assert len(mails) == 1 and "application d’authentification" in mails[0].body


def test_closing_is_emailed_as_security_even_with_notifications_off(app, login_as, ctx):
    client = login_as("amina")
    _all_notifications_off(ROLES["amina"])
    assert close_space(client).status_code == 303
    mails = _security_mails(ROLES["amina"])
    assert len(mails) == 1 and "/attestation/" in mails[0].body
    assert journal("account.reauth", detail="close")


# --- who may log in with the password alone ------------------------------------------------------

@pytest.mark.parametrize("role", ["benali", "sophie", "operateur"])
def test_professionals_mediators_and_operators_never_turn_the_second_factor_off(
        app, login_as, ctx, role):
    from portal.accounts.reauth import set_second_factor
    client = login_as(role)
    assert 'value="none"' not in client.get("/parametres/verification").get_data(as_text=True)
    code = _reauth_code(app, client, ROLES[role])
    response = change_factor(client, "none", code=code)
    assert response.status_code == 200
    assert _account(ROLES[role]).second_factor == "email"
    assert client.get("/parametres/verification/desactiver").status_code == 403
    with app.test_request_context(), pytest.raises(ValueError):
        set_second_factor(_account(ROLES[role]), "none")
    assert _account(ROLES[role]).second_factor == "email"


def test_a_patient_turning_it_off_goes_through_a_warning(app, login_as, ctx):
    client = login_as("amina")
    code = _reauth_code(app, client, ROLES["amina"])
    response = change_factor(client, "none", code=code)
    assert response.headers["Location"].endswith("/parametres/verification/desactiver")
    assert _account(ROLES["amina"]).second_factor == "email"  # not yet
    page = client.get("/parametres/verification/desactiver")
    html = page.get_data(as_text=True)
    assert "votre mot de passe suffit pour ouvrir votre compte" in html
    assert "Garder la vérification en deux étapes" in html
    unticked = client.post("/parametres/verification/desactiver",
                           data={"csrf_token": csrf_from(page)})
    assert "Cochez la case" in unticked.get_data(as_text=True)
    assert _account(ROLES["amina"]).second_factor == "email"
    done = client.post("/parametres/verification/desactiver",
                       data={"csrf_token": csrf_from(page), "understood": "y"})
    assert done.status_code == 302
    assert _account(ROLES["amina"]).second_factor == "none"
    assert "est désactivée" in _security_mails(ROLES["amina"])[0].body


def test_the_warning_page_needs_a_fresh_confirmation(login_as, ctx):
    client = login_as("amina")
    response = client.get("/parametres/verification/desactiver")
    assert response.status_code == 302 and "methode=none" in response.location
