"""Recovering an account at the counter, for someone whose mailbox is lost: an operator or a
France Services mediator prints a letter with a recovery code (7 days, single use, a new one
voids the old); on a public page the code + NIR + birth date give a new password and perhaps a
new address; every session ends, security e-mails go to the old and the new address,
everything is journaled and throttled like an activation."""
import re
from datetime import timedelta

import pytest
from conftest import ROLES, account, at, csrf_from, csrf_token, journal, outbox, text
from helpers import start_login
from lifecycle.test_lifecycle import pdf_text

pytestmark = pytest.mark.db  # run on PostgreSQL too

PAGE = "/mot-de-passe-oublie/guichet"
NEW_PASSWORD = "une phrase retrouvée au guichet"
NEW_EMAIL = "camille.nouvelle@example.net"
MISMATCH = "le code, le numéro de sécurité sociale ou la date de naissance ne correspondent pas"
SUBJECT = "Carnet : votre compte a été récupéré au guichet"
CAMILLE_BIRTH = "14/05/1980"


def print_code(app, tmp_path, who="operateur", login_as=None, person=None):
    """The code printed on a counter letter for Camille, by `who`."""
    counter = login_as(who)
    page = counter.get("/guichet/nouveau-code")
    response = counter.post("/guichet/nouveau-code", data={
        "csrf_token": csrf_from(page), "nir": person.nir, "birth_date": CAMILLE_BIRTH,
        "checked": "y"})
    assert response.headers["Content-Type"] == "application/pdf", text(response)[:400]
    letter = pdf_text(response.data, tmp_path, "counter-recovery-letter.pdf")
    return re.search(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b", letter).group(0), letter


def recover(client, code, person, birth=CAMILLE_BIRTH, password=NEW_PASSWORD, email="",
            **changes):
    page = client.get(PAGE)
    assert page.status_code == 200
    return client.post(PAGE, data={"csrf_token": csrf_from(page), "code": code,
                                   "nir": person.nir, "birth_date": birth,
                                   "new_password": password, "confirm": password,
                                   "email": email} | changes)


@pytest.fixture
def camille(person):
    return person("Camille")


def test_the_whole_path_from_the_counter_to_a_new_password_and_address(
        app, ctx, login_as, camille, tmp_path):
    phone = login_as("camille")
    assert phone.get("/dossier/").status_code == 200
    code, letter = print_code(app, tmp_path, "sophie", login_as, camille)  # a mediator
    assert "Camille Martin" in letter and PAGE in letter
    assert "ne vous le demandera jamais" in letter
    printed = journal("account.recovery_code_printed", patient=camille.id)
    assert printed and printed[-1].actor.role == "mediator"
    assert journal("activation.counter_identity_checked", patient=camille.id,
                   detail="recovery")
    # From the login page: "Mot de passe oublié" leads to the counter's page.
    client = app.test_client()
    assert "/mot-de-passe-oublie" in client.get("/connexion").get_data(as_text=True)
    forgot = text(client.get("/mot-de-passe-oublie"))
    assert "Vous n’avez plus accès à votre adresse e-mail ?" in forgot and PAGE in forgot
    response = recover(client, code.lower().replace("-", " "), camille, email=NEW_EMAIL.upper())
    assert response.status_code == 303 and response.headers["Location"].endswith("/connexion")
    assert "Votre mot de passe a été changé" in text(client.get("/connexion"))
    # Every session ended; the old address and password no longer open anything.
    assert phone.get("/dossier/").status_code == 302
    assert account(NEW_EMAIL).person_id == camille.id
    assert start_login(app.test_client(), ROLES["camille"]).status_code == 200
    login_as(NEW_EMAIL, password=NEW_PASSWORD)
    # The security e-mail at the old address and at the new one.
    assert outbox(ROLES["camille"], SUBJECT) and outbox(NEW_EMAIL, SUBJECT)
    assert "adresse e-mail de votre compte Carnet ont été changés" in outbox(
        NEW_EMAIL, SUBJECT)[-1].body
    recovered = journal("account.recovered_at_counter", patient=camille.id)
    assert recovered and recovered[-1].actor_id == camille.accounts[0].id
    assert recovered[-1].detail == "email_changed"
    changed = journal("account.password_changed", actor=account(NEW_EMAIL).id)
    assert changed[-1].detail.endswith("; counter recovery")
    # Single use.
    again = recover(app.test_client(), code, camille, password="encore une autre phrase")
    assert again.status_code == 200 and MISMATCH in text(again)


def test_the_address_is_kept_when_none_is_given_and_the_mail_is_in_the_accounts_language(
        app, ctx, login_as, camille, tmp_path):
    from portal.accounts.models import Account
    Account.update(language="en").where(Account.person == camille.id).execute()
    code, letter = print_code(app, tmp_path, "operateur", login_as, camille)
    assert "Hello Camille Martin" in letter  # the letter in her language
    assert "Never give this code to anyone" in letter
    response = recover(app.test_client(), code, camille)
    assert response.status_code == 303
    login_as("camille", password=NEW_PASSWORD)  # her address is unchanged
    mails = outbox("camille", "Carnet: your account was recovered at a counter")
    assert len(mails) == 1 and "The password of your Carnet account was changed" in (
        mails[0].body)
    assert not journal("account.recovered_at_counter", patient=camille.id)[-1].detail


def test_a_second_factor_app_is_kept(app, ctx, login_as, camille, tmp_path):
    from portal.accounts.models import Account
    code, _letter = print_code(app, tmp_path, "operateur", login_as, camille)
    Account.update(second_factor="totp", totp_secret="sealed-secret").where(
        Account.person == camille.id).execute()
    assert recover(app.test_client(), code, camille, email=NEW_EMAIL).status_code == 303
    after = Account.get(Account.person == camille.id)
    assert (after.second_factor, after.totp_secret) == ("totp", "sealed-secret")


def test_the_code_expires_after_seven_days(app, ctx, login_as, camille, tmp_path):
    from portal.accounts.models import ActivationInvite
    code, _letter = print_code(app, tmp_path, "operateur", login_as, camille)
    invite = ActivationInvite.select().order_by(ActivationInvite.id.desc()).first()
    assert invite.expires_at - invite.created_at == timedelta(days=7)
    with at(*(invite.expires_at + timedelta(minutes=1)).timetuple()[:5]):
        response = recover(app.test_client(), code, camille)
    assert response.status_code == 200 and MISMATCH in text(response)
    with at(*(invite.expires_at - timedelta(minutes=1)).timetuple()[:5]):
        assert recover(app.test_client(), code, camille).status_code == 303


def test_a_new_code_voids_the_old_one(app, ctx, login_as, camille, tmp_path):
    old, _letter = print_code(app, tmp_path, "operateur", login_as, camille)
    new, _letter = print_code(app, tmp_path, "operateur", login_as, camille)
    assert old != new
    refused = recover(app.test_client(), old, camille)
    assert refused.status_code == 200 and MISMATCH in text(refused)
    assert recover(app.test_client(), new, camille).status_code == 303


def test_wrong_code_nir_or_birth_date_get_the_same_message_and_change_nothing(
        app, ctx, login_as, camille, person, tmp_path):
    from portal.accounts.models import Account
    code, _letter = print_code(app, tmp_path, "operateur", login_as, camille)
    before = Account.get(Account.person == camille.id).password_hash
    jean = person("Jean")
    answers = []
    for attempt in (dict(code="ACDE-FGHJ-KMNP"), dict(birth="15/05/1980"),
                    dict(nir=jean.nir, birth="11/02/1944")):
        client = app.test_client()
        page = client.get(PAGE)
        data = {"csrf_token": csrf_from(page), "code": attempt.get("code", code),
                "nir": attempt.get("nir", camille.nir),
                "birth_date": attempt.get("birth", CAMILLE_BIRTH),
                "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "email": ""}
        response = client.post(PAGE, data=data)
        assert response.status_code == 200
        page = text(response)
        assert MISMATCH in page
        answers.append(page.split("csrf_token")[0])
    assert len(set(answers)) == 1
    assert Account.get(Account.person == camille.id).password_hash == before
    assert len(journal("account.counter_recovery_failed", outcome="denied")) == 3
    # An activation code (another reason, same table) never recovers an account.
    from portal.accounts.invites import format_code, issue_code
    with app.app_context():
        _invite, activation = issue_code(camille)
    refused = recover(app.test_client(), format_code(activation), camille)
    assert refused.status_code == 200 and MISMATCH in text(refused)


def test_the_code_and_the_address_are_throttled(app, ctx, login_as, camille, person,
                                                tmp_path):
    code, _letter = print_code(app, tmp_path, "operateur", login_as, camille)
    jean = person("Jean")
    client = app.test_client()
    statuses = [recover(client, code, jean, birth="11/02/1944").status_code
                for _ in range(5)]  # LOGIN_LIMIT_ACCOUNT: 5 failures on one code
    assert statuses == [200] * 5
    response = recover(app.test_client(), code, camille)  # even the right identity now
    assert response.status_code == 429 and "Trop de tentatives" in text(response)
    # Guessing codes from one address: 30 failures, then a 429 whatever is typed.
    guesser = app.test_client()
    for i in range(30):
        recover(guesser, f"ACDE-FGHJ-KM{'34679ACDEFGHJKMNPQRTUVWXY'[i % 25]}"
                         f"{'34679ACDEFGHJKMNPQRTUVWXY'[i // 25]}", camille)
    assert recover(guesser, "ACDE-FGHJ-KMNP", camille).status_code == 429


def test_an_address_of_another_account_is_refused_keeping_what_was_typed(
        app, ctx, login_as, camille, tmp_path):
    code, _letter = print_code(app, tmp_path, "operateur", login_as, camille)
    client = app.test_client()
    response = recover(client, code, camille, email=ROLES["jean"])
    assert response.status_code == 200
    page = text(response)
    assert "déjà celle d’un autre compte Carnet" in page
    html = response.get_data(as_text=True)
    assert f'value="{ROLES["jean"]}"' in html and f'value="{code}"' in html
    assert camille.nir in html
    assert account("camille").person_id == camille.id  # nothing changed, the code still works
    assert recover(client, code, camille, email=NEW_EMAIL).status_code == 303


def test_only_operators_and_mediators_print_and_staff_accounts_are_not_recovered(
        app, ctx, login_as, camille, person):
    for role in ("camille", "benali"):
        other = login_as(role)
        assert other.get("/guichet/nouveau-code").status_code in (403, 404)
        assert other.post("/guichet/nouveau-code", data={
            "csrf_token": csrf_token(other), "nir": camille.nir, "birth_date": CAMILLE_BIRTH,
            "checked": "y"}).status_code in (403, 404)
    assert not journal("account.recovery_code_printed", patient=camille.id)
    doctor = account("benali")
    operator = login_as("operateur")
    page = operator.get("/guichet/nouveau-code")
    response = operator.post("/guichet/nouveau-code", data={
        "csrf_token": csrf_from(page), "nir": doctor.person.nir,
        "birth_date": doctor.person.birth_date.strftime("%d/%m/%Y"), "checked": "y"})
    assert response.headers["Content-Type"].startswith("text/html")
    assert "ne se récupère pas au guichet" in text(response)


def test_the_form_needs_its_csrf_token(app, ctx, login_as, camille, tmp_path):
    from portal.accounts.models import Account
    code, _letter = print_code(app, tmp_path, "operateur", login_as, camille)
    client = app.test_client()
    client.get(PAGE)
    response = client.post(PAGE, data={"code": code, "nir": camille.nir,
                                       "birth_date": CAMILLE_BIRTH,
                                       "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert not journal("account.recovered_at_counter")
    assert Account.get(Account.person == camille.id).email == ROLES["camille"]
