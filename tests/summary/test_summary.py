"""Printing through the real forms: asking for Ma synthèse (chosen sections, language) or the
emergency card, the job's page (polled while the worker prepares it, 204 until the status
changes, no poll once finished), the download, keeping it in the dossier, deleting it, expiry
after a day; who may print in which space; the worker's own checks (access ended since the
request, time limit, a run delivered twice); and the journal."""
import re
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from conftest import csrf_from, hidden_fields, journal, open_space
from helpers import ALL_SECTIONS, CAMILLE, ask, job_id_of, the_job

SOPHIE = "sophie.bernard@example.org"


def pdf_text(data, tmp_path):
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         check=True, text=True).stdout
    return " ".join(out.split())


def is_checked(html, name, value):
    """Whether the page's input `name` with `value` is checked (attributes in any order)."""
    for tag in re.findall(r"<input [^>]*>", html):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return " checked" in tag
    raise AssertionError(f"no input {name}={value}")


def status_tag(html):
    """The opening tag of the job's status block (where the poll attributes are)."""
    return re.search(r'<div id="etat-impression"[^>]*>', html).group(0)


@pytest.fixture
def queue_only(monkeypatch):
    """The web request only records the job and hands its id to the queue: nothing renders
    in the request (a render there fails the test). Returns the ids handed over."""
    from portal.summary import views
    handed = []
    monkeypatch.setattr(views, "render_job", handed.append)

    def no_render_here(*args, **kwargs):
        raise AssertionError("a PDF was rendered in the web request")
    monkeypatch.setattr("portal.summary.tasks.render_isolated", no_render_here)
    return handed


def run(app, job_id):
    from portal.summary.tasks import run_job
    with app.app_context():
        return run_job(job_id)


# --- the whole path, in one's own space ------------------------------------------------------

def test_camille_prints_her_summary_with_the_sections_she_chose(app, client, login_as, ctx,
                                                                 person, tmp_path):
    login_as(CAMILLE, client)
    chosen = [s for s in ALL_SECTIONS if s != "vaccinations"]
    job_id = job_id_of(ask(client, sections=chosen))
    page = client.get(f"/imprimer/{job_id}")
    html = page.get_data(as_text=True)
    assert "Votre document est prêt" in html
    assert "data-hx-trigger" not in status_tag(html)  # finished: no more polling
    download = client.get(f"/imprimer/{job_id}/fichier")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith('attachment; filename="synthese-')
    assert download.headers["Cache-Control"] == "no-store"
    text = pdf_text(download.data, tmp_path)
    for expected in ("Camille Martin", "Ma synthèse", "Document généré par le patient",
                     "Identité", "Médecin traitant", "Dr Nadia Benali", "Allergies",
                     "Pollens de graminées", "Traitements en cours", "Cétirizine",
                     "Personnes à contacter", "Julie Rivière", "Directives anticipées",
                     "Dernières mesures"):
        assert expected in text, expected
    assert re.search(r"\b1 ?/ ?\d\b", text)  # page numbers
    assert "Vaccinations" not in text and "Vaxigrip" not in text  # not chosen, not printed
    camille = person("Camille")
    job = the_job(job_id)
    assert (job.status, job.language, job.kind) == ("done", "fr", "synthese")
    assert job.sections == ",".join(chosen)
    assert [e.detail.split()[0]
            for e in journal("summary.requested", patient=camille.id)] == ["synthese"]
    assert len(journal("summary.generated", patient=camille.id)) == 1
    assert len(journal("summary.download", patient=camille.id)) == 1


def test_the_generated_file_is_stored_encrypted(app, client, login_as, ctx):
    from portal.documents.store import object_key
    from portal.storage import storage
    login_as(CAMILLE, client)
    job = the_job(job_id_of(ask(client, kind="carte")))
    with app.app_context():
        stored = storage().get(object_key(job.storage_key))
    assert not stored.startswith(b"%PDF") and b"Camille" not in stored
    assert job.expires_at - job.finished_at == timedelta(hours=24)


def test_choosing_no_section_says_so_and_keeps_the_language(app, client, login_as, ctx):
    from portal.summary.models import PrintJob
    login_as(CAMILLE, client)
    response = ask(client, sections=[], language="en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Erreur :" in html
    assert "Choisissez au moins une rubrique à imprimer." in html
    assert is_checked(html, "language", "en") and not is_checked(html, "language", "fr")
    assert is_checked(html, "carte-language", "fr")  # the other form stays as offered
    html = ask(client, kind="carte", language="de").get_data(as_text=True)
    assert all(is_checked(html, "sections", s) for s in ALL_SECTIONS)
    assert is_checked(html, "language", "fr")
    assert PrintJob.select().count() == 0


def test_a_tampered_section_or_language_is_refused_in_french(app, client, login_as, ctx):
    from portal.summary.models import PrintJob
    login_as(CAMILLE, client)
    html = ask(client, sections=["allergies", "notes_privees"]).get_data(as_text=True)
    assert "Choisissez parmi les rubriques proposées." in html
    html = ask(client, kind="carte", language="de").get_data(as_text=True)
    assert "Choisissez une langue proposée." in html
    assert PrintJob.select().count() == 0


def test_the_card_in_english_when_asked(app, client, login_as, ctx, tmp_path):
    login_as(CAMILLE, client)
    job_id = job_id_of(ask(client, kind="carte", language="en"))
    text = pdf_text(client.get(f"/imprimer/{job_id}/fichier").data, tmp_path)
    for expected in ("Emergency card", "IN AN EMERGENCY", "Allergies:", "Pollens de graminées",
                     "Cétirizine", "Julie Rivière", "06 58 21 47 93",
                     "Document generated by the patient"):
        assert expected in text, expected


def test_the_paper_language_defaults_to_the_space_holders(app, client, login_as, ctx, person):
    from portal.accounts.models import Account
    Account.update(language="en").where(Account.email == "jean.dupont@example.org").execute()
    login_as(CAMILLE, client)
    assert is_checked(client.get("/imprimer/").get_data(as_text=True), "language", "fr")
    assert open_space(client, person("Jean").id).status_code == 302
    html = client.get("/imprimer/").get_data(as_text=True)
    assert is_checked(html, "language", "en") and is_checked(html, "carte-language", "en")


# --- the worker, never the web request --------------------------------------------------------

def test_the_request_only_queues_and_the_page_polls_until_the_job_is_done(
        app, client, login_as, ctx, queue_only):
    login_as(CAMILLE, client)
    job_id = job_id_of(ask(client))
    assert queue_only == [job_id]
    assert the_job(job_id).status == "queued"
    html = client.get(f"/imprimer/{job_id}").get_data(as_text=True)
    assert "Votre demande est en attente" in html
    assert f'data-hx-get="/imprimer/{job_id}?etat=queued"' in html
    assert 'data-hx-trigger="every 2s"' in html
    assert f'<a href="/imprimer/{job_id}">Actualiser la page</a>' in html  # without JavaScript
    htmx = {"HX-Request": "true", "HX-Target": "etat-impression"}
    poll = client.get(f"/imprimer/{job_id}?etat=queued", headers=htmx)
    assert poll.status_code == 204 and poll.data == b""
    # not ready yet: the download shows the page that says so
    assert client.get(f"/imprimer/{job_id}/fichier").status_code == 303
    from portal.pdf import render_isolated
    import portal.summary.tasks as tasks
    tasks.render_isolated = render_isolated  # the worker renders
    assert run(app, job_id) is True
    poll = client.get(f"/imprimer/{job_id}?etat=queued", headers=htmx)
    fragment = poll.get_data(as_text=True)
    assert poll.status_code == 200
    assert fragment.lstrip().startswith('<div id="etat-impression"')
    assert "<html" not in fragment and "data-hx-trigger" not in fragment
    assert "data-announce>Votre document est prêt" in fragment


def test_three_jobs_at_once_at_most_and_the_choices_are_kept(app, client, login_as, ctx,
                                                            queue_only):
    login_as(CAMILLE, client)
    for _ in range(3):
        job_id_of(ask(client, kind="carte"))
    response = ask(client, sections=["allergies", "treatments"], language="en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Vous avez déjà 3 documents en préparation" in html
    assert is_checked(html, "sections", "allergies") and is_checked(html, "language", "en")
    assert not is_checked(html, "sections", "vaccinations")
    assert len(queue_only) == 3


def test_a_job_runs_once_even_when_delivered_twice(app, client, login_as, ctx, queue_only):
    import portal.summary.tasks as tasks
    from portal.pdf import render_isolated
    login_as(CAMILLE, client)
    job_id = job_id_of(ask(client, kind="carte"))
    tasks.render_isolated = render_isolated
    assert run(app, job_id) is True
    key = the_job(job_id).storage_key
    assert run(app, job_id) is False
    assert the_job(job_id).storage_key == key


def test_an_access_ended_since_the_request_prints_nothing(app, client, login_as, ctx, person,
                                                          queue_only):
    from portal.proxies.models import Delegation
    login_as(CAMILLE, client)
    jean = person("Jean")
    assert open_space(client, jean.id).status_code == 302
    job_id = job_id_of(ask(client))
    Delegation.update(ended_at=datetime.now(timezone.utc).replace(tzinfo=None)).where(
        Delegation.patient == jean.id).execute()
    assert run(app, job_id) is False
    job = the_job(job_id)
    assert (job.status, job.error, job.storage_key) == ("failed", "access", None)
    assert journal("summary.failed", patient=jean.id)[0].outcome == "error"


def test_a_render_over_the_time_limit_is_stopped_and_explained(app, client, login_as, ctx,
                                                                queue_only):
    import portal.summary.tasks as tasks
    from portal.pdf import render_isolated
    login_as(CAMILLE, client)
    job_id = job_id_of(ask(client))
    tasks.render_isolated = render_isolated
    app.config["SUMMARY_RENDER_TIMEOUT"] = 0.05  # a real render takes about a second
    assert run(app, job_id) is False
    job = the_job(job_id)
    assert (job.status, job.error) == ("failed", "timeout")
    html = client.get(f"/imprimer/{job_id}").get_data(as_text=True)
    assert "La mise en page a pris trop de temps et a été arrêtée." in html
    assert "data-hx-trigger" not in status_tag(html)


def test_a_render_over_the_memory_limit_fails_cleanly(app):
    from portal.pdf import RenderFailed, render_isolated
    html = "<!doctype html><html lang=fr><head><title>t</title></head><body><p>x</p></body></html>"
    with pytest.raises(RenderFailed) as failed:
        render_isolated(html, static_root=app.static_folder, timeout=60, memory_mb=40)
    assert failed.value.reason in ("memory", "failed")


# --- keeping, deleting, expiring ----------------------------------------------------------------

def test_saving_to_the_dossier_makes_a_document_once(app, client, login_as, ctx, person):
    from portal.documents.models import Document
    login_as(CAMILLE, client)
    job_id = job_id_of(ask(client))
    page = client.get(f"/imprimer/{job_id}")
    response = client.post(f"/imprimer/{job_id}/enregistrer", data=hidden_fields(page))
    assert response.status_code == 303
    documents = list(Document.select().where(Document.category == "synthese",
                                             Document.patient == person("Camille").id))
    assert len(documents) == 1
    assert documents[0].title.startswith("Ma synthèse du ")
    assert documents[0].mime_type == "application/pdf"
    assert the_job(job_id).saved_document_id == documents[0].id
    html = client.get(f"/imprimer/{job_id}").get_data(as_text=True)
    assert "Ce document est enregistré dans le dossier." in html
    assert "Enregistrer dans le dossier" not in html
    page = client.get(f"/imprimer/{job_id}")
    client.post(f"/imprimer/{job_id}/enregistrer", data=hidden_fields(page))
    assert Document.select().where(Document.category == "synthese").count() == 1
    assert len(journal("summary.saved")) == 1


def test_deleting_removes_the_file_and_the_job(app, client, login_as, ctx):
    from portal.documents.store import object_key
    from portal.storage import storage
    from portal.summary.models import PrintJob
    login_as(CAMILLE, client)
    job_id = job_id_of(ask(client, kind="carte"))
    key = object_key(the_job(job_id).storage_key)
    assert storage(app).exists(key)
    page = client.get(f"/imprimer/{job_id}")
    response = client.post(f"/imprimer/{job_id}/supprimer", data=hidden_fields(page))
    assert response.status_code == 303
    assert not storage(app).exists(key)
    assert PrintJob.get_or_none(PrintJob.id == job_id) is None
    assert client.get(f"/imprimer/{job_id}").status_code == 404
    assert len(journal("summary.deleted")) == 1


def test_files_expire_after_a_day_unless_saved(app, client, login_as, ctx):
    from portal.documents.store import object_key, read_content
    from portal.storage import storage
    from portal.summary.tasks import purge
    login_as(CAMILLE, client)
    kept = job_id_of(ask(client))
    page = client.get(f"/imprimer/{kept}")
    client.post(f"/imprimer/{kept}/enregistrer", data=hidden_fields(page))
    dropped = job_id_of(ask(client, kind="carte"))
    key = object_key(the_job(dropped).storage_key)
    with app.app_context():
        assert purge(datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(hours=23)) == 0
        assert purge(datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(hours=25)) == 2
    assert not storage(app).exists(key)
    assert the_job(dropped).status == "expired"
    html = client.get(f"/imprimer/{dropped}").get_data(as_text=True)
    assert "Ce fichier a été supprimé : il n’était gardé que 24 heures." in html
    assert client.get(f"/imprimer/{dropped}/fichier").status_code == 303
    with app.app_context():  # the saved copy stays
        assert read_content(the_job(kept).saved_document).startswith(b"%PDF-")
    with app.app_context():
        purge(datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=31))
    assert client.get(f"/imprimer/{dropped}").status_code == 404


def test_a_job_left_running_by_a_crashed_worker_ends_as_failed(app, ctx, person):
    from portal.accounts.models import Account
    from portal.summary.models import PrintJob
    from portal.summary.tasks import sweep
    camille = person("Camille")
    account = Account.get(Account.person == camille.id)
    started = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(minutes=2)
    job = PrintJob.create(patient=camille.id, requested_by=account.id, kind="carte",
                          status="running", started_at=started, heartbeat_at=started)
    with app.app_context():
        sweep()
    assert (the_job(job.id).status, the_job(job.id).error) == ("failed", "interrupted")


# --- who may print, in which space ---------------------------------------------------------------

def test_another_persons_job_is_a_404(app, client, login_as, ctx):
    login_as(CAMILLE, client)
    job_id = job_id_of(ask(client))
    other = login_as("jean.dupont@example.org")
    for url in (f"/imprimer/{job_id}", f"/imprimer/{job_id}/fichier"):
        assert other.get(url).status_code == 404
    page = other.get("/imprimer/")
    for action in ("enregistrer", "supprimer"):
        assert other.post(f"/imprimer/{job_id}/{action}",
                          data=hidden_fields(page)).status_code == 404
    assert the_job(job_id).status == "done"


def test_a_parent_prints_for_her_child_and_the_paper_says_who_made_it(
        app, client, login_as, ctx, person, tmp_path):
    lina = person("Lina")
    login_as(CAMILLE, client)
    assert open_space(client, lina.id).status_code == 302
    job_id = job_id_of(ask(client))
    text = pdf_text(client.get(f"/imprimer/{job_id}/fichier").data, tmp_path)
    assert "Lina Martin" in text and "Synthèse de santé" in text
    assert "par Camille Martin (Représentante légale) pour Lina Martin" in text
    assert the_job(job_id).patient_id == lina.id
    assert journal("summary.download", patient=lina.id)[0].via == "guardian"
    # the same job is not reachable from her own space
    own = client.get("/espaces")
    client.post(f"/espaces/{person('Camille').id}", data={"csrf_token": csrf_from(own)})
    assert client.get(f"/imprimer/{job_id}").status_code == 404


def test_a_caregiver_who_reads_the_record_prints_but_does_not_save(app, client, login_as, ctx,
                                                                    person):
    login_as(CAMILLE, client)
    assert open_space(client, person("Jean").id).status_code == 302
    job_id = job_id_of(ask(client))
    html = client.get(f"/imprimer/{job_id}").get_data(as_text=True)
    assert "Enregistrer dans le dossier" not in html  # no dossier_write in this delegation
    page = client.get(f"/imprimer/{job_id}")
    response = client.post(f"/imprimer/{job_id}/enregistrer", data=hidden_fields(page))
    assert response.status_code == 403
    assert "ne permet pas d’ajouter des documents" in response.get_data(as_text=True)


def test_a_mediator_prints_only_with_the_summaries_task(app, client, login_as, ctx, person):
    from portal.proxies.models import Mandate
    jean = person("Jean")
    login_as(SOPHIE, client)
    assert open_space(client, jean.id).status_code == 302
    job_id = job_id_of(ask(client))  # tasks: agenda, documents, summaries
    assert "Enregistrer dans le dossier" in client.get(f"/imprimer/{job_id}").get_data(
        as_text=True)
    Mandate.update(tasks="agenda,documents").where(Mandate.patient == jean.id).execute()
    assert client.get("/imprimer/").status_code == 403
    assert client.get(f"/imprimer/{job_id}/fichier").status_code == 403
    denied = journal("summary.download", patient=jean.id)
    assert denied[-1].outcome == "denied"


@pytest.mark.parametrize("who", ["dr.benali@example.org", "operateur@example.org"])
def test_professionals_and_operators_do_not_print_here(app, login_as, ctx, who):
    client = login_as(who)
    assert client.get("/imprimer/").status_code == 403


def test_printing_is_in_the_menu(app, client, login_as, ctx):
    login_as(CAMILLE, client)
    html = client.get("/dossier/").get_data(as_text=True)
    assert 'href="/imprimer/"' in html


def test_the_print_journal_reads_in_plain_french(app, client, login_as, ctx):
    login_as(CAMILLE, client)
    job_id = job_id_of(ask(client, kind="carte"))
    client.get(f"/imprimer/{job_id}/fichier")
    html = client.get("/dossier/historique/").get_data(as_text=True)
    for label in ("Demande d’une synthèse ou d’une carte d’urgence à imprimer",
                  "Téléchargement d’un document à imprimer"):
        assert label in html, label

