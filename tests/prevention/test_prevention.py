"""Agenda › Prévention: the page (due, upcoming, done, with sources), marking an item done (a
vaccine optionally added to the profile), to plan or not done, French messages that keep what
was typed, who may do what (policy), the journal, the agenda's summary, and the CLI."""
import os
import re
import subprocess
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from conftest import ROOT_DIR, csrf_from, hidden_fields, open_space

PAGE = "/agenda/prevention"


def text_of(response):
    """The page's main text, tags removed and spaces squashed."""
    html = response.get_data(as_text=True)
    main = html[html.index("<main"):html.index("</main>")]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def section(response, title):
    """The text of one section of the page, from its heading to the next one."""
    text = text_of(response)
    start = text.index(title)
    rest = [text.index(t, start + 1) for t in ("À venir dans", "Déjà fait (", "Rappels par e-mail")
            if t in text[start + 1:]]
    return text[start:min(rest) if rest else None]


def post_mark(client, code, **fields):
    page = client.get(f"{PAGE}/{code}")
    assert page.status_code == 200
    cycle = re.search(r'name="cycle" type="hidden" value="([^"]*)"',
                      page.get_data(as_text=True))
    data = {**hidden_fields(page), "cycle": cycle.group(1) if cycle else "", **fields}
    return client.post(f"{PAGE}/{code}", data=data)


def marks(person):
    from portal.prevention.models import PreventionMark
    return list(PreventionMark.select().where(PreventionMark.patient == person.id)
                .order_by(PreventionMark.id))


# --- the page -----------------------------------------------------------------------------

def test_the_page_shows_due_upcoming_and_done_with_their_sources(login_as, person, ctx):
    from portal.audit import ActivityEvent
    jean = login_as("jean")
    response = jean.get(PAGE)
    assert response.status_code == 200
    due = section(response, "À faire (")
    assert "Vaccination contre le virus respiratoire syncytial (VRS)" in due
    assert "À planifier" in due  # noted by Camille, his caregiver (demo)
    assert "À faire depuis le 4 juillet 2024" in due
    assert "Haute Autorité de santé, 2024" in due and "à partir de 75 ans" in due.lower()
    assert "Rappel diphtérie, tétanos, poliomyélite à 85 ans" in section(response, "À venir")
    done = section(response, "Déjà fait (")
    assert "Rappel diphtérie, tétanos, poliomyélite à 75 ans Vaccinations Fait le 20 mai 2019 " \
           "D’après le profil médical : Diphtérie, tétanos, poliomyélite (Revaxis), rappel de " \
           "75 ans." in done
    assert "Vaccination contre le zona, 2e injection" in done
    assert "dépistage" not in due.lower()  # 82: past every organised screening
    event = ActivityEvent.select().where(ActivityEvent.action == "prevention.view") \
        .order_by(ActivityEvent.id.desc()).first()
    assert event.patient_id == person("Jean").id and event.detail == PAGE


@pytest.mark.db
def test_a_parent_sees_the_child_s_calendar_and_adds_a_vaccine_to_the_profile(login_as, person,
                                                                            ctx):
    # What is due depends on Lina's age: read the calendar on a day of her eleventh year.
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc), tick=False):
        _parent_adds_a_vaccine(login_as, person)


def _parent_adds_a_vaccine(login_as, person):
    from portal.audit import ActivityEvent
    from portal.profile.models import Vaccination
    lina = person("Lina")
    camille = login_as("camille")
    assert open_space(camille, lina.id).status_code == 302
    page = camille.get(PAGE)
    assert "recommandés pour Lina Martin" in text_of(page)
    assert "Rappel diphtérie, tétanos, coqueluche, poliomyélite entre 11 et 13 ans" in \
        section(page, "À faire (")
    assert "Papillomavirus (HPV), 2e injection" in section(page, "À venir")
    assert "Examen bucco-dentaire M’T dents à 9 ans Santé bucco-dentaire Fait le 22 janvier " \
           "2025 Indiqué dans Carnet." in section(page, "Déjà fait (")
    item_page = camille.get(f"{PAGE}/VAC_DTCAP_11")
    assert "Où en est Lina Martin ?" in text_of(item_page)
    assert 'name="add_to_profile"' in item_page.get_data(as_text=True)

    response = post_mark(camille, "VAC_DTCAP_11", status="done", done_on="02/10/2026",
                         add_to_profile="y")
    assert response.status_code == 303 and response.headers["Location"].endswith(PAGE)
    page = camille.get(PAGE)
    assert "C’est noté : « Rappel diphtérie, tétanos, coqueluche, poliomyélite entre 11 et " \
           "13 ans » est fait depuis le 2 octobre 2026. La vaccination est ajoutée au profil " \
           "médical." in text_of(page)
    assert "entre 11 et 13 ans" not in section(page, "À faire (")
    assert "Fait le 2 octobre 2026 Indiqué dans Carnet et ajouté au profil médical." in \
        section(page, "Déjà fait (")
    [mark] = [m for m in marks(lina) if m.code == "VAC_DTCAP_11"]
    entry = Vaccination.get_by_id(mark.vaccination_id)
    assert (entry.patient_id, entry.given_on, entry.dose_type, entry.author.email) == (
        lina.id, date(2026, 10, 2), "rappel", "camille.martin@example.org")
    assert "rappel de 11-13 ans" in entry.vaccine and not entry.author_is_professional
    assert "rappel de 11-13 ans" in camille.get("/dossier/profil/vaccinations/") \
        .get_data(as_text=True)
    journal = {e.action: e for e in ActivityEvent.select().where(
        ActivityEvent.patient == lina.id, ActivityEvent.action.in_(
            ["prevention.marked", "profile.vaccinations.add"]))}
    assert journal["prevention.marked"].object_id == "VAC_DTCAP_11"
    assert journal["prevention.marked"].detail == "done 2026-10-02"
    assert journal["profile.vaccinations.add"].object_id == str(entry.id)
    assert journal["prevention.marked"].actor.email == "camille.martin@example.org"


@pytest.mark.db
def test_to_plan_then_not_done_change_the_same_row_and_show_on_the_item(login_as, person, ctx):
    camille = login_as("camille")
    assert post_mark(camille, "CHECKUP_45_50", status="to_plan").status_code == 303
    page = camille.get(PAGE)
    assert "est à planifier" in text_of(page)
    assert "Mon bilan prévention (45-50 ans) Bilan prévention À planifier" in \
        section(page, "À faire (")
    assert post_mark(camille, "CHECKUP_45_50", status="not_done").status_code == 303
    assert "Pas fait" in section(camille.get(PAGE), "À faire (")
    rows = [m for m in marks(person("Camille")) if m.code == "CHECKUP_45_50"]
    assert [(m.status, m.done_on) for m in rows] == [("not_done", None)]


def test_not_done_reopens_what_the_profile_said_and_clearing_it_goes_back(login_as, person,
                                                                          ctx):
    jean = login_as("jean")
    post_mark(jean, "VAC_DTP_75", status="not_done")
    due = section(jean.get(PAGE), "À faire (")
    assert "Rappel diphtérie, tétanos, poliomyélite à 75 ans Vaccinations En retard Pas fait" \
        in due
    [mark] = [m for m in marks(person("Jean")) if m.code == "VAC_DTP_75"]
    # Clearing it (offered on the item's page) puts the profile's word back.
    page = jean.get(f"{PAGE}/VAC_DTP_75")
    response = jean.post(f"{PAGE}/suivi/{mark.id}/effacer", data=hidden_fields(page))
    assert response.status_code == 303
    page = jean.get(PAGE)
    assert "Ce qui avait été indiqué pour « Rappel diphtérie, tétanos, poliomyélite à 75 ans » " \
           "est effacé." in text_of(page)
    assert "Fait le 20 mai 2019" in section(page, "Déjà fait (")


@pytest.mark.parametrize("fields, message", [
    ({"status": "done"}, "Indiquez la date à laquelle c’est fait."),
    ({"status": "done", "done_on": "31/02/2026"}, "Cette date n’existe pas"),
    ({"status": "done", "done_on": "12/03/26"}, "Saisissez l’année avec 4 chiffres"),
    ({"status": "done", "done_on": "01/01/2099"}, "La date ne peut pas être dans le futur."),
    ({"status": "done", "done_on": "01/01/2010"}, "antérieure à la date de naissance"),
    ({}, "Choisissez où en est cette action."),
    ({"status": "maybe"}, "Choisissez une des valeurs proposées."),
])
def test_bad_input_is_explained_in_french_and_kept(login_as, person, ctx, fields, message):
    lina = person("Lina")
    camille = login_as("camille")
    assert open_space(camille, lina.id).status_code == 302
    before = marks(lina)
    response = post_mark(camille, "VAC_MENACWY_11", **fields)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html and "<title>Erreur :" in html
    if fields.get("done_on"):  # what was typed stays (a real date, in the date input)
        typed = fields["done_on"]
        day, month, year = typed.split("/")
        shown = f"{year}-{month}-{day}" if len(year) == 4 and typed != "31/02/2026" else typed
        assert f'value="{shown}"' in html
    if fields.get("status") == "done":
        assert re.search(r'value="done"[^>]* checked|checked[^>]* value="done"', html)
    assert marks(lina) == before


def test_a_season_s_item_is_done_during_its_season(login_as, ctx):
    jean = login_as("jean")
    page = jean.get(f"{PAGE}/VAC_FLU")
    cycle = re.search(r'name="cycle" type="hidden" value="(\d{4})"', page.get_data(as_text=True))
    season = int(cycle.group(1))
    response = post_mark(jean, "VAC_FLU", status="done", done_on=f"31/08/{season}")
    assert f"indiquez une date à partir du 1 septembre {season}" in \
        response.get_data(as_text=True)


def test_codes_that_are_not_this_person_s_are_404(login_as, person, ctx):
    jean = login_as("jean")
    hidden = hidden_fields(jean.get(f"{PAGE}/VAC_VRS_75"))
    for code in ("NOPE", "SCREEN_BREAST", "DENTAL_3", "VAC_HEXA_2M"):
        assert jean.get(f"{PAGE}/{code}").status_code == 404
        assert jean.post(f"{PAGE}/{code}", data={**hidden, "status": "to_plan"}
                         ).status_code == 404
    assert marks(person("Jean"))[-1].code == "VAC_VRS_75"  # only the demo's


@pytest.mark.db
def test_another_person_s_mark_is_a_404(login_as, person, ctx):
    lina = person("Lina")
    [dental] = [m for m in marks(lina) if m.code == "DENTAL_9"]
    camille = login_as("camille")  # her own space is open
    response = camille.post(f"{PAGE}/suivi/{dental.id}/effacer",
                            data=hidden_fields(camille.get(PAGE)))
    assert response.status_code == 404
    assert [m.id for m in marks(lina)] == [dental.id]
    assert open_space(camille, lina.id).status_code == 302
    response = camille.post(f"{PAGE}/suivi/{dental.id}/effacer",
                            data=hidden_fields(camille.get(PAGE)))
    assert response.status_code == 303 and marks(lina) == []


def test_a_form_shown_for_another_cycle_or_space_changes_nothing(login_as, person, ctx):
    camille = login_as("camille")
    page = camille.get(f"{PAGE}/CHECKUP_45_50")
    response = camille.post(f"{PAGE}/CHECKUP_45_50", data={
        **hidden_fields(page), "cycle": "1999", "status": "to_plan"})
    assert response.status_code == 303
    assert "Ce suivi a changé depuis l’ouverture de la page" in text_of(
        camille.get(f"{PAGE}/CHECKUP_45_50"))
    response = camille.post(f"{PAGE}/CHECKUP_45_50", data={
        "csrf_token": csrf_from(page), "cycle": "", "status": "to_plan"})
    assert response.status_code == 409
    assert [m.code for m in marks(person("Camille"))] == ["SCREEN_CERVICAL"]


# --- who may do what -------------------------------------------------------------------------

def test_a_caregiver_without_the_agenda_scope_is_refused_with_the_reason(login_as, person, ctx):
    from portal.proxies.models import Delegation
    Delegation.update(scopes="dossier_read,messaging").execute()
    jean = person("Jean")
    camille = login_as("camille")
    assert open_space(camille, jean.id).status_code == 302
    response = camille.get(PAGE)
    assert response.status_code == 403
    text = text_of(response)
    assert "Dans l’espace de Jean Dupont" in text and "« agenda »" in text
    assert camille.get(f"{PAGE}/VAC_VRS_75").status_code == 403
    response = camille.post(f"{PAGE}/VAC_VRS_75", data={
        "csrf_token": csrf_from(camille.get("/dossier/")), "_space": str(jean.id),
        "status": "done", "done_on": "01/10/2026"})
    assert response.status_code == 403


def test_a_caregiver_with_the_agenda_scope_marks_but_never_writes_the_profile(login_as, person,
                                                                             ctx):
    from portal.profile.models import Vaccination
    jean = person("Jean")
    camille = login_as("camille")
    assert open_space(camille, jean.id).status_code == 302
    page = camille.get(f"{PAGE}/VAC_VRS_75")
    assert 'name="add_to_profile"' not in page.get_data(as_text=True)
    assert "ne permet pas de modifier son profil médical : la vaccination sera notée ici " \
           "seulement" in text_of(page)
    vaccinations = Vaccination.select().where(Vaccination.patient == jean.id).count()
    forged = post_mark(camille, "VAC_VRS_75", status="done", done_on="01/10/2026",
                       add_to_profile="y")
    assert forged.status_code == 403
    assert "ne permet pas de modifier le profil médical" in text_of(forged)
    assert [m.status for m in marks(jean) if m.code == "VAC_VRS_75"] == ["to_plan"]
    response = post_mark(camille, "VAC_VRS_75", status="done", done_on="01/10/2026")
    assert response.status_code == 303
    [mark] = [m for m in marks(jean) if m.code == "VAC_VRS_75"]
    assert (mark.status, mark.done_on, mark.vaccination_id, mark.marked_by.email) == (
        "done", date(2026, 10, 1), None, "camille.martin@example.org")
    assert Vaccination.select().where(Vaccination.patient == jean.id).count() == vaccinations


def test_the_agenda_summary_counts_what_is_due(app, person, ctx):
    from flask import g, render_template
    from flask_login import login_user
    from portal.accounts.models import Account
    from portal.policy import relation_to
    with app.test_request_context("/agenda/"):
        account = Account.get(Account.email == "jean.dupont@example.org")
        login_user(account)
        g.relation = relation_to(account, person("Jean").id)
        g.space = g.relation.person
        html = " ".join(render_template("prevention/_agenda_summary.html").split())
        g.space = None  # a page that opens no space: nothing to say
        assert render_template("prevention/_agenda_summary.html").strip() == ""
    assert re.search(r"\d actions de prévention sont à faire", html)
    assert 'href="/agenda/prevention"' in html


# --- the command line ------------------------------------------------------------------------

def test_the_cli_prints_one_due_item_per_line(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["prevention", "due", "--birth", "1961-05-10", "--sex", "F",
                                 "--on", "2026-05-10"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "SCREEN_CERVICAL\tDépistage du cancer du col de l’utérus\t1991-05-10",
        "SCREEN_BREAST\tDépistage du cancer du sein\t2011-05-10",
        "SCREEN_COLORECTAL\tDépistage du cancer colorectal\t2011-05-10",
        "CHECKUP_60_65\tMon bilan prévention (60-65 ans)\t2024-01-01",
        "VAC_DTP_65\tRappel diphtérie, tétanos, poliomyélite à 65 ans\t2026-05-10",
        "VAC_PNEUMO_65\tVaccination contre le pneumocoque\t2026-05-10",
        "VAC_ZONA_1\tVaccination contre le zona, 1re injection\t2026-05-10"]
    # The day before 65, a man: no 65-year booster yet, the 45-year one is late.
    result = runner.invoke(args=["prevention", "due", "--birth", "1961-05-11", "--sex", "m",
                                 "--on", "2026-05-10"])
    codes = [line.split("\t")[0] for line in result.output.splitlines()]
    assert "VAC_DTP_45" in codes and "VAC_DTP_65" not in codes
    assert "SCREEN_BREAST" not in codes and "SCREEN_COLORECTAL" in codes


@pytest.mark.parametrize("args, message", [
    (["--birth", "1961-13-10", "--sex", "F", "--on", "2026-05-10"], "'--birth'"),
    (["--birth", "10/05/1961", "--sex", "F", "--on", "2026-05-10"], "'--birth'"),
    (["--birth", "1961-05-10", "--sex", "X", "--on", "2026-05-10"], "'--sex'"),
    (["--birth", "1961-05-10", "--sex", "F", "--on", "demain"], "'--on'"),
    (["--birth", "2030-01-01", "--sex", "F", "--on", "2026-05-10"], "is after --on"),
    (["--sex", "F", "--on", "2026-05-10"], "Missing option '--birth'"),
])
def test_the_cli_refuses_bad_arguments_with_status_2(app, args, message):
    result = app.test_cli_runner().invoke(args=["prevention", "due", *args])
    assert result.exit_code == 2 and message in result.output, result.output


def test_the_cli_through_a_real_subprocess(tmp_path):
    env = {**os.environ, "CARNET_ENV": "development", "CARNET_INSTANCE": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path}/carnet.db", "PYTHONPATH": ROOT_DIR}
    flask = os.path.join(ROOT_DIR, ".venv", "bin", "flask")
    result = subprocess.run([flask, "--app", "wsgi", "prevention", "due", "--birth",
                             "2015-09-02", "--sex", "F", "--on", "2026-11-23"],
                            cwd=ROOT_DIR, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "VAC_DTCAP_11\tRappel diphtérie, tétanos, coqueluche, poliomyélite entre 11 et 13 " \
           "ans\t2026-09-02" in lines
    assert "VAC_HPV_1\tPapillomavirus (HPV), 1re injection\t2026-09-02" in lines
    assert all(re.fullmatch(r"[A-Z0-9_]+\t[^\t]+\t\d{4}-\d{2}-\d{2}", line) for line in lines)
    bad = subprocess.run([flask, "--app", "wsgi", "prevention", "due", "--birth", "x",
                          "--sex", "F"], cwd=ROOT_DIR, env=env, capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and "Invalid value for '--birth'" in bad.stderr


def test_a_date_before_today_only(login_as, ctx):
    """A date of tomorrow is in the future (Paris time)."""
    camille = login_as("camille")
    tomorrow = (date.today() + timedelta(days=2)).strftime("%d/%m/%Y")
    response = post_mark(camille, "CHECKUP_45_50", status="done", done_on=tomorrow)
    assert "La date ne peut pas être dans le futur." in response.get_data(as_text=True)
