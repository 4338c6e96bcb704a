"""Emergency access (bris de glace): declaration, opposition, time limit, notices, and the
visibility matrix of professional states × document labels × categories."""
import uuid
from datetime import date, timedelta

import pytest
from conftest import account, csrf_from, hidden_fields, journal
from helpers import REASON, declare, jean_nir

pytestmark = pytest.mark.db

def accesses():
    from portal.emergency.models import EmergencyAccess
    return EmergencyAccess.select().count()


def set_settings(patient, **values):
    from portal.emergency.models import EmergencySettings
    row = EmergencySettings.for_patient(patient.id)
    for name, value in values.items():
        setattr(row, name, value)
    row.save()


def test_declaration_opens_the_summary_with_a_banner(login_as, person, ctx):
    lefevre = login_as("dr.lefevre@example.org")
    assert lefevre.get("/dossier/").status_code in (403, 404)  # no relation before
    response = declare(lefevre)
    assert response.status_code == 303 and response.location.endswith("/urgence/synthese")
    page = lefevre.get("/urgence/synthese").get_data(as_text=True)
    for text in ("Pénicilline", "Metformine 1000 mg", "A+", "Diabète de type 2",
                 "Camille Martin (voisine, aidante)", "Accès en urgence (bris de glace)",
                 "se termine à", "space-banner--emergency"):
        assert text in page, text
    assert lefevre.get("/dossier/").status_code == 200
    events = journal("emergency.declared", outcome="ok")
    assert len(events) == 1 and events[0].detail == REASON
    assert events[0].patient_id == person("Jean").id
    from portal.mail import OutboxMessage
    to = {m.to: m.body for m in OutboxMessage.select()}
    assert "jean.dupont@example.org" in to and "dr.benali@example.org" in to
    for body in (to["jean.dupont@example.org"], to["dr.benali@example.org"]):
        assert "Lefèvre" in body and REASON not in body and "Pénicilline" not in body


@pytest.mark.parametrize("nir, birth", [("144021903101200", "11/02/1944"),  # bad key
                                        (None, "12/02/1944"),  # wrong birth date
                                        ("276036912301753", "11/02/1944")])  # other person
def test_wrong_identity_creates_nothing_and_reveals_nothing(login_as, ctx, nir, birth):
    from portal.accounts.nir import with_key
    if nir == "276036912301753":
        nir = with_key("2760369123017")  # Dr Benali's NIR with Jean's birth date
    lefevre = login_as("dr.lefevre@example.org")
    response = declare(lefevre, nir=nir, birth=birth)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert ("Aucun dossier ne correspond" in text) or ("n’est pas valide" in text)
    assert accesses() == 0 and not journal("emergency.declared", outcome="ok")
    assert f'value="{nir or jean_nir()}"' in text  # what was typed is kept


def test_same_message_for_unknown_and_mismatch(login_as, ctx):
    from portal.accounts.nir import with_key
    lefevre = login_as("dr.lefevre@example.org")
    unknown = declare(lefevre, nir=with_key("1010175123456")).get_data(as_text=True)
    mismatch = declare(lefevre, birth="01/01/1950").get_data(as_text=True)
    message = "Aucun dossier ne correspond à ce numéro de sécurité sociale et à cette date"
    assert message in unknown and message in mismatch


def test_reason_and_confirmation_are_required(login_as, ctx):
    lefevre = login_as("dr.lefevre@example.org")
    text = declare(lefevre, reason="").get_data(as_text=True)
    assert "Indiquez le motif de l’urgence" in text and jean_nir() in text
    text = declare(lefevre, reason="court").get_data(as_text=True)
    assert "entre 10 et 1000 caractères" in text
    text = declare(lefevre, confirm=False).get_data(as_text=True)
    assert "Cochez la case pour certifier" in text and REASON in text
    assert accesses() == 0


def test_opposition_refuses_and_is_journaled(login_as, person, ctx):
    set_settings(person("Jean"), samu_allowed=False)
    lefevre = login_as("dr.lefevre@example.org")
    response = declare(lefevre)
    assert response.status_code == 403
    assert "Ce patient s’est opposé à l’accès en urgence" in response.get_data(as_text=True)
    assert accesses() == 0
    assert len(journal("emergency.declared", outcome="denied")) == 1
    assert lefevre.get("/dossier/").status_code in (403, 404)


def test_opposition_after_declaration_cuts_access(login_as, person, ctx):
    lefevre = login_as("dr.lefevre@example.org")
    declare(lefevre)
    assert lefevre.get("/dossier/").status_code == 200
    set_settings(person("Jean"), samu_allowed=False)
    assert lefevre.get("/dossier/").status_code in (403, 404)
    assert lefevre.get("/urgence/synthese").status_code in (403, 404)


def test_access_ends_after_two_hours_and_is_never_extended(login_as, person, ctx):
    from portal.emergency.models import EmergencyAccess
    lefevre = login_as("dr.lefevre@example.org")
    declare(lefevre)
    row = EmergencyAccess.get()
    assert timedelta(hours=1, minutes=59) < row.ends_at - row.started_at <= timedelta(hours=2)
    # Declaring again while active does not extend it.
    response = declare(lefevre, reason="Deuxième motif pour prolonger l’accès.")
    assert response.status_code == 303
    assert accesses() == 1 and EmergencyAccess.get().ends_at == row.ends_at
    EmergencyAccess.update(ends_at=row.started_at - timedelta(seconds=1)).execute()
    assert lefevre.get("/dossier/").status_code in (403, 404)
    declare(lefevre, reason="Nouvelle urgence, nouveau motif.")
    assert accesses() == 2
    assert lefevre.get("/dossier/").status_code == 200


def test_blocked_professional_cannot_declare(login_as, person, ctx):
    from portal.access.models import Grant
    Grant.create(patient=person("Jean"), professional=account("dr.lefevre@example.org"),
                 blocked=True)
    lefevre = login_as("dr.lefevre@example.org")
    assert declare(lefevre).status_code == 403
    assert accesses() == 0


def test_patient_notice_then_acknowledged(login_as, ctx):
    lefevre = login_as("dr.lefevre@example.org")
    declare(lefevre)
    jean = login_as("jean")
    page = jean.get("/dossier/")
    text = page.get_data(as_text=True)
    assert "a ouvert votre dossier en urgence" in text and REASON in text
    from portal.emergency.models import EmergencyAccess
    row = EmergencyAccess.get()
    response = jean.post(f"/parametres/urgence/{row.id}/vu", data=hidden_fields(page))
    assert response.status_code == 303
    assert EmergencyAccess.get().patient_seen_at is not None
    assert "a ouvert votre dossier en urgence" not in jean.get("/dossier/").get_data(as_text=True)
    settings = jean.get("/parametres/urgence").get_data(as_text=True)
    assert REASON in settings and "Lefèvre" in settings


def test_patient_changes_settings_journaled(login_as, person, ctx):
    from portal.emergency.models import EmergencySettings
    jean = login_as("jean")
    page = jean.get("/parametres/urgence")
    assert page.status_code == 200
    assert "/parametres/urgence" in jean.get("/parametres/").get_data(as_text=True)
    response = jean.post("/parametres/urgence", data={**hidden_fields(page),
                                                       "others_allowed": "y",
                                                       "masked_visible": "y"})
    assert response.status_code == 303
    row = EmergencySettings.get(EmergencySettings.patient == person("Jean").id)
    assert (row.samu_allowed, row.others_allowed, row.masked_visible) == (False, True, True)
    assert len(journal("emergency.settings_changed", outcome="ok")) == 1


def test_caregiver_cannot_change_emergency_settings(login_as, person, ctx):
    camille = login_as("camille")
    page = camille.get("/espaces")
    assert camille.post(f"/espaces/{person('Jean').id}",
                        data={"csrf_token": csrf_from(page)}).status_code == 302
    assert camille.get("/parametres/urgence").status_code == 403
    page = camille.get("/parametres/")
    response = camille.post("/parametres/urgence", data={"csrf_token": csrf_from(page),
                                                        "_space": person("Jean").id})
    assert response.status_code == 403
    from portal.emergency.models import EmergencySettings
    assert EmergencySettings.select().count() == 0


# --- the matrix: professional state × visibility label × category -----------------------------

LABELS = {
    "plain": {},
    "masked": {"masked_from_pros": True},
    "hidden_from_patient": {"hidden_from_patient": True},
    "hidden_from_guardians": {"hidden_from_guardians": True},
}
STATES = ("authorised", "blocked", "administrator", "treating", "unknown", "emergency",
          "emergency_masked_visible", "emergency_opposed")


def put_in_state(state, patient, pro):
    from portal.access.models import Grant
    from portal.accounts.models import utcnow
    from portal.emergency.models import DURATION, EmergencyAccess, EmergencySettings
    Grant.delete().where(Grant.patient == patient, Grant.professional == pro).execute()
    EmergencyAccess.delete().execute()
    EmergencySettings.delete().execute()
    if state in ("authorised", "blocked", "administrator", "treating"):
        Grant.create(patient=patient, professional=pro, blocked=state == "blocked",
                     administrator=state == "administrator", treating_doctor=state == "treating")
    elif state.startswith("emergency"):
        EmergencyAccess.create(patient=patient, professional=pro, reason=REASON,
                               ends_at=utcnow() + DURATION)
        EmergencySettings.create(patient=patient, others_allowed=state != "emergency_opposed",
                                 masked_visible=state == "emergency_masked_visible")


def expected(state, label, category, profession):
    from portal.access.matrix import categories_for
    if state in ("blocked", "unknown", "emergency_opposed"):
        return False
    if category not in categories_for(profession):
        return False
    if label == "masked":
        return state in ("administrator", "treating", "emergency_masked_visible")
    return True


@pytest.mark.parametrize("state", STATES)
def test_visibility_matrix(app, ctx, person, state):
    from portal.documents.models import CATEGORIES, Document
    from portal.policy import relation_to, visible_documents
    jean, girard = person("Jean"), account("p.girard@example.org")
    author = account("jean.dupont@example.org")
    docs = {}
    for category in CATEGORIES:
        for label, flags in LABELS.items():
            docs[(label, category)] = Document.create(
                patient=jean, author=author, title=f"{label} {category}",
                document_date=date(2026, 1, 5), category=category,
                storage_key=uuid.uuid4().hex, mime_type="application/pdf", size=10,
                sha256="0" * 64, **flags).id
    put_in_state(state, jean.id, girard.id)
    relation = relation_to(girard, jean.id)
    seen = set() if relation is None else {d.id for d in visible_documents(relation, girard)}
    for (label, category), doc_id in docs.items():
        assert (doc_id in seen) == expected(state, label, category, girard.profession), \
            (state, label, category)
    if state.startswith("emergency") and relation is not None:
        assert relation.kind == "emergency"
    # Masking everything by default hides even the plain documents, except where the masked
    # ones are visible (administrator, médecin traitant, emergency with masked_visible).
    from portal.documents.models import DossierSettings
    DossierSettings.get_or_create(patient=jean.id)
    DossierSettings.update(mask_all_from_pros=True).execute()
    seen = set() if relation is None else {d.id for d in visible_documents(relation, girard)}
    for (label, category), doc_id in docs.items():
        assert (doc_id in seen) == expected(state, "masked", category, girard.profession), \
            ("mask_all", state, label, category)


def test_professional_ends_the_access(login_as, ctx):
    lefevre = login_as("dr.lefevre@example.org")
    declare(lefevre)
    page = lefevre.get("/urgence/synthese")
    response = lefevre.post("/urgence/terminer", data=hidden_fields(page))
    assert response.status_code == 303
    assert lefevre.get("/dossier/").status_code in (403, 404)
    assert len(journal("emergency.ended", outcome="ok")) == 1
