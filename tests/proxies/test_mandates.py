"""A mediator's mandate (aidant numérique), as in Aidants Connect: created at the counter with
the patient, confirmed by the code the patient receives, printable, limited to its tasks,
revocable by the patient, over on its end date."""
import re
import subprocess
from datetime import datetime, timedelta, timezone

import pikepdf
import pytest
import time_machine
from conftest import csrf_from, hidden_fields, journal, latest_code, latest_mail, open_space, text

from portal.accounts.nir import with_key

JEAN = {"nir": with_key("1440219031012"), "birth_date": "11/02/1944"}
AMINA = {"nir": with_key("2921175112078"), "birth_date": "30/11/1992"}
LINA = {"nir": with_key("2150919272044"), "birth_date": "02/09/2015"}
SOPHIE = {"nir": with_key("2870619272033"), "birth_date": "03/06/1987"}
SAME_ANSWER = ("Aucun espace Carnet ne correspond à ce numéro de sécurité sociale et à cette "
               "date de naissance.")


def ask(client, who, tasks=("agenda", "documents"), duration="3m", present=True):
    """Fill in the "Nouveau mandat" form as the mediator does."""
    page = client.get("/mandats/nouveau")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page), **who, "tasks": list(tasks), "duration": duration}
    if present:
        data["present"] = "y"
    return client.post("/mandats/nouveau", data=data)


def type_code(client, location, code):
    page = client.get(location)
    assert page.status_code == 200, page.status_code
    return client.post(location, data={"csrf_token": csrf_from(page), "code": code})


def pdf_text(app, document):
    from portal.documents.store import read_content
    with app.app_context():
        data = read_content(document)
    assert data.startswith(b"%PDF")
    return " ".join(subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True,
                                   check=True).stdout.decode().split())


@pytest.fixture
def sophie(login_as):
    return login_as("sophie")


@pytest.fixture
def other_mediator(ctx, login_as, person):
    """A second mediator, of another structure."""
    from datetime import date

    from portal.accounts.models import ROLE_MEDIATOR, Account, Person
    from portal.accounts.passwords import hash_password
    from portal.seed import DEMO_PASSWORD
    karim = Person.create(nir=with_key("1900519272055"), family_name="Haddad",
                          given_names="Karim", birth_date=date(1990, 5, 2), sex="M")
    Account.create(person=karim, email="karim.haddad@example.org", role=ROLE_MEDIATOR,
                   password_hash=hash_password(DEMO_PASSWORD), structure="Médiathèque de Brive")
    return login_as("karim.haddad@example.org")


def test_the_whole_mandate_from_the_counter_to_the_patients_documents(app, sophie, login_as,
                                                                      person, tmp_path):
    from portal.accounts.models import Account
    from portal.documents.models import Document
    from portal.documents.store import read_content
    from portal.policy import relation_to
    from portal.proxies.models import add_months
    from portal.proxies.models import Mandate
    amina = person("Amina")
    home = text(sophie.get("/espaces"))
    assert 'href="/mandats/nouveau"' in home and "Nouveau mandat" in home

    response = ask(sophie, AMINA, tasks=("agenda", "documents"), duration="3m")
    assert response.status_code == 303
    location = response.headers["Location"]
    request = Mandate.get(Mandate.patient == amina.id)
    assert location.endswith(f"/mandats/{request.id}/code")
    assert request.confirmed_at is None and request.tasks == "agenda,documents"
    mail = latest_mail(app, "amina.diallo@example.org")
    code = latest_code(app, "amina.diallo@example.org")
    body = " ".join(mail.body.split())
    # A sentence a proofreader accepts: the mediator's role agrees with her, and the tasks are
    # a list introduced by a colon (not "permettra seulement de : agenda, documents…").
    assert "Sophie Bernard (France Services de Tulle), aidante numérique, prépare" in body
    assert ("Ce mandat couvre seulement ces tâches :\n– Agenda : voir et noter les rendez-vous "
            "de santé.\n– Documents et dossier médical : consulter le dossier médical") in mail.body
    assert "permettra seulement de :" not in body and "3 mois" in body
    assert "ne communiquez ce code qu’à la personne qui prépare ce mandat avec vous" in body.lower()
    assert request.code_hash and code not in request.code_hash and len(request.code_hash) == 64
    # Nothing is open before the patient's code.
    sophie_account = Account.get(Account.email == "sophie.bernard@example.org")
    assert relation_to(sophie_account, amina.id) is None
    assert open_space(sophie, amina.id).status_code == 404
    waiting = text(sophie.get("/espaces"))
    assert "Demandes en attente du code" in waiting and "Code de confirmation à saisir" in waiting
    assert "Amina Diallo" in text(login_as("amina").get("/proches"))

    response = type_code(sophie, location, code)
    assert response.status_code == 303 and response.headers["Location"].endswith("/espaces")
    mandate = Mandate.get_by_id(request.id)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    assert mandate.confirmed_at is not None and mandate.code_hash is None
    assert abs(mandate.starts_at - now) < timedelta(minutes=1)
    assert mandate.ends_at == add_months(mandate.starts_at, 3)
    relation = relation_to(sophie_account, amina.id)
    assert relation.kind == "mandate"
    assert relation.scopes == {"agenda", "dossier_read", "dossier_write"}

    document = Document.get_by_id(mandate.document_id)
    assert (document.patient_id, document.author_id, document.category) == (
        amina.id, sophie_account.id, "administratif")
    assert document.mime_type == "application/pdf" and not document.author_is_professional
    printed = pdf_text(app, document)
    with app.app_context():
        path = tmp_path / "mandat.pdf"
        path.write_bytes(read_content(document))
    with pikepdf.open(path) as parsed:  # tagged PDF/UA, in French
        assert "/StructTreeRoot" in parsed.Root and str(parsed.Root.Lang) == "fr"
    for expected in ("Mandat d’aidant numérique", "DIALLO Amina", "30 novembre 1992",
                     "BERNARD Sophie", "France Services de Tulle", "Agenda",
                     "Documents et dossier médical", "Mes proches",
                     "révoquer ce mandat à tout moment", "prend fin automatiquement"):
        assert expected in printed, expected
    assert "Lire les messages" not in printed and "Imprimer des synthèses" not in printed
    signed = latest_mail(app, "amina.diallo@example.org")
    assert signed.subject == "Carnet : vous avez signé un mandat"
    assert "Sophie Bernard" in signed.body and "Mes proches" in signed.body

    for action in ("mandate.requested", "mandate.confirmed", "mandate.document_stored"):
        assert [e.patient_id for e in journal(action)] == [amina.id], action
    home = text(sophie.get("/espaces"))
    assert "Mandats en cours" in home and "Ouvrir l’espace d’Amina Diallo" in home
    proches = text(login_as("amina").get("/proches"))
    assert "Révoquer le mandat de Sophie Bernard" in proches
    assert f'href="/dossier/documents/{document.id}"' in proches


def test_a_wrong_code_says_how_many_tries_are_left(app, sophie, person):
    from portal.proxies.models import Mandate
    location = ask(sophie, AMINA).headers["Location"]
    code = latest_code(app, "amina.diallo@example.org")
    wrong = "000000" if code != "000000" else "111111"
    response = type_code(sophie, location, wrong)
    assert response.status_code == 200
    page = text(response)
    assert "Code incorrect" in page and "Il vous reste 4 essais" in page
    assert page.count("Erreur :") >= 1
    mandate = Mandate.get(Mandate.patient == person("Amina").id)
    assert mandate.code_attempts == 1 and mandate.confirmed_at is None
    assert type_code(sophie, location, code).status_code == 303


def test_too_many_wrong_codes_cancel_the_request(app, sophie, person):
    from portal.proxies.mandates import ENDED_CODE_FAILED
    from portal.proxies.models import MANDATE_CODE_ATTEMPTS, Mandate
    location = ask(sophie, AMINA).headers["Location"]
    code = latest_code(app, "amina.diallo@example.org")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(MANDATE_CODE_ATTEMPTS - 1):
        assert type_code(sophie, location, wrong).status_code == 200
    response = type_code(sophie, location, wrong)
    assert response.status_code == 303 and response.headers["Location"].endswith(
        "/mandats/nouveau")
    assert "Trop de codes incorrects" in text(sophie.get("/mandats/nouveau"))
    mandate = Mandate.get(Mandate.patient == person("Amina").id)
    assert mandate.ended_reason == ENDED_CODE_FAILED and mandate.confirmed_at is None
    assert sophie.get(location).status_code == 404  # the right code comes too late
    assert "trop de codes incorrects" in text(sophie.get("/espaces"))


def test_an_expired_code_cancels_the_request(app, sophie, person):
    from portal.proxies.models import ENDED_EXPIRED, MANDATE_CODE_VALID_FOR, Mandate
    location = ask(sophie, AMINA).headers["Location"]
    code = latest_code(app, "amina.diallo@example.org")
    page = sophie.get(location)
    later = datetime.now(timezone.utc) + MANDATE_CODE_VALID_FOR + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        response = sophie.post(location, data={"csrf_token": csrf_from(page), "code": code})
        assert response.status_code == 303
        assert "Le code a expiré" in text(sophie.get("/mandats/nouveau"))
    mandate = Mandate.get(Mandate.patient == person("Amina").id)
    assert mandate.ended_reason == ENDED_EXPIRED and mandate.confirmed_at is None
    assert open_space(sophie, person("Amina").id).status_code == 404


def test_a_new_code_voids_the_previous_one(app, sophie, person):
    from portal.proxies.models import Mandate
    location = ask(sophie, AMINA).headers["Location"]
    first = latest_code(app, "amina.diallo@example.org")
    page = sophie.get(location)
    response = sophie.post(location + "/nouveau", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 303
    second = latest_code(app, "amina.diallo@example.org")
    if first != second:
        assert "Code incorrect" in text(type_code(sophie, location, first))
    assert type_code(sophie, location, second).status_code == 303
    assert Mandate.get(Mandate.patient == person("Amina").id).confirmed_at is not None


def test_a_minor_is_refused_with_an_explanation(app, sophie, ctx):
    from portal.mail import OutboxMessage
    from portal.proxies.models import Mandate
    before, mails = Mandate.select().count(), OutboxMessage.select().count()
    response = ask(sophie, LINA)
    assert response.status_code == 200
    page = text(response)
    assert "Cette personne est mineure" in page and "représentant légal" in page
    assert Mandate.select().count() == before and OutboxMessage.select().count() == mails


def test_unknown_person_and_wrong_birth_date_get_the_same_answer(sophie, ctx):
    from portal.proxies.models import Mandate
    before = Mandate.select().count()
    unknown = ask(sophie, {"nir": with_key("1991299099999"), "birth_date": "01/01/1999"})
    mismatch = ask(sophie, {"nir": JEAN["nir"], "birth_date": "12/02/1944"})
    answers = []
    for response in (unknown, mismatch):
        assert response.status_code == 200
        page = text(response)
        assert SAME_ANSWER in page
        answers.append(re.findall(r'class="error-message"[^>]*>(.*?)</p>', page))
    assert answers[0] == answers[1]
    assert 'value="1944-02-12"' in text(mismatch)  # what was typed is kept
    assert Mandate.select().count() == before


def test_a_person_without_an_active_patient_account_must_first_activate(sophie, ctx):
    page = text(ask(sophie, SOPHIE))  # Sophie herself only has a mediator account
    assert "n’a pas encore activé son espace Carnet" in page


def test_the_form_explains_each_mistake_and_keeps_what_was_typed(sophie):
    response = ask(sophie, JEAN, tasks=(), duration="", present=False)
    page = text(response)
    assert "<title>Erreur : Nouveau mandat" in page
    for message in ("Cochez au moins une tâche.", "Choisissez la durée du mandat.",
                    "Cochez la case pour confirmer que la personne est présente et d’accord."):
        assert message in page
    assert f'value="{JEAN["nir"]}"' in page
    too_long = text(ask(sophie, JEAN, duration="24m"))
    assert "Choisissez une des durées proposées." in too_long
    unknown_task = text(ask(sophie, JEAN, tasks=("proxies",)))
    assert "Choisissez parmi les tâches proposées." in unknown_task


def test_only_mediators_create_mandates(login_as):
    for role in ("jean", "benali", "operateur"):
        assert login_as(role).get("/mandats/nouveau").status_code == 403


def test_another_mediator_cannot_confirm_end_or_resend(app, sophie, other_mediator, person):
    from portal.proxies.models import Mandate
    location = ask(sophie, AMINA).headers["Location"]
    code = latest_code(app, "amina.diallo@example.org")
    request = Mandate.get(Mandate.patient == person("Amina").id)
    seeded = Mandate.get(Mandate.patient == person("Jean").id)
    token = csrf_from(other_mediator.get("/espaces"))
    assert other_mediator.get(location).status_code == 404
    assert other_mediator.post(location, data={"csrf_token": token, "code": code}
                               ).status_code == 404
    assert other_mediator.post(location + "/nouveau", data={"csrf_token": token}
                               ).status_code == 404
    for mandate in (request, seeded):
        assert other_mediator.get(f"/mandats/{mandate.id}/fin").status_code == 404
        assert other_mediator.post(f"/mandats/{mandate.id}/fin", data={"csrf_token": token}
                                   ).status_code == 404
    assert Mandate.get_by_id(request.id).confirmed_at is None
    assert Mandate.get_by_id(seeded.id).ended_at is None
    assert "Jean Dupont" not in text(other_mediator.get("/espaces"))


def test_revocation_by_the_patient_ends_access_at_the_next_request(app, sophie, login_as,
                                                                   person):
    from portal.proxies.models import ENDED_BY_PATIENT, Mandate
    jean = person("Jean")
    open_space(sophie, jean.id)
    assert sophie.get("/dossier/").status_code == 200
    patient = login_as("jean")
    page = patient.get("/proches")
    mandate_id = re.search(r"/proches/mandats/(\d+)/fin", page.get_data(as_text=True)).group(1)
    assert "Révoquer le mandat de Sophie Bernard" in text(page)
    response = patient.post(f"/proches/mandats/{mandate_id}/fin", data=hidden_fields(page))
    assert response.status_code == 303
    assert "Le mandat de Sophie Bernard est révoqué" in text(patient.get("/proches"))
    mandate = Mandate.get_by_id(mandate_id)
    assert mandate.ended_reason == ENDED_BY_PATIENT and mandate.ended_by_id == jean.id
    # Her session acting in Jean's space is over: the next request goes to the login page.
    response = sophie.get("/dossier/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    again = login_as("sophie")
    assert open_space(again, jean.id).status_code == 404
    assert again.get("/dossier/documents/").status_code == 403
    home = text(again.get("/espaces"))
    assert "Aucun mandat en cours" in home and "révoqué par la personne" in home
    assert [e.patient_id for e in journal("mandate.revoked")] == [jean.id]


def test_an_expired_mandate_gives_nothing(app, login_as, person, ctx):
    from portal.proxies.models import Mandate
    seeded = Mandate.get(Mandate.patient == person("Jean").id)
    after = seeded.ends_at.replace(tzinfo=timezone.utc) + timedelta(days=1)
    with time_machine.travel(after, tick=False):
        sophie = login_as("sophie")
        assert open_space(sophie, person("Jean").id).status_code == 404
        home = text(sophie.get("/espaces"))
        assert "Aucun mandat en cours" in home and "arrivé à échéance" in home
        assert "Sophie Bernard" not in text(login_as("jean").get("/proches"))
    assert Mandate.get_by_id(seeded.id).ended_at is None  # nothing had to be done


def test_an_expired_mandate_closes_an_open_session_too(login_as, person, ctx):
    from portal.proxies.models import Mandate
    sophie = login_as("sophie")
    open_space(sophie, person("Jean").id)
    assert sophie.get("/dossier/").status_code == 200
    Mandate.update(ends_at=datetime.now(timezone.utc).replace(tzinfo=None)
                   - timedelta(seconds=1)).execute()
    assert sophie.get("/dossier/").status_code == 403


def test_without_the_documents_task_nothing_medical_opens(app, sophie, person, ctx):
    from portal.documents.models import Document
    from portal.proxies.models import Mandate
    jean = person("Jean")
    Mandate.update(tasks="agenda").where(Mandate.patient == jean.id).execute()
    response = open_space(sophie, jean.id)
    assert response.status_code == 302 and response.headers["Location"].endswith("/espaces")
    document = Document.select().where(Document.patient == jean.id).first()
    assert document is not None
    urls = ["/dossier/", "/dossier/documents/", f"/dossier/documents/{document.id}",
            f"/dossier/documents/{document.id}/fichier",
            f"/dossier/documents/{document.id}/telecharger",
            f"/dossier/documents/{document.id}/apercu", "/dossier/documents/ajouter",
            "/proches"]
    for url in urls:
        response = sophie.get(url)
        assert response.status_code == 403, url
        page = text(response)
        assert "Jean Dupont" in page and "ne permet pas cette action" in page, url
        assert document.title not in page, url
    home = text(sophie.get("/espaces"))
    assert "Autorisé à : Agenda –" in home and "document" not in home.split("Mandats en cours")[1]


def test_with_the_documents_task_the_record_opens(sophie, person):
    jean = person("Jean")
    open_space(sophie, jean.id)
    assert sophie.get("/dossier/documents/").status_code == 200
    assert sophie.get("/proches").status_code == 403  # never the patient's relatives


def test_the_mediator_home_shows_each_patients_next_step(sophie, person, ctx):
    from portal.documents.models import Document
    from portal.proxies.models import Mandate
    jean = person("Jean")
    soon = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=10)
    Mandate.update(ends_at=soon).where(Mandate.patient == jean.id).execute()
    recent = Document.select().where(Document.patient == jean.id,
                                     Document.hidden_from_patient == False).count()  # noqa: E712
    pending = Document.select().where(Document.patient == jean.id,
                                      Document.hidden_from_patient == True).count()  # noqa: E712
    home = text(sophie.get("/espaces"))
    assert "Mandat à renouveler avant le" in home
    assert recent, "the demo gives Jean documents"
    assert f"{recent} nouveau" in home
    assert pending, "the demo gives Jean a document waiting to be announced"
    assert f"{pending} document attend d’être présenté" in home
    Document.update(created_at=soon - timedelta(days=60)).where(
        Document.patient == jean.id).execute()
    assert "nouveau document" not in text(sophie.get("/espaces"))


def test_a_renewal_replaces_the_mandate_in_force_only_once_confirmed(app, sophie, person):
    from portal.accounts.models import Account
    from portal.policy import relation_to
    from portal.proxies.mandates import ENDED_REPLACED
    from portal.proxies.models import Mandate
    jean = person("Jean")
    seeded = Mandate.get(Mandate.patient == jean.id)
    location = ask(sophie, JEAN, tasks=("messages_read",), duration="12m").headers["Location"]
    assert "remplacera celui qui est en cours" in text(sophie.get(location))
    account = Account.get(Account.email == "sophie.bernard@example.org")
    assert "dossier_read" in relation_to(account, jean.id).scopes  # the old one goes on
    assert type_code(sophie, location, latest_code(app, "jean.dupont@example.org")
                     ).status_code == 303
    old = Mandate.get_by_id(seeded.id)
    assert old.ended_reason == ENDED_REPLACED and old.ended_at is not None
    assert relation_to(account, jean.id).scopes == {"messaging_read"}
    in_force = Mandate.select().where(Mandate.patient == jean.id, Mandate.ended_at.is_null())
    assert in_force.count() == 1
    assert "remplacé par un nouveau mandat" in text(sophie.get("/espaces"))


def test_a_new_request_voids_the_previous_waiting_one(app, sophie, person):
    from portal.proxies.models import Mandate
    first = ask(sophie, AMINA).headers["Location"]
    second = ask(sophie, AMINA, tasks=("summaries",)).headers["Location"]
    assert sophie.get(first).status_code == 404
    assert type_code(sophie, second, latest_code(app, "amina.diallo@example.org")
                     ).status_code == 303
    assert Mandate.select().where(Mandate.patient == person("Amina").id,
                                  Mandate.ended_at.is_null()).count() == 1


def test_the_mediator_ends_a_mandate_after_confirming(app, sophie, person):
    from portal.proxies.models import ENDED_BY_ACTOR, Mandate
    jean = person("Jean")
    mandate = Mandate.get(Mandate.patient == jean.id)
    page = sophie.get(f"/mandats/{mandate.id}/fin")
    assert page.status_code == 200
    assert "Mettre fin au mandat de Jean Dupont" in text(page)
    assert Mandate.get_by_id(mandate.id).ended_at is None  # showing the question ends nothing
    response = sophie.post(f"/mandats/{mandate.id}/fin", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 303
    ended = Mandate.get_by_id(mandate.id)
    assert ended.ended_reason == ENDED_BY_ACTOR and ended.ended_by_id == \
        person("Sophie").id
    assert open_space(sophie, jean.id).status_code == 404
    assert latest_mail(app, "jean.dupont@example.org").subject == "Carnet : fin d’un mandat"
    assert [e.patient_id for e in journal("mandate.ended")] == [jean.id]


def test_the_patient_sees_and_declines_a_waiting_request(app, sophie, login_as, person):
    from portal.proxies.models import ENDED_DECLINED, Mandate
    location = ask(sophie, AMINA).headers["Location"]
    amina = login_as("amina")
    page = amina.get("/proches")
    assert "en attente de votre code" in text(page)
    mandate_id = re.search(r"/proches/mandats/(\d+)/fin", page.get_data(as_text=True)).group(1)
    assert amina.post(f"/proches/mandats/{mandate_id}/fin", data=hidden_fields(page)
                      ).status_code == 303
    assert Mandate.get_by_id(mandate_id).ended_reason == ENDED_DECLINED
    assert sophie.get(location).status_code == 404
    assert "demande refusée par la personne" in text(sophie.get("/espaces"))


def test_a_stranger_cannot_revoke_a_mandate(login_as, person, ctx):
    from portal.proxies.models import Mandate
    mandate = Mandate.get(Mandate.patient == person("Jean").id)
    amina = login_as("amina")
    data = {"csrf_token": csrf_from(amina.get("/proches")), "_space": person("Amina").id}
    response = amina.post(f"/proches/mandats/{mandate.id}/fin", data=data)
    assert response.status_code == 404
    assert Mandate.get_by_id(mandate.id).ended_at is None


def test_csrf_and_the_open_space_are_enforced(sophie, login_as, person, ctx):
    from portal.proxies.models import Mandate
    mandate = Mandate.get(Mandate.patient == person("Jean").id)
    jean = login_as("jean")
    fields = hidden_fields(jean.get("/proches"))
    url = f"/proches/mandats/{mandate.id}/fin"
    assert jean.post(url, data={"csrf_token": fields["csrf_token"]}).status_code == 409
    assert jean.post(url, data={"_space": fields["_space"]}).status_code == 400
    assert sophie.post("/mandats/nouveau", data={**JEAN, "tasks": ["agenda"], "duration": "1j",
                                                 "present": "y"}).status_code == 400
    assert sophie.post(f"/mandats/{mandate.id}/fin").status_code == 400
    assert Mandate.get_by_id(mandate.id).ended_at is None
    assert Mandate.select().count() == 1


def test_durations_are_calendar_based_and_never_beyond_twelve_months():
    from portal.proxies.mandate_forms import DURATIONS, ends_after
    from portal.proxies.models import add_months
    start = datetime(2027, 1, 31, 9, 30)
    assert add_months(start, 1) == datetime(2027, 2, 28, 9, 30)
    assert add_months(datetime(2027, 11, 30), 3) == datetime(2028, 2, 29)
    assert ends_after(start, "1j") == datetime(2027, 2, 1, 9, 30)
    assert ends_after(start, "1s") == datetime(2027, 2, 7, 9, 30)
    assert ends_after(start, "12m") == datetime(2028, 1, 31, 9, 30)
    assert max(ends_after(start, key) for key in DURATIONS) == datetime(2028, 1, 31, 9, 30)
    assert [str(label) for label, *_ in DURATIONS.values()] == [
        "1 jour", "1 semaine", "1 mois", "3 mois", "6 mois", "12 mois"]
