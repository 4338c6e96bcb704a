"""Mon histoire de santé in a real Chromium: axe-core and the Nu HTML Checker on Jean's
timeline (whole, filtered through htmx, in English), the "add to treatments" confirmation and
its refused form, and a professional's view; no horizontal scrolling at 320 px; the filters,
masking and adding a treatment without JavaScript. (Arabic: tests/browser/test_arabic.py.)"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .tools import assert_recorded_pages_ok, record_page, watch

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots/remboursements"
BASE = "/dossier/histoire/"


def record(page, name):
    return record_page(page, f"{SHOTS}/{name}")


def choose(page, code):
    with page.expect_navigation():
        page.locator(f"header button[name=lang][value={code}]").click()
    assert page.locator("html").get_attribute("lang") == code


def test_timeline_pages_are_accessible_valid_and_fit_320px(context_for, server):
    pages = {}
    jean = context_for("jean")
    errors = watch(jean)
    jean.goto(server.url("/dossier/"))
    jean.get_by_role("link", name="Histoire de santé", exact=True).click()
    expect(jean.locator("h1")).to_have_text("Mon histoire de santé")
    pages["jean"] = record(jean, "jean")

    jean.get_by_label("Catégorie").select_option(label="Médicaments délivrés")
    with jean.expect_response(lambda r: "categorie=medicaments" in r.url):
        jean.get_by_role("button", name="Filtrer").click()
    expect(jean).to_have_url(re.compile(r"categorie=medicaments"))
    expect(jean.locator("h1")).to_have_count(1)
    expect(jean.locator("#histoire tbody tr").first).to_contain_text("Médicaments délivrés")
    pages["jean-filtre"] = record(jean, "jean-filtre")

    jean.get_by_role("link", name="Ajouter « Paracétamol 1 g » aux traitements").first.click()
    expect(jean.locator("h1")).to_have_text("Ajouter aux traitements")
    expect(jean.get_by_label("Médicament ou traitement")).to_have_value("Paracétamol 1 g")
    pages["jean-traitement"] = record(jean, "jean-traitement")
    jean.get_by_label("Médicament ou traitement").fill("")
    jean.get_by_role("button", name="Ajouter aux traitements").click()
    expect(jean).to_have_title(re.compile("^Erreur : "))
    pages["jean-traitement-erreur"] = record(jean, "jean-traitement-erreur")

    jean.goto(server.url(BASE))
    choose(jean, "en")
    try:
        expect(jean.locator("h1")).to_have_text("My health history")
        pages["jean-en"] = record(jean, "jean-en")
    finally:
        choose(jean, "fr")

    girard = context_for("girard")
    errors += watch(girard)
    girard.goto(server.url("/espaces"))
    girard.get_by_role("button", name="Ouvrir l’espace de Jean Dupont", exact=True).click()
    expect(girard.locator(".space-banner p")).to_contain_text("Jean Dupont")
    girard.goto(server.url(BASE))
    expect(girard.locator("h1")).to_have_text("Histoire de santé de Jean Dupont")
    expect(girard.get_by_role("button", name=re.compile("^Masquer"))).to_have_count(0)
    pages["girard-jean"] = record(girard, "girard-jean")

    assert_recorded_pages_ok(pages, errors)


def test_filter_mask_and_add_a_treatment_without_javascript(context_for, server):
    page = context_for("jean", javascript=False)
    page.goto(server.url(BASE))
    page.get_by_label("Catégorie").select_option(label="Biologie")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"categorie=biologie"))
    expect(page.locator("#histoire tbody tr").first).to_contain_text("Biologie")

    line = page.locator("#histoire tbody tr").first
    line.get_by_role("button", name=re.compile("^Masquer")).click()
    expect(page).to_have_url(re.compile(r"categorie=biologie"))
    expect(page.locator(".notices")).to_contain_text(
        "est masqué aux professionnels de santé")
    first = page.locator("#histoire tbody tr").first
    expect(first).to_contain_text("masqué aux professionnels")
    first.get_by_role("button", name=re.compile("^Rendre")).click()
    expect(page.locator("#histoire tbody tr").first).not_to_contain_text(
        "masqué aux professionnels")

    # Camille's medicine (Jean's Paracétamol stays for the other test, whatever the order)
    camille = context_for("camille", javascript=False)
    camille.goto(server.url(BASE + "?categorie=medicaments"))
    camille.get_by_role("link", name="Ajouter « Fluticasone 50 µg, spray nasal » aux "
                        "traitements").first.click()
    expect(camille.get_by_label("Dose et rythme")).to_have_value("2 pulvérisations le matin")
    camille.get_by_role("button", name="Ajouter aux traitements").click()
    expect(camille).to_have_url(re.compile(r"/dossier/histoire/$"))
    expect(camille.locator(".notices")).to_contain_text(
        "« Fluticasone 50 µg, spray nasal » a été ajouté aux traitements.")
    camille.goto(server.url("/dossier/profil/traitements/"))
    expect(camille.locator("main")).to_contain_text("2 pulvérisations le matin")
