"""Télécharger mes données: the demo person's whole export (every checksum, the FHIR Bundle
parsed with fhir.resources R4B, each document and measure found in it), who may ask for it
(holder, legal representative; never a caregiver or a mediator), one export at a time, the
7-day link on a moved clock, the ZIP encrypted at rest, the e-mail, and a dead worker's job
handed over again."""
import hashlib
import io
import json
import re
import zipfile
from datetime import timedelta, timezone

import pytest
import time_machine
from conftest import account, hidden_fields, journal, open_space, outbox

pytestmark = pytest.mark.db  # run on PostgreSQL too

CAMILLE = "camille"


def ask(client, fields=None):
    """Press "Préparer mes données" (with `fields`: from a page loaded earlier, another tab)."""
    if fields is None:
        page = client.get("/mes-donnees/")
        assert page.status_code == 200
        fields = hidden_fields(page)
    return client.post("/mes-donnees/demander", data=fields)


def latest_job(person_id):
    from portal.export.models import ExportJob
    return ExportJob.select().where(ExportJob.patient == person_id).order_by(
        ExportJob.id.desc()).first()


@pytest.fixture
def camille_export(app, login_as, person, ctx):
    """Camille asks for her export (the worker runs at once in tests); returns (client, job)."""
    client = login_as(CAMILLE)
    response = ask(client)
    assert response.status_code == 303
    job = latest_job(person("Camille").id)
    assert job.status == "done", job.error
    return client, job


def test_the_demo_persons_export_holds_everything_and_checks(app, camille_export, person):
    from fhir.resources.R4B.bundle import Bundle
    from portal.documents.models import Document
    from portal.measures.models import Measure
    client, job = camille_export
    camille = person("Camille")
    page = client.get("/mes-donnees/")
    assert "Votre fichier est prêt" in page.get_data(as_text=True)
    status = re.search(r'<div id="etat-export"[^>]*>', page.get_data(as_text=True)).group(0)
    assert "data-hx-trigger" not in status  # finished: no more polling
    download = client.get(f"/mes-donnees/{job.id}/fichier")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert download.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    names = set(archive.namelist())
    assert {"MANIFEST.JSON", "CHECKSUMS.TXT", "synthese/ma-synthese.pdf",
            "messages/messages.html", "messages/messages.json", "agenda/agenda.ics",
            "mesures/mesures.csv", "journal/historique.csv", "fhir/bundle.json"} <= names
    # Every file but CHECKSUMS.TXT itself has its SHA-256, and each one is right.
    sums = {}
    for line in archive.read("CHECKSUMS.TXT").decode().splitlines():
        digest, path = line.split("  ", 1)
        sums[path] = digest
    assert set(sums) == names - {"CHECKSUMS.TXT"}
    for path, digest in sums.items():
        assert hashlib.sha256(archive.read(path)).hexdigest() == digest, path
    manifest = json.loads(archive.read("MANIFEST.JSON"))
    assert manifest["for"]["name"] == "Camille Martin"
    assert {f["path"] for f in manifest["files"]} == names - {"MANIFEST.JSON", "CHECKSUMS.TXT"}
    assert all(f["description"] for f in manifest["files"])
    assert archive.read("synthese/ma-synthese.pdf").startswith(b"%PDF")
    from portal.messaging.models import Conversation, Message
    conversations = json.loads(archive.read("messages/messages.json"))["conversations"]
    assert len(conversations) == Conversation.select().where(
        Conversation.patient == camille.id, Conversation.patient_deleted_at.is_null()).count()
    html = archive.read("messages/messages.html").decode()
    for message in Message.select().join(Conversation).where(
            Conversation.patient == camille.id).limit(3):
        first_line = message.body.splitlines()[0]
        assert any(first_line in json.dumps(c, ensure_ascii=False) for c in conversations)
        assert first_line.replace("’", "&#8217;")[:20] in html or first_line[:20] in html
    assert archive.read("agenda/agenda.ics").startswith(b"BEGIN:VCALENDAR")
    # Each document, in its original bytes, and its DocumentReference pointing at it.
    bundle = Bundle.model_validate_json(archive.read("fhir/bundle.json"))
    assert bundle.type == "collection"
    resources = [e.resource for e in bundle.entry]
    kinds = {r.__resource_type__ for r in resources}
    assert {"Patient", "Composition", "AllergyIntolerance", "MedicationStatement",
            "Observation", "DocumentReference"} <= kinds
    references = {r.id: r for r in resources if r.__resource_type__ == "DocumentReference"}
    documents = list(Document.select().where(Document.patient == camille.id,
                                             Document.hidden_from_patient == False))  # noqa: E712
    assert documents
    for document in documents:
        reference = references[str(document.id)]
        path = reference.content[0].attachment.url
        assert hashlib.sha256(archive.read(path)).hexdigest() == document.sha256
    # Each measure, as an Observation with its value, and as a line of the CSV.
    observations = {r.id: r for r in resources if r.__resource_type__ == "Observation"}
    measures = list(Measure.select().where(Measure.patient == camille.id))
    assert measures
    csv_text = archive.read("mesures/mesures.csv").decode("utf-8-sig")
    assert len(csv_text.strip().splitlines()) == len(measures) + 1
    for measure in measures:
        found = observations[str(measure.id)]
        value = found.valueQuantity.value if found.valueQuantity else \
            found.component[0].valueQuantity.value
        assert float(value) == measure.value
    sections = {s.title for s in next(r for r in resources
                                      if r.__resource_type__ == "Composition").section}
    assert {"Allergies", "Traitements", "Mesures", "Documents"} <= sections
    assert len(journal("export.requested", patient=camille.id)) == 1
    assert len(journal("export.generated", patient=camille.id)) == 1
    assert len(journal("export.download", patient=camille.id)) == 1


def test_the_zip_at_rest_is_encrypted_and_the_mail_links_to_the_page(app, camille_export):
    from portal.documents.store import file_part_keys
    from portal.storage import storage
    _client, job = camille_export
    with app.app_context():
        stored = b"".join(storage().get(k) for k in file_part_keys(job.storage_key, job.parts))
    assert not stored.startswith(b"PK") and b"MANIFEST.JSON" not in stored
    assert len(stored) > job.size  # ciphertext, nonces and tags
    mails = outbox(CAMILLE, "Carnet : vos données sont prêtes à télécharger")
    assert len(mails) == 1
    assert "/mes-donnees/" in mails[0].body and "/fichier" not in mails[0].body
    assert "7 jours" in mails[0].body


def test_one_export_at_a_time_and_one_a_day(app, login_as, person, ctx, monkeypatch):
    from portal.export import service
    from portal.export.models import ExportJob
    handed = []
    monkeypatch.setattr("portal.export.tasks.build_export", handed.append)
    client = login_as(CAMILLE)
    other_tab = hidden_fields(client.get("/mes-donnees/"))
    assert ask(client).status_code == 303
    assert len(handed) == 1
    html = client.get("/mes-donnees/").get_data(as_text=True)
    assert "Préparer mes données</button>" not in html  # no button while one is built
    again = ask(client, other_tab)
    assert again.status_code == 303
    html = client.get("/mes-donnees/").get_data(as_text=True)
    assert "déjà en préparation" in html
    assert ExportJob.select().count() == 1 and len(handed) == 1
    ExportJob.update(status="failed").execute()
    html = client.get("/mes-donnees/").get_data(as_text=True)
    assert "a échoué" in html
    assert "Préparer mes données</button>" in html  # failed: the person may ask again
    ExportJob.update(status="expired").execute()  # built (then deleted) less than a day ago
    ask(client, other_tab)
    assert "demandé récemment" in client.get("/mes-donnees/").get_data(as_text=True)
    assert ExportJob.select().count() == 1
    # A day later (the job moved back: the session would have ended meanwhile).
    ExportJob.update(created_at=service.utcnow() - timedelta(hours=24, minutes=1)).execute()
    assert ask(client).status_code == 303  # the page offers the button again
    assert ExportJob.select().count() == 2 and len(handed) == 2


def test_the_link_works_seven_days_then_the_file_is_deleted(app, camille_export, login_as):
    from portal.documents.store import file_part_keys
    from portal.export.models import ExportJob
    from portal.export.tasks import purge
    from portal.storage import storage
    _client, job = camille_export
    assert job.expires_at - job.finished_at == timedelta(days=7)
    expires = job.expires_at.replace(tzinfo=timezone.utc)
    with time_machine.travel(expires - timedelta(minutes=5), tick=False):
        with app.app_context():
            assert purge() == 0
        client = login_as(CAMILLE)  # a week later: a new session
        assert client.get(f"/mes-donnees/{job.id}/fichier").status_code == 200
    with time_machine.travel(expires + timedelta(minutes=1), tick=False):
        with app.app_context():
            assert purge() == 1
            assert not any(storage().exists(k) for k in file_part_keys(job.storage_key,
                                                                        job.parts))
        client = login_as(CAMILLE)
        refused = client.get(f"/mes-donnees/{job.id}/fichier")
        assert refused.status_code == 303
        page = client.get("/mes-donnees/").get_data(as_text=True)
        assert "n’est plus disponible" in page and "a été supprimé" in page
    assert ExportJob.get_by_id(job.id).status == "expired"
    assert len(journal("export.expired", object_id=str(job.id))) == 1


# --- who may ---------------------------------------------------------------------------------

def test_a_parent_exports_her_childs_space(app, login_as, person, ctx):
    client = login_as(CAMILLE)
    lina = person("Lina")
    assert open_space(client, lina.id).status_code == 302
    assert ask(client).status_code == 303
    job = latest_job(lina.id)
    assert job.status == "done" and job.requested_by_id == account(CAMILLE).id
    download = client.get(f"/mes-donnees/{job.id}/fichier")
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(download.data)).read("MANIFEST.JSON"))
    assert manifest["for"]["name"] == "Lina Martin"


@pytest.mark.parametrize("who", ["camille", "sophie"])  # Jean's caregiver, his mediator
def test_a_caregiver_or_a_mediator_is_denied(app, login_as, person, ctx, who):
    from portal.export.models import ExportJob
    client = login_as(who)
    jean = person("Jean")
    assert open_space(client, jean.id).status_code == 302
    assert client.get("/mes-donnees/").status_code == 403
    fields = {**hidden_fields(client.get("/agenda/")), "_space": str(jean.id)}
    assert client.post("/mes-donnees/demander", data=fields).status_code == 403
    assert ExportJob.select().count() == 0
    assert journal("export.request", patient=jean.id, outcome="denied")


def test_another_persons_export_is_a_404(app, camille_export, login_as, person):
    _camille, job = camille_export
    jean = login_as("jean")
    assert jean.get(f"/mes-donnees/{job.id}/fichier").status_code == 404
    assert jean.get(f"/mes-donnees/{job.id + 1}/fichier").status_code == 404  # guessed id
    # Camille herself, with her daughter's space open, cannot reach her own export by its id.
    camille = login_as(CAMILLE)
    assert open_space(camille, person("Lina").id).status_code == 302
    assert camille.get(f"/mes-donnees/{job.id}/fichier").status_code == 404
    professional = login_as("benali")
    assert professional.get(f"/mes-donnees/{job.id}/fichier").status_code == 403


# --- the worker ------------------------------------------------------------------------------

def test_a_job_left_by_a_dead_worker_is_handed_over_then_failed(app, login_as, person, ctx,
                                                                 monkeypatch):
    from portal.export import tasks
    from portal.export.models import LEASE, MAX_ATTEMPTS, ExportJob
    handed = []
    monkeypatch.setattr(tasks, "build_export", handed.append)
    monkeypatch.setattr("portal.export.tasks.build_export", handed.append)
    client = login_as(CAMILLE)
    ask(client)
    job = latest_job(person("Camille").id)
    now = tasks.utcnow()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        # A worker takes it and dies: after the lease, it goes back to the queue.
        ExportJob.update(status="running", attempts=attempt, claimed_at=now).where(
            ExportJob.id == job.id).execute()
        now += LEASE + timedelta(seconds=1)
        with app.app_context():
            tasks.sweep(now)
        expected = "queued" if attempt < MAX_ATTEMPTS else "failed"
        assert ExportJob.get_by_id(job.id).status == expected
    assert "a échoué" in client.get("/mes-donnees/").get_data(as_text=True)
    with app.app_context():
        ExportJob.update(status="queued", attempts=0).where(ExportJob.id == job.id).execute()
        assert tasks.run_export(job.id) is True
        assert tasks.run_export(job.id) is False  # delivered twice: built once
    assert ExportJob.get_by_id(job.id).status == "done"


def test_the_settings_closing_and_delegation_pages_lead_to_it(app, login_as, person, ctx):
    """The pages that speak of taking one's data away link to it; a caregiver's settings
    page does not offer it."""
    client = login_as(CAMILLE)
    for url in ("/parametres/", "/parametres/fermer-mon-espace", "/proches/delegations/inviter"):
        assert 'href="/mes-donnees/"' in client.get(url).get_data(as_text=True), url
    assert open_space(client, person("Jean").id).status_code == 302  # as his caregiver
    assert 'href="/mes-donnees/"' not in client.get("/parametres/").get_data(as_text=True)


def test_the_page_polls_while_the_worker_builds_and_works_without_javascript(
        app, login_as, person, ctx, monkeypatch):
    handed = []
    monkeypatch.setattr("portal.export.tasks.build_export", handed.append)
    client = login_as(CAMILLE)
    ask(client)
    html = client.get("/mes-donnees/").get_data(as_text=True)
    status = re.search(r'<div id="etat-export"[^>]*>', html).group(0)
    assert 'data-hx-get="/mes-donnees/?etat=queued"' in status
    assert 'data-hx-trigger="every 3s"' in status
    assert '<a href="/mes-donnees/">Actualiser la page</a>' in html  # without JavaScript
    poll = {"HX-Request": "true"}
    assert client.get("/mes-donnees/?etat=queued", headers=poll).status_code == 204
    with app.app_context():
        from portal.export.tasks import run_export
        assert run_export(handed[0])
    fragment = client.get("/mes-donnees/?etat=queued", headers=poll)
    assert fragment.status_code == 200
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="etat-export">') and "<h1" not in body
    assert "Votre fichier est prêt" in body


def test_a_messages_attachments_are_in_the_zip_in_their_original_bytes(app, login_as, person,
                                                                          ctx):
    """Messages come with their attachments (messages/pieces-jointes/), named from
    messages.json and linked from messages.html."""
    from helpers import tiny_pdf

    from portal.accounts.models import Account
    from portal.documents.store import store_blob
    from portal.messaging.models import Attachment, Conversation, Message
    camille = person("Camille")
    conversation = Conversation.select().where(Conversation.patient == camille.id).first()
    message = Message.create(conversation=conversation, body="Voici l’ordonnance scannée.",
                             author=Account.get(Account.person == camille.id))
    content = tiny_pdf()
    with app.app_context():
        Attachment.create(message=message, **store_blob(content, filename="ordonnance mars.pdf"))
    client = login_as(CAMILLE)
    assert ask(client).status_code == 303
    job = latest_job(camille.id)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/mes-donnees/{job.id}/fichier").data))
    conversations = json.loads(archive.read("messages/messages.json"))["conversations"]
    sent = next(m for c in conversations for m in c["messages"] if m["id"] == message.id)
    assert [a["name"] for a in sent["attachments"]] == ["ordonnance mars.pdf"]
    path = sent["attachments"][0]["path"]
    assert path.startswith("messages/pieces-jointes/") and path.endswith(".pdf")
    assert archive.read(path) == content
    assert f'href="{path.split("/", 1)[1]}"' in archive.read("messages/messages.html").decode()
    sums = dict(reversed(line.split("  ", 1)) for line in
                archive.read("CHECKSUMS.TXT").decode().splitlines())
    assert sums[path] == hashlib.sha256(content).hexdigest()
