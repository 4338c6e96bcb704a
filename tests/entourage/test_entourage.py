"""Entourage et volontés: persons to contact, the trusted person, caregivers' details, organ
donation; who reads it (the record's readers), who changes it (the patient and their legal
representative only), what the journal keeps, and what a professional sees first in an
emergency."""
import re
from datetime import date, timedelta

import pytest
from conftest import hidden_fields, journal, open_space

PAGE = "/entourage"
ADD_EMERGENCY = "/entourage/personnes/ajouter/a-prevenir"
ADD_TRUSTED = "/entourage/personnes/ajouter/confiance"
WISHES = "/entourage/don-d-organes"


def contact_form(**values):
    data = {"name": "Marie Lambert", "relationship": "amie", "phone": "06 98 76 54 32",
            "email": "", "note": ""}
    data.update(values)
    return data


def contacts(patient, kind=None):
    from portal.entourage.models import Contact
    return list(Contact.of_patient(patient.id, kind))


def post_form(client, url, data, page_url=None):
    """Post `data` with the hidden fields of the page the form is on (as a browser would)."""
    page = client.get(page_url or url)
    assert page.status_code == 200, (page_url or url, page.status_code)
    return client.post(url, data=hidden_fields(page) | data)


def text_of(response):
    return response.get_data(as_text=True)


# --- phone numbers ---------------------------------------------------------------------------

@pytest.mark.parametrize("typed, stored, shown", [
    ("06 12 34 56 78", "+33612345678", "06 12 34 56 78"),
    ("06.12.34.56.78", "+33612345678", "06 12 34 56 78"),
    ("+33 6 12 34 56 78", "+33612345678", "06 12 34 56 78"),
    ("+33 (0)6 12 34 56 78", "+33612345678", "06 12 34 56 78"),
    ("0033612345678", "+33612345678", "06 12 34 56 78"),
    ("05-55-20-11-42", "+33555201142", "05 55 20 11 42"),
    ("0692 12 34 56", "+262692123456", "06 92 12 34 56"),     # La Réunion
    ("+44 20 7946 0958", "+442079460958", "+44 20 79 46 09 58"),
    ("+1 (415) 555-0100", "+14155550100", "+1 415 555 0100"),
])
def test_phone_numbers_are_stored_normalised_and_shown_readable(typed, stored, shown):
    from portal.entourage import phones
    assert phones.normalise(typed) == stored
    assert phones.display(stored) == shown
    assert phones.tel_uri(stored) == "tel:" + stored


@pytest.mark.parametrize("typed", ["", "15", "112", "06 12 34 56", "06 12 34 56 789",
                                   "00 12 34 56 78", "6 12 34 56 78", "+33 6 12 34 56",
                                   "06 12 AB 56 78", "+0 123 456 789", "+1234567890123456",
                                   "06 12 34 56 78 ; DROP"])
def test_implausible_phone_numbers_are_refused(typed):
    from portal.entourage import phones
    assert phones.normalise(typed) is None


# --- models, on both engines -------------------------------------------------------------------

@pytest.mark.db
def test_one_trusted_person_per_patient_is_enforced_by_the_database(ctx, person):
    from peewee import IntegrityError

    from portal.entourage.models import EMERGENCY, TRUSTED, Contact
    from portal.extensions import db
    jean, amina = person("Jean"), person("Amina")
    assert len(contacts(jean, TRUSTED)) == 1  # the demo's
    with pytest.raises(IntegrityError):
        with db.atomic():
            Contact.create(patient=jean, kind=TRUSTED, name="Autre", relationship="ami",
                           phone="+33600000001")
    # Emergency contacts are not limited by the index; another patient has their own.
    Contact.create(patient=jean, kind=EMERGENCY, name="Autre", relationship="ami",
                   phone="+33600000001")
    Contact.create(patient=amina, kind=TRUSTED, name="Awa Diallo", relationship="sœur",
                   phone="+33600000002", accepted=True, designated_on=date(2025, 1, 3))
    assert [c.name for c in contacts(amina)] == ["Awa Diallo"]


@pytest.mark.db
def test_wishes_are_one_per_patient_and_go_with_the_person(ctx, person):
    from peewee import IntegrityError

    from portal.entourage.models import DONATION_AGREES, Contact, Wishes
    from portal.extensions import db
    jean = person("Jean")
    assert Wishes.get(Wishes.patient == jean.id).organ_donation == DONATION_AGREES
    with pytest.raises(IntegrityError):
        with db.atomic():
            Wishes.create(patient=jean)
    amina = person("Amina")
    Wishes.create(patient=amina, organ_donation="refuses", refusal_registered=True)
    Contact.create(patient=amina, kind="emergency", name="X", relationship="ami",
                   phone="+33600000003")
    amina.delete_instance(recursive=False)
    assert not Wishes.select().where(Wishes.patient == amina.id).exists()
    assert not Contact.select().where(Contact.patient == amina.id).exists()


@pytest.mark.db
def test_demo_entourage(ctx, person):
    from portal.entourage.presenters import entourage_for
    jean = entourage_for(person("Jean").id)
    assert [(c.name, c.relationship, c.phone) for c in jean.emergency] == [
        ("Camille Martin", "voisine, aidante", "+33612345678"),
        ("Pierre Dupont", "fils", "+33671824519")]
    assert jean.trusted.name == "Pierre Dupont" and jean.trusted.accepted
    assert jean.wishes.organ_donation == "agrees"
    assert [(c.name, c.phone_uri) for c in jean.caregivers] == [
        ("Camille Martin", "tel:+33612345678")]
    assert [c.relationship for c in entourage_for(person("Camille").id).emergency] == ["sœur"]
    lina = entourage_for(person("Lina").id)
    assert [(c.name, c.relationship) for c in lina.emergency] == [("Camille Martin", "mère")]
    assert lina.trusted is None and lina.caregivers == []
    from portal.entourage.demo import seed
    from portal.seed import seed_demo
    assert seed_demo() == 0  # idempotent, whole demo
    from portal.accounts.models import Account
    accounts = {key: Account.get(Account.email == email) for key, email in
                (("jean", "jean.dupont@example.org"), ("camille", "camille.martin@example.org"))}
    people = {key: person(key.capitalize()) for key in ("jean", "camille", "lina")}
    assert seed(people, accounts) == 0


# --- the patient ------------------------------------------------------------------------------

@pytest.mark.db  # the writes lock the patient's row on PostgreSQL
def test_patient_adds_edits_and_deletes_a_contact_through_the_forms(login_as, person, ctx):
    jean = login_as("jean")
    response = post_form(jean, ADD_EMERGENCY, contact_form(
        phone="05.55.26.14.14", email="Marie.Lambert@Example.org", note="Clés de la maison"))
    assert response.status_code == 303 and response.location.endswith(
        "/entourage#personnes-a-prevenir")
    added = contacts(person("Jean"), "emergency")[-1]
    assert (added.name, added.phone, added.email, added.position) == (
        "Marie Lambert", "+33555261414", "marie.lambert@example.org", 3)
    page = text_of(jean.get(PAGE))
    assert "La personne à prévenir est ajoutée." in page
    assert ('<a href="tel:+33555261414" class="nowrap">'
            '<bdi dir="ltr">05 55 26 14 14</bdi></a>') in page

    edit = f"/entourage/personnes/{added.id}/modifier"
    form = text_of(jean.get(edit))
    assert 'value="05 55 26 14 14"' in form  # the stored number, as people read it
    assert "Lien avec vous" in form
    response = post_form(jean, edit, contact_form(name="Marie Lambert-Roux", phone="+33555261415"))
    assert response.status_code == 303
    changed = contacts(person("Jean"), "emergency")[-1]
    assert (changed.id, changed.name, changed.phone, changed.email) == (
        added.id, "Marie Lambert-Roux", "+33555261415", "")

    # Deleting asks first, on a page of its own; the POST deletes.
    delete = f"/entourage/personnes/{added.id}/supprimer"
    confirm = jean.get(delete)
    assert "Retirer Marie Lambert-Roux des personnes à prévenir ?" in text_of(confirm)
    assert len(contacts(person("Jean"), "emergency")) == 3
    response = jean.post(delete, data=hidden_fields(confirm))
    assert response.status_code == 303
    assert [c.name for c in contacts(person("Jean"), "emergency")] == [
        "Camille Martin", "Pierre Dupont"]
    for action in ("entourage.emergency.add", "entourage.emergency.edit",
                   "entourage.emergency.delete"):
        events = journal(action, outcome="ok")
        assert len(events) == 1 and events[0].patient_id == person("Jean").id, action
        assert events[0].object_id == str(added.id) and events[0].via == "self"


@pytest.mark.db  # the writes lock the patient's row on PostgreSQL
def test_patient_reorders_emergency_contacts(login_as, person, ctx):
    jean = login_as("jean")
    pierre = contacts(person("Jean"), "emergency")[1]
    page = jean.get(PAGE)
    response = jean.post(f"/entourage/personnes/{pierre.id}/deplacer",
                         data=hidden_fields(page) | {"sens": "haut"})
    assert response.status_code == 303
    assert [c.name for c in contacts(person("Jean"), "emergency")] == [
        "Pierre Dupont", "Camille Martin"]
    assert len(journal("entourage.emergency.reorder", outcome="ok")) == 1
    assert jean.post(f"/entourage/personnes/{pierre.id}/deplacer",
                     data=hidden_fields(page) | {"sens": "ailleurs"}).status_code == 400


@pytest.mark.db  # the writes lock the patient's row on PostgreSQL
def test_patient_replaces_the_trusted_person(login_as, person, ctx):
    jean = login_as("jean")
    trusted = contacts(person("Jean"), "trusted")[0]
    # A second one is refused, with a clear message, and what was typed stays.
    response = post_form(jean, ADD_TRUSTED, contact_form(
        name="Louise Dupont", relationship="fille", designated_on="02/01/2026", accepted="y"),
        page_url=PAGE)  # the form is not offered: posted from another tab
    assert response.status_code == 200
    page = text_of(response)
    assert "Une personne de confiance est déjà enregistrée (Pierre Dupont)" in page
    assert "<title>Erreur :" in page and 'value="Louise Dupont"' in page
    assert 'value="2026-01-02"' in page and len(contacts(person("Jean"), "trusted")) == 1
    # Without the co-signature, nothing is saved either.
    delete = f"/entourage/personnes/{trusted.id}/supprimer"
    assert "Retirer Pierre Dupont comme personne de confiance ?" in text_of(jean.get(delete))
    assert post_form(jean, delete, {}).status_code == 303
    response = post_form(jean, ADD_TRUSTED, contact_form(
        name="Louise Dupont", relationship="fille", designated_on="02/01/2026"))
    assert "doit avoir accepté et cosigné la désignation" in text_of(response)
    assert contacts(person("Jean"), "trusted") == []
    response = post_form(jean, ADD_TRUSTED, contact_form(
        name="Louise Dupont", relationship="fille", designated_on="02/01/2026", accepted="y"))
    assert response.status_code == 303
    louise = contacts(person("Jean"), "trusted")[0]
    assert (louise.name, louise.accepted, louise.designated_on) == (
        "Louise Dupont", True, date(2026, 1, 2))
    assert len(journal("entourage.trusted.delete", outcome="ok")) == \
        len(journal("entourage.trusted.add", outcome="ok")) == 1


@pytest.mark.parametrize("values, message", [
    ({"phone": "06 12 34"}, "Ce numéro de téléphone n’est pas valide"),
    ({"phone": ""}, "Saisissez le numéro de téléphone."),
    ({"name": ""}, "Saisissez le nom et le prénom de la personne."),
    ({"relationship": ""}, "Indiquez le lien"),
    ({"email": "marie@"}, "Saisissez une adresse e-mail valide"),
])
def test_errors_are_explained_and_keep_what_was_typed(login_as, person, ctx, values, message):
    jean = login_as("jean")
    typed = contact_form(note="Joignable après 18 h", **values)
    response = post_form(jean, ADD_EMERGENCY, typed)
    page = text_of(response)
    assert response.status_code == 200 and message in page
    assert '<div class="error-summary"' in page and "<title>Erreur :" in page
    for name in ("name", "relationship", "phone", "email"):
        if typed[name]:
            assert f'value="{typed[name]}"' in page, name
    assert "Joignable après 18 h</textarea>" in page
    assert len(contacts(person("Jean"), "emergency")) == 2


def test_trusted_person_designation_date_is_checked(login_as, person, ctx):
    jean = login_as("jean")
    assert post_form(jean, f"/entourage/personnes/{contacts(person('Jean'), 'trusted')[0].id}"
                     "/supprimer", {}).status_code == 303
    future = (date.today() + timedelta(days=3)).strftime("%d/%m/%Y")
    for typed, message in ((future, "ne peut pas être dans le futur"),
                           ("", "Saisissez la date de la désignation écrite"),
                           ("31/02/2025", "Cette date n’existe pas"),
                           ("01/01/1930", "antérieure à la date de naissance")):
        response = post_form(jean, ADD_TRUSTED, contact_form(designated_on=typed, accepted="y"))
        assert message in text_of(response), typed
    assert contacts(person("Jean"), "trusted") == []


@pytest.mark.db  # the writes lock the patient's row on PostgreSQL
def test_at_most_five_emergency_contacts(login_as, person, ctx):
    jean = login_as("jean")
    for n in range(3):
        assert post_form(jean, ADD_EMERGENCY,
                         contact_form(name=f"Voisin {n}", phone=f"06 00 00 00 0{n}")
                         ).status_code == 303
    assert len(contacts(person("Jean"), "emergency")) == 5
    page = text_of(jean.get(PAGE))
    assert "Le maximum de 5 personnes à prévenir est atteint" in page
    assert ADD_EMERGENCY not in page
    full = text_of(jean.get(ADD_EMERGENCY))
    main = full.split('id="contenu"')[1].split("</main>")[0]
    assert "Il y a déjà 5 personnes à prévenir, le maximum." in main and "<form" not in main
    # A form posted anyway (another tab): refused, explained, input kept.
    page = jean.get(PAGE)
    response = jean.post(ADD_EMERGENCY, data=hidden_fields(page) | contact_form(name="Sixième"))
    assert response.status_code == 200
    assert "Il y a déjà 5 personnes à prévenir" in text_of(response)
    assert 'value="Sixième"' in text_of(response)
    assert len(contacts(person("Jean"), "emergency")) == 5


def test_organ_donation_wish(login_as, person, ctx):
    from portal.entourage.models import Wishes
    jean = login_as("jean")
    form = text_of(jean.get(WISHES))
    assert "registre national des refus" in form and "Agence de la biomédecine" in form
    assert "registrenationaldesrefus.fr" in form and "loi du 26 janvier 2016" in form
    # Registering a refusal while choosing "je ne m'oppose pas": explained, nothing lost.
    response = post_form(jean, WISHES, {"organ_donation": "agrees", "refusal_registered": "y",
                                        "refusal_scope": "cornées", "comment": "Réfléchi"})
    page = text_of(response)
    assert response.status_code == 200 and "vont avec le choix « Je refuse le don »" in page
    assert "cornées</textarea>" in page and "Réfléchi</textarea>" in page
    assert re.search(r'<input checked id="organ_donation-1" name="organ_donation" '
                     r'type="radio" value="agrees">', page)
    response = post_form(jean, WISHES, {"organ_donation": "refuses", "refusal_registered": "y",
                                        "refusal_scope": "cornées ; recherche scientifique"})
    assert response.status_code == 303
    row = Wishes.get(Wishes.patient == person("Jean").id)
    assert (row.organ_donation, row.refusal_registered, row.refusal_scope) == (
        "refuses", True, "cornées ; recherche scientifique")
    page = text_of(jean.get(PAGE))
    assert "Refuse en partie le don : cornées ; recherche scientifique." in page
    assert "Inscription au registre national des refus." in page
    assert "Dernière mise à jour par Jean Dupont" in page
    # A tampered choice is refused in French.
    response = post_form(jean, WISHES, {"organ_donation": "peut-être"})
    assert "Choisissez une des valeurs proposées." in text_of(response)
    assert len(journal("entourage.wishes.edit", outcome="ok")) == 1


# --- the legal representative -------------------------------------------------------------------

def test_legal_representative_manages_the_childs_entourage(login_as, person, ctx):
    camille = login_as("camille")
    assert open_space(camille, person("Lina").id).status_code == 302
    page = text_of(camille.get(PAGE))
    assert "Camille Martin" in page and "mère" in page
    assert "Une personne mineure ne peut pas désigner de personne de confiance" in page
    assert "accord écrit de chacun de ses représentants légaux" in page
    assert ADD_TRUSTED not in page and camille.get(ADD_TRUSTED).status_code == 404
    assert "Lien avec Lina Martin" in text_of(camille.get(ADD_EMERGENCY))
    response = post_form(camille, ADD_EMERGENCY, contact_form(
        name="Julie Rivière", relationship="tante", phone="06 58 21 47 93"))
    assert response.status_code == 303
    assert [c.name for c in contacts(person("Lina"), "emergency")] == [
        "Camille Martin", "Julie Rivière"]
    julie = contacts(person("Lina"), "emergency")[1]
    assert post_form(camille, f"/entourage/personnes/{julie.id}/modifier",
                     contact_form(name="Julie Rivière", relationship="marraine",
                                  phone="06 58 21 47 93")).status_code == 303
    assert post_form(camille, WISHES, {"organ_donation": "agrees"}).status_code == 303
    assert post_form(camille, f"/entourage/personnes/{julie.id}/supprimer", {}
                     ).status_code == 303
    events = (journal("entourage.emergency.add", outcome="ok")
              + journal("entourage.emergency.delete", outcome="ok"))
    assert {(e.patient_id, e.via, e.actor_name) for e in events} == {
        (person("Lina").id, "guardian", "Camille Martin")}


# --- readers who may not write ---------------------------------------------------------------

def assert_read_only(client, person, ctx):
    """The page shows everything but no button; every write is refused (403), nothing changes."""
    from portal.entourage.models import Contact, Wishes
    page = client.get(PAGE)
    html = text_of(page)
    assert page.status_code == 200
    assert "Camille Martin" in html and "Pierre Dupont" in html and "tel:+33671824519" in html
    for link in (ADD_EMERGENCY, "/modifier", "/supprimer", "/deplacer", WISHES):
        assert link not in html, link
    camille_contact = contacts(person("Jean"), "emergency")[0]
    before = (Contact.select().count(), [c.name for c in Contact.select()],
              Wishes.get(Wishes.patient == person("Jean").id).organ_donation)
    # No form on the page: the fields a forged form would carry (CSRF token, Jean's space).
    fields = {"csrf_token": hidden_fields(page)["csrf_token"], "_space": str(person("Jean").id)}
    for url, data in ((ADD_EMERGENCY, contact_form()), (ADD_TRUSTED, contact_form()),
                      (f"/entourage/personnes/{camille_contact.id}/modifier",
                       contact_form(name="Changé")),
                      (f"/entourage/personnes/{camille_contact.id}/supprimer", {}),
                      (f"/entourage/personnes/{camille_contact.id}/deplacer", {"sens": "bas"}),
                      (WISHES, {"organ_donation": "refuses"})):
        assert client.post(url, data=fields | data).status_code == 403, url
    for url in (ADD_EMERGENCY, WISHES, f"/entourage/personnes/{camille_contact.id}/modifier",
                f"/entourage/personnes/{camille_contact.id}/supprimer"):
        assert client.get(url).status_code == 403, url
    assert (Contact.select().count(), [c.name for c in Contact.select()],
            Wishes.get(Wishes.patient == person("Jean").id).organ_donation) == before
    assert journal("entourage.edit", outcome="denied")


def test_caregiver_reads_but_never_writes(login_as, person, ctx):
    camille = login_as("camille")
    assert open_space(camille, person("Jean").id).status_code == 302
    assert_read_only(camille, person, ctx)
    # Camille may not manage Jean's caregivers: no link to "Mes proches" from his page.
    assert "/proches" not in text_of(camille.get(PAGE)).split('id="proches-aidants"')[1].split(
        "</section>")[0]


def test_mediator_with_documents_task_reads_but_never_writes(login_as, person, ctx):
    sophie = login_as("sophie")
    assert open_space(sophie, person("Jean").id).status_code == 302
    assert_read_only(sophie, person, ctx)


def test_mediator_without_dossier_read_does_not_see_it(login_as, person, ctx):
    from portal.proxies.models import Mandate
    Mandate.update(tasks="agenda").execute()
    sophie = login_as("sophie")
    assert open_space(sophie, person("Jean").id).status_code == 302
    assert sophie.get(PAGE).status_code == 403
    assert journal("entourage.view", outcome="denied")


def test_professional_with_a_grant_reads_but_never_writes(login_as, person, ctx):
    benali = login_as("benali")
    assert open_space(benali, person("Jean").id).status_code == 302
    assert_read_only(benali, person, ctx)


def test_operator_never_sees_it(login_as, person, ctx):
    operator = login_as("operateur")
    assert operator.get(PAGE).status_code == 403
    assert operator.get(ADD_EMERGENCY).status_code == 403
    assert "Entourage et volontés" not in text_of(operator.get("/annuaire/"))


def test_patient_sees_the_link_to_manage_caregivers(login_as):
    page = text_of(login_as("jean").get(PAGE))
    section = page.split('id="proches-aidants"')[1].split("</section>")[0]
    assert "Camille Martin" in section and "tel:+33612345678" in section
    assert 'href="/proches"' in section


def test_another_patients_contact_is_not_found(login_as, person, ctx):
    camille_sister = contacts(person("Camille"), "emergency")[0]
    jean = login_as("jean")
    page = jean.get(PAGE)
    base = f"/entourage/personnes/{camille_sister.id}"
    assert jean.get(base + "/modifier").status_code == 404
    assert jean.get(base + "/supprimer").status_code == 404
    assert jean.post(base + "/supprimer", data=hidden_fields(page)).status_code == 404
    assert jean.post(base + "/modifier", data=hidden_fields(page) | contact_form()
                     ).status_code == 404
    assert jean.post(base + "/deplacer", data=hidden_fields(page) | {"sens": "bas"}
                     ).status_code == 404
    assert contacts(person("Camille"), "emergency")[0].name == "Julie Rivière"
    assert jean.get("/entourage/personnes/ajouter/autre").status_code == 404


def test_a_post_for_another_space_is_refused(login_as, person, ctx):
    camille = login_as("camille")
    own_page = camille.get(PAGE)  # her own space's form fields
    assert open_space(camille, person("Lina").id).status_code == 302
    response = camille.post(ADD_EMERGENCY, data=hidden_fields(own_page) | contact_form())
    assert response.status_code == 409
    assert len(contacts(person("Lina"))) == 1 and len(contacts(person("Camille"))) == 1


def test_user_text_is_shown_as_text(login_as, person, ctx):
    jean = login_as("jean")
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert post_form(jean, ADD_EMERGENCY, contact_form(
        name=payload, relationship=payload, note=payload)).status_code == 303
    html = text_of(jean.get(PAGE))
    assert payload not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    contact = contacts(person("Jean"), "emergency")[-1]
    html = text_of(jean.get(f"/entourage/personnes/{contact.id}/supprimer"))
    assert payload not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


# --- the journal ------------------------------------------------------------------------------

def test_reading_is_journaled(login_as, person, ctx):
    camille = login_as("camille")
    assert open_space(camille, person("Jean").id).status_code == 302
    camille.get(PAGE)
    events = journal("entourage.view", outcome="ok")
    assert len(events) == 1 and events[0].patient_id == person("Jean").id
    assert events[0].via == "delegation" and events[0].detail == PAGE
    jean = login_as("jean")
    jean.get(f"/entourage/personnes/{contacts(person('Jean'))[0].id}/modifier")
    jean.get(WISHES)
    objects = {e.object_type for e in journal("entourage.view", outcome="ok")}
    assert {"contact", "wishes"} <= objects


# --- the emergency summary -------------------------------------------------------------------

def test_emergency_summary_shows_the_entourage_first(login_as, person, ctx):
    from portal.access.models import Grant
    from portal.accounts.models import Account, utcnow
    from portal.emergency.models import DURATION, EmergencyAccess
    from portal.entourage.models import Contact
    lefevre = Account.get(Account.email == "dr.lefevre@example.org")
    EmergencyAccess.create(patient=person("Jean"), professional=lefevre, reason="Malaise grave",
                           ends_at=utcnow() + DURATION)
    Contact.update(note='<b>urgent</b>').where(Contact.name == "Pierre Dupont").execute()
    pro = login_as("lefevre")
    assert open_space(pro, person("Jean").id).status_code == 302
    html = text_of(pro.get("/urgence/synthese"))
    positions = [html.index(text) for text in (
        "Personnes à prévenir", "Camille Martin (voisine, aidante)", "Pierre Dupont (fils)",
        "Personne de confiance", "Don d’organes", "Allergies et intolérances")]
    assert positions == sorted(positions)
    assert ('<a href="tel:+33612345678" class="nowrap">'
            '<bdi dir="ltr">06 12 34 56 78</bdi></a>') in html
    assert ('<a href="tel:+33671824519" class="nowrap">'
            '<bdi dir="ltr">06 71 82 45 19</bdi></a>') in html
    assert "désignée par écrit le 12 mars 2024" in html
    assert "Ne s’oppose pas au don de ses organes et tissus." in html
    assert "&lt;b&gt;urgent&lt;/b&gt;" in html and "<b>urgent</b>" not in html
    assert "Aucune personne à prévenir n’est renseignée" not in html
    # The full page is open to them too, read-only.
    page = pro.get(PAGE)
    assert page.status_code == 200 and ADD_EMERGENCY not in text_of(page)
    assert {e.via for e in journal("entourage.view", outcome="ok")} == {"emergency"}
    assert Grant.select().where(Grant.professional == lefevre.id).count() == 0


def test_emergency_summary_without_contacts(login_as, person, ctx):
    from portal.accounts.models import Account, utcnow
    from portal.emergency.models import DURATION, EmergencyAccess
    lefevre = Account.get(Account.email == "dr.lefevre@example.org")
    EmergencyAccess.create(patient=person("Amina"), professional=lefevre, reason="Malaise grave",
                           ends_at=utcnow() + DURATION)
    pro = login_as("lefevre")
    assert open_space(pro, person("Amina").id).status_code == 302
    html = text_of(pro.get("/urgence/synthese"))
    assert "Aucune personne à prévenir n’est renseignée." in html
    assert "Aucune désignée" in html and "Proches aidants" not in html
    assert html.index("Personnes à prévenir") < html.index("Allergies et intolérances")
