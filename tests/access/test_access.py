"""The patient's "Professionnels de santé" page: authorise, block, administrators, médecin
traitant, the profession matrix, and one-time access codes."""
from datetime import timedelta

import pytest
from conftest import account, hidden_fields, open_space, redeem
from helpers import ACCESS_PAGE as PAGE, create_code

pytestmark = pytest.mark.db

def grant_of(patient, email):
    from portal.access.models import Grant
    return Grant.get_or_none(Grant.patient == patient, Grant.professional == account(email))


def act(client, grant_id, verb):
    page = client.get(PAGE)
    return client.post(f"{PAGE}{grant_id}/{verb}", data=hidden_fields(page))


def authorise(client, query, email):
    page = client.get(PAGE, query_string={"q": query})
    assert page.status_code == 200
    pro_id = account(email).id
    assert f'name="professional_id" value="{pro_id}"' in page.get_data(as_text=True)
    return client.post(f"{PAGE}autoriser", data={**hidden_fields(page), "professional_id": pro_id})


def journaled(action):
    from portal.audit import ActivityEvent
    return ActivityEvent.select().where(ActivityEvent.action == action).count()


def test_authorise_then_block_takes_effect_on_the_next_request(login_as, person, ctx):
    camille = login_as("camille")
    girard = login_as("girard")
    assert open_space(girard, person("Camille").id).status_code == 404  # no relationship yet
    response = authorise(camille, "girard", "p.girard@example.org")
    assert response.status_code == 303
    assert "peut désormais ouvrir cet espace" in camille.get(PAGE).get_data(as_text=True)
    assert journaled("access.authorise") == 1
    assert open_space(girard, person("Camille").id).status_code == 302
    assert girard.get("/dossier/").status_code == 200
    grant = grant_of(person("Camille"), "p.girard@example.org")
    assert grant.last_access_at is not None
    page = camille.get(PAGE).get_data(as_text=True)
    assert "Paul Girard" in page and "dernier accès le" in page
    assert act(camille, grant.id, "bloquer").status_code == 303
    assert girard.get("/dossier/").status_code == 403  # the same session, next request
    assert journaled("access.block") == 1
    act(camille, grant.id, "debloquer")
    assert open_space(girard, person("Camille").id).status_code == 302  # the session forgot it
    assert girard.get("/dossier/").status_code == 200
    act(camille, grant.id, "retirer")
    assert grant_of(person("Camille"), "p.girard@example.org") is None
    assert girard.get("/dossier/").status_code == 403


def test_directory_search_by_rpps_and_as_an_htmx_fragment(login_as):
    camille = login_as("camille")
    page = camille.get(PAGE, query_string={"q": "10000000003"}).get_data(as_text=True)
    assert "Dr Hugo Lefèvre" in page and "<html" in page
    fragment = camille.get(PAGE, query_string={"q": "Lefèvre"}, headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and 'id="resultats"' in text and "Dr Hugo Lefèvre" in text
    assert "Déjà autorisé" in camille.get(PAGE, query_string={"q": "Benali"}).get_data(
        as_text=True)
    short = camille.get(PAGE, query_string={"q": "x"}).get_data(as_text=True)
    assert "Saisissez entre 2 et 100 caractères." in short and 'value="x"' in short
    # patients are not in the directory
    assert "Amina" not in camille.get(PAGE, query_string={"q": "Diallo"}).get_data(as_text=True)


def test_the_treating_doctor_cannot_be_blocked_or_revoked(login_as, person, ctx):
    camille = login_as("camille")
    grant = grant_of(person("Camille"), "dr.benali@example.org")
    assert grant.treating_doctor
    for verb in ("bloquer", "retirer"):
        assert act(camille, grant.id, verb).status_code == 303
        assert "est votre médecin traitant" in camille.get(PAGE).get_data(as_text=True)
    grant = grant_of(person("Camille"), "dr.benali@example.org")
    assert not grant.blocked and journaled("access.block") == 0


def test_set_the_treating_doctor_keeps_the_previous_one_authorised(login_as, person, ctx):
    camille = login_as("camille")
    authorise(camille, "Lefèvre", "dr.lefevre@example.org")
    lefevre = grant_of(person("Camille"), "dr.lefevre@example.org")
    act(camille, lefevre.id, "medecin-traitant")
    assert grant_of(person("Camille"), "dr.lefevre@example.org").treating_doctor
    benali = grant_of(person("Camille"), "dr.benali@example.org")
    assert not benali.treating_doctor and not benali.blocked
    # a pharmacist cannot be médecin traitant
    authorise(camille, "Girard", "p.girard@example.org")
    girard = grant_of(person("Camille"), "p.girard@example.org")
    act(camille, girard.id, "medecin-traitant")
    assert "Seul un médecin peut être médecin traitant." in camille.get(PAGE).get_data(
        as_text=True)
    assert not grant_of(person("Camille"), "p.girard@example.org").treating_doctor


def test_administrator_sees_masked_documents_and_the_matrix_applies(login_as, person, ctx):
    import uuid
    from datetime import date

    from portal.documents.models import Document
    from portal.policy import relation_to, visible_documents
    jean = login_as("jean")
    patient = person("Jean")

    def doc(title, category, masked):
        return Document.create(patient=patient, author=account("jean.dupont@example.org"),
                               title=title, document_date=date(2026, 2, 1), category=category,
                               storage_key=uuid.uuid4().hex, mime_type="application/pdf",
                               size=10, sha256="0" * 64, masked_from_pros=masked)
    masked, report = doc("masqué", "ordonnances", True), doc("CR", "comptes_rendus", False)
    girard = account("p.girard@example.org")

    def seen():
        return {d.id for d in visible_documents(relation_to(girard, patient.id), girard)}
    assert masked.id not in seen() and report.id not in seen()
    act(jean, grant_of(patient, "p.girard@example.org").id, "administrateur")
    assert masked.id in seen() and report.id not in seen()  # the matrix still applies
    benali = account("dr.benali@example.org")
    assert report.id in {d.id for d in visible_documents(relation_to(benali, patient.id),
                                                         benali)}
    act(jean, grant_of(patient, "p.girard@example.org").id, "retirer-administrateur")
    assert masked.id not in seen()
    assert "Pharmacien ou pharmacienne" in jean.get(PAGE).get_data(as_text=True)  # matrix table


def test_access_code_opens_the_space_once(app, login_as, person, ctx):
    from portal.access.models import AccessCode
    from portal.mail import latest_for
    camille = login_as("camille")
    code = create_code(camille)
    row = AccessCode.get()
    assert code.replace("-", "") not in row.code_hash and len(row.code_hash) == 64
    lefevre = login_as("lefevre")
    assert "Saisir un code d’accès" in lefevre.get("/espaces").get_data(as_text=True)
    response = redeem(lefevre, code.lower().replace("-", " "))
    assert response.status_code == 303 and response.headers["Location"].endswith("/dossier/")
    assert lefevre.get("/dossier/").status_code == 200
    grant = grant_of(person("Camille"), "dr.lefevre@example.org")
    assert abs(grant.expires_at - row.expires_at) < timedelta(seconds=1)
    message = latest_for("camille.martin@example.org")
    assert "code d’accès" in message.subject and "Hugo Lefèvre" in message.body
    assert "Utilisé par le Dr Hugo Lefèvre" in camille.get(PAGE).get_data(as_text=True)
    again = redeem(login_as("girard"), code)
    assert again.status_code == 200
    assert "Ce code a déjà été utilisé" in again.get_data(as_text=True)
    assert grant_of(person("Camille"), "p.girard@example.org") is None
    # the grant from a code ends with it
    from portal.access.models import Grant
    Grant.update(expires_at=grant.expires_at - timedelta(days=2)).where(
        Grant.id == grant.id).execute()
    assert lefevre.get("/dossier/").status_code == 403


def test_expired_revoked_and_malformed_codes_are_refused(login_as, person, ctx):
    from portal.access.models import AccessCode
    from portal.accounts.models import utcnow
    camille = login_as("camille")
    lefevre = login_as("lefevre")
    expired = create_code(camille, "1h")
    AccessCode.update(expires_at=utcnow() - timedelta(minutes=1)).execute()
    text = redeem(lefevre, expired).get_data(as_text=True)
    assert "Ce code a expiré" in text and expired in text  # what was typed is kept
    assert "Expiré" in camille.get(PAGE).get_data(as_text=True)
    revoked = create_code(camille, "7j")
    row = AccessCode.select().order_by(AccessCode.id.desc()).get()
    page = camille.get(PAGE)
    assert camille.post(f"{PAGE}codes/{row.id}/revoquer",
                        data=hidden_fields(page)).status_code == 303
    assert "Ce code a été révoqué" in redeem(lefevre, revoked).get_data(as_text=True)
    assert "Ce code n’existe pas" in redeem(lefevre, "ABCD-EFGH-JKMN").get_data(as_text=True)
    assert "pas le bon format" in redeem(lefevre, "ABC").get_data(as_text=True)
    assert grant_of(person("Camille"), "dr.lefevre@example.org") is None
    assert open_space(lefevre, person("Camille").id).status_code == 404


def test_revoking_a_used_code_ends_its_access(login_as, person, ctx):
    from portal.access.models import AccessCode
    camille = login_as("camille")
    lefevre = login_as("lefevre")
    redeem(lefevre, create_code(camille))
    assert lefevre.get("/dossier/").status_code == 200
    page = camille.get(PAGE)
    camille.post(f"{PAGE}codes/{AccessCode.get().id}/revoquer", data=hidden_fields(page))
    assert lefevre.get("/dossier/").status_code == 403


def test_code_redemption_is_throttled(login_as):
    lefevre = login_as("lefevre")
    for _ in range(10):
        assert redeem(lefevre, "ABCD-EFGH-JKMN").status_code == 200
    assert redeem(lefevre, "ABCD-EFGH-JKMN").status_code == 429


@pytest.mark.parametrize("role", ["girard", "sophie"])
def test_only_professionals_redeem_and_only_patients_manage(login_as, role):
    client = login_as(role)
    assert client.get(PAGE).status_code == 403
    assert client.get("/acces/code").status_code == (200 if role == "girard" else 403)


def test_caregiver_cannot_open_the_page(login_as, person):
    camille = login_as("camille")
    open_space(camille, person("Jean").id)
    assert camille.get(PAGE).status_code == 403


def test_guardian_manages_the_minor_s_professionals(login_as, person):
    camille = login_as("camille")
    open_space(camille, person("Lina").id)
    text = camille.get(PAGE).get_data(as_text=True)
    assert "Dr Nadia Benali" in text and "Médecin traitant" in text


def test_another_patient_s_grant_or_code_is_a_404(login_as, person, ctx):
    from portal.access.models import AccessCode
    from portal.accounts.models import utcnow
    camille = login_as("camille")
    jeans = grant_of(person("Jean"), "p.girard@example.org")
    assert act(camille, jeans.id, "bloquer").status_code == 404
    assert not grant_of(person("Jean"), "p.girard@example.org").blocked
    other = AccessCode.create(patient=person("Jean"), created_by=account("jean.dupont@example.org"),
                              code_hash="f" * 64, expires_at=utcnow() + timedelta(hours=1))
    page = camille.get(PAGE)
    assert camille.post(f"{PAGE}codes/{other.id}/revoquer",
                        data=hidden_fields(page)).status_code == 404
    assert act(camille, jeans.id, "inconnu").status_code == 404
