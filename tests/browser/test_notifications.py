"""Paramètres › Notifications in a real Chromium: axe-core and the Nu HTML Checker on the page as
a patient, a professional and an operator; choosing with the keyboard only; saving without
JavaScript. Screenshots at 1280 px and 320 px.

Every test puts the demo back as it found it (every kind on)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .tools import format_vnu_errors, record_at_widths, tab_to, vnu_errors, watch

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots/notifications-"
SAVED = "Vos choix de notifications sont enregistrés."


def test_the_page_is_accessible_valid_and_used_with_the_keyboard_only(context_for, server):
    pages: dict[str, str] = {}
    camille = context_for("camille")
    console = watch(camille)
    camille.goto(server.url("/parametres/"))
    camille.get_by_role("link", name="Notifications par e-mail").click()
    expect(camille.locator("h1")).to_have_text("Notifications par e-mail")
    boxes = camille.get_by_role("checkbox")
    expect(boxes).to_have_count(9)  # 5 kinds, and the 4 themes of the prevention reminders
    for index in range(9):
        expect(boxes.nth(index)).to_be_checked()
    expect(camille.get_by_role("heading", name="E-mails de sécurité, toujours envoyés")
           ).to_be_visible()
    record_at_widths(camille, "patient", pages, SHOTS)

    # Keyboard only: untick "Nouveau document", save, and find it saved and unticked.
    document = camille.get_by_label("Nouveau document dans le dossier")
    tab_to(camille, "#email_document")
    camille.keyboard.press("Space")
    expect(document).not_to_be_checked()
    tab_to(camille, "form[action$='/parametres/notifications'] button[type=submit]")
    camille.keyboard.press("Enter")
    expect(camille.locator(".notices")).to_contain_text(SAVED)
    expect(camille.get_by_label("Nouveau document dans le dossier")).not_to_be_checked()
    expect(camille.get_by_label("Nouveau message dans la messagerie")).to_be_checked()
    record_at_widths(camille, "patient-enregistre", pages, SHOTS)

    # And back on, still with the keyboard.
    tab_to(camille, "#email_document")
    camille.keyboard.press("Space")
    tab_to(camille, "form[action$='/parametres/notifications'] button[type=submit]")
    camille.keyboard.press("Enter")
    expect(camille.locator(".notices")).to_contain_text(SAVED)
    expect(camille.get_by_label("Nouveau document dans le dossier")).to_be_checked()

    for role, count in (("benali", 1), ("operateur", 0)):
        page = context_for(role)
        page.goto(server.url("/parametres/notifications"))
        expect(page.get_by_role("checkbox")).to_have_count(count)
        record_at_widths(page, role, pages, SHOTS)

    assert not console, console
    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)


def test_saving_works_without_javascript(context_for, server):
    jean = context_for("jean", javascript=False)
    jean.goto(server.url("/parametres/notifications"))
    jean.get_by_label("Rendez-vous à venir").uncheck()
    jean.get_by_role("button", name="Enregistrer mes choix").click()
    expect(jean.locator(".notices")).to_contain_text(SAVED)
    expect(jean.get_by_label("Rendez-vous à venir")).not_to_be_checked()
    jean.get_by_label("Rendez-vous à venir").check()
    jean.get_by_role("button", name="Enregistrer mes choix").click()
    expect(jean.get_by_label("Rendez-vous à venir")).to_be_checked()
