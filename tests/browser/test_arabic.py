"""Arabic pages in a real Chromium: right to left (`<html lang="ar" dir="rtl">`), mirrored by
the stylesheet's logical properties alone, values read left to right, and the same checks as
the French pages (axe-core WCAG 2.2 A/AA, the Nu HTML Checker, one h1, no sideways scrolling at
320 px nor at 200 % zoom). Screenshots at 360 px land in test-artifacts/screenshots/ar/.

The demo account chooses Arabic through the header's switcher (as a person would), which
stores it on the account; the test puts French back, for the other browser tests' sake.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from .conftest import ACCOUNTS, CONTEXT_OPTIONS, PASSWORD
from .tools import assert_recorded_pages_ok, record_page, screenshot, watch

# The catalogue the server reads: the tests follow the translators' words.
CATALOGUE = Translations.load(str(Path(__file__).resolve().parents[2] / "translations"), ["ar"])

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots/ar"
ARABIC = {"locale": "ar", "viewport": {"width": 1280, "height": 900}}
# The record's pages and the other pages of the main menu, as Camille sees them.
PAGES = ["/dossier/", "/dossier/profil/", "/dossier/mesures/", "/dossier/mesures/poids/",
         "/dossier/documents/", "/dossier/ordonnances/", "/entourage", "/dossier/professionnels/",
         "/dossier/historique/", "/dossier/histoire/",
         "/messagerie/", "/agenda/", "/imprimer/", "/parametres/", "/accessibilite",
         "/services/", "/services/connectes", "/mes-donnees/"]
PHONE = {"width": 360, "height": 760}


def log_in_by_ids(page, server, email):
    """The login forms by their fields' ids: their labels are in Arabic on an Arabic page."""
    page.goto(server.url("/connexion"))
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/connexion/code")
    page.fill("#code", server.login_code(email))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/connexion" not in url)


def choose(page, code):
    """Press the header's switcher button of language `code`: a full page load (never an htmx
    swap, which would leave <html lang dir> as they were), which says the new language."""
    with page.expect_navigation():
        page.locator(f"header button[name=lang][value={code}]").click()
    assert page.locator("html").get_attribute("lang") == code


def test_the_login_page_in_arabic_is_right_to_left_mirrored_and_accessible(browser, server):
    context = browser.new_context(**ARABIC)
    try:
        page = context.new_page()
        errors = watch(page)
        page.goto(server.url("/connexion"))
        assert page.locator("html").get_attribute("lang") == "ar"
        assert page.locator("html").get_attribute("dir") == "rtl"
        title = CATALOGUE.gettext("Connexion à votre espace santé")
        assert title != "Connexion à votre espace santé"
        expect(page.locator("h1")).to_have_text(title)
        recorded = {"ar-connexion": record_page(page, f"{SHOTS}/connexion")}
        # The e-mail is typed left to right, yet starts on the page's start side (the right),
        # under its label: dir="ltr" from the field macro, text-align from the parent.
        email = page.locator("#email")
        assert email.get_attribute("dir") == "ltr"
        email.fill("amina.diallo@example.org")
        assert email.evaluate("e => getComputedStyle(e).direction") == "ltr"
        assert email.evaluate("e => getComputedStyle(e).textAlign") == "right"
        screenshot(page, f"{SHOTS}/connexion-email-ltr.png", caret="initial")
        email.fill("")
        # The error summary and the fields' error bar sit on the start side: the right.
        page.locator("main form button[type=submit]").click()
        expect(page.locator(".error-summary")).to_be_visible()
        bar = page.evaluate("""() => { const s = getComputedStyle(document.querySelector(
            '.field--error')); return [s.borderRightWidth, s.borderLeftWidth]; }""")
        assert bar == ["5px", "0px"], bar
        recorded["ar-connexion-erreurs"] = record_page(page, f"{SHOTS}/connexion-erreurs")
        page.set_viewport_size(PHONE)
        screenshot(page, f"{SHOTS}/connexion-360.png", caret="initial")
        assert_recorded_pages_ok(recorded, errors)
    finally:
        context.close()


def test_camilles_pages_in_arabic(browser, server):
    context = browser.new_context(**(CONTEXT_OPTIONS | {"locale": "ar"}))
    page = context.new_page()
    errors = watch(page)
    try:
        log_in_by_ids(page, server, ACCOUNTS["camille"])
        page.goto(server.url("/dossier/"))
        choose(page, "ar")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        # The header is mirrored by the flex layout and logical properties: the brand at the
        # right, the tools at the left.
        brand = page.locator(".brand").bounding_box()
        tools = page.locator(".tools").bounding_box()
        assert brand["x"] > tools["x"] + tools["width"] - 1, (brand, tools)
        # The NIR is an isolate written left to right, inside a right-to-left page.
        nir = page.locator("dd bdi[dir=ltr]").filter(has_text=re.compile(r"^\d( \d+){5}"))
        expect(nir).to_have_count(1)
        assert nir.evaluate("e => getComputedStyle(e).direction") == "ltr"
        assert not re.search("[\u0660-\u0669]", page.locator("main").inner_text())

        recorded = {}
        for path in PAGES:
            response = page.goto(server.url(path))
            assert response.status == 200, path
            assert page.locator("html").get_attribute("dir") == "rtl", path
            name = "ar" + re.sub(r"[^a-z0-9]+", "-", path).rstrip("-")
            recorded[name] = record_page(page, f"{SHOTS}/{name}")
            # 200 % zoom: a 1280 px window at 200 % lays the page out in 640 CSS px.
            page.set_viewport_size({"width": 640, "height": 900})
            wide = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
            assert wide <= 0, f"{path}: {wide} px of sideways scrolling at 200 %"
            page.set_viewport_size(PHONE)
            screenshot(page, f"{SHOTS}/{name}-360.png", full_page=False, caret="initial")
            page.set_viewport_size(ARABIC["viewport"])
        assert_recorded_pages_ok(recorded, errors)
    finally:
        page.goto(server.url("/dossier/"))
        choose(page, "fr")
        context.close()
