"""Historique d'activité in a real Chromium: axe-core and the Nu HTML Checker on Jean's history,
a filtered page (htmx, URL pushed) and the operator's journal page; the same filter without
JavaScript; no horizontal scrolling at 320 px (the table scrolls in its own region)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .tools import assert_recorded_pages_ok, record_page

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots/historique"


def record(page, name):
    return record_page(page, f"{SHOTS}/{name}")


def test_history_and_operator_pages_are_accessible_valid_and_fit_320px(context_for, server):
    pages = {}
    errors = []
    jean = context_for("jean")
    jean.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    jean.goto(server.url("/dossier/historique/"))
    expect(jean.locator("h1")).to_have_text("Historique d’activité")
    pages["jean"] = record(jean, "jean")

    jean.get_by_label("Qui").select_option(label="Moi-même")
    jean.get_by_label("Type d’action").select_option(label="Consultations")
    with jean.expect_response(lambda r: "qui=moi" in r.url):
        jean.get_by_role("button", name="Filtrer").click()
    expect(jean).to_have_url(re.compile(r"qui=moi&action=consultations"))
    expect(jean.locator("table.history-table tbody tr").first).to_contain_text("Vous")
    expect(jean.locator("h1")).to_have_count(1)
    pages["jean-filtre"] = record(jean, "jean-filtre")

    jean.goto(server.url("/dossier/historique/?du=31/02/2026"))
    expect(jean.locator(".error-summary")).to_contain_text("Cette date n’existe pas")
    pages["jean-erreur"] = record(jean, "jean-erreur")

    operator = context_for("operateur")
    operator.goto(server.url("/operateur/journal"))
    expect(operator.locator("h1")).to_have_text("Intégrité du journal d’activité")
    pages["operateur"] = record(operator, "operateur")

    assert_recorded_pages_ok(pages, errors)


def test_filters_and_export_link_work_without_javascript(context_for, server):
    page = context_for("jean", javascript=False)
    page.goto(server.url("/dossier/historique/"))
    page.get_by_label("Qui").select_option(label="Professionnels de santé")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"qui=pros"))
    expect(page.get_by_label("Qui")).to_have_value("pros")
    href = page.get_by_role("link", name="Télécharger l’historique (CSV, tableur)").get_attribute(
        "href")
    assert href.startswith("/dossier/historique/export.csv?") and "qui=pros" in href


SECRET_TITLE = "Consultation confidentielle – navigateur"
SEEN_TITLE = "Certificat d’aptitude au sport – navigateur"


def _deposit(page, server, title, *, hidden_from_guardians):
    """Dr Benali deposits a small PDF in the open space through the real form."""
    import io

    import pikepdf
    out = io.BytesIO()
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(out)
    page.goto(server.url("/dossier/documents/deposer"))
    page.get_by_label("Titre").fill(title)
    page.get_by_label("Date du document").fill("2026-11-20")
    page.get_by_label("Fichier").set_input_files(
        {"name": "cr.pdf", "mimeType": "application/pdf", "buffer": out.getvalue()})
    if hidden_from_guardians:
        page.get_by_label("Invisible aux représentants légaux (soins confidentiels d’un "
                          "mineur)").check()
    page.get_by_role("button", name="Déposer le document").click()
    expect(page.locator(".notices")).to_contain_text(title)


def test_a_parent_reading_her_childs_history_never_meets_a_hidden_document(context_for,
                                                                           server):
    """Dr Benali deposits one document Lina's parents may see and one "Invisible aux
    représentants légaux"; Camille, in Lina's space (JavaScript on), finds the first in the
    history, its htmx-filtered view and its CSV, and never the second."""
    from .tools import open_space_of
    benali = context_for("benali")
    open_space_of(benali, server, "Lina Martin")
    _deposit(benali, server, SEEN_TITLE, hidden_from_guardians=False)
    _deposit(benali, server, SECRET_TITLE, hidden_from_guardians=True)

    pages, errors = {}, []
    camille = context_for("camille")
    camille.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    open_space_of(camille, server, "Lina Martin")
    camille.goto(server.url("/dossier/historique/"))
    table = camille.locator("table.history-table")
    expect(table).to_contain_text(SEEN_TITLE)
    expect(table).not_to_contain_text(SECRET_TITLE)
    deposits = table.locator("tr", has_text="Dépôt d’un document par un professionnel")
    expect(deposits.filter(has_text=SEEN_TITLE)).to_have_count(1)
    unnamed = deposits.filter(has_text=re.compile("Un document"))  # an unknown one reads so
    expect(unnamed).to_have_count(0)
    pages["lina-par-camille"] = record(camille, "lina-par-camille")

    camille.get_by_label("Qui").select_option(label="Professionnels de santé")
    with camille.expect_response(lambda r: "qui=pros" in r.url):
        camille.get_by_role("button", name="Filtrer").click()
    expect(camille).to_have_url(re.compile(r"qui=pros"))
    expect(deposits.filter(has_text=SEEN_TITLE)).to_have_count(1)
    expect(unnamed).to_have_count(0)
    expect(table).not_to_contain_text(SECRET_TITLE)
    pages["lina-par-camille-pros"] = record(camille, "lina-par-camille-pros")

    csv = camille.request.get(server.url("/dossier/historique/export.csv")).text()
    assert SEEN_TITLE in csv and SECRET_TITLE not in csv
    assert not [line for line in csv.splitlines()
                if "Dépôt d’un document par un professionnel" in line and "Un document" in line]
    assert_recorded_pages_ok(pages, errors)
