"""A mediator's mandates in a real Chromium: Sophie's home ("Mes mandats"), Jean's space seen
only through the demo mandate (agenda, documents, summaries), a new mandate for Amina signed
with the code she receives, and Amina's "Mes proches" where she revokes it. axe-core and the
Nu HTML Checker on every page, screenshots at 1280 and 320 px.

The test puts the demo back as it found it: Amina revokes the mandate it created.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .tools import format_vnu_errors, record_at_widths, vnu_errors, watch

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots/mandats-"


def record(page, name, pages):
    record_at_widths(page, name, pages, SHOTS)


def amina_nir():
    from portal.accounts.nir import with_key
    return with_key("2921175112078")


def test_mediator_mandates(context_for, server):
    pages: dict[str, str] = {}
    sophie = context_for("sophie")
    console = watch(sophie)

    # Her home lists the demo mandate, what it covers, and the next step.
    sophie.goto(server.url("/"))
    expect(sophie.locator("h1")).to_have_text("Mes mandats")
    card = sophie.locator(".card", has_text="Jean Dupont")
    expect(card).to_contain_text("Agenda, Documents et dossier médical, Imprimer des synthèses")
    expect(card).to_contain_text("Prochaine étape")
    record(sophie, "accueil", pages)

    # Jean's space, within the mandate: the record and its documents, never his relatives.
    card.get_by_role("button", name="Ouvrir l’espace de Jean Dupont").click()
    expect(sophie.locator(".space-banner p")).to_contain_text("Vous agissez pour Jean Dupont")
    expect(sophie.locator(".space-banner p")).to_contain_text("Aidante numérique (mandat)")
    navigation = sophie.locator("#navigation")
    expect(navigation.get_by_role("link", name="Dossier")).to_be_visible()
    expect(navigation.get_by_role("link", name="Mes proches")).to_have_count(0)
    sophie.goto(server.url("/dossier/documents/"))
    expect(sophie.locator("h1")).to_contain_text("Documents")
    assert sophie.goto(server.url("/proches")).status == 403
    expect(sophie.locator("main")).to_contain_text("ne permet pas cette action")
    console.clear()  # the 403 above is expected

    # A new mandate for Amina: first sent empty, then filled in.
    sophie.goto(server.url("/espaces"))
    sophie.get_by_role("link", name="Nouveau mandat").click()
    expect(sophie.locator("h1")).to_have_text("Nouveau mandat")
    record(sophie, "nouveau", pages)
    sophie.get_by_role("button", name="Envoyer le code à la personne").click()
    expect(sophie.locator(".error-summary")).to_contain_text("Cochez au moins une tâche.")
    expect(sophie).to_have_title("Erreur : Nouveau mandat – Carnet")
    record(sophie, "nouveau-erreurs", pages)
    sophie.get_by_label("Numéro de sécurité sociale de la personne accompagnée").fill(amina_nir())
    sophie.get_by_label("Date de naissance").fill("1992-11-30")
    sophie.get_by_label("Agenda").check()
    sophie.get_by_label("Lire les messages").check()
    sophie.get_by_label("1 mois").check()
    sophie.get_by_label("La personne est présente à mes côtés").check()
    sophie.get_by_role("button", name="Envoyer le code à la personne").click()
    expect(sophie.locator("h1")).to_have_text("Code de confirmation du mandat")
    expect(sophie.locator(".notices")).to_contain_text("Amina Diallo")
    record(sophie, "code", pages)
    code = server.login_code("amina.diallo@example.org")  # before her own login code

    # Waiting for the code: on her home, and in Amina's "Mes proches".
    sophie.goto(server.url("/espaces"))
    waiting = sophie.locator(".card", has_text="Amina Diallo")
    expect(waiting).to_contain_text("Agenda, Lire les messages")
    record(sophie, "accueil-attente", pages)
    amina = context_for("amina")
    amina_console = watch(amina)
    amina.goto(server.url("/proches"))
    expect(amina.locator(".card", has_text="Sophie Bernard")).to_contain_text(
        "en attente de votre code")
    record(amina, "proches-attente", pages)
    waiting.get_by_role("link", name="Code de confirmation à saisir").click()
    expect(sophie.locator("h1")).to_have_text("Code de confirmation du mandat")

    sophie.get_by_label("Code de confirmation reçu par la personne").fill("12345")
    sophie.get_by_role("button", name="Signer le mandat").click()
    expect(sophie.locator(".error-summary")).to_contain_text("6 chiffres")
    record(sophie, "code-erreur", pages)
    sophie.get_by_label("Code de confirmation reçu par la personne").fill(code)
    sophie.get_by_role("button", name="Signer le mandat").click()
    expect(sophie.locator(".notices")).to_contain_text("Mandat signé avec Amina Diallo")
    expect(sophie.locator(".card", has_text="Amina Diallo")).to_contain_text(
        "Agenda, Lire les messages")
    record(sophie, "accueil-signe", pages)

    # Amina sees the mandate, its printable copy, and revokes it.
    amina.goto(server.url("/proches"))
    mandate = amina.locator(".card", has_text="Sophie Bernard")
    expect(mandate).to_contain_text("jusqu’au")
    expect(mandate.get_by_role("link", name="Voir le mandat signé")).to_be_visible()
    record(amina, "proches", pages)
    mandate.get_by_role("button", name="Révoquer le mandat de Sophie Bernard").click()
    expect(amina.locator(".notices")).to_contain_text("est révoqué")
    expect(amina.locator(".card", has_text="Sophie Bernard")).to_have_count(0)

    sophie.goto(server.url("/espaces"))
    expect(sophie.locator(".mandate-ended")).to_contain_text("révoqué par la personne")
    record(sophie, "accueil-termine", pages)

    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
    assert not console, f"console errors: {console}"
    assert not amina_console, f"console errors: {amina_console}"
