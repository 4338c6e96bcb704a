"""Caregivers (proches aidants): invitation through the real form, acceptance, limits, expiry,
refusal, cancellation, the end by either side, attestations in both spaces, and what a
caregiver can never do in the space of the person they help."""
import re
import subprocess
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from conftest import csrf_from, hidden_fields, journal, open_space, outbox, text

INVITE = "/proches/delegations/inviter"
# Demo people: first 13 digits of the NIR, birth date as typed in the form.
IDENTITIES = {
    "camille": ("2800519272001", "14/05/1980"),
    "lina": ("2150919272044", "02/09/2015"),
    "jean": ("1440219031012", "11/02/1944"),
    "amina": ("2921175112078", "30/11/1992"),
    "sophie": ("2870619272033", "03/06/1987"),
}
EMAILS = {"camille": "camille.martin@example.org", "jean": "jean.dupont@example.org",
          "amina": "amina.diallo@example.org"}
UNKNOWN = "Aucune personne ne correspond à ce numéro de sécurité sociale et à cette date de " \
          "naissance. Vérifiez-les."


def nir(key):
    from portal.accounts.nir import with_key
    return with_key(IDENTITIES[key][0])


def form_data(page, who="amina", scopes=("dossier_read", "agenda"), start=None, end=None,
              sworn=True, birth=None):
    data = dict(hidden_fields(page))
    data.update({"nir": nir(who) if who in IDENTITIES else who,
                 "birth_date": birth or IDENTITIES.get(who, ("", "01/01/1990"))[1],
                 "scopes": list(scopes),
                 "starts_on": start if start is not None else date.today().isoformat(),
                 "ends_on": end if end is not None else
                 (date.today() + timedelta(days=180)).isoformat()})
    if sworn:
        data["sworn"] = "y"
    return data


def invite(client, **values):
    page = client.get(INVITE)
    assert page.status_code == 200
    return client.post(INVITE, data=form_data(page, **values))


def action_url(client, verb):
    """The URL of the first answer button (accepter, refuser, annuler) or end link (fin)."""
    match = re.search(rf"/proches/delegations/(\d+)/{verb}", text(client.get("/proches")))
    assert match, f"no /{verb} on Mes proches"
    return match.group(0)


def post_from_relatives(client, verb):
    page = client.get("/proches")
    return client.post(action_url(client, verb), data=hidden_fields(page))


def space_fields(client, owner):
    """What a form of `owner`'s space sends (for pages that show no such form any more)."""
    return {"csrf_token": csrf_from(client.get("/espaces")), "_space": str(owner.id)}


def delegation(patient, caregiver):
    from portal.proxies.models import Delegation
    return (Delegation.select().where(Delegation.patient == patient.id,
                                      Delegation.caregiver == caregiver.id)
            .order_by(Delegation.id.desc()).first())


def attestations(person_id):
    from portal.documents.models import Document
    return list(Document.select().where(
        Document.patient == person_id,
        Document.original_name.startswith("attestation-delegation-")).order_by(Document.id))


def pdf_text(app, document):
    from portal.documents.store import read_content
    with app.app_context():
        data = read_content(document)
    assert data.startswith(b"%PDF")
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


def assert_tagged_with_title(app, document):
    """PDF/UA basics: tagged, in French, titled like the document in the list."""
    import io

    import pikepdf
    from portal.documents.store import read_content
    with app.app_context():
        data = read_content(document)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert "/StructTreeRoot" in pdf.Root and str(pdf.Root.Lang) == "fr"
        assert str(pdf.docinfo.Title) == document.title


def squash(value):
    return " ".join(value.split())


def full_nir(nir13):
    from portal.accounts.nir import with_key
    return with_key(nir13)


def make_patient(given, nir13, birth=date(1970, 1, 1), account=True):
    """An extra adult with (or without) an active patient account."""
    from portal.accounts.models import Account, Person
    from portal.accounts.nir import with_key
    person = Person.create(nir=with_key(nir13), family_name="Test", given_names=given,
                           birth_date=birth, sex="F")
    if account:
        Account.create(person=person, email=f"{given.lower()}@example.org",
                       password_hash="x", role="patient")
    return person


def pending_from(patient, caregiver, **values):
    from portal.accounts.models import utcnow
    from portal.proxies.models import INVITATION_VALID_FOR, Delegation
    now = utcnow()
    fields = {"patient": patient, "caregiver": caregiver, "scopes": "agenda",
              "starts_on": date.today(), "ends_on": date.today() + timedelta(days=30),
              "sworn_at": now, "invitation_expires_at": now + INVITATION_VALID_FOR}
    fields.update(values)
    return Delegation.create(**fields)


@pytest.fixture
def camille(login_as):
    return login_as("camille")


@pytest.fixture
def amina(login_as):
    return login_as("amina")


@pytest.fixture
def accepted(app, camille, amina, person, ctx):
    """Camille has invited Amina (dossier_read, agenda) and Amina has accepted."""
    assert invite(camille).status_code == 302
    assert post_from_relatives(amina, "accepter").status_code == 302
    found = delegation(person("Camille"), person("Amina"))
    assert found.accepted_at is not None
    return found


# --- the whole flow ---------------------------------------------------------------------------

def test_invite_accept_then_end_with_attestations_in_both_spaces(app, camille, amina, person,
                                                                 login_as, ctx):
    from portal.accounts.models import Account
    from portal.policy import relation_to
    from portal.proxies.models import ENDED_BY_PATIENT
    page = camille.get("/proches")
    assert INVITE in text(page)
    form = camille.get(INVITE)
    for label in ("Consulter le dossier", "Ajouter au dossier", "Messagerie", "Agenda",
                  "Déclaration sur l’honneur", "je choisis librement cette personne"):
        assert label in text(form)
    response = invite(camille, scopes=("dossier_read", "agenda"))
    assert response.status_code == 302 and response.location.endswith("/proches")
    notice = text(camille.get("/proches"))
    assert "L’invitation a été envoyée à Amina Diallo" in notice
    assert "Invitation en attente" in notice and "Annuler l’invitation" in notice

    found = delegation(person("Camille"), person("Amina"))
    assert found.is_pending and found.sworn_at is not None
    assert found.scopes == "dossier_read,agenda"
    assert found.invitation_expires_at - found.sworn_at == timedelta(days=14)
    mail = outbox("amina")[-1]
    assert "Camille Martin vous invite à devenir sa proche aidante" in mail.body
    assert "aucune information médicale" in mail.body
    assert journal("delegation.invited")[-1].patient_id == person("Camille").id

    received = text(amina.get("/proches"))
    for shown in ("Camille Martin", "Vous invite à devenir sa proche aidante",
                  "Consulter le dossier", "Agenda", "Répondez avant le", "Accepter", "Refuser"):
        assert shown in received, shown
    assert open_space(amina, person("Camille").id).status_code == 404  # not before accepting

    assert post_from_relatives(amina, "accepter").status_code == 302
    assert "Vous êtes maintenant proche aidante de Camille Martin" in text(amina.get("/proches"))
    found = delegation(person("Camille"), person("Amina"))
    assert found.accepted_at is not None
    amina_account = Account.get(Account.email == EMAILS["amina"])
    relation = relation_to(amina_account, person("Camille").id)
    assert relation.kind == "delegation"
    assert relation.scopes == {"dossier_read", "summaries", "agenda"}  # exactly the mapped ones
    assert "Amina Diallo a accepté d’être proche aidante de Camille Martin" in \
        outbox("camille")[-1].body

    # The start attestation, in both spaces, authored by the account that accepted.
    for owner in ("Camille", "Amina"):
        (document,) = attestations(person(owner).id)
        assert document.category == "administratif" and document.author_id == amina_account.id
        assert document.mime_type == "application/pdf"
        content = squash(pdf_text(app, document))
        for words in ("Attestation de début de délégation", "Amina DIALLO", "Camille MARTIN",
                      "14 mai 1980", "30 novembre 1992",
                      "Consulter le dossier", "Agenda", "Déclaration sur l’honneur",
                      "je choisis librement cette personne", "Camille Martin, qui a déclaré"):
            assert words in content, (owner, words)
        assert "Messagerie" not in content and "Ajouter au dossier" not in content
        assert_tagged_with_title(app, document)
    assert "Attestation de début de délégation" in text(camille.get("/dossier/documents/"))
    assert "Attestation de début de délégation" in text(amina.get("/dossier/documents/"))

    # Amina may now open Camille's space; Camille ends it after a confirmation page.
    acting = login_as("amina")
    assert open_space(acting, person("Camille").id).status_code == 302
    assert acting.get("/dossier/").status_code == 200
    confirm = camille.get(action_url(camille, "fin"))
    assert confirm.status_code == 200
    assert "Amina Diallo ne pourra plus agir dans cet espace" in text(confirm)
    assert delegation(person("Camille"), person("Amina")).ended_at is None  # a GET changes nothing
    response = camille.post(action_url(camille, "fin"), data=hidden_fields(confirm))
    assert response.status_code == 302
    assert "La délégation a pris fin. Amina Diallo n’a plus accès" in text(camille.get("/proches"))
    ended = delegation(person("Camille"), person("Amina"))
    assert ended.ended_reason == ENDED_BY_PATIENT and ended.ended_by_id == person("Camille").id
    assert acting.get("/dossier/").status_code == 302  # her session in that space has ended
    assert "a pris fin" in outbox("amina")[-1].body
    camille_account = Account.get(Account.email == EMAILS["camille"])
    for owner in ("Camille", "Amina"):
        start, end = attestations(person(owner).id)
        assert end.author_id == camille_account.id
        content = squash(pdf_text(app, end))
        for words in ("Attestation de fin de délégation", "a pris fin le",
                      "Fin demandée par la personne aidée, Camille Martin",
                      "Consulter le dossier", "Amina DIALLO"):
            assert words in content, (owner, words)


def test_the_caregiver_ends_it_from_their_own_space(app, accepted, camille, amina, login_as,
                                                    person, ctx):
    from portal.proxies.models import ENDED_BY_ACTOR
    acting = login_as("amina")
    open_space(acting, person("Camille").id)
    assert acting.get("/dossier/").status_code == 200
    confirm = amina.get(action_url(amina, "fin"))
    assert "Vous ne pourrez plus agir pour Camille Martin" in text(confirm)
    assert amina.post(action_url(amina, "fin"), data=hidden_fields(confirm)).status_code == 302
    assert "vous n’agissez plus pour Camille Martin" in text(amina.get("/proches"))
    ended = delegation(person("Camille"), person("Amina"))
    assert ended.ended_reason == ENDED_BY_ACTOR and ended.ended_by_id == person("Amina").id
    assert acting.get("/dossier/").status_code == 302
    assert open_space(login_as("amina"), person("Camille").id).status_code == 404
    assert "Amina Diallo a mis fin à la délégation" in outbox("camille")[-1].body
    end = attestations(person("Camille").id)[-1]
    assert "Fin demandée par le proche aidant, Amina Diallo" in squash(pdf_text(app, end))


def test_ending_takes_effect_at_the_caregivers_next_request_even_in_a_surviving_session(
        accepted, login_as, person, ctx):
    """Sessions are ended, but access does not depend on it: the policy checks every request."""
    from portal.proxies.models import Delegation
    acting = login_as("amina")
    open_space(acting, person("Camille").id)
    assert acting.get("/dossier/").status_code == 200
    Delegation.update(ended_at=datetime.now(timezone.utc).replace(tzinfo=None)).where(
        Delegation.id == accepted.id).execute()  # ended, session left alone
    response = acting.get("/dossier/")
    assert response.status_code == 200 and "Camille Martin" not in text(response).split(
        "</header>")[0]  # back in her own space
    assert "Votre accès à cet espace a pris fin" in text(response)


# --- the form: each mistake explained, nothing typed lost ------------------------------------

@pytest.mark.parametrize("values, message", [
    ({"who": "", "birth": ""}, "Saisissez le numéro de sécurité sociale."),
    ({"who": "1 23 45"}, "Ce numéro de sécurité sociale n’est pas valide"),
    ({"birth": "31/02/1992"}, "Cette date n’existe pas"),
    ({"scopes": ()}, "Choisissez au moins une autorisation."),
    ({"scopes": ("dossier_read", "proxies")}, "Choisissez parmi les autorisations proposées."),
    ({"start": ""}, "Saisissez la date de début"),
    ({"start": (date.today() - timedelta(days=1)).isoformat()},
     "ne peut pas commencer dans le passé"),
    ({"start": (date.today() + timedelta(days=400)).isoformat()}, "dans l’année qui vient"),
    ({"end": ""}, "Saisissez la date de fin"),
    ({"end": date.today().isoformat()}, "La date de fin doit être après la date de début."),
    ({"end": (date.today() + timedelta(days=3 * 366 + 1)).isoformat()}, "au plus 3 ans"),
    ({"end": "le 12 mars"}, "Saisissez une date au format JJ/MM/AAAA"),
    ({"sworn": False}, "Cochez la déclaration sur l’honneur"),
])
def test_each_mistake_is_explained_and_what_was_typed_is_kept(camille, person, ctx, values,
                                                              message):
    response = invite(camille, **values)
    assert response.status_code == 200
    page = text(response)
    assert "error-summary" in page and message in page
    assert "<title>Erreur :" in page
    kept = form_data(camille.get(INVITE), **values)
    if kept["nir"]:
        assert f'value="{kept["nir"]}"' in page
    for scope in kept["scopes"]:
        if scope != "proxies":
            assert re.search(rf'checked[^>]*value="{scope}"|value="{scope}"[^>]*checked', page)
    for name in ("starts_on", "ends_on"):
        if kept[name]:
            assert f'value="{kept[name]}"' in page, name
    if values.get("sworn", True):
        assert re.search(r'<input[^>]*checked[^>]*id="sworn"|<input[^>]*id="sworn"[^>]*checked',
                         page)
    assert delegation(person("Camille"), person("Amina")) is None


def test_unknown_person_and_wrong_birth_date_get_the_same_answer(camille, person, ctx):
    from portal.accounts.nir import with_key
    unknown = text(invite(camille, who=with_key("1850175123456"), birth="01/01/1985"))
    mismatch = text(invite(camille, who="amina", birth="01/12/1992"))
    assert UNKNOWN in unknown and UNKNOWN in mismatch
    assert "Amina" not in mismatch.split("<main")[1]


@pytest.mark.parametrize("who", ["lina", "sophie", "nobody"])
def test_only_an_adult_with_a_patient_account_can_be_invited(camille, ctx, who):
    """A minor, a mediator's account, a person without an account: one clear message."""
    if who == "nobody":
        make_patient("Odile", "2650175123456", birth=date(1965, 1, 20), account=False)
        response = invite(camille, who=full_nir("2650175123456"), birth="20/01/1965")
    else:
        response = invite(camille, who=who)
    assert "il faut être majeur et avoir ouvert son propre compte Carnet" in text(response)


def test_nobody_invites_themselves(camille, login_as, person, ctx):
    assert "Vous ne pouvez pas vous désigner vous-même" in text(invite(camille, who="camille"))
    open_space(camille, person("Lina").id)  # a parent in her daughter's space
    page = text(invite(camille, who="camille"))
    assert "Vous agissez déjà dans cet espace comme représentant légal" in page
    assert "Vous ne pouvez pas vous désigner vous-même" in text(invite(camille, who="lina"))


def test_a_legal_representative_invites_a_caregiver_for_a_child(camille, login_as, person, ctx):
    open_space(camille, person("Lina").id)
    assert invite(camille, who="amina").status_code == 302
    found = delegation(person("Lina"), person("Amina"))
    assert found.is_pending
    assert "Lina Martin vous invite" in outbox("amina")[-1].body
    assert "Lina Martin" in text(login_as("amina").get("/proches"))


def test_a_second_invitation_to_the_same_caregiver_is_refused(login_as, person, ctx):
    jean = login_as("jean")
    page = text(invite(jean, who="camille"))  # Camille is already Jean's caregiver
    assert "Camille Martin est déjà proche aidante de cet espace" in page
    assert invite(jean, who="amina").status_code == 302
    assert "Amina Diallo est déjà proche aidante de cet espace, ou son invitation est en " \
           "attente" in text(invite(jean, who="amina"))


# --- limits -----------------------------------------------------------------------------------

def test_three_caregivers_at_most_pending_invitations_included(login_as, person, ctx):
    from portal.proxies.models import Delegation
    jean = login_as("jean")  # Camille already helps Jean
    make_patient("Odile", "2650175123456")
    make_patient("Rose", "2660175123456")
    assert invite(jean, who="amina").status_code == 302
    assert invite(jean, who=full_nir("2650175123456"), birth="01/01/1970").status_code == 302
    assert "c’est le maximum" in text(jean.get(INVITE))  # said before typing anything
    response = invite(jean, who=full_nir("2660175123456"), birth="01/01/1970")
    assert response.status_code == 200
    assert "Cet espace a déjà 3 proches aidants, invitations en attente comprises" in \
        text(response)
    assert Delegation.select().where(Delegation.patient == person("Jean").id).count() == 3
    # Withdrawing one invitation frees a place.
    assert post_from_relatives(jean, "annuler").status_code == 302
    assert invite(jean, who=full_nir("2660175123456"), birth="01/01/1970").status_code == 302


def test_five_patients_at_most_per_caregiver_without_naming_them(camille, person, ctx):
    amina = person("Amina")
    helped = [make_patient(name, f"26{i}0175123456") for i, name in
              enumerate(("Odile", "Rose", "Paule", "Irène", "Yvette"), start=1)]
    for patient in helped[:4]:
        pending_from(patient, amina, accepted_at=datetime(2026, 1, 1))
    pending_from(helped[4], amina)  # a pending invitation counts too
    page = text(invite(camille, who="amina"))
    assert "Cette personne ne peut pas accepter de nouvelle délégation : elle aide déjà le " \
           "nombre maximal de personnes." in page
    for patient in helped:
        assert patient.given_names not in page
    assert delegation(person("Camille"), amina) is None


def test_acceptance_checks_the_limits_again(amina, person, ctx):
    """Both limits are counted again when the caregiver accepts (data may have changed)."""
    from portal.proxies.models import Delegation
    patient = make_patient("Odile", "2650175123456")
    waiting = pending_from(patient, person("Amina"))
    for i, name in enumerate(("Rose", "Paule", "Irène", "Yvette", "Berthe"), start=1):
        pending_from(make_patient(name, f"27{i}0175123456"), person("Amina"),
                     accepted_at=datetime(2026, 1, 1))
    response = post_from_relatives(amina, "accepter")
    assert response.status_code == 302
    assert "Vous aidez déjà 5 personnes, le maximum : mettez fin à une autre délégation avant " \
        "d’accepter celle-ci." in text(amina.get("/proches"))
    assert waiting.__class__.get_by_id(waiting.id).accepted_at is None
    # The patient's limit, counted again too (the invitation itself is not counted).
    Delegation.update(ended_at=datetime(2026, 1, 2)).where(
        Delegation.caregiver == person("Amina").id, Delegation.id != waiting.id).execute()
    for i, name in enumerate(("Agathe", "Blanche", "Cécile"), start=1):
        pending_from(patient, make_patient(name, f"28{i}0175123456"))
    post_from_relatives(amina, "accepter")
    assert "Odile Test a déjà 3 proches aidants, le maximum" in text(amina.get("/proches"))
    assert Delegation.get_by_id(waiting.id).accepted_at is None
    Delegation.update(ended_at=datetime(2026, 1, 2)).where(
        Delegation.patient == patient.id, Delegation.id != waiting.id).execute()
    post_from_relatives(amina, "accepter")
    assert Delegation.get_by_id(waiting.id).accepted_at is not None


@pytest.mark.db
def test_the_limit_holds_when_two_invitations_race(app, person, monkeypatch):
    """Two invitations for the last place at the same moment: the count and the insert are one
    locked write transaction, so the second one waits, counts the first, and is refused."""
    import time

    from portal.extensions import db
    from portal.proxies import delegations
    jean, amina = person("Jean"), person("Amina")
    others = [make_patient("Odile", "2650175123456"), make_patient("Rose", "2660175123456")]
    pending_from(jean, amina)  # Camille + Amina: one place left
    original = delegations.check_limits

    def slow_check(*args, **kwargs):
        original(*args, **kwargs)
        time.sleep(0.3)  # the other request would slip in here without the lock
    monkeypatch.setattr(delegations, "check_limits", slow_check)
    outcomes, barrier = [], threading.Barrier(2)

    def attempt(caregiver):
        with app.app_context():
            barrier.wait()
            try:
                delegations.create_invitation(jean, caregiver, ["agenda"], date.today(),
                                              date.today() + timedelta(days=10))
                outcomes.append("created")
            except delegations.Refused as refused:
                outcomes.append(str(refused))
            finally:
                db.close()
    threads = [threading.Thread(target=attempt, args=(p,)) for p in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[0] == "Cet espace a déjà 3 proches aidants, invitations en " \
        "attente comprises : c’est le maximum. Mettez fin à une délégation ou annulez une " \
        "invitation avant d’en envoyer une autre.", outcomes
    assert outcomes.count("created") == 1
    with app.app_context():
        assert delegations.live().where(
            delegations.Delegation.patient == jean.id).count() == 3


@pytest.mark.db
def test_live_counts_open_invitations_and_delegations_in_force(app, person):
    from portal.accounts.models import utcnow
    from portal.proxies.delegations import live
    from portal.proxies.models import Delegation
    jean = person("Jean")
    odile, rose, paule = (make_patient(n, f"26{i}0175123456")
                          for i, n in enumerate(("Odile", "Rose", "Paule"), start=1))
    pending_from(jean, odile)                                                 # counts
    pending_from(jean, rose, invitation_expires_at=utcnow() - timedelta(1))  # lapsed
    pending_from(jean, paule, accepted_at=utcnow(), ends_on=date.today() - timedelta(1))  # over
    counted = {d.caregiver.given_names for d in live().where(Delegation.patient == jean.id)}
    assert counted == {"Camille", "Odile"}


# --- expiry -----------------------------------------------------------------------------------

def test_an_expired_invitation_cannot_be_accepted_and_is_closed_by_the_periodic_task(
        app, camille, login_as, person, ctx):
    from portal.proxies import delegations
    from portal.proxies.models import ENDED_EXPIRED
    assert invite(camille).status_code == 302
    found = delegation(person("Camille"), person("Amina"))
    later = datetime.now(timezone.utc) + timedelta(days=14, minutes=1)
    with time_machine.travel(later, tick=False):
        amina = login_as("amina")
        page = amina.get("/proches")
        assert "Cette invitation a expiré le" in text(page)
        assert "/accepter" not in text(page)
        response = amina.post(f"/proches/delegations/{found.id}/accepter",
                              data=space_fields(amina, person("Amina")))
        assert response.status_code == 302
        assert "Cette invitation a expiré : elle ne peut plus être acceptée" in \
            text(amina.get("/proches"))
        assert delegation(person("Camille"), person("Amina")).accepted_at is None
        assert "Invitation expirée" in text(login_as("camille").get("/proches"))
        with app.app_context():
            assert delegations.expire_invitations() == 1
            assert delegations.expire_invitations() == 0  # idempotent
            assert delegations.expire_delegation_invitations.call_local() == (0, 0)
    closed = delegation(person("Camille"), person("Amina"))
    assert closed.id == found.id and closed.ended_reason == ENDED_EXPIRED
    assert "a expiré sans réponse" in outbox("camille")[-1].body
    assert len(journal("delegation.expired")) == 1
    assert attestations(person("Camille").id) == []  # it never started


@pytest.mark.db
def test_the_periodic_task_closes_only_lapsed_invitations(app, person):
    from portal.accounts.models import utcnow
    from portal.proxies.delegations import expire_delegation_invitations
    from portal.proxies.models import ENDED_EXPIRED, Delegation
    jean = person("Jean")
    odile, rose = make_patient("Odile", "2650175123456"), make_patient("Rose", "2660175123456")
    lapsed = pending_from(jean, odile, invitation_expires_at=utcnow() - timedelta(minutes=1))
    open_one = pending_from(jean, rose)
    with app.app_context():
        assert expire_delegation_invitations.call_local() == (1, 0)
        assert expire_delegation_invitations.call_local() == (0, 0)
    assert Delegation.get_by_id(lapsed.id).ended_reason == ENDED_EXPIRED
    assert Delegation.get_by_id(open_one.id).ended_at is None
    assert Delegation.get(Delegation.caregiver == person("Camille").id).ended_at is None


def test_a_delegation_past_its_end_date_ends_with_an_attestation_in_both_spaces(
        app, login_as, person, ctx):
    """Nobody acts when the end date passes: the hourly task ends it, the caregiver's open
    session in that space ends, both are told, and the end attestation is filed twice."""
    from portal.documents.models import Document
    from portal.mail import OutboxMessage
    from portal.proxies.delegations import expire_delegation_invitations
    from portal.proxies.models import ENDED_EXPIRED, Delegation
    jean, camille = person("Jean"), person("Camille")
    caregiver = login_as("camille")
    page = caregiver.get("/espaces")
    caregiver.post(f"/espaces/{jean.id}", data={"csrf_token": csrf_from(page)})
    assert caregiver.get("/dossier/").status_code == 200
    Delegation.update(ends_on=date.today() - timedelta(days=1)).execute()
    before = OutboxMessage.select().count()
    with app.app_context():
        assert expire_delegation_invitations.call_local() == (0, 1)
        assert expire_delegation_invitations.call_local() == (0, 0)
    delegation = Delegation.get(Delegation.patient == jean.id)
    assert delegation.ended_reason == ENDED_EXPIRED
    response = caregiver.get("/dossier/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    papers = list(Document.select().where(Document.original_name ==
                                          f"attestation-delegation-{delegation.id}-fin.pdf"))
    assert sorted(d.patient_id for d in papers) == sorted([jean.id, camille.id])
    assert "La délégation a pris fin à la date prévue." in pdf_text(app, papers[0])
    told = {m.to for m in OutboxMessage.select().order_by(OutboxMessage.id)[before:]}
    assert {"jean.dupont@example.org", "camille.martin@example.org"} <= told


# --- refuse, cancel ---------------------------------------------------------------------------

def test_the_caregiver_refuses(app, camille, amina, person, ctx):
    from portal.proxies.models import ENDED_DECLINED
    assert invite(camille).status_code == 302
    assert post_from_relatives(amina, "refuser").status_code == 302
    assert "Vous avez refusé l’invitation envoyée par Camille Martin" in text(amina.get("/proches"))
    found = delegation(person("Camille"), person("Amina"))
    assert found.ended_reason == ENDED_DECLINED and found.ended_by_id == person("Amina").id
    assert "Amina Diallo a refusé l’invitation" in outbox("camille")[-1].body
    assert attestations(person("Camille").id) == attestations(person("Amina").id) == []
    assert "Camille Martin" not in text(amina.get("/proches")).split("Pour qui j’agis")[1]


def test_the_patient_cancels_an_invitation(app, camille, amina, person, ctx):
    from portal.proxies.models import ENDED_BY_PATIENT
    assert invite(camille).status_code == 302
    accept_url = action_url(amina, "accepter")
    assert post_from_relatives(camille, "annuler").status_code == 302
    assert "L’invitation envoyée à Amina Diallo est annulée" in text(camille.get("/proches"))
    found = delegation(person("Camille"), person("Amina"))
    assert found.ended_reason == ENDED_BY_PATIENT
    assert "a été annulée" in outbox("amina")[-1].body
    response = amina.post(accept_url, data=space_fields(amina, person("Amina")))
    assert response.status_code == 302
    assert "Cette invitation n’est plus en attente" in text(amina.get("/proches"))
    assert delegation(person("Camille"), person("Amina")).accepted_at is None


# --- scoping, CSRF, open space ----------------------------------------------------------------

def test_another_persons_invitation_is_a_404(camille, amina, login_as, person, ctx):
    assert invite(camille).status_code == 302
    found = delegation(person("Camille"), person("Amina"))
    jean = login_as("jean")
    fields = space_fields(jean, person("Jean"))
    for verb in ("accepter", "refuser", "annuler", "fin"):
        assert jean.post(f"/proches/delegations/{found.id}/{verb}", data=fields).status_code \
            == 404, verb
    assert jean.get(f"/proches/delegations/{found.id}/fin").status_code == 404
    # The inviting patient cannot accept for the caregiver; the caregiver cannot "cancel".
    fields = space_fields(camille, person("Camille"))
    assert camille.post(f"/proches/delegations/{found.id}/accepter", data=fields).status_code \
        == 404
    fields = space_fields(amina, person("Amina"))
    assert amina.post(f"/proches/delegations/{found.id}/annuler", data=fields).status_code \
        == 404
    # A parent in her child's space cannot answer an invitation made to herself there.
    pending = pending_from(person("Jean"), person("Camille"), scopes="agenda")
    open_space(camille, person("Lina").id)
    fields = space_fields(camille, person("Lina"))
    assert camille.post(f"/proches/delegations/{pending.id}/accepter", data=fields).status_code \
        == 404
    assert delegation(person("Camille"), person("Amina")).is_pending


def test_csrf_and_the_open_space_are_enforced(camille, amina, person, ctx):
    assert invite(camille).status_code == 302
    url = action_url(amina, "accepter")
    fields = hidden_fields(amina.get("/proches"))
    assert amina.post(url, data={"_space": fields["_space"]}).status_code == 400
    assert amina.post(url, data={"csrf_token": fields["csrf_token"]}).status_code == 409
    wrong = fields | {"_space": str(person("Camille").id)}
    assert amina.post(url, data=wrong).status_code == 409
    page = camille.get(INVITE)
    data = form_data(page)
    del data["_space"]
    assert camille.post(INVITE, data=data).status_code == 409
    assert delegation(person("Camille"), person("Amina")).is_pending


# --- what a caregiver can never do ------------------------------------------------------------

@pytest.fixture
def caregiver_in_jeans_space(login_as, person):
    """Camille, acting in Jean's space under the demo delegation (dossier_read, messaging,
    agenda)."""
    client = login_as("camille")
    assert open_space(client, person("Jean").id).status_code == 302
    return client


@pytest.mark.parametrize("method, url", [
    ("GET", "/proches"),                                  # manage caregivers
    ("GET", INVITE),
    ("POST", INVITE),
    ("GET", "/parametres/urgence"),                       # emergency settings
    ("POST", "/parametres/urgence"),
    ("GET", "/dossier/professionnels/"),                  # professionals' access
    ("POST", "/dossier/professionnels/codes"),
    ("GET", "/dossier/historique/"),                      # history
    ("GET", "/dossier/historique/export.csv"),            # export of the journal
])
def test_a_caregiver_is_refused_with_an_explanation(caregiver_in_jeans_space, person, method,
                                                    url):
    client = caregiver_in_jeans_space
    fields = {"csrf_token": csrf_from(client.get("/espaces")), "_space": str(person("Jean").id)}
    response = client.get(url) if method == "GET" else client.post(url, data=fields)
    assert response.status_code == 403, url
    page = text(response)
    assert "Dans l’espace de Jean Dupont, votre relation (Proche aidante (délégation)) ne " \
           "permet pas cette action" in page


def test_a_caregiver_cannot_end_or_add_the_patients_other_caregivers(caregiver_in_jeans_space,
                                                                     person, ctx):
    from portal.proxies.models import Delegation
    other = pending_from(person("Jean"), person("Amina"))
    client = caregiver_in_jeans_space
    fields = {"csrf_token": csrf_from(client.get("/espaces")), "_space": str(person("Jean").id)}
    for verb in ("fin", "annuler"):
        assert client.post(f"/proches/delegations/{other.id}/{verb}",
                           data=fields).status_code == 403
    assert Delegation.get_by_id(other.id).ended_at is None


def test_settings_act_on_the_caregivers_own_account_only(app, caregiver_in_jeans_space,
                                                        login_as, ctx):
    from portal.accounts.models import Account, UserSession
    client = caregiver_in_jeans_space
    jean_client = login_as("jean")
    jean = Account.get(Account.email == EMAILS["jean"])
    camille = Account.get(Account.email == EMAILS["camille"])
    jean_hash = jean.password_hash
    sessions_page = text(client.get("/parametres/sessions"))
    jean_handles = [s.key[:16] for s in UserSession.select().where(UserSession.account == jean.id)]
    assert jean_handles and not any(h in sessions_page for h in jean_handles)
    page = client.get("/parametres/mot-de-passe")
    response = client.post("/parametres/mot-de-passe", data={
        "csrf_token": csrf_from(page), "current_password": "demo-carnet-2026",
        "new_password": "un-nouveau-mot-de-passe-2026", "confirm": "un-nouveau-mot-de-passe-2026"})
    assert response.status_code == 302, text(response)[:2000]
    assert Account.get_by_id(jean.id).password_hash == jean_hash
    assert Account.get_by_id(camille.id).password_hash != camille.password_hash
    page = client.get("/parametres/sessions")
    client.post("/parametres/sessions/fin-autres", data={"csrf_token": csrf_from(page)})
    assert jean_client.get("/dossier/").status_code == 200  # Jean's session goes on
    for handle in jean_handles:  # nor can she end one of Jean's sessions by its handle
        assert client.post(f"/parametres/sessions/{handle}/fin",
                           data={"csrf_token": csrf_from(page)}).status_code == 404
