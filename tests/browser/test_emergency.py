"""Emergency access in a real Chromium: axe-core and the Nu HTML Checker on Jean's settings
page, the declaration form with an error, and the summary with its banner; the declaration
done with the keyboard only.

The test puts the demo back as it found it (the professional ends the access, Jean
acknowledges the notice) for the other browser tests.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .test_access import record
from .tools import format_vnu_errors, tab_to, vnu_errors, watch

pytestmark = pytest.mark.browser


def jean_nir():
    from portal.accounts.nir import with_key
    return with_key("1440219031012")


def test_emergency_flow(context_for, server):
    pages: dict[str, str] = {}
    jean = context_for("jean")
    console = watch(jean)
    jean.goto(server.url("/parametres/"))
    jean.get_by_role("link", name="Accès en urgence").click()
    expect(jean.locator("h1")).to_have_text("Accès en urgence")
    record(jean, "urgence-parametres", pages)

    pro = context_for("lefevre")
    pro_console = watch(pro)
    pro.goto(server.url("/"))
    pro.get_by_role("link", name="Accès en urgence").click()
    expect(pro.locator("h1")).to_have_text("Accès en urgence")
    pro.get_by_role("button", name="Ouvrir le dossier en urgence").click()
    expect(pro.locator(".error-summary")).to_contain_text("Indiquez le motif de l’urgence")
    record(pro, "urgence-erreur", pages)

    # Keyboard only: focus the first field, then type and Tab through the form.
    pro.locator("#nir").focus()
    pro.keyboard.press("Control+A")
    pro.keyboard.type(jean_nir())
    pro.keyboard.press("Tab")
    expect(pro.locator("#birth_date")).to_be_focused()
    pro.locator("#birth_date").fill("1944-02-11")  # the native date picker is not typed into
    expect(pro.locator("#birth_date")).to_have_value("1944-02-11")
    tab_to(pro, "#reason")
    pro.keyboard.type("Patient inconscient au domicile, appel au 15.")
    pro.keyboard.press("Tab")
    tab_to(pro, "#confirm")
    pro.keyboard.press("Space")
    tab_to(pro, "main button[type=submit]")
    pro.keyboard.press("Enter")
    expect(pro.locator("h1")).to_have_text("Synthèse d’urgence de Jean Dupont")
    expect(pro.locator(".space-banner--emergency")).to_contain_text("se termine à")
    expect(pro.locator(".emergency-summary")).to_contain_text("Pénicilline")
    record(pro, "urgence-synthese", pages)
    pro.get_by_role("button", name="Terminer l’accès en urgence").click()
    expect(pro.locator(".notices")).to_contain_text("L’accès en urgence est terminé.")
    assert not pro_console, f"console errors: {pro_console}"
    assert pro.goto(server.url("/dossier/")).status in (403, 404)  # (logs the expected 403)

    jean.goto(server.url("/dossier/"))
    expect(jean.locator(".emergency-notice")).to_contain_text("a ouvert votre dossier en urgence")
    record(jean, "urgence-avis", pages)
    jean.get_by_role("button", name="J’ai pris connaissance").click()
    expect(jean.locator(".emergency-notice")).to_have_count(0)

    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
    assert not console, f"console errors: {console}"
