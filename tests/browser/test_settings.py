"""Changing the second factor in a real Chromium, through the real forms: the current password
and the current factor's code asked first (a wrong password is listed and focused), pairing an
authenticator app, then switching the second factor off through its warning page. axe-core on
every state, one run of the Nu HTML Checker, no sideways scrolling at 1280 px and 320 px.

Amina (never Camille: other tests rely on her) does it; her e-mail code is put back at the end,
even when the test fails. Screenshots in test-artifacts/screenshots/settings-*.
"""
from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import expect

from .conftest import ACCOUNTS, PASSWORD
from . import factories
from .tools import format_vnu_errors, on_server, record_at_widths, vnu_errors, watch

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots/settings-"
EMAIL = ACCOUNTS["amina"]


@pytest.fixture
def amina(context_for, server):
    page = context_for("amina")
    yield page
    on_server(server, factories.reset_second_factor, role="amina")


def test_second_factor_changes_ask_who_one_is_then_warn_before_switching_off(amina, server):
    pages: dict[str, str] = {}
    console = watch(amina)
    amina.goto(server.url("/parametres/verification"))
    expect(amina.locator("h1")).to_have_text("Vérification en deux étapes")
    expect(amina.get_by_label("Mot de passe actuel")).to_have_attribute(
        "autocomplete", "current-password")
    record_at_widths(amina, "verification", pages, SHOTS)

    # The code of the current factor (e-mail), then a wrong password: listed and focused.
    amina.get_by_role("button", name="Recevoir un code par e-mail").click()
    expect(amina.locator("main")).to_contain_text("Un code vous a été envoyé par e-mail")
    code = server.login_code(EMAIL)
    amina.get_by_label("Une application d’authentification (TOTP)").check()
    amina.get_by_label("Code reçu par e-mail").fill(code)
    amina.get_by_label("Mot de passe actuel").fill("pas-le-bon-mot-de-passe")
    amina.get_by_role("button", name="Enregistrer").click()
    summary = amina.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Le mot de passe est incorrect.")
    assert amina.title().startswith("Erreur :"), amina.title()
    expect(amina.get_by_label("Une application d’authentification (TOTP)")).to_be_checked()
    record_at_widths(amina, "verification-erreur", pages, SHOTS)

    # The same code still works with the right password: on to pairing the app.
    amina.get_by_label("Code reçu par e-mail").fill(code)
    amina.get_by_label("Mot de passe actuel").fill(PASSWORD)
    amina.get_by_role("button", name="Enregistrer").click()
    expect(amina.locator("h1")).to_have_text("Activer une application d’authentification")
    record_at_widths(amina, "application", pages, SHOTS)
    secret = amina.locator("code.secret").inner_text().replace(" ", "")
    amina.get_by_label("Code affiché par l’application").fill(pyotp.TOTP(secret).now())
    amina.get_by_role("button", name="Activer").click()
    expect(amina.locator("main")).to_contain_text("L’application d’authentification est activée.")

    # Switching it off: the app's code (the next one: a code is used once), the password, then
    # the warning page, which needs a clear yes.
    amina.goto(server.url("/parametres/verification"))
    amina.get_by_label("Aucune vérification supplémentaire (déconseillé)").check()
    amina.get_by_label("Code affiché par votre application d’authentification").fill(
        pyotp.TOTP(secret).at(time.time() + 30))
    amina.get_by_label("Mot de passe actuel").fill(PASSWORD)
    amina.get_by_role("button", name="Enregistrer").click()
    expect(amina.locator("h1")).to_have_text("Désactiver la vérification en deux étapes ?")
    expect(amina.locator("main")).to_contain_text("votre mot de passe suffit pour ouvrir")
    record_at_widths(amina, "desactiver", pages, SHOTS)
    amina.get_by_role("button", name="Désactiver la vérification").click()
    expect(amina.locator(".error-summary")).to_be_focused()
    record_at_widths(amina, "desactiver-erreur", pages, SHOTS)
    amina.get_by_label("J’ai compris").check()
    amina.get_by_role("button", name="Désactiver la vérification").click()
    expect(amina.locator("main")).to_contain_text("La vérification en deux étapes est désactivée.")
    expect(amina.locator("main")).to_contain_text("désactivée")

    assert not console, f"console errors (CSP?): {console}"
    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
