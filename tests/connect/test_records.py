"""The FHIR API's documents (DocumentReference + Binary) and agenda (Appointment), driven by a
real OAuth2 client (Authlib's OAuth2Session, through test_connect's adapter onto the Flask test
client); every JSON in or out is checked against the fhir.resources R4B models."""
import base64
import json
from datetime import date

import pytest
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from conftest import account, journal
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.binary import Binary
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.documentreference import DocumentReference
from helpers import tiny_pdf
from test_connect import BASE, FHIR, FlaskAdapter, back_to_app, consent, refused

DOCS_CLIENT = "coffre-docs"
DOCS_REDIRECT = "http://127.0.0.1:5004/callback"
CATEGORY = "urn:carnet:document-category"


@pytest.fixture
def docs_service(ctx):
    """A service whose purposes are reading and adding documents (none in the demo)."""
    from portal.connect.models import Purpose, Service, ServiceClient
    service = Service.create(slug="coffre-docs", name="Coffre à documents",
                             publisher="Test", description="Range vos documents.",
                             categories="suivi")
    ServiceClient.create(service=service.id, client_id=DOCS_CLIENT, redirect_uris=DOCS_REDIRECT)
    read = Purpose.create(service=service.id, position=0, label="Lire vos documents",
                          explanation="Le service lit vos documents.", rights="documents:read")
    write = Purpose.create(service=service.id, position=1, label="Ajouter des documents",
                           explanation="Le service ajoute des documents.",
                           rights="documents:write")
    return read.id, write.id


def connect_client(app, browser, client_id, redirect, scope, chosen):
    session = OAuth2Session(client_id, redirect_uri=redirect, scope=scope,
                            code_challenge_method="S256")
    session.mount(BASE, FlaskAdapter(app.test_client()))
    verifier = generate_token(48)
    url, _state = session.create_authorization_url(f"{BASE}/oauth/authorize",
                                                   code_verifier=verifier)
    path = url[len(BASE):]
    location = back_to_app(consent(browser, path, chosen))
    token = session.fetch_token(f"{BASE}/oauth/token", authorization_response=location,
                                code_verifier=verifier)
    return session, token


def camille_documents(app, person):
    """Three documents in Camille's record: one plain, one she masks from professionals, one
    hidden from her until a professional announces it."""
    from portal.documents.store import store_document
    camille = person("Camille")
    made = {}
    with app.app_context():
        for name, labels, author in (("plain", {}, account("camille")),
                                     ("masked", {"masked_from_pros": True}, account("camille")),
                                     ("hidden", {"hidden_from_patient": True},
                                      account("benali"))):
            made[name] = store_document(camille, author, tiny_pdf(name), filename=f"{name}.pdf",
                                        title=f"Document {name}", category="biologie",
                                        document_date=date(2026, 10, 1), **labels)
    return camille, made


def post_json(session, path, resource, method="post", **headers):
    return getattr(session, method)(f"{BASE}{path}", data=json.dumps(resource),
                                    headers={"Content-Type": FHIR, **headers})


def document_resource(patient_id, data, title="Bilan sanguin", category="biologie"):
    resource = {"resourceType": "DocumentReference", "status": "current",
                "subject": {"reference": f"Patient/{patient_id}"},
                "category": [{"coding": [{"system": CATEGORY, "code": category}]}],
                "content": [{"attachment": {"contentType": "application/pdf", "title": title,
                                            "data": base64.b64encode(data).decode()}}],
                "context": {"period": {"start": "2026-11-02"}}}
    DocumentReference.model_validate(resource)  # what an app sends is valid FHIR
    return resource


# --- documents --------------------------------------------------------------------------------

def test_documents_search_read_and_binary_never_show_masked_or_hidden_ones(
        app, login_as, person, docs_service):
    camille, made = camille_documents(app, person)
    read, _write = docs_service
    session, token = connect_client(app, login_as("camille"), DOCS_CLIENT, DOCS_REDIRECT,
                                    "launch/patient patient/DocumentReference.rs", [read])
    assert "patient/DocumentReference.rs" in token["scope"].split()

    found = session.get(f"{BASE}/fhir/DocumentReference", params={"category": "biologie"})
    assert found.status_code == 200 and found.headers["Content-Type"].startswith(FHIR)
    bundle = Bundle.model_validate(found.json())
    ids = {entry.resource.id for entry in bundle.entry}
    assert str(made["plain"].id) in ids
    assert str(made["masked"].id) not in ids and str(made["hidden"].id) not in ids
    assert bundle.total == len(ids)

    one = session.get(f"{BASE}/fhir/DocumentReference/{made['plain'].id}")
    reference = DocumentReference.model_validate(one.json())
    assert reference.description == "Document plain"
    assert reference.content[0].attachment.url.endswith(f"/fhir/Binary/{made['plain'].id}")
    content = session.get(f"{BASE}/fhir/Binary/{made['plain'].id}").json()
    assert Binary.model_validate(content).contentType == "application/pdf"
    assert base64.b64decode(content["data"]) == tiny_pdf("plain")

    # The person's own policy wins over the consent: masked and hidden documents are absent.
    for name in ("masked", "hidden"):
        refused(session.get(f"{BASE}/fhir/DocumentReference/{made[name].id}"), 404)
        refused(session.get(f"{BASE}/fhir/Binary/{made[name].id}"), 404)
    # Another person's document, too.
    from portal.documents.models import Document
    other = Document.select().where(Document.patient != camille.id).first()
    refused(session.get(f"{BASE}/fhir/Binary/{other.id}"), 404)

    # Masking everything from professionals keeps everything from apps.
    from portal.documents.models import DossierSettings
    DossierSettings.create(patient=camille.id, mask_all_from_pros=True)
    refused(session.get(f"{BASE}/fhir/Binary/{made['plain'].id}"), 404)
    assert Bundle.model_validate(session.get(f"{BASE}/fhir/DocumentReference").json()).total == 0

    entry = journal("api.document.content", outcome="ok", patient=camille.id)[-1]
    assert entry.actor_name == "Coffre à documents" and entry.via == "service"


def test_a_legal_representative_consent_never_reaches_documents_hidden_from_them(
        app, login_as, person, docs_service):
    from conftest import open_space
    from portal.documents.store import store_document
    lina = person("Lina")
    with app.app_context():
        shown, kept = (store_document(lina, account("benali"), tiny_pdf(name), filename="x.pdf",
                                      title=name, category="comptes_rendus",
                                      document_date=date(2026, 9, 1), **labels)
                       for name, labels in (("Vu", {}), ("Confidentiel",
                                                          {"hidden_from_guardians": True})))
    browser = login_as("camille")
    open_space(browser, lina.id)  # Camille is Lina's mother
    session, token = connect_client(app, browser, DOCS_CLIENT, DOCS_REDIRECT,
                                    "launch/patient patient/DocumentReference.rs",
                                    [docs_service[0]])
    assert token["patient"] == str(lina.id)
    ids = {e.resource.id for e in Bundle.model_validate(
        session.get(f"{BASE}/fhir/DocumentReference").json()).entry}
    assert str(shown.id) in ids and str(kept.id) not in ids
    refused(session.get(f"{BASE}/fhir/DocumentReference/{kept.id}"), 404)
    refused(session.get(f"{BASE}/fhir/Binary/{kept.id}"), 404)


@pytest.mark.db  # date searches and the conditional UPDATE on both databases
def test_documents_search_by_date_with_paging(app, login_as, person, docs_service):
    from portal.documents.store import store_document
    camille = person("Camille")
    with app.app_context():
        for day in (3, 4, 5):
            store_document(camille, account("camille"), tiny_pdf(str(day)), filename="x.pdf",
                           title=f"Ordonnance {day}", category="ordonnances",
                           document_date=date(2025, 2, day))
    session, _token = connect_client(app, login_as("camille"), DOCS_CLIENT, DOCS_REDIRECT,
                                     "patient/DocumentReference.rs", [docs_service[0]])
    params = {"date": ["ge2025-02-04", "le2025-02-05"], "_count": 1}
    first = Bundle.model_validate(session.get(f"{BASE}/fhir/DocumentReference",
                                              params=params).json())
    assert first.total == 2 and first.entry[0].resource.description == "Ordonnance 5"
    following = [link.url for link in first.link if link.relation == "next"][0]
    second = Bundle.model_validate(session.get(following).json())
    assert second.entry[0].resource.description == "Ordonnance 4"
    assert not [link for link in second.link if link.relation == "next"]
    day = Bundle.model_validate(session.get(f"{BASE}/fhir/DocumentReference",
                                            params={"date": "2025-02-03"}).json())
    assert [e.resource.description for e in day.entry] == ["Ordonnance 3"]
    refused(session.get(f"{BASE}/fhir/DocumentReference", params={"date": "hier"}), 400)


def test_document_create_checks_the_content_as_an_upload_does(app, login_as, person,
                                                                docs_service):
    from portal.documents.models import Document
    from portal.documents.store import read_content
    camille = person("Camille")
    read, write = docs_service
    browser = login_as("camille")
    scope = "patient/DocumentReference.rs patient/DocumentReference.c"
    session, _token = connect_client(app, browser, DOCS_CLIENT, DOCS_REDIRECT, scope, [read])
    # Consented to reading only: the write is refused.
    refused(post_json(session, "/fhir/DocumentReference",
                      document_resource(camille.id, tiny_pdf())), 403, "Consentement")
    session, token = connect_client(app, browser, DOCS_CLIENT, DOCS_REDIRECT, scope,
                                    [read, write])
    created = post_json(session, "/fhir/DocumentReference",
                        document_resource(camille.id, tiny_pdf("bilan")))
    assert created.status_code == 201, created.text
    reference = DocumentReference.model_validate(created.json())
    stored = Document.get_by_id(int(reference.id))
    assert (stored.patient_id, stored.title, stored.category, stored.document_date,
            stored.mime_type, stored.author_is_professional) == (
        camille.id, "Bilan sanguin", "biologie", date(2026, 11, 2), "application/pdf", False)
    with app.app_context():
        assert read_content(stored) == tiny_pdf("bilan")
    assert created.headers["Location"].endswith(f"/fhir/DocumentReference/{stored.id}")
    assert journal("api.document.create", outcome="ok", patient=camille.id)

    count = Document.select().count()
    # Not an accepted type: 422, with the upload's own message, in French or English.
    wrong = post_json(session, "/fhir/DocumentReference",
                      document_resource(camille.id, b"\x00\x01binary junk"))
    refused(wrong, 422, "Ce type de fichier n’est pas accepté")
    wrong_en = post_json(session, "/fhir/DocumentReference",
                         document_resource(camille.id, b"\x00\x01binary junk"),
                         **{"Accept-Language": "en"})
    refused(wrong_en, 422, "This type of file is not accepted")
    # A damaged PDF: 422 too.
    refused(post_json(session, "/fhir/DocumentReference",
                      document_resource(camille.id, tiny_pdf()[:-40])), 422, "PDF")
    # Not base64, another person, an unknown category: refused, nothing stored.
    bad = document_resource(camille.id, tiny_pdf())
    bad["content"][0]["attachment"]["data"] = "not base64!"
    refused(post_json(session, "/fhir/DocumentReference", bad), 422)
    refused(post_json(session, "/fhir/DocumentReference",
                      document_resource(person("Jean").id, tiny_pdf())), 422)
    refused(post_json(session, "/fhir/DocumentReference",
                      document_resource(camille.id, tiny_pdf(), category="poubelle")), 422)
    # Malformed shapes are refused as such, never a server error.
    for shape in ({"category": "biologie"}, {"context": "hier"}, {"content": "pdf"},
                  {"subject": "Patient"}):
        refused(post_json(session, "/fhir/DocumentReference",
                          dict(document_resource(camille.id, tiny_pdf()), **shape)), 422)
    # Over the document size limit: 413.
    app.config["MAX_UPLOAD_BYTES"] = 300
    refused(post_json(session, "/fhir/DocumentReference",
                      document_resource(camille.id, tiny_pdf("x" * 400))), 413,
            "taille maximale")
    # A body over the request limit itself (MAX_UPLOAD_REQUEST_BYTES) is refused before it is
    # read: 413 too, as FHIR.
    app.config.update(MAX_UPLOAD_BYTES=5 * 1024 * 1024, MAX_UPLOAD_REQUEST_BYTES=1000,
                      MAX_CONTENT_LENGTH=1000)
    refused(post_json(session, "/fhir/DocumentReference",
                      document_resource(camille.id, b"a" * 2000)), 413)
    assert Document.select().count() == count


# --- agenda -----------------------------------------------------------------------------------

RDV_CLIENT = "rdv-demo"
RDV_REDIRECT = "http://127.0.0.1:5003/callback"
AGENDA_SCOPE = "launch/patient patient/Appointment.cruds"


def agenda_purpose():
    from test_connect import purposes
    return purposes("rendez-vous-sante")[0]


def appointment_resource(patient_id, start="2026-12-15T09:30:00+01:00", **extra):
    resource = {"resourceType": "Appointment", "status": "booked", "start": start,
                "end": "2026-12-15T10:00:00+01:00",
                "participant": [
                    {"actor": {"reference": f"Patient/{patient_id}"}, "status": "accepted"},
                    {"actor": {"display": "Dr Claire Morel"}, "status": "accepted"},
                    {"actor": {"display": "12 rue des Lilas, Lyon"},
                     "type": [{"text": "location"}], "status": "accepted"}], **extra}
    FhirAppointment.model_validate(resource)  # what an app sends is valid FHIR
    return resource


@pytest.mark.db  # date searches and the conditional UPDATE on both databases
def test_appointments_create_read_search_update_and_cancel(app, login_as, person):
    from datetime import datetime

    from portal.agenda.models import Appointment
    camille = person("Camille")
    browser = login_as("camille")
    session, token = connect_client(app, browser, RDV_CLIENT, RDV_REDIRECT, AGENDA_SCOPE,
                                    [agenda_purpose()])
    assert "patient/Appointment.cruds" in token["scope"].split()

    created = post_json(session, "/fhir/Appointment", appointment_resource(camille.id))
    assert created.status_code == 201, created.text
    resource = FhirAppointment.model_validate(created.json())
    stored = Appointment.get_by_id(int(resource.id))
    assert (stored.patient_id, stored.starts_at, stored.duration_minutes,
            stored.professional_name, stored.place) == (
        camille.id, datetime(2026, 12, 15, 8, 30), 30, "Dr Claire Morel",
        "12 rue des Lilas, Lyon")
    assert created.headers["ETag"] == 'W/"0"'
    assert created.headers["Location"].endswith(f"/fhir/Appointment/{stored.id}")
    # In the person's own agenda.
    assert "Dr Claire Morel" in browser.get(f"/agenda/{stored.id}").get_data(as_text=True)

    read = session.get(f"{BASE}/fhir/Appointment/{stored.id}")
    assert FhirAppointment.model_validate(read.json()).status == "booked"
    day = Bundle.model_validate(session.get(f"{BASE}/fhir/Appointment", params={
        "date": "2026-12-15", "status": "booked"}).json())
    assert [e.resource.id for e in day.entry] == [str(stored.id)]

    # Moved by the app, with the version it read.
    moved = appointment_resource(camille.id, start="2026-12-16T14:00:00+01:00",
                                 id=str(stored.id))
    moved["end"] = "2026-12-16T14:45:00+01:00"
    updated = post_json(session, f"/fhir/Appointment/{stored.id}", moved, method="put",
                        **{"If-Match": 'W/"0"'})
    assert updated.status_code == 200, updated.text
    assert updated.headers["ETag"] == 'W/"1"'
    stored = Appointment.get_by_id(stored.id)
    assert (stored.starts_at, stored.duration_minutes) == (datetime(2026, 12, 16, 13, 0), 45)
    assert journal("api.appointment.update", outcome="ok", patient=camille.id)

    # A second writer still holding version 0 is refused: 409, nothing changed.
    stale = appointment_resource(camille.id, start="2026-12-20T08:00:00+01:00",
                                 end="2026-12-20T08:30:00+01:00")
    conflict = post_json(session, f"/fhir/Appointment/{stored.id}", stale, method="put",
                         **{"If-Match": 'W/"0"'})
    refused(conflict, 409, "a changé")
    en = post_json(session, f"/fhir/Appointment/{stored.id}", stale, method="put",
                   **{"If-Match": 'W/"0"', "Accept-Language": "en"})
    refused(en, 409, "changed since it was read")
    assert Appointment.get_by_id(stored.id).starts_at == datetime(2026, 12, 16, 13, 0)

    # Cancelled through status "cancelled": it stays, marked cancelled, and is journaled so.
    cancel = dict(moved, status="cancelled")
    cancelled = post_json(session, f"/fhir/Appointment/{stored.id}", cancel, method="put",
                          **{"If-Match": 'W/"1"'})
    assert cancelled.status_code == 200, cancelled.text
    assert FhirAppointment.model_validate(cancelled.json()).status == "cancelled"
    assert Appointment.get_by_id(stored.id).is_cancelled
    entry = journal("api.appointment.cancel", outcome="ok", patient=camille.id)[-1]
    assert entry.actor_name == "Rendez-vous santé" and entry.via == "service"
    refused(post_json(session, f"/fhir/Appointment/{stored.id}", moved, method="put"), 409)
    found = Bundle.model_validate(session.get(f"{BASE}/fhir/Appointment", params={
        "status": "cancelled"}).json())
    assert str(stored.id) in {e.resource.id for e in found.entry}
    booked = Bundle.model_validate(session.get(f"{BASE}/fhir/Appointment", params={
        "status": "booked"}).json())
    assert str(stored.id) not in {e.resource.id for e in booked.entry}


def test_appointment_delete_cancels_and_other_people_and_bad_input_are_refused(
        app, login_as, person):
    from portal.agenda.models import Appointment
    camille = person("Camille")
    session, _token = connect_client(app, login_as("camille"), RDV_CLIENT, RDV_REDIRECT,
                                     AGENDA_SCOPE, [agenda_purpose()])
    created = post_json(session, "/fhir/Appointment", appointment_resource(camille.id)).json()
    deleted = session.delete(f"{BASE}/fhir/Appointment/{created['id']}")
    assert deleted.status_code == 200
    assert Appointment.get_by_id(int(created["id"])).is_cancelled
    # Someone else's appointment does not exist for this token.
    other = Appointment.select().where(Appointment.patient != camille.id).first()
    refused(session.get(f"{BASE}/fhir/Appointment/{other.id}"), 404)
    refused(post_json(session, f"/fhir/Appointment/{other.id}",
                      appointment_resource(camille.id), method="put"), 404)
    refused(session.delete(f"{BASE}/fhir/Appointment/{other.id}"), 404)
    assert not Appointment.get_by_id(other.id).is_cancelled
    # For another patient, without a time, or created already cancelled: 422.
    refused(post_json(session, "/fhir/Appointment", appointment_resource(person("Jean").id)),
            422)
    refused(post_json(session, "/fhir/Appointment",
                      dict(appointment_resource(camille.id), start="2026-12-15")), 422)
    refused(post_json(session, "/fhir/Appointment",
                      dict(appointment_resource(camille.id), status="cancelled")), 422)
    for shape in ({"participant": ["Patient"]}, {"participant": "moi"},
                  {"participant": [{"actor": "Dr X"}]}):
        refused(post_json(session, "/fhir/Appointment",
                          dict(appointment_resource(camille.id), **shape)), 422)


def test_appointments_need_the_agenda_purpose(app, login_as, person):
    from test_connect import purposes
    camille = person("Camille")
    identify = purposes("rendez-vous-sante")[1]
    session, _token = connect_client(app, login_as("camille"), RDV_CLIENT, RDV_REDIRECT,
                                     AGENDA_SCOPE + " patient/Patient.r", [identify])
    refused(session.get(f"{BASE}/fhir/Appointment"), 403, "Consentement")
    refused(post_json(session, "/fhir/Appointment", appointment_resource(camille.id)), 403)
    assert journal("api.appointment.create", outcome="denied", patient=camille.id)
