"""Phone-first, in a real Chromium at 360×760: on every page of the record (and the agenda, the
messages, the settings), in French, English and Arabic, in Camille's own space and in her
daughter Lina's, the page's h1 and its main action are on the first screen and nothing scrolls
sideways. The header's one "Menu" disclosure works with the keyboard and without JavaScript;
tables become cards, with every column readable; the appointment form folds its optional fields.

Screenshots of the first screen land in test-artifacts/screenshots/phone/<lang>-<space>-<page>.png.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .tools import screenshot, tab_to

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots/phone"
PHONE = {"width": 360, "height": 760}
# Each page and its main action, found by address or structure (the same in every language).
PAGES = {
    "/dossier/": "#essentiel",
    "/dossier/profil/": "main a[href^='/dossier/profil/']",
    "/dossier/mesures/": "main .measure-cards a",
    "/dossier/mesures/poids/": "main a[href='#ajouter-titre']",
    "/dossier/documents/": "main a[href$='/dossier/documents/ajouter']",
    "/dossier/ordonnances/": "main h1 + *",
    "/entourage": "main a[href*='/entourage/personnes/ajouter/']",
    "/dossier/professionnels/": "main a[href='#autoriser']",
    "/dossier/historique/": "main form",
    "/dossier/histoire/": "main form.history-filters",
    "/messagerie/": "main a[href$='/messagerie/ecrire']",
    "/agenda/": "main a[href$='/agenda/ajouter']",
    # A form's main action is filling it in: its first field (the form is measured below).
    "/agenda/ajouter": "main form.appt-form #day",
    "/agenda/prevention": "main .prevention .entry-actions a",
    "/parametres/": "main a[href^='/parametres/']",
    "/imprimer/": "main form input[type=checkbox]",
}
SPACES = {"camille": None, "lina": "Lina Martin"}


def choose(page, code):
    """The header's language button: a full load (a new language may change the direction)."""
    with page.expect_navigation():
        page.locator(f"header button[name=lang][value={code}]").click()
    assert page.locator("html").get_attribute("lang") == code


def open_space(page, server, person_name):
    """Open a space from /espaces with its form (its button's name is translated)."""
    page.goto(server.url("/espaces"))
    action = page.locator("main form[action^='/espaces/']", has_text=person_name).first
    with page.expect_navigation():
        action.locator("button[type=submit]").first.click()
    assert person_name in page.locator(".space-banner p").inner_text()


def first_screen(page, selector):
    """Where the element is, and whether it lies whole within the first 760 px of the page."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} not shown"
    top, bottom = round(box["y"]), round(box["y"] + min(box["height"], 48))
    return top, bottom, 0 <= top and bottom <= PHONE["height"]


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_every_page_shows_its_title_and_main_action_on_a_phones_first_screen(
        context_for, server, lang):
    page = context_for("camille", viewport=PHONE)
    if lang != "fr":
        page.goto(server.url("/dossier/"))
        choose(page, lang)
    problems, positions = [], []
    try:
        for space, person_name in SPACES.items():
            if person_name:
                open_space(page, server, person_name)
            else:
                page.goto(server.url("/dossier/"))
            for path, action in PAGES.items():
                response = page.goto(server.url(path))
                assert response.status == 200, path
                name = f"{lang}-{space}" + re.sub(r"[^a-z0-9]+", "-", path).rstrip("-")
                screenshot(page, f"{SHOTS}/{name}.png", full_page=False, caret="initial")
                h1 = first_screen(page, "h1")
                act = first_screen(page, action)
                positions.append(f"{name}: h1 {h1[:2]}, action {act[:2]}")
                if not h1[2]:
                    problems.append(f"{name}: h1 at {h1[:2]}, below the first screen")
                if not act[2]:
                    problems.append(f"{name}: main action {action!r} at {act[:2]}, "
                                    "below the first screen")
                wide = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
                if wide > 0:
                    problems.append(f"{name}: {wide} px of sideways scrolling")
    finally:
        if lang != "fr":
            page.goto(server.url("/dossier/"))
            choose(page, "fr")
    print("\n".join(positions))
    assert not problems, "\n".join(problems)


def test_every_section_of_the_record_menu_is_checked_on_a_phone(app):
    """A section added to the record's menu must be added above (with its main action)."""
    from flask import url_for

    from portal import DOSSIER_SECTIONS
    with app.test_request_context("/"):
        sections = {url_for(endpoint) for endpoint, _label, _action in DOSSIER_SECTIONS}
    assert sections - set(PAGES) == set()


@pytest.mark.parametrize("javascript", [True, False])
def test_one_menu_disclosure_on_a_phone_keyboard_and_no_javascript(context_for, server,
                                                                    javascript):
    page = context_for("camille", javascript=javascript, viewport=PHONE)
    page.goto(server.url("/dossier/mesures/"))
    sections = page.get_by_role("navigation", name="Rubriques du dossier")
    # Folded: the record's sections, the main menu and the switcher are behind one button.
    expect(sections).to_be_hidden()
    expect(page.locator("#navigation")).to_be_hidden()
    expect(page.locator(".switcher")).to_be_hidden()
    tab_to(page, ".menu > summary")
    page.keyboard.press("Enter")
    expect(sections).to_be_visible()
    expect(page.locator("#navigation")).to_be_visible()
    expect(page.locator(".menu .switcher summary")).to_be_visible()
    tab_to(page, ".subnav a[href='/dossier/documents/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dossier/documents/")
    expect(page.locator("h1")).to_have_text("Documents")
    # A new page comes with the menu folded again.
    expect(page.locator(".menu")).not_to_have_attribute("open", "")
    expect(sections).to_be_hidden()


def test_wide_screens_show_the_menus_without_a_button(context_for, server):
    page = context_for("camille")  # 1280 px
    page.goto(server.url("/dossier/mesures/"))
    expect(page.locator(".menu > summary")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Rubriques du dossier")
           .get_by_role("link", name="Documents")).to_be_visible()
    expect(page.get_by_role("navigation", name="Menu principal")
           .get_by_role("link", name="Agenda")).to_be_visible()
    expect(page.locator(".switcher summary")).to_be_visible()


def test_a_table_becomes_cards_with_every_column_readable(context_for, server):
    page = context_for("camille", viewport=PHONE)
    page.goto(server.url("/dossier/mesures/poids/"))
    row = page.locator("table.measure-table tbody tr").first
    delete = row.locator("td[data-label='Action'] a")
    expect(delete).to_be_visible()
    box, width = delete.bounding_box(), PHONE["width"]
    assert 0 <= box["x"] and box["x"] + box["width"] <= width, box
    # Each cell says its column: the header printed before it.
    label = row.locator("td[data-label='Valeur']").evaluate(
        "e => getComputedStyle(e, '::before').content")
    assert label == '"Valeur"', label
    # The caption reads across the card's width, not one letter per line.
    caption = page.locator("table.measure-table caption").bounding_box()
    assert caption["width"] >= width / 2 and caption["height"] < 80, caption
    screenshot(page, f"{SHOTS}/fr-camille-poids-tableau.png", full_page=False, caret="initial")
    row.scroll_into_view_if_needed()
    screenshot(page, f"{SHOTS}/fr-camille-poids-cartes.png", full_page=False, caret="initial")


def test_the_appointment_form_folds_its_details_and_keeps_them_on_a_refusal(context_for,
                                                                          server):
    page = context_for("camille", viewport=PHONE)
    page.goto(server.url("/agenda/ajouter"))
    details = page.locator("details.more-details")
    expect(details).not_to_have_attribute("open", "")
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 1800, f"the appointment form is {height} px tall at 360 px"
    details.locator("summary").click()
    page.locator("#place").fill("Centre hospitalier de Tulle")
    page.locator("#note").fill("Apporter la carte Vitale")
    # Refused (no date): the details open again with what was typed.
    page.locator("form.appt-form .form-actions button").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(details).to_have_attribute("open", "")
    expect(page.locator("#place")).to_have_value("Centre hospitalier de Tulle")
    expect(page.locator("#note")).to_have_value("Apporter la carte Vitale")
    screenshot(page, f"{SHOTS}/fr-camille-rendez-vous-refuse.png", caret="initial")


def test_a_new_access_code_is_shown_first_and_focused(context_for, server):
    page = context_for("camille", viewport=PHONE)
    page.goto(server.url("/dossier/professionnels/"))
    page.locator("form[action$='/codes'] button[type=submit]").click()
    box = page.locator("[data-shown-once]")
    expect(box).to_be_visible()
    expect(box).to_be_focused()
    top, bottom, inside = first_screen(page, "[data-shown-once] .access-code")
    assert inside, (top, bottom)
    screenshot(page, f"{SHOTS}/fr-camille-code-acces.png", full_page=False, caret="initial")
