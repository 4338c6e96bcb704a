"""The header's space switcher in a real Chromium: keyboard only, with and without JavaScript,
axe and vnu with the list open, at 320 px and 1280 px."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .tools import format_vnu_errors, record_at_widths, tab_to, vnu_errors, watch

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots/switcher-"


def button_for(page, name):
    """CSS selector of the switcher's button for the space named `name`."""
    action = page.locator(".switcher__list form", has_text=name).get_attribute("action")
    return f'.switcher__list form[action="{action}"] button'


@pytest.mark.parametrize("javascript", [True, False])
def test_camille_switches_spaces_with_the_keyboard(context_for, server, javascript):
    page = context_for("camille", javascript=javascript)
    console = watch(page)
    pages: dict[str, str] = {}
    page.goto(server.url("/dossier/"))
    tab_to(page, ".switcher summary")
    page.keyboard.press("Enter")
    expect(page.locator(".switcher__list")).to_be_visible()
    expect(page.locator(".switcher__list")).to_contain_text("Lina Martin")
    expect(page.locator(".switcher__list")).to_contain_text("Proche aidante (délégation)")
    if javascript:  # axe needs JavaScript; the no-JS run checks the same page works
        record_at_widths(page, "ouvert", pages, SHOTS)
    tab_to(page, button_for(page, "Jean Dupont"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/dossier/")
    expect(page.locator(".space-banner p")).to_contain_text("Vous agissez pour Jean Dupont")
    # back to her own space in one more pass
    tab_to(page, ".switcher summary")
    page.keyboard.press("Enter")
    tab_to(page, button_for(page, "Mon espace"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/dossier/")
    expect(page.locator(".space-banner p")).to_contain_text("Votre espace santé")
    if javascript:
        record_at_widths(page, "retour", pages, SHOTS)
        assert not console, console
        errors = vnu_errors(pages)
        assert not any(errors.values()), format_vnu_errors(errors)
