"""Mesures in a real Chromium: axe-core and the Nu HTML Checker on the index and on two chart
pages (an adult's blood pressure, a child's growth curve), a keyboard-only add with htmx, the
same without JavaScript, and no horizontal scrolling at 320 px.

Each test logs in in its own browser context, so that opening Lina's space here never changes
the space other test files expect.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .tools import assert_recorded_pages_ok, record_page, screenshot

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots/mesures"


def open_relative(page, server, name):
    """Open a relative's space from /espaces, with its button, as a person would."""
    page.goto(server.url("/espaces"))
    page.get_by_role("button", name=f"Ouvrir l’espace de {name}", exact=True).click()
    expect(page.locator(".space-banner p")).to_contain_text(name)


def console_errors(page):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    return errors


def record(page, name):
    return record_page(page, f"{SHOTS}/{name}")


def test_index_and_chart_pages_are_accessible_valid_and_fit_320px(context_for, server):
    jean = context_for("jean")
    errors = console_errors(jean)
    pages = {}
    jean.goto(server.url("/dossier/mesures/"))
    pages["index-jean"] = record(jean, "index-jean")
    jean.get_by_role("link", name="Tension artérielle").click()
    expect(jean.locator("h1")).to_have_text("Tension artérielle")
    pages["tension-jean"] = record(jean, "tension-jean")
    jean.goto(server.url("/dossier/mesures/hba1c/"))
    pages["hba1c-jean"] = record(jean, "hba1c-jean")
    jean.goto(server.url("/dossier/mesures/imc/"))
    pages["imc-jean"] = record(jean, "imc-jean")
    jean.goto(server.url("/dossier/mesures/glycemie/"))
    jean.get_by_role("link", name=re.compile("^Supprimer")).first.click()
    expect(jean.locator("h1")).to_have_text("Supprimer une mesure")
    pages["supprimer-jean"] = record(jean, "supprimer-jean")

    camille = context_for("camille")
    errors += console_errors(camille)
    camille.goto(server.url("/dossier/mesures/pas/"))
    pages["pas-camille"] = record(camille, "pas-camille")
    open_relative(camille, server, "Lina Martin")
    camille.goto(server.url("/dossier/mesures/"))
    pages["index-lina"] = record(camille, "index-lina")
    camille.get_by_role("link", name="Poids").click()
    expect(camille.locator("svg.chart")).to_be_visible()
    pages["poids-lina"] = record(camille, "poids-lina")
    camille.get_by_role("link", name="De 0 à 3 ans").click()
    expect(camille.locator("svg.chart")).to_contain_text("Âge (mois)")
    pages["poids-lina-0-3-ans"] = record(camille, "poids-lina-0-3-ans")
    camille.goto(server.url("/dossier/mesures/perimetre-cranien/"))
    pages["perimetre-cranien-lina"] = record(camille, "perimetre-cranien-lina")

    assert_recorded_pages_ok(pages, errors)
    # the child's chart carries the WHO reference band, the adult's does not
    assert 'class="chart-ref"' in pages["poids-lina"]["html"]
    assert 'class="chart-ref"' not in pages["tension-jean"]["html"]


def test_keyboard_only_add_of_a_weight_swaps_the_chart_and_announces(context_for, server):
    page = context_for("camille")
    page.goto(server.url("/dossier/mesures/poids/"))
    points_before = page.locator("svg.chart .chart-point").count()
    page.locator("main").focus()
    for _ in range(40):
        if page.evaluate("() => document.activeElement.id") == "value":
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("the weight field was not reached with Tab")
    page.keyboard.type("62,8")
    with page.expect_response(lambda r: r.request.method == "POST" and "/ajouter" in r.url):
        page.keyboard.press("Enter")
    announce = page.locator("#mesure-contenu [data-announce]")
    expect(announce).to_contain_text("62,8\u00a0kg")
    expect(page.locator("#annonces")).to_contain_text("Mesure enregistrée")
    expect(page.locator("svg.chart .chart-point")).to_have_count(points_before + 1)
    expect(page.locator("table.measure-table tbody tr").first).to_contain_text("62,8")
    assert page.url.endswith("/dossier/mesures/poids/"), "htmx swaps in place"
    # a wrong value: the error is announced and the typed value stays in the field
    page.locator("#value").fill("700")
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.locator("#value").press("Enter")
    expect(page.locator(".error-summary")).to_contain_text(
        "Le poids doit être compris entre 0,5 et 350 kg. Vérifiez la valeur saisie.")
    expect(page.locator("#value")).to_have_value("700")
    screenshot(page, f"{SHOTS}/poids-camille-erreur-htmx.png", caret="initial")


def test_add_and_delete_without_javascript(context_for, server):
    page = context_for("camille", java_script_enabled=False)
    page.goto(server.url("/dossier/mesures/temperature/"))
    expect(page.get_by_text("Aucune valeur enregistrée pour l’instant.")).to_be_visible()
    page.get_by_label("Température (°C)").fill("45")
    page.get_by_role("button", name="Enregistrer la mesure").click()
    expect(page).to_have_title(re.compile("^Erreur : "))
    expect(page.locator(".error-summary")).to_contain_text("La température doit être comprise")
    expect(page.get_by_label("Température (°C)")).to_have_value("45")
    page.get_by_label("Température (°C)").fill("38,4")
    page.get_by_role("button", name="Enregistrer la mesure").click()
    expect(page.locator(".notice--success")).to_contain_text("38,4\u00a0°C")
    expect(page.locator("svg.chart .chart-point")).to_have_count(1)
    page.get_by_role("link", name=re.compile("^Supprimer")).first.click()
    expect(page.locator("h1")).to_have_text("Supprimer une mesure")
    page.get_by_role("button", name="Supprimer la mesure").click()
    expect(page.locator(".notice--success")).to_contain_text("a été supprimée")
    expect(page.get_by_text("Aucune valeur enregistrée pour l’instant.")).to_be_visible()
