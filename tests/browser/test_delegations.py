"""Caregivers in a real Chromium: Camille invites Amina through the form (the scopes chosen
with the keyboard only), Amina accepts, then ends the delegation after the confirmation page.
axe-core and the Nu HTML Checker on the form with its errors, the invitation Amina receives
and the confirmation page; screenshots at 1280 and 320 px; the attestation rendered to PNG.

The test puts the demo back as it found it (the delegation is ended); the two attestations
stay in each one's documents, as they would.
"""
from __future__ import annotations

import re
import subprocess
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from .tools import ROOT, format_vnu_errors, record_at_widths, tab_to, vnu_errors, watch

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots"


def amina_nir():
    from portal.accounts.nir import with_key
    return with_key("2921175112078")


def record(page, name, pages):
    record_at_widths(page, name, pages, f"{SHOTS}/delegation-")


def test_invite_accept_and_end_a_delegation(context_for, server):
    pages: dict[str, str] = {}
    camille = context_for("camille")
    console = watch(camille)
    camille.goto(server.url("/proches"))
    camille.get_by_role("link", name="Inviter un proche aidant").click()
    expect(camille.locator("h1")).to_have_text("Inviter un proche aidant")
    camille.get_by_role("button", name="Envoyer l’invitation").click()
    summary = camille.locator(".error-summary")
    expect(summary).to_contain_text("Saisissez le numéro de sécurité sociale.")
    expect(summary).to_contain_text("Choisissez au moins une autorisation.")
    expect(summary).to_contain_text("Cochez la déclaration sur l’honneur")
    record(camille, "invitation-erreurs", pages)

    camille.get_by_label("Numéro de sécurité sociale du proche aidant").fill(amina_nir())
    camille.get_by_label("Date de naissance du proche aidant").fill("1992-11-30")
    # The scopes with the keyboard only: Tab from the birth date, Space to tick.
    camille.get_by_label("Date de naissance du proche aidant").focus()
    tab_to(camille, "#scopes-0")
    camille.keyboard.press("Space")
    tab_to(camille, "#scopes-3")
    camille.keyboard.press("Space")
    expect(camille.get_by_label("Consulter le dossier")).to_be_checked()
    expect(camille.get_by_label("Agenda")).to_be_checked()
    expect(camille.get_by_label("Messagerie")).not_to_be_checked()
    end = (date.today() + timedelta(days=365)).isoformat()
    camille.get_by_label("Fin de la délégation").fill(end)
    camille.get_by_label("Je déclare sur l’honneur que ces trois points sont exacts.").check()
    camille.get_by_role("button", name="Envoyer l’invitation").click()
    expect(camille.locator(".notices")).to_contain_text("L’invitation a été envoyée à Amina Diallo")
    expect(camille.locator("#acces-mon-espace + .cards")).to_contain_text("Invitation en attente")
    record(camille, "invitation-envoyee", pages)

    amina = context_for("amina")
    amina_console = watch(amina)
    amina.goto(server.url("/proches"))
    card = amina.locator(".delegation")
    expect(card).to_contain_text("Camille Martin")
    expect(card).to_contain_text("Vous invite à devenir sa proche aidante.")
    expect(card).to_contain_text("Répondez avant le")
    record(amina, "invitation-recue", pages)
    amina.get_by_role("button", name=re.compile("^Accepter")).click()
    expect(amina.locator(".notices")).to_contain_text(
        "Vous êtes maintenant proche aidante de Camille Martin")

    # The attestation, in Amina's documents: rendered to PNG to be looked at.
    amina.goto(server.url("/dossier/documents/"))
    amina.get_by_role("link", name=re.compile("Attestation de début de délégation")).first.click()
    amina.wait_for_url(re.compile(r".*/dossier/documents/\d+$"))
    pdf = amina.request.get(amina.url + "/fichier")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    target = ROOT / SHOTS / "delegation-attestation.pdf"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(pdf.body())
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(target),
                    str(ROOT / SHOTS / "delegation-attestation")], check=True)
    assert (ROOT / SHOTS / "delegation-attestation-1.png").exists()

    amina.goto(server.url("/proches"))
    amina.get_by_role("link", name=re.compile("Ne plus être proche aidante")).click()
    expect(amina.locator("h1")).to_have_text("Mettre fin à la délégation")
    expect(amina.locator("main")).to_contain_text("Vous ne pourrez plus agir pour Camille Martin")
    record(amina, "fin-confirmation", pages)
    amina.get_by_role("button", name="Mettre fin à la délégation").click()
    expect(amina.locator(".notices")).to_contain_text(
        "La délégation a pris fin : vous n’agissez plus pour Camille Martin.")

    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
    assert not console, f"console errors: {console}"
    assert not amina_console, f"console errors: {amina_console}"
