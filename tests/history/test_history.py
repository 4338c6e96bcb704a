"""Historique d'activité: the holder sees every access and change by name, filtered, paginated,
exported; caregivers and professionals cannot see it; a broken journal is reported."""
import csv
import io

from conftest import open_space


def reads(login_as, patient_id, *visits):
    """Each (role, path): that account opens the patient's space and reads the page."""
    for role, path in visits:
        client = login_as(role)
        assert open_space(client, patient_id).status_code == 302
        assert client.get(path).status_code == 200


def table_text(response):
    html = response.get_data(as_text=True)
    return html[html.index("<table"):html.index("</table>")] if "<table" in html else ""


def test_jean_sees_caregiver_professional_and_mediator_reads_by_name(login_as, person):
    reads(login_as, person("Jean").id, ("camille", "/dossier/"), ("benali", "/dossier/profil/"),
          ("sophie", "/dossier/documents/"))
    response = login_as("jean").get("/dossier/historique/")
    assert response.status_code == 200
    rows = table_text(response)
    assert "Camille Martin" in rows and "délégation, au nom de Jean Dupont" in rows
    assert "Dr Nadia Benali" in rows and "autorisation" in rows
    assert "Consultation du profil médical" in rows
    assert "Sophie" in rows and "mandat, au nom de Jean Dupont" in rows
    assert "Consultation des documents" in rows and "Aidante numérique" in rows
    assert "Consultation de la synthèse du dossier" in rows
    assert "Vous" in rows  # this very page view, by Jean himself
    assert "127.0.0.1" not in response.get_data(as_text=True)


def test_document_titles_and_profile_changes_in_plain_french(login_as, ctx):
    from portal import audit
    from portal.accounts.models import Account
    from portal.documents.models import Document
    client = login_as("jean")
    jean_account = Account.get(Account.email == "jean.dupont@example.org")
    doc = Document.select().where(Document.patient == jean_account.person_id,
                                  Document.hidden_from_patient == False).first()  # noqa: E712
    assert doc is not None
    with client.application.test_request_context():
        audit.record("documents.open", actor=jean_account, patient=jean_account.person,
                     via="self", obj_type="document", obj_id=doc.id)
        audit.record("profile.allergies.add", actor=jean_account, patient=jean_account.person,
                     via="self", obj_type="allergies", obj_id=1)
        audit.record("mystery.thing", actor=jean_account, patient=jean_account.person, via="self")
    rows = table_text(client.get("/dossier/historique/"))
    assert f"Document « {doc.title} »" in rows.replace("&#39;", "'")
    assert "Ajout dans « Allergies et intolérances »" in rows
    assert "Autre action" in rows and "mystery" not in rows


def test_amina_sees_nothing_of_others(login_as, person):
    reads(login_as, person("Jean").id, ("camille", "/dossier/"))
    response = login_as("amina").get("/dossier/historique/")
    assert response.status_code == 200
    rows = table_text(response)
    assert "Camille" not in rows and "Jean" not in rows and "Benali" not in rows


def test_caregiver_cannot_see_history_but_legal_representative_can(login_as, person, ctx):
    from portal.audit import ActivityEvent
    camille = login_as("camille")
    assert open_space(camille, person("Jean").id).status_code == 302
    assert camille.get("/dossier/historique/").status_code == 403
    assert camille.get("/dossier/historique/export.csv").status_code == 403
    denied = ActivityEvent.select().where(ActivityEvent.action == "history.view",
                                          ActivityEvent.outcome == "denied").first()
    assert denied is not None and denied.patient_id == person("Jean").id
    assert open_space(camille, person("Lina").id).status_code == 302
    response = camille.get("/dossier/historique/")
    assert response.status_code == 200
    assert "Historique d’activité de Lina Martin" in response.get_data(as_text=True)
    assert "représentant légal, au nom de Lina Martin" in table_text(response)


def test_mediator_and_operator_cannot_open_history(login_as, person):
    sophie = login_as("sophie")
    assert open_space(sophie, person("Jean").id).status_code == 302
    assert sophie.get("/dossier/historique/").status_code == 403
    operator = login_as("operateur")
    assert operator.get("/dossier/historique/").status_code == 403
    assert operator.get("/dossier/historique/export.csv").status_code == 403


def test_filters_by_actor_family_and_date(login_as, person):
    reads(login_as, person("Jean").id, ("camille", "/dossier/"), ("benali", "/dossier/"))
    client = login_as("jean")
    client.get("/dossier/")
    pros = table_text(client.get("/dossier/historique/?qui=pros"))
    assert "Benali" in pros and "Camille" not in pros and "Vous" not in pros
    relatives = table_text(client.get("/dossier/historique/?qui=proches"))
    assert "Camille Martin" in relatives and "Benali" not in relatives and "Vous" not in relatives
    mine = table_text(client.get("/dossier/historique/?qui=moi&action=consultations"))
    assert "Vous" in mine and "Camille" not in mine and "Ouverture de l’espace" not in mine
    access = table_text(client.get("/dossier/historique/?action=connexions"))
    assert "Ouverture de l’espace" in access and "Consultation" not in access
    changes = table_text(client.get("/dossier/historique/?action=refus"))
    assert "Consultation de la synthèse" not in changes
    future = client.get("/dossier/historique/?du=01/01/2099")
    assert "Aucun événement ne correspond" in future.get_data(as_text=True)
    from datetime import date
    today = date.today()
    same_day = table_text(client.get(
        f"/dossier/historique/?du={today:%d/%m/%Y}&au={today:%Y-%m-%d}"))
    assert "Camille Martin" in same_day


def test_bad_filter_input_gets_french_messages_and_keeps_the_input(login_as):
    client = login_as("jean")
    response = client.get("/dossier/historique/?du=32/13/2025&au=demain&qui=pirate")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Cette date n’existe pas" in html and 'value="32/13/2025"' in html
    assert "Saisissez une date au format JJ/MM/AAAA" in html and 'value="demain"' in html
    assert "Choisissez qui a agi dans la liste." in html
    assert "error-summary" in html
    reversed_dates = client.get("/dossier/historique/?du=10/03/2026&au=01/03/2026")
    assert "La date de fin doit être après la date de début." in reversed_dates.get_data(
        as_text=True)


def test_pagination_keeps_the_filters(app, login_as, person, ctx):
    from portal import audit
    from portal.accounts.models import Account
    jean_account = Account.get(Account.email == "jean.dupont@example.org")
    with app.test_request_context():
        for _ in range(60):
            audit.record("measures.view", actor=jean_account, patient=jean_account.person,
                         via="self")
    client = login_as("jean")
    response = client.get("/dossier/historique/?action=consultations")
    html = response.get_data(as_text=True)
    assert "Page 1 sur 2" in html
    assert "page=2" in html and "action=consultations" in html.split("Page suivante")[0][-200:]
    assert table_text(response).count("<tr") == 51  # header + 50
    second = client.get("/dossier/historique/?action=consultations&page=2")
    assert "Page 2 sur 2" in second.get_data(as_text=True)
    assert client.get("/dossier/historique/?page=abc").status_code == 200


def test_htmx_filter_returns_only_the_history_block(login_as):
    client = login_as("jean")
    response = client.get("/dossier/historique/?qui=moi", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="historique" class="history">') and "<h1>" not in html


def test_csv_export_parses_back_with_bom_header_and_is_journaled(login_as, person, ctx):
    from portal.audit import ActivityEvent
    reads(login_as, person("Jean").id, ("camille", "/dossier/"))
    client = login_as("jean")
    response = client.get("/dossier/historique/export.csv?qui=proches")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "historique-dupont-jean.csv" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Date", "Qui", "Rôle", "Action", "Objet", "Comment", "Résultat"]
    assert len(rows) > 1 and all(len(r) == 7 for r in rows)
    assert all(r[1] == "Camille Martin" for r in rows[1:])
    assert any(r[5] == "délégation, au nom de Jean Dupont" for r in rows[1:])
    export = ActivityEvent.select().where(ActivityEvent.action == "history.export").first()
    assert export is not None and export.patient_id == person("Jean").id


def _tamper(target_id):
    from portal.extensions import db
    db.execute_sql('DROP TRIGGER "activity_event_no_update"')
    db.execute_sql('UPDATE "activity_event" SET "detail" = ? WHERE "id" = ?', ("/rien", target_id))


def _background_check(app):
    """What the worker does every minute: seal, then verify the new seals."""
    from portal.audit.seal import seal_pending
    from portal.audit.verify import check
    with app.app_context():
        seal_pending()
        return check()


def test_intact_journal_shows_no_notice_and_operator_sees_it_intact(app, login_as):
    html = login_as("jean").get("/dossier/historique/").get_data(as_text=True)
    assert "Une anomalie a été détectée" not in html
    _background_check(app)
    page = login_as("operateur").get("/operateur/journal")
    assert page.status_code == 200
    assert "Le journal est intact" in page.get_data(as_text=True)


def test_tampered_journal_is_shown_to_patient_and_reported_to_operator(app, login_as, ctx):
    """The background verifier finds it; the pages only read its result."""
    from portal.audit import ActivityEvent
    client = login_as("jean")
    client.get("/dossier/")
    assert _background_check(app).intact
    assert "Une anomalie" not in client.get("/dossier/historique/").get_data(as_text=True)
    target = ActivityEvent.select().where(ActivityEvent.action == "dossier.view").first()
    _tamper(target.id)
    assert "Une anomalie" not in client.get("/dossier/historique/").get_data(as_text=True)
    from portal.audit.verify import check
    with app.app_context():
        assert not check(full=True).intact
        check(full=True)
    html = client.get("/dossier/historique/").get_data(as_text=True)
    assert ("Une anomalie a été détectée dans le journal ; l’équipe technique a été "
            "prévenue.") in html
    alerts = list(ActivityEvent.select().where(ActivityEvent.action == "audit.broken"))
    assert len(alerts) == 1 and alerts[0].object_id == str(target.id)  # once an hour at most
    assert "Anomalie" not in table_text(client.get("/dossier/historique/"))
    page = login_as("operateur").get("/operateur/journal").get_data(as_text=True)
    assert "Le journal a été altéré." in page
    assert f"Entrée n° {target.id}" in page
    assert "modifié après son scellement" in page


def test_background_verifier_catches_a_broken_new_entry(app, login_as, ctx):
    """Between full walks, the seals made since the last check are verified."""
    from portal.audit import ActivityEvent
    client = login_as("jean")
    assert _background_check(app).intact
    client.get("/dossier/")
    from portal.audit.seal import seal_pending
    with app.app_context():
        seal_pending()
    newest = ActivityEvent.select().order_by(ActivityEvent.id.desc()).first()
    _tamper(newest.id)
    from portal.audit.verify import check
    with app.app_context():
        report = check()
    assert report.problem == "entry_hash" and report.broken_entry == newest.id
    assert "Une anomalie a été détectée" in client.get("/dossier/historique/").get_data(
        as_text=True)


def test_patient_cannot_open_operator_journal(login_as):
    assert login_as("jean").get("/operateur/journal").status_code == 403
    assert login_as("benali").get("/operateur/journal").status_code == 403


def test_history_in_record_menu_for_holder_only(login_as, person):
    assert "/dossier/historique/" in login_as("jean").get("/dossier/").get_data(as_text=True)
    camille = login_as("camille")
    assert open_space(camille, person("Jean").id).status_code == 302
    assert "/dossier/historique/" not in camille.get("/dossier/").get_data(as_text=True)
    assert "/operateur/journal" in login_as("operateur").get("/annuaire/").get_data(as_text=True)


def test_every_journaled_action_reads_in_plain_french(app):
    """Each action code written with a literal in the sources has its own label (not the
    fallback phrase of its prefix)."""
    import re
    from pathlib import Path

    from portal.history.presenters import PREFIX_LABELS, action_label
    root = Path(__file__).resolve().parents[2] / "portal"
    codes = set()
    for source in root.rglob("*.py"):
        codes |= set(re.findall(r'audit\.record\(\s*"([a-z_.]+)"', source.read_text()))
    assert len(codes) > 40
    with app.test_request_context():
        generic = {str(label) for label in PREFIX_LABELS.values()} | {"Autre action"}
        vague = sorted(code for code in codes if action_label(code) in generic)
    assert not vague, vague
