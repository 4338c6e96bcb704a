"""Profil médical in a real Chromium: axe-core and the Nu HTML Checker on the overview and on
section pages showing errors, adding an allergy with the keyboard only, and without JavaScript.

Amina's own space is used (she acts for nobody else): the tests add entries to it, which no
other browser test relies on.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import ACCOUNTS, CONTEXT_OPTIONS, login
from .tools import format_vnu_errors, record_at_widths, tab_to, vnu_errors, watch

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots"
OVERVIEW = "/dossier/profil/"
ALLERGIES = "/dossier/profil/allergies/"
VACCINATIONS = "/dossier/profil/vaccinations/"


@pytest.fixture(scope="module")
def amina(browser, server):
    context = browser.new_context(**CONTEXT_OPTIONS)
    page = context.new_page()
    login(page, server, ACCOUNTS["amina"])
    yield page
    context.close()


def record(page, name, pages, widths=(1280, 320)):
    record_at_widths(page, name, pages, f"{SHOTS}/profil-", widths)


def test_overview_and_sections_with_errors_are_accessible_and_valid(amina, server):
    page = amina
    console = watch(page)
    pages: dict[str, str] = {}

    page.goto(server.url(OVERVIEW))
    expect(page.locator("h1")).to_have_text("Mon profil médical")
    expect(page.locator(".status--missing").first).to_be_visible()
    record(page, "apercu", pages)

    page.goto(server.url(ALLERGIES))
    page.wait_for_function("() => window.htmx !== undefined")
    page.get_by_label("Réaction observée").fill("Toux")
    page.locator("#profil-ajout").get_by_role("button", name="Enregistrer").click()
    summary = page.locator("#profil-ajout .error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Saisissez ce qui provoque l’allergie ou l’intolérance.")
    expect(page.get_by_label("Réaction observée")).to_have_value("Toux")
    record(page, "allergies-erreurs", pages)

    page.goto(server.url(VACCINATIONS))
    page.wait_for_function("() => window.htmx !== undefined")
    page.get_by_label("Vaccin", exact=True).fill("Grippe")
    page.get_by_label("Date de vaccination").fill("2099-01-01")
    page.get_by_label("Recommandé").check()
    page.locator("#profil-ajout").get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#profil-ajout .error-summary")).to_contain_text(
        "La date de vaccination ne peut pas être dans le futur.")
    expect(page.get_by_label("Vaccin", exact=True)).to_have_value("Grippe")
    record(page, "vaccinations-erreurs", pages)

    # An entry edited in place, then the deletion question in place.
    entry = page.locator(".entries > li").first
    entry.get_by_role("link", name="Modifier").click()
    expect(entry.locator("h3[autofocus]")).to_be_focused()
    record(page, "vaccinations-modification", pages, widths=(320,))
    entry.get_by_role("link", name="Annuler").click()
    entry = page.locator(".entries > li").first
    entry.get_by_role("link", name="Supprimer").click()
    expect(entry.locator(".confirm-question")).to_be_focused()
    record(page, "vaccinations-suppression", pages, widths=(320,))
    entry.get_by_role("link", name="Non, annuler").click()
    expect(page.locator(".entries .confirm")).to_have_count(0)

    # The HTML as the server sends it (the browser's DOM above is already repaired), for
    # every section, an entry's edit page and its deletion page.
    page.goto(server.url(VACCINATIONS))
    entry_url = page.locator(".entries > li").first.get_by_role("link", name="Modifier") \
        .get_attribute("href").rsplit("/", 1)[0]
    page.goto(server.url(OVERVIEW))
    sections = page.locator(".profile-overview h2 a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))")
    assert len(sections) == 10
    for url in sections + [entry_url + "/modifier", entry_url + "/supprimer"]:
        response = page.request.get(server.url(url))
        assert response.status == 200, url
        pages[f"serveur {url}"] = response.text()

    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
    assert not console, f"console errors: {console}"


def test_keyboard_only_add_of_an_allergy(amina, server):
    page = amina
    page.goto(server.url(ALLERGIES))
    page.wait_for_function("() => window.htmx !== undefined")
    tab_to(page, "#substance")
    page.keyboard.type("Latex")
    tab_to(page, "input[name=kind]")
    page.keyboard.press("Space")  # the first choice: Allergie
    tab_to(page, "#reaction")
    page.keyboard.type("Eczéma des mains")
    tab_to(page, "#severity")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # Légère, then Modérée
    tab_to(page, "#profil-ajout button[type=submit]")
    page.keyboard.press("Enter")
    notice = page.locator("#profil-entrees .notice--success")
    expect(notice).to_have_text("Allergie ajoutée.")
    expect(notice).to_be_focused()
    expect(page.locator("#annonces")).to_have_text("Allergie ajoutée.")
    latex = page.locator(".entries > li", has_text="Latex")
    expect(latex).to_contain_text("Allergie")
    expect(latex).to_contain_text("Modérée")
    expect(page.locator("#substance")).to_have_value("")
    assert page.url.endswith(ALLERGIES)


def test_adding_an_allergy_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False, **CONTEXT_OPTIONS)
    try:
        page = context.new_page()
        login(page, server, ACCOUNTS["amina"])
        page.goto(server.url(ALLERGIES))
        page.locator("#profil-ajout").get_by_role("button", name="Enregistrer").click()
        expect(page).to_have_title("Erreur : Allergies et intolérances – Carnet")
        expect(page.locator("main > .error-summary")).to_be_visible()
        page.get_by_label("Substance, aliment ou médicament").fill("Kiwi")
        page.get_by_label("Intolérance").check()
        page.locator("#profil-ajout").get_by_role("button", name="Enregistrer").click()
        page.wait_for_url("**" + ALLERGIES)
        expect(page.locator(".notice--success[role=status], .notices .notice--success")
               ).to_contain_text("Allergie ajoutée.")
        kiwi = page.locator(".entries > li", has_text="Kiwi")
        expect(kiwi).to_contain_text("Intolérance")
        expect(kiwi).to_contain_text("Ajoutée par Amina Diallo le")

        kiwi.get_by_role("link", name="Supprimer").click()
        expect(page.locator("h1")).to_have_text("Supprimer l’allergie « Kiwi » ?")
        page.get_by_role("button", name="Oui, supprimer").click()
        page.wait_for_url("**" + ALLERGIES)
        expect(page.locator(".notices")).to_contain_text("Allergie supprimée.")
        expect(page.locator(".entries > li", has_text="Kiwi")).to_have_count(0)
    finally:
        context.close()
