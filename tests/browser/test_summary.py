"""Imprimer (Ma synthèse, carte d'urgence) in a real Chromium: axe-core, the Nu HTML Checker and
no sideways scrolling at 1280 px and 320 px on the index page (her own space, with the "no
section" error, in her child's space), a finished synthèse and a finished card; the index page
at 200 % zoom; a synthèse asked for with the keyboard only; the htmx poll of a job the worker
has not done yet (204 while waiting, the swap once done, then no more requests); and without
JavaScript (the "Actualiser la page" link, the PDF download).
Screenshots at 1280 px and 320 px in test-artifacts/screenshots/summary-*.

The browser server runs huey immediate, so a POST finishes its job at once; a job still waiting
is made by inserting its row in the server's database, and finished by calling the worker's
`run_job` on that database (factories of tests/browser/factories.py, run in a child process
with the server's environment: the same SECRET_KEY, hence the same document key, as the server
that will decrypt the PDF).
Every job made here is deleted (through "Supprimer ce fichier maintenant"; what a failing test
leaves behind, by a clean-up after each test), so the other tests see the demo as it was.
"""
from __future__ import annotations

import re
import sqlite3
from contextlib import closing

import pytest
from playwright.sync_api import expect

from . import factories
from .tools import (format_vnu_errors, on_server, open_space_of, record_at_widths, screenshot,
                    tab_to, vnu_errors, watch)

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots/summary-"
WAITING = "Votre demande est en attente"
READY = "Votre document est prêt"
SUMMARY_FORM = "form[action$='/imprimer/synthese']"
CARD_FORM = "form[action$='/imprimer/carte']"


def record(page, name, pages):
    record_at_widths(page, name, pages, SHOTS)


# ------------------------------------------------------------- the server's database, directly


def queued_job(server, **job) -> int:
    """A job of `role` in their own space, waiting for a worker that never comes; its id."""
    return on_server(server, factories.queued_job, **job)


def run_job(server, job_id: int) -> None:
    """The worker's part: render the job's PDF (in a child process) and mark it done."""
    done = on_server(server, factories.run_print_job, job_id=job_id)
    assert done is True, f"run_job({job_id}) did not finish the job: {done}"


def read_db(server, sql: str, *params) -> list[tuple]:
    """Rows read from the server's database directly (cheaper than an app)."""
    path = server.env["DATABASE_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return connection.execute(sql, params).fetchall()


def job_ids(server) -> list[int]:
    return [row[0] for row in read_db(server, "SELECT id FROM print_job")]


def asked_for(page, server) -> tuple[str, str, str]:
    """(kind, sections, language) of the job whose page is open."""
    job_id = int(re.search(r"/imprimer/(\d+)", page.url).group(1))
    return read_db(server, "SELECT kind, sections, language FROM print_job WHERE id = ?",
                   job_id)[0]


@pytest.fixture(autouse=True)
def remove_jobs_made_here(server):
    """Whatever a failing test left behind: the jobs made by the test, and their files."""
    before = max(job_ids(server), default=0)
    yield
    if [i for i in job_ids(server) if i > before]:
        on_server(server, factories.delete_print_jobs_after, job_id=before)


def delete_job(page):
    """Delete the job shown on the page with its button (leaves the page on Imprimer)."""
    page.get_by_role("button", name="Supprimer ce fichier maintenant").click()
    expect(page.locator(".notices")).to_contain_text("Le fichier a été supprimé.")
    expect(page.locator("h1")).to_have_text(re.compile(r"^Imprimer"))


# ------------------------------------------------------------------------------------ tests


def test_index_pages_are_accessible_and_valid(context_for, server):
    pages: dict[str, str] = {}
    camille = context_for("camille")
    console = watch(camille)
    camille.goto(server.url("/dossier/"))
    camille.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Imprimer").click()
    expect(camille.locator("h1")).to_have_text("Imprimer")
    summary_form = camille.locator(SUMMARY_FORM)
    boxes = summary_form.get_by_role("checkbox")
    expect(boxes).to_have_count(10)
    for i in range(10):
        expect(boxes.nth(i)).to_be_checked()
    expect(summary_form.get_by_label("Français")).to_be_checked()
    expect(camille.locator(CARD_FORM).get_by_label("Français")).to_be_checked()
    expect(camille.locator("section[aria-labelledby=recents]")).to_contain_text(
        "Aucun document préparé ces dernières 24 heures.")
    record(camille, "accueil", pages)

    # No section at all: the error is listed and focused; the language chosen is kept.
    for i in range(10):
        boxes.nth(i).uncheck()
    summary_form.get_by_label("Anglais (English)").check()
    camille.get_by_role("button", name="Préparer ma synthèse").click()
    error_summary = camille.locator(".error-summary")
    expect(error_summary).to_be_focused()
    expect(error_summary).to_contain_text("Choisissez au moins une rubrique à imprimer.")
    expect(camille.locator("fieldset#sections .error-message")).to_contain_text(
        "Choisissez au moins une rubrique à imprimer.")
    assert camille.title().startswith("Erreur :")
    expect(summary_form.get_by_label("Anglais (English)")).to_be_checked()
    expect(summary_form.get_by_label("Français")).not_to_be_checked()
    for i in range(10):
        expect(boxes.nth(i)).not_to_be_checked()
    # The card's form, not sent, should still offer its language chosen (asserted at the end).
    card_languages = camille.locator(CARD_FORM).locator("input[type=radio]:checked").count()
    record(camille, "erreur", pages)

    # A parent printing for her child.
    open_space_of(camille, server, "Lina Martin")
    camille.goto(server.url("/imprimer/"))
    expect(camille.locator("h1")).to_have_text("Imprimer pour Lina Martin")
    record(camille, "parent", pages)

    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
    assert not console, f"console errors: {console}"
    assert card_languages == 1, (
        "after the synthèse's error, the card's language radios are all unchecked "
        "(its form was not sent, so it lost its default)")


@pytest.mark.parametrize("kind", ["synthese", "carte"])
def test_finished_job_pages_are_accessible_and_valid(context_for, server, kind):
    pages: dict[str, str] = {}
    camille = context_for("camille")
    console = watch(camille)
    camille.goto(server.url("/imprimer/"))
    if kind == "synthese":  # two sections, in English
        summary_form = camille.locator(SUMMARY_FORM)
        boxes = summary_form.get_by_role("checkbox")
        for i in range(boxes.count()):
            boxes.nth(i).uncheck()
        summary_form.get_by_label("Allergies").check()
        summary_form.get_by_label("Traitements en cours").check()
        summary_form.get_by_label("Anglais (English)").check()
        camille.get_by_role("button", name="Préparer ma synthèse").click()
        expect(camille.locator("h1")).to_have_text("Ma synthèse")
        assert asked_for(camille, server) == ("synthese", "allergies,treatments", "en")
    else:
        camille.get_by_role("button", name="Préparer la carte d’urgence").click()
        expect(camille.locator("h1")).to_have_text("Carte d’urgence")
        expect(camille.locator("#etat-impression")).to_contain_text(
            "Imprimez la page à taille réelle")
        assert asked_for(camille, server) == ("carte", "", "fr")
    status = camille.locator("#etat-impression")
    expect(status).to_contain_text(READY)
    assert status.get_attribute("data-hx-get") is None, "a finished job must not poll"
    expect(camille.get_by_role("link", name=re.compile("Télécharger le PDF"))).to_be_visible()
    expect(camille.get_by_role("button", name="Enregistrer dans le dossier")).to_be_visible()
    expect(camille.get_by_role("button", name="Supprimer ce fichier maintenant")).to_be_visible()
    record(camille, f"{kind}-prete", pages)
    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
    delete_job(camille)
    expect(camille.locator("section[aria-labelledby=recents]")).to_contain_text(
        "Aucun document préparé ces dernières 24 heures.")
    assert not console, f"console errors: {console}"


def test_index_page_at_200_percent_zoom(context_for, server):
    """1280 × 900 at 200 %: a 640 × 450 CSS-pixel viewport drawn at a device scale of 2."""
    camille = context_for("camille", viewport={"width": 640, "height": 450},
                          device_scale_factor=2)
    camille.goto(server.url("/imprimer/"))
    expect(camille.locator("h1")).to_have_text("Imprimer")
    sizes = camille.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    screenshot(camille, f"{SHOTS}zoom-200pc.png", caret="initial")
    if sizes[0] > sizes[1]:
        wide = camille.evaluate("""(w) => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > w)
            .slice(0, 5).map(e => e.outerHTML.slice(0, 120))""", sizes[1])
        pytest.fail(f"scrolls sideways at 200 %: scrollWidth {sizes[0]} > {sizes[1]}: {wide}")


def test_keyboard_only_synthese(context_for, server):
    camille = context_for("camille")
    console = watch(camille)
    camille.goto(server.url("/imprimer/"))
    camille.wait_for_function("() => window.htmx !== undefined")
    first = camille.locator(f"{SUMMARY_FORM} input[type=checkbox]").first
    tab_to(camille, f"{SUMMARY_FORM} input[type=checkbox]")
    expect(first).to_be_focused()
    camille.keyboard.press("Space")
    expect(first).not_to_be_checked()
    tab_to(camille, f"{SUMMARY_FORM} button[type=submit]")
    camille.keyboard.press("Enter")
    expect(camille.locator("h1")).to_have_text("Ma synthèse")
    expect(camille.locator("#etat-impression")).to_contain_text(READY)
    kind, sections, _language = asked_for(camille, server)
    assert kind == "synthese" and sections.split(",")[0] == "blood_group", sections  # no doctor
    tab_to(camille, "#etat-impression a[href$='/fichier']")
    expect(camille.get_by_role("link", name=re.compile("Télécharger le PDF"))).to_be_focused()

    # And deleted with the keyboard.
    tab_to(camille, "#etat-impression form[action$='/supprimer'] button")
    camille.keyboard.press("Enter")
    expect(camille.locator(".notices")).to_contain_text("Le fichier a été supprimé.")
    assert not console, f"console errors: {console}"


def test_htmx_poll_until_the_worker_is_done(context_for, server):
    camille = context_for("camille")
    console = watch(camille)
    job_id = queued_job(server)
    poll = f"/imprimer/{job_id}?etat="
    requests, responses = [], []
    camille.on("request", lambda r: requests.append(r.url) if poll in r.url else None)
    camille.on("response", lambda r: responses.append((r.url, r.status))
               if poll in r.url else None)

    camille.goto(server.url(f"/imprimer/{job_id}"))
    status = camille.locator("#etat-impression")
    expect(status).to_contain_text(WAITING)
    expect(status.get_by_role("link", name="Actualiser la page")).to_be_visible()
    expect(status).to_have_attribute("data-hx-get", f"/imprimer/{job_id}?etat=queued")
    expect(status).to_have_attribute("data-hx-trigger", "every 2s")
    camille.evaluate("() => { window.notReloaded = true; }")
    screenshot(camille, f"{SHOTS}attente-1280px.png", caret="initial")

    # While the job waits, each poll gets 204 and nothing changes.
    with camille.expect_response(lambda r: poll in r.url, timeout=6000) as first:
        pass
    assert first.value.status == 204
    expect(status).to_contain_text(WAITING)

    waiting = list(responses)
    assert waiting and all(code == 204 for _url, code in waiting), waiting

    run_job(server, job_id)
    try:
        expect(status).to_contain_text(READY, timeout=15000)
    except AssertionError as exc:
        now = camille.context.request.get(server.url(f"/imprimer/{job_id}?etat=running"),
                                          headers={"HX-Request": "true"})
        raise AssertionError(f"{exc}\npolls answered: {responses}\nan htmx poll now gets "
                             f"{now.status} {now.text()[:200]!r}") from None
    assert camille.evaluate("() => window.notReloaded === true"), "the page was reloaded"
    assert status.get_attribute("data-hx-get") is None, "the finished fragment must not poll"
    expect(status.get_by_role("link", name=re.compile("Télécharger le PDF"))).to_be_visible()
    expect(camille.locator("#annonces")).to_contain_text(READY)  # said to screen readers
    # Done: the finished fragment (after the "Mise en page en cours…" one when a poll came
    # while the worker was at it).
    assert responses[-1][1] == 200, responses

    # The finished fragment has no poll: no request in the next 5 s.
    polled = len(requests)
    camille.wait_for_timeout(5000)
    assert requests[polled:] == [], f"still polling: {requests[polled:]}"
    screenshot(camille, f"{SHOTS}attente-finie-1280px.png", caret="initial")
    delete_job(camille)
    assert not console, f"console errors: {console}"


def test_a_job_whose_worker_died_says_so_while_polled_and_prints_again(context_for, server):
    """The worker dies during the render: the polled page says the printing was interrupted
    (announced, no more polling) and offers one button to ask for the same document again."""
    pages: dict[str, str] = {}
    camille = context_for("camille")
    console = watch(camille)
    job_id = queued_job(server, kind="carte", sections="")
    on_server(server, factories.claim_print_job, job_id=job_id)  # never heard from again
    camille.goto(server.url(f"/imprimer/{job_id}"))
    status = camille.locator("#etat-impression")
    expect(status).to_contain_text("Mise en page en cours")
    on_server(server, factories.backdate_print_job, job_id=job_id, seconds=90)
    expect(status).to_contain_text("L’impression a été interrompue", timeout=10000)
    expect(camille.locator("#annonces")).to_contain_text("L’impression a été interrompue")
    assert status.get_attribute("data-hx-get") is None, "a failed job must not poll"
    record(camille, "interrompue", pages)
    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
    camille.get_by_role("button", name="Relancer l’impression").click()
    # a new job, prepared in the request here (the test server's huey is immediate)
    expect(camille).to_have_url(re.compile(rf"/imprimer/(?!{job_id}$)\d+$"), timeout=30000)
    expect(camille.locator("h1")).to_have_text("Carte d’urgence")
    expect(camille.locator("#etat-impression")).to_contain_text(READY)
    assert asked_for(camille, server) == ("carte", "", "fr")
    assert int(re.search(r"/imprimer/(\d+)", camille.url).group(1)) != job_id
    delete_job(camille)
    assert not console, f"console errors: {console}"


def test_without_javascript(context_for, server):
    camille = context_for("camille", javascript=False)

    # A card: prepared by the POST (the worker runs at once here), then downloaded.
    camille.goto(server.url("/imprimer/"))
    camille.get_by_role("button", name="Préparer la carte d’urgence").click()
    expect(camille.locator("h1")).to_have_text("Carte d’urgence")
    expect(camille.locator("#etat-impression")).to_contain_text(READY)
    link = camille.get_by_role("link", name=re.compile("Télécharger le PDF"))
    with camille.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("carte-urgence-")
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    fetched = camille.context.request.get(server.url(link.get_attribute("href")))
    assert fetched.status == 200
    assert fetched.headers["content-type"].startswith("application/pdf")
    assert fetched.body().startswith(b"%PDF-")
    delete_job(camille)

    # A job still waiting: the page says so and "Actualiser la page" shows it once done.
    job_id = queued_job(server)
    camille.goto(server.url(f"/imprimer/{job_id}"))
    expect(camille.locator("#etat-impression")).to_contain_text(WAITING)
    run_job(server, job_id)
    camille.get_by_role("link", name="Actualiser la page").click()
    expect(camille.locator("#etat-impression")).to_contain_text(READY)
    delete_job(camille)
