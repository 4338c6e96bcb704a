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
