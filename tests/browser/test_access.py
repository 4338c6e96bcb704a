"""Professionnels de santé in a real Chromium: axe-core and the Nu HTML Checker on Jean's page,
the directory search result and the professional's code page; blocking a professional with
the keyboard only; authorising one and creating a code without JavaScript.

Every test puts the demo back as it found it (unblocks, revokes) for the other browser tests.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import ACCOUNTS, CONTEXT_OPTIONS, login
from .tools import format_vnu_errors, record_at_widths, tab_to, vnu_errors, watch

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots"
PAGE = "/dossier/professionnels/"


def record(page, name, pages, widths=(1280, 320)):
    record_at_widths(page, name, pages, f"{SHOTS}/acces-", widths)


def test_pages_are_accessible_and_valid(context_for, server):
    jean = context_for("jean")
    console = watch(jean)
    pages: dict[str, str] = {}
    jean.goto(server.url(PAGE))
    expect(jean.locator("h1")).to_have_text("Professionnels de santé")
    expect(jean.locator(".cards")).to_contain_text("Dr Nadia Benali")
    record(jean, "page", pages)

    jean.wait_for_function("() => window.htmx !== undefined")
    jean.get_by_label("Nom ou numéro RPPS du professionnel").fill("Lefèvre")
    jean.get_by_role("button", name="Rechercher dans l’annuaire").click()
    expect(jean.locator("#resultats")).to_contain_text("Dr Hugo Lefèvre")
    record(jean, "recherche", pages)

    jean.get_by_label("24 heures").check()
    jean.get_by_role("button", name="Créer un code d’accès").click()
    code = jean.locator(".access-new-code .access-code").inner_text()
    record(jean, "code-cree", pages)
    response = jean.request.get(server.url(PAGE + "?q=Girard"))
    pages["serveur recherche"] = response.text()

    pro = context_for("lefevre")
    pro_console = watch(pro)
    pro.goto(server.url("/"))
    pro.get_by_role("link", name="Saisir un code d’accès").click()
    pro.get_by_label("Code d’accès").fill("ABCD-EFGH-JKMN")
    pro.get_by_role("button", name="Ouvrir l’espace").click()
    expect(pro.locator(".error-summary")).to_contain_text("Ce code n’existe pas")
    record(pro, "code-erreur", pages)
    pro.get_by_label("Code d’accès").fill(code)
    pro.get_by_role("button", name="Ouvrir l’espace").click()
    expect(pro.locator(".notices")).to_contain_text("Vous êtes dans l’espace de Jean Dupont")
    assert not pro_console, f"console errors: {pro_console}"

    # Jean revokes the used code: Dr Lefèvre's access ends (the demo is left as it was).
    jean.goto(server.url(PAGE))
    jean.get_by_role("button", name="Révoquer le code").first.click()
    expect(jean.locator(".notices")).to_contain_text("Le code est révoqué.")
    assert pro.goto(server.url("/dossier/")).status == 403

    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
    assert not console, f"console errors: {console}"


def test_keyboard_only_block_and_unblock(context_for, server):
    jean = context_for("jean")
    jean.goto(server.url(PAGE))
    jean.wait_for_function("() => window.htmx !== undefined")
    tab_to(jean, "form[action$='/bloquer'] button", limit=120)
    jean.keyboard.press("Enter")
    expect(jean.locator(".notices")).to_contain_text("Paul Girard est bloqué")
    expect(jean.locator(".cards")).to_contain_text("Bloqué")
    tab_to(jean, "form[action$='/debloquer'] button", limit=120)
    jean.keyboard.press("Enter")
    expect(jean.locator(".notices")).to_contain_text("Paul Girard est débloqué.")
    expect(jean.locator("form[action$='/bloquer']")).to_have_count(1)


def test_authorise_and_create_a_code_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False, **CONTEXT_OPTIONS)
    try:
        page = context.new_page()
        login(page, server, ACCOUNTS["amina"])
        page.goto(server.url(PAGE))
        page.get_by_role("button", name="Rechercher dans l’annuaire").click()
        expect(page.locator(".error-summary")).to_contain_text(
            "Saisissez un nom ou un numéro RPPS.")
        page.get_by_label("Nom ou numéro RPPS du professionnel").fill("10000000003")
        page.get_by_role("button", name="Rechercher dans l’annuaire").click()
        page.get_by_role("button", name="Autoriser Dr Hugo Lefèvre").click()
        expect(page.locator(".notices")).to_contain_text("Dr Hugo Lefèvre peut désormais ouvrir")
        expect(page.locator(".cards")).to_contain_text("Dr Hugo Lefèvre")
        page.get_by_label("1 heure").check()
        page.get_by_role("button", name="Créer un code d’accès").click()
        expect(page.locator(".access-new-code .access-code")).to_have_text(
            re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$"))
        page.get_by_role("button", name="Révoquer le code").first.click()
        expect(page.get_by_role("table", name="Codes d’accès récents")).to_contain_text("Révoqué")
        page.get_by_role("button", name="Retirer l’autorisation du Dr Hugo Lefèvre").click()
        expect(page.locator(".notices")).to_contain_text(
            "L’autorisation du Dr Hugo Lefèvre est retirée.")
    finally:
        context.close()
