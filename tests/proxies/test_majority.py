"""Majority: at 18 the parents' access ends, the young adult is invited to activate their own
account, and the parents are told. Clocks are frozen on both sides of Lina's 18th birthday
(born 2 September 2015: of age on 2 September 2033)."""
import re
from datetime import date, datetime, timedelta
from urllib.parse import urlparse

import pytest
from conftest import at, csrf_from, hidden_fields, open_space, outbox, run_majorities

LINA_EMAIL = "lina.martin@example.org"
CAMILLE_EMAIL = "camille.martin@example.org"
NEW_PASSWORD = "mon velo rouge part en vacances"
CONFIDENTIAL = "Compte rendu – consultation confidentielle"


def parental(person):
    from portal.proxies.models import Guardianship
    return Guardianship.get(Guardianship.ward == person("Lina").id,
                            Guardianship.guardian == person("Camille").id)


def invites(lina):
    from portal.accounts.models import ActivationInvite
    return list(ActivationInvite.select().where(ActivationInvite.person == lina.id)
                .order_by(ActivationInvite.id))


def link_in(body):
    return re.search(r"https?://\S+/activation/\S+", body).group(0)


def test_the_day_before_nothing_happens(app, login_as, person, ctx):
    with at(2033, 9, 1, 23, 59):
        assert person("Lina").age_on() == 17
        camille = login_as("camille")
        assert run_majorities(app) == 0
        assert parental(person).ended_at is None
        assert invites(person("Lina")) == []
        assert [m.subject for m in outbox(CAMILLE_EMAIL)] == [  # her login only
            "Votre code de connexion Carnet", "Nouvelle connexion à votre compte Carnet"]
        assert open_space(camille, person("Lina").id).status_code == 302


def test_on_the_18th_birthday_the_parents_access_ends_once(app, login_as, person, ctx):
    from portal.accounts.models import UserSession
    from portal.audit import ActivityEvent
    from portal.proxies.models import ENDED_MAJORITY
    lina = person("Lina")
    with at(2033, 9, 1, 23, 50):
        acting = login_as("camille")
        assert open_space(acting, lina.id).status_code == 302
        assert "Vous agissez pour" in acting.get("/dossier/").get_data(as_text=True)
        own = login_as("camille")
        sessions = UserSession.select().count()
    with at(2033, 9, 2, 0, 5):
        mails_before = len(outbox(CAMILLE_EMAIL))
        assert run_majorities(app) == 1
        gs = parental(person)
        assert gs.ended_at is not None and gs.ended_reason == ENDED_MAJORITY
        # Her session acting in Lina's space is gone; her other session goes on.
        assert UserSession.select().count() == sessions - 1
        response = acting.get("/dossier/")
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]
        assert own.get("/dossier/").status_code == 200
        assert open_space(own, lina.id).status_code == 404
        assert "Lina Martin" not in own.get("/proches").get_data(as_text=True)
        # Lina has no account and no known e-mail: an invitation waits for her at the counter.
        [invite] = invites(lina)
        assert invite.used_at is None and invite.sent_to is None
        assert re.fullmatch(r"[0-9a-f]{64}", invite.token_hash)
        assert invite.expires_at - invite.created_at == timedelta(days=60)
        [told] = outbox(CAMILLE_EMAIL)[mails_before:]
        assert "Lina Martin a eu 18 ans le 2 septembre 2033" in told.body
        assert "votre accès comme représentant légal a pris fin" in told.body
        assert "CPAM" in told.body and "délégation" in told.body
        assert CONFIDENTIAL not in told.body and "/activation/" not in told.body
        ended = ActivityEvent.get(ActivityEvent.action == "guardianship.ended")
        assert ended.patient_id == lina.id and "sessions_ended=1" in ended.detail
        # Run again (and through the periodic task): nothing more happens.
        from portal.proxies.guardians import daily_guardianships
        assert run_majorities(app) == 0
        with app.app_context():
            daily_guardianships()
        assert len(invites(lina)) == 1
        assert len(outbox(CAMILLE_EMAIL)) == mails_before + 1
        assert ActivityEvent.select().where(
            ActivityEvent.action == "guardianship.ended").count() == 1


def test_the_task_runs_every_night():
    from portal.proxies.guardians import daily_guardianships
    task = daily_guardianships.task_class()
    assert task.validate_datetime(datetime(2033, 9, 2, 3, 15))
    assert not task.validate_datetime(datetime(2033, 9, 2, 4, 15))


def test_a_known_email_gets_the_link_and_the_activation_leads_to_a_working_login(
        app, login_as, person, ctx):
    from portal.accounts.models import Account, ActivationInvite, Person
    from portal.audit import ActivityEvent
    lina = person("Lina")
    Person.update(email=LINA_EMAIL).where(Person.id == lina.id).execute()
    with at(2033, 9, 2, 3, 15):
        assert run_majorities(app) == 1
        [invitation] = outbox(LINA_EMAIL)
        assert "Vous avez 18 ans" in invitation.body and CONFIDENTIAL not in invitation.body
        link = link_in(invitation.body)
        assert invites(lina)[0].sent_to == LINA_EMAIL
        assert "envoyée par e-mail" in outbox(CAMILLE_EMAIL)[-1].body
        assert "CPAM" not in outbox(CAMILLE_EMAIL)[-1].body

        client = app.test_client()
        response = client.get(urlparse(link).path)
        assert response.status_code == 302 and response.headers["Location"] == "/activation"
        page = client.get("/activation")
        assert page.status_code == 200
        assert "<h1>Activer votre espace santé</h1>" in page.get_data(as_text=True)
        form = {"csrf_token": csrf_from(page), "nir": lina.nir, "birth_date": "02/09/2015",
                "email": LINA_EMAIL, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        cases = [
            ({"nir": person("Camille").nir, "birth_date": "14/05/1980"},
             "ne correspond pas à cette invitation"),
            ({"birth_date": "03/09/2015"}, "ne correspond pas à cette invitation"),
            ({"email": CAMILLE_EMAIL}, "déjà celle d’un autre compte"),
            ({"new_password": "court", "confirm": "court"}, "au moins 12 caractères"),
            ({"confirm": NEW_PASSWORD + "!"}, "ne sont pas identiques"),
            ({"new_password": "Lina Martin", "confirm": "Lina Martin"}, "au moins 12"),
        ]
        for changes, message in cases:
            response = client.post("/activation", data=form | changes)
            text = response.get_data(as_text=True)
            assert response.status_code == 200 and message in text, message
            assert f'value="{(form | changes)["email"]}"' in text  # what was typed stays
            assert f'value="{(form | changes)["nir"]}"' in text
            assert "<title>Erreur :" in text
        assert not Account.select().where(Account.person == lina.id).exists()
        assert ActivityEvent.select().where(
            ActivityEvent.action == "account.activation_failed").count() == 2

        response = client.post("/activation", data=form)
        assert response.status_code == 303
        assert response.headers["Location"] == "/connexion"
        assert "Votre espace santé est activé" in client.get("/connexion").get_data(as_text=True)
        account = Account.get(Account.person == lina.id)
        assert account.role == "patient" and account.second_factor == "email"
        assert ActivationInvite.get(ActivationInvite.person == lina.id).used_at is not None
        assert ActivityEvent.get(ActivityEvent.action == "account.activated").actor_id == \
            account.id

        lina_client = login_as(LINA_EMAIL, password=NEW_PASSWORD)
        home = lina_client.get("/dossier/").get_data(as_text=True)
        assert "Votre espace santé" in home and "Lina Martin" in home
        # Her own space now: even what was hidden from her parents.
        assert CONFIDENTIAL in lina_client.get("/dossier/documents/").get_data(as_text=True)
        # She may grant her mother a delegation if she wishes: Mes proches is hers.
        assert lina_client.get("/proches").status_code == 200

        # The link served once.
        again = app.test_client()
        assert again.get(urlparse(link).path).status_code == 302
        refused = again.get("/activation")
        assert refused.status_code == 404
        assert "Ce lien d’activation n’est pas valable" in refused.get_data(as_text=True)


def test_an_expired_link_is_refused(app, person, ctx):
    from portal.accounts.models import Person
    Person.update(email=LINA_EMAIL).where(Person.id == person("Lina").id).execute()
    with at(2033, 9, 2, 3, 15):
        run_majorities(app)
        path = urlparse(link_in(outbox(LINA_EMAIL)[0].body)).path
    with at(2033, 10, 31, 3, 0):
        client = app.test_client()
        client.get(path)
        assert client.get("/activation").status_code == 200
    with at(2033, 11, 1, 3, 16):
        client = app.test_client()
        client.get(path)
        response = client.get("/activation")
        assert response.status_code == 404
        assert "a peut-être déjà servi ou expiré" in response.get_data(as_text=True)


def test_an_unknown_token_gets_the_same_answer(app, client):
    client.get("/activation/not-a-real-token")
    response = client.get("/activation")
    assert response.status_code == 404
    assert "Ce lien d’activation n’est pas valable" in response.get_data(as_text=True)
    assert client.post("/activation", data={}).status_code == 400  # CSRF first
    token = csrf_from(response)
    # The dead link is forgotten: the page now asks for the letter's code instead (a way out).
    again = client.post("/activation", data={"csrf_token": token})
    assert again.status_code == 200 and "Code provisoire" in again.get_data(as_text=True)


def test_the_operator_prints_a_letter_with_a_fresh_code_at_the_counter(app, login_as, person,
                                                                        ctx, tmp_path):
    from portal.accounts.models import ActivationInvite
    from portal.audit import ActivityEvent
    from lifecycle.test_lifecycle import pdf_text
    lina = person("Lina")
    with at(2033, 9, 2, 9, 0):
        run_majorities(app)
        operator = login_as("operateur")
        page = operator.get("/operateur/tutelles").get_data(as_text=True)
        assert "Lina Martin" in page and "née le 2 septembre 2015" in page
        url = f"/operateur/activations/{lina.id}"
        assert operator.get(f"/operateur/activations/{person('Jean').id}").status_code == 404
        form = operator.get(url)
        assert "Imprimer un courrier avec un nouveau code" in form.get_data(as_text=True)
        response = operator.post(url, data={"csrf_token": csrf_from(form)})
        assert response.status_code == 200
        assert "Cochez la case" in response.get_data(as_text=True)
        response = operator.post(url, data={"csrf_token": csrf_from(form), "checked": "y"})
        assert response.headers["Content-Type"] == "application/pdf"
        letter = pdf_text(response.data, tmp_path, "counter-majority-letter.pdf")
        code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", letter).group(0)
        assert "/activation/" not in letter.replace("/activation/nouveau-code", "")
        first, second = invites(lina)
        assert first.expires_at <= datetime(2033, 9, 2, 9, 0)  # the e-mailed link stops working
        assert second.reason == "counter" and second.expires_at - second.created_at == \
            timedelta(weeks=6)
        assert ActivityEvent.get(ActivityEvent.action == "account.activation_handed_over") \
            .patient_id == lina.id
        client = app.test_client()
        page = client.get("/activation")
        response = client.post("/activation", data={
            "csrf_token": csrf_from(page), "code": code, "nir": lina.nir,
            "birth_date": "02/09/2015", "email": "lina@example.org",
            "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert response.status_code == 303
    assert ActivationInvite.select().count() == 2


def test_a_protected_adults_guardian_is_not_ended_at_18(app, person, ctx):
    from portal.accounts.models import utcnow
    from portal.proxies.models import Guardianship
    jean_tutelle = Guardianship.create(guardian=person("Amina"), ward=person("Jean"),
                                       kind="tutelle", accepted_at=utcnow())
    # Lina is also placed under an adult measure on her birthday: it goes on.
    lina_tutelle = Guardianship.create(guardian=person("Amina"), ward=person("Lina"),
                                       kind="tutelle", accepted_at=utcnow())
    with at(2033, 9, 2, 3, 15):
        assert run_majorities(app) == 1
    assert parental(person).ended_at is not None
    for gs in (jean_tutelle, lina_tutelle):
        assert Guardianship.get_by_id(gs.id).ended_at is None


def test_a_pending_invitation_lapses_at_majority_without_anyone_being_told(app, person, ctx):
    from portal.accounts.models import utcnow
    from portal.proxies.models import ENDED_MAJORITY, Guardianship
    pending = Guardianship.create(guardian=person("Amina"), ward=person("Lina"), kind="parent",
                                  invited_by=person("Camille"),
                                  invitation_expires_at=datetime(2033, 9, 10))
    with at(2033, 9, 2, 3, 15):
        assert run_majorities(app) == 2
    pending = Guardianship.get_by_id(pending.id)
    assert pending.ended_reason == ENDED_MAJORITY and pending.accepted_at is None
    assert outbox("amina.diallo@example.org") == []
    assert utcnow()  # the real clock is back


@pytest.mark.parametrize("today, of_age", [(date(2026, 2, 28), False), (date(2026, 3, 1), True)])
def test_born_on_29_february(app, person, ctx, today, of_age):
    from portal.accounts.models import Person, utcnow
    from portal.proxies.guardians import process_majorities
    from portal.proxies.models import Guardianship
    leap = Person.create(nir=None, family_name="Martin", given_names="Noé",
                         birth_date=date(2008, 2, 29), sex="M")
    gs = Guardianship.create(guardian=person("Camille"), ward=leap, kind="parent",
                             accepted_at=utcnow())
    with app.app_context():
        process_majorities(today)
    assert (Guardianship.get_by_id(gs.id).ended_at is not None) is of_age
    assert (leap.age_on(today) >= 18) is of_age


def test_the_young_adults_space_is_reached_through_mes_proches_before(login_as, person):
    """Before 18, the parent reaches the child's space from Mes proches (sanity check of the
    starting point of the tests above)."""
    client = login_as("camille")
    page = client.get("/proches")
    assert "Ouvrir l’espace de Lina Martin" in page.get_data(as_text=True)
    assert client.post(f"/espaces/{person('Lina').id}",
                       data=hidden_fields(page)).status_code == 302


def test_activation_attempts_are_limited_like_logins(app, person, ctx):
    from portal.accounts.models import Person
    lina = person("Lina")
    Person.update(email=LINA_EMAIL).where(Person.id == lina.id).execute()
    with at(2033, 9, 2, 3, 15):
        run_majorities(app)
        client = app.test_client()
        client.get(urlparse(link_in(outbox(LINA_EMAIL)[0].body)).path)
        page = client.get("/activation")
        wrong = {"csrf_token": csrf_from(page), "nir": lina.nir, "birth_date": "03/09/2015",
                 "email": LINA_EMAIL, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        limit = int(app.config["LOGIN_LIMIT_ACCOUNT"].split()[0])
        for _ in range(limit):
            assert client.post("/activation", data=wrong).status_code == 200
        right = wrong | {"birth_date": "02/09/2015"}
        assert client.post("/activation", data=right).status_code == 429


def test_caregivers_chosen_by_the_parents_stop_at_majority(app, login_as, person, ctx):
    """A delegation given for a child ends with the parents' authority; the caregiver's
    session in the young adult's space ends and they are told; other delegations go on."""
    from portal.proxies.models import ENDED_MAJORITY, Delegation
    lina, jean = person("Lina"), person("Jean")
    with at(2033, 8, 1, 9, 0):
        for_lina = Delegation.create(patient=lina, caregiver=jean, scopes="dossier_read",
                                     starts_on=date(2033, 7, 1), ends_on=date(2034, 7, 1),
                                     accepted_at=datetime(2033, 7, 1))
        Delegation.update(ends_on=date(2034, 7, 1)).where(
            Delegation.patient == jean.id).execute()  # Camille helps Jean meanwhile
    with at(2033, 9, 1, 23, 50):
        caregiver = login_as("jean")
        assert open_space(caregiver, lina.id).status_code == 302
        assert caregiver.get("/dossier/").status_code == 200
        helper = login_as("camille")
        assert open_space(helper, jean.id).status_code == 302
    with at(2033, 9, 2, 0, 5):
        assert run_majorities(app) == 1
        ended = Delegation.get_by_id(for_lina.id)
        assert ended.ended_at is not None and ended.ended_reason == ENDED_MAJORITY
        response = caregiver.get("/dossier/")
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]
        assert any("la délégation que ses représentants légaux vous avaient donnée a pris fin"
                   in m.body for m in outbox("jean.dupont@example.org"))
        assert Delegation.get(Delegation.patient == jean.id).ended_at is None
        assert "Vous agissez pour Jean Dupont" in helper.get("/dossier/").get_data(as_text=True)
        assert run_majorities(app) == 0


def test_activation_links_never_come_from_the_host_header(app):
    """The link carries a secret: a forged Host header must not redirect it elsewhere."""
    from portal.accounts.invites import invite_url
    with app.test_request_context("/", base_url="http://evil.example"):
        assert invite_url("abc").startswith("http://127.0.0.1:8000/activation/")
    app.config["PUBLIC_URL"] = "https://carnet.example.org/"
    with app.app_context():
        assert invite_url("abc") == "https://carnet.example.org/activation/abc"
