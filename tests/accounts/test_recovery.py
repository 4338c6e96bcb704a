""""Mot de passe oublié": a code by e-mail, then a new password; every session ends, a security
e-mail in the account's language, journaled, throttled, and the same answer whether or not the
address has an account."""
from datetime import datetime, timedelta, timezone

import pyotp
import time_machine
from conftest import (DEMO_PASSWORD, ROLES, account, csrf_from, journal, latest_code,
                      latest_mail, outbox, text)
from helpers import start_login

NEW_PASSWORD = "une phrase de passe retrouvée"
UNKNOWN = "personne.inconnue@exemple.fr"


def ask_code(client, email):
    page = client.get("/mot-de-passe-oublie")
    return client.post("/mot-de-passe-oublie", data={"csrf_token": csrf_from(page),
                                                     "email": email})


def type_code(client, code):
    page = client.get("/mot-de-passe-oublie/code")
    return client.post("/mot-de-passe-oublie/code", data={"csrf_token": csrf_from(page),
                                                          "code": code})


def new_password(client, password=NEW_PASSWORD, confirm=None):
    page = client.get("/mot-de-passe-oublie/nouveau")
    return client.post("/mot-de-passe-oublie/nouveau", data={
        "csrf_token": csrf_from(page), "new_password": password,
        "confirm": password if confirm is None else confirm})


def recover(app, client, who, password=NEW_PASSWORD):
    assert ask_code(client, ROLES[who]).status_code == 302
    response = type_code(client, latest_code(app, ROLES[who]))
    assert response.headers["Location"].endswith("/mot-de-passe-oublie/nouveau")
    return new_password(client, password)


def test_the_whole_path_from_the_login_page_to_a_new_password(app, client, login_as, ctx):
    assert "/mot-de-passe-oublie" in client.get("/connexion").get_data(as_text=True)
    response = ask_code(client, ROLES["camille"].upper())
    assert response.headers["Location"].endswith("/mot-de-passe-oublie/code")
    page = text(client.get("/mot-de-passe-oublie/code"))
    assert f"Si un compte existe pour l’adresse {ROLES['camille']}, un code vient" in page
    code = latest_code(app, ROLES["camille"])
    assert latest_mail(app, "camille").subject == (
        "Votre code pour choisir un nouveau mot de passe Carnet")
    response = type_code(client, code)
    assert response.headers["Location"].endswith("/mot-de-passe-oublie/nouveau")
    response = new_password(client)
    assert response.headers["Location"].endswith("/connexion")
    assert "Votre mot de passe a été changé" in text(client.get("/connexion"))
    assert start_login(app.test_client(), ROLES["camille"]).status_code == 200  # old one: no
    login_as("camille", password=NEW_PASSWORD)
    assert journal("auth.recovery_requested", actor=account("camille").id)
    changed = journal("account.password_changed", actor=account("camille").id)
    assert changed and changed[-1].detail.endswith("; recovery")
    assert outbox("camille", "Carnet : votre mot de passe a été changé")
    # The step is over: the new-password page is closed again.
    assert client.get("/mot-de-passe-oublie/nouveau").headers["Location"].endswith(
        "/mot-de-passe-oublie")


def test_an_unknown_address_gets_the_same_answer_and_the_same_hashing_work(app, monkeypatch,
                                                                          ctx):
    import portal.accounts.otp as otp
    hashed = []
    real = otp._code_hash
    monkeypatch.setattr(otp, "_code_hash", lambda code: hashed.append(code) or real(code))
    answers = {}
    for email in (ROLES["camille"], UNKNOWN):
        client = app.test_client()
        hashed.clear()
        response = ask_code(client, email)
        page = text(client.get("/mot-de-passe-oublie/code")).replace(email, "ADDRESS")
        answers[email] = (response.status_code, response.headers["Location"], len(hashed),
                          page.split("csrf_token")[0])
        # A wrong code reads the same; so does an expired one, on the same clock.
        wrong = text(type_code(client, "000000" if email == UNKNOWN else "999999"))
        assert "Code incorrect. Vérifiez les 6 chiffres" in wrong
        later = datetime.now(timezone.utc) + timedelta(minutes=11)
        with time_machine.travel(later, tick=False):
            assert "Ce code a expiré" in text(type_code(client, "123456"))
    assert answers[ROLES["camille"]] == answers[UNKNOWN]
    assert answers[UNKNOWN][2] == 1  # the code was drawn and hashed for nobody all the same
    assert not outbox(UNKNOWN)


def test_every_session_of_the_account_ends(app, login_as, ctx):
    from portal.accounts.models import UserSession
    phone, laptop = login_as("camille"), login_as("camille")
    assert phone.get("/dossier/").status_code == 200
    recover(app, app.test_client(), "camille")
    assert not UserSession.select().where(UserSession.account == account("camille")).exists()
    for client in (phone, laptop):
        assert client.get("/dossier/").status_code == 302


def test_the_code_and_the_security_mail_are_in_the_accounts_language(app, client, ctx):
    from portal.accounts.models import Account
    Account.update(language="en").where(Account.email == ROLES["camille"]).execute()
    ask_code(client, ROLES["camille"])
    assert latest_mail(app, "camille").subject == "Your code to choose a new Carnet password"
    type_code(client, latest_code(app, ROLES["camille"]))
    new_password(client)
    mail = latest_mail(app, "camille")
    assert mail.subject == "Carnet: your password has been changed"
    assert "Forgotten password" in mail.body


def test_requests_are_throttled_per_address_and_per_client_address(app, client, ctx):
    app.config["LOGIN_LIMIT_IP"] = "11 per 15 minutes"  # (a counter belongs to its limit)
    for _ in range(5):
        assert ask_code(client, UNKNOWN).status_code == 302
    refused = ask_code(client, UNKNOWN)
    assert refused.status_code == 429
    page = text(refused)
    assert "Trop de demandes de code pour cette adresse ou depuis votre connexion" in page
    assert f'value="{UNKNOWN}"' in refused.get_data(as_text=True)  # what was typed stays
    # The same limit for an address with an account: the answer tells nothing.
    for _ in range(5):
        ask_code(client, ROLES["camille"])
    assert ask_code(client, ROLES["camille"]).status_code == 429
    assert len(outbox("camille")) == 5
    # Per client address: many addresses from one place are refused too.
    # 10 requests counted above
    assert ask_code(client, "a.1@exemple.fr").status_code == 302
    assert ask_code(client, "a.2@exemple.fr").status_code == 429


def test_wrong_codes_are_throttled_and_exhausted(app, client, ctx):
    ask_code(client, ROLES["camille"])
    right = latest_code(app, ROLES["camille"])
    wrong = "111111" if right != "111111" else "222222"
    for _ in range(4):
        response = type_code(client, wrong)
        assert "Code incorrect" in text(response)
        assert f'value="{wrong}"' in response.get_data(as_text=True)  # what was typed stays
    response = type_code(client, wrong)
    assert response.headers["Location"].endswith("/mot-de-passe-oublie")
    assert "Trop de codes incorrects" in text(client.get("/mot-de-passe-oublie"))
    ask_code(client, ROLES["camille"])
    held = type_code(client, latest_code(app, ROLES["camille"]))  # right, but throttled
    assert held.status_code == 429 and "Trop de tentatives incorrectes" in text(held)


def test_a_code_serves_once_and_expires(app, client, ctx):
    ask_code(client, ROLES["camille"])
    code = latest_code(app, ROLES["camille"])
    assert type_code(client, code).status_code == 302
    other = app.test_client()
    with other.session_transaction() as s:
        s["recovery"] = {"email": ROLES["camille"], "attempts": 0,
                         "at": datetime.now(timezone.utc).replace(tzinfo=None).isoformat()}
    assert "Ce code a expiré" in text(type_code(other, code))  # used: gone
    late = app.test_client()
    ask_code(late, ROLES["camille"])
    code = latest_code(app, ROLES["camille"])
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(minutes=11), tick=False):
        response = type_code(late, code)
        assert response.status_code == 200 and "Ce code a expiré" in text(response)
        assert f'value="{code}"' in response.get_data(as_text=True)
        assert late.get("/mot-de-passe-oublie/nouveau").status_code == 302


def test_the_new_password_follows_the_rules_of_every_password(app, client, ctx):
    before = account("camille").password_hash
    ask_code(client, ROLES["camille"])
    type_code(client, latest_code(app, ROLES["camille"]))
    assert "au moins 12 caractères" in text(new_password(client, "court"))
    assert "ne sont pas identiques" in text(new_password(client, NEW_PASSWORD, "autre chose"))
    assert account("camille").password_hash == before
    assert new_password(client).status_code == 302


def test_posts_without_a_csrf_token_are_refused(app, client, ctx):
    assert client.post("/mot-de-passe-oublie", data={"email": ROLES["camille"]}
                       ).status_code == 400
    assert not outbox("camille")
    ask_code(client, ROLES["camille"])
    assert client.post("/mot-de-passe-oublie/code", data={
        "code": latest_code(app, ROLES["camille"])}).status_code == 400
    with client.session_transaction() as s:
        s["recovery"] = {"account": account("camille").id,
                         "verified_at": datetime.now(timezone.utc).replace(
                             tzinfo=None).isoformat()}
    before = account("camille").password_hash
    assert client.post("/mot-de-passe-oublie/nouveau", data={
        "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 400
    assert account("camille").password_hash == before


def test_a_second_factor_stays_and_is_asked_at_the_next_login(app, client, ctx):
    """The code by e-mail proves the mailbox, not the authenticator app: the app is kept and
    the next login still asks for its code (recovery removes no factor)."""
    from portal.accounts.models import Account
    from portal.accounts.otp import seal_secret
    with app.app_context():
        sealed = seal_secret(pyotp.random_base32())
    Account.update(second_factor="totp", totp_secret=sealed).where(
        Account.email == ROLES["jean"]).execute()
    recover(app, client, "jean")
    assert account("jean").second_factor == "totp" and account("jean").totp_secret == sealed
    response = start_login(app.test_client(), ROLES["jean"], NEW_PASSWORD)
    assert response.headers["Location"].endswith("/connexion/code")
    login = app.test_client()
    start_login(login, ROLES["jean"], NEW_PASSWORD)
    assert "application d’authentification" in text(login.get("/connexion/code"))
    assert start_login(app.test_client(), ROLES["jean"], DEMO_PASSWORD).status_code == 200
