"""Entourage et volontés in a real Chromium: axe-core and the Nu HTML Checker on the page (as
the patient and read-only as a caregiver), the forms showing their errors, the deletion
question, adding and removing a contact without JavaScript, and the emergency summary with the
entourage first. Screenshots at 1280 px and 320 px.

Every test puts the demo back as it found it (contacts added are removed; the emergency access
is ended and acknowledged) for the other browser tests.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .test_emergency import jean_nir
from .tools import format_vnu_errors, record_at_widths, vnu_errors, watch

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots/entourage-"
PAGE = "/entourage"


def record(page, name, pages):
    record_at_widths(page, name, pages, SHOTS)


def test_page_and_forms_are_accessible_and_valid(context_for, server):
    pages: dict[str, str] = {}
    jean = context_for("jean")
    console = watch(jean)
    jean.goto(server.url("/dossier/"))
    jean.get_by_role("link", name="Entourage et volontés").click()
    expect(jean.locator("h1")).to_have_text("Entourage et volontés")
    expect(jean.locator("section[aria-labelledby=personnes-a-prevenir] ol > li")).to_have_count(2)
    record(jean, "page", pages)

    # Adding: the errors are listed, focused, and what was typed stays.
    jean.get_by_role("link", name="Ajouter une personne à prévenir").click()
    expect(jean.locator("h1")).to_have_text("Ajouter une personne à prévenir")
    jean.get_by_label("Lien avec vous").fill("amie")
    jean.get_by_label("Téléphone").fill("06 12 34")
    jean.get_by_role("button", name="Enregistrer").click()
    summary = jean.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Saisissez le nom et le prénom de la personne.")
    expect(summary).to_contain_text("Ce numéro de téléphone n’est pas valide")
    expect(jean.get_by_label("Téléphone")).to_have_value("06 12 34")
    expect(jean.get_by_label("Lien avec vous")).to_have_value("amie")
    assert jean.title().startswith("Erreur :")
    record(jean, "ajout-erreurs", pages)
    jean.get_by_label("Nom et prénom").fill("Marie Lambert")
    jean.get_by_label("Téléphone").fill("+44 20 7946 0958")
    jean.get_by_role("button", name="Enregistrer").click()
    expect(jean.locator(".notices")).to_contain_text("La personne à prévenir est ajoutée.")
    added = jean.locator("ol.entries > li").nth(2)
    expect(added).to_contain_text("Marie Lambert")
    expect(added.get_by_role("link", name="+44 20 79 46 09 58")).to_have_attribute(
        "href", "tel:+442079460958")

    # Deleting asks first, on its own page.
    added.get_by_role("link", name="Supprimer : Marie Lambert").click()
    expect(jean.locator("h1")).to_have_text("Retirer Marie Lambert des personnes à prévenir ?")
    record(jean, "suppression", pages)
    jean.get_by_role("button", name="Oui, retirer").click()
    expect(jean.locator(".notices")).to_contain_text("Marie Lambert ne figure plus")
    expect(jean.locator("ol.entries > li")).to_have_count(2)

    # The trusted person's form, refused without its date; left unchanged.
    trusted = jean.locator("section[aria-labelledby=personne-de-confiance]")
    trusted.get_by_role("link", name="Modifier : Pierre Dupont").click()
    expect(jean.locator("h1")).to_have_text("Modifier les coordonnées de Pierre Dupont")
    expect(jean.get_by_label("Téléphone")).to_have_value("06 71 82 45 19")
    jean.get_by_label("Date de la désignation écrite").fill("")
    jean.get_by_role("button", name="Enregistrer").click()
    expect(jean.locator(".error-summary")).to_contain_text(
        "Saisissez la date de la désignation écrite")
    expect(jean.get_by_label("Nom et prénom")).to_have_value("Pierre Dupont")
    record(jean, "confiance-erreur", pages)
    jean.get_by_role("link", name="Annuler").click()
    expect(jean.locator("h1")).to_have_text("Entourage et volontés")

    # The organ-donation form, with a contradiction explained.
    jean.get_by_role("link", name="Modifier le choix sur le don d’organes").click()
    expect(jean.locator("h1")).to_have_text("Don d’organes et de tissus")
    expect(jean.locator(".entourage-law")).to_contain_text("registre national des refus")
    jean.get_by_label("Inscrit ou inscrite au registre national des refus").check()
    jean.get_by_role("button", name="Enregistrer").click()
    expect(jean.locator(".error-summary")).to_contain_text("Je refuse le don")
    expect(jean.get_by_label("Inscrit ou inscrite au registre national des refus")).to_be_checked()
    record(jean, "don-erreur", pages)
    jean.get_by_role("link", name="Annuler").click()
    expect(jean.locator("section[aria-labelledby=don-d-organes] dl")).to_contain_text(
        "Ne s’oppose pas au don")

    # A caregiver reads it, without any button.
    camille = context_for("camille")
    camille.goto(server.url("/espaces"))
    camille.get_by_role("button", name="Ouvrir l’espace de Jean Dupont").click()
    expect(camille.locator(".notices")).to_contain_text("Vous êtes dans l’espace de Jean Dupont")
    camille.goto(server.url(PAGE))
    expect(camille.locator("h1")).to_have_text("Entourage et volontés")
    expect(camille.get_by_role("link", name="Modifier : Camille Martin")).to_have_count(0)
    expect(camille.get_by_role("link", name="Ajouter une personne à prévenir")).to_have_count(0)
    record(camille, "lecture-seule", pages)

    # As Lina's mother: a child has no trusted person; the minors' rule on organ donation.
    camille.goto(server.url("/espaces"))
    camille.get_by_role("button", name="Ouvrir l’espace de Lina Martin").click()
    expect(camille.locator(".notices")).to_contain_text("Vous êtes dans l’espace de Lina Martin")
    camille.goto(server.url(PAGE))
    expect(camille.locator("section[aria-labelledby=personne-de-confiance]")).to_contain_text(
        "Une personne mineure ne peut pas désigner de personne de confiance")
    expect(camille.get_by_role("link", name="Ajouter une personne à prévenir")).to_be_visible()
    record(camille, "mineure", pages)

    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
    assert not console, f"console errors: {console}"


def test_without_javascript(context_for, server):
    """Adding and removing a contact: plain forms, POST then redirect."""
    jean = context_for("jean", javascript=False)
    jean.goto(server.url(PAGE))
    jean.get_by_role("link", name="Ajouter une personne à prévenir").click()
    jean.get_by_label("Nom et prénom").fill("Paul Sans Script")
    jean.get_by_label("Lien avec vous").fill("cousin")
    jean.get_by_label("Téléphone").fill("05 55 00 00 01")
    jean.get_by_role("button", name="Enregistrer").click()
    expect(jean.locator(".notices")).to_contain_text("La personne à prévenir est ajoutée.")
    jean.get_by_role("link", name="Supprimer : Paul Sans Script").click()
    jean.get_by_role("button", name="Oui, retirer").click()
    expect(jean.locator(".notices")).to_contain_text("Paul Sans Script ne figure plus")
    expect(jean.locator("ol.entries > li")).to_have_count(2)


def test_emergency_summary_shows_the_entourage_first(context_for, server):
    pages: dict[str, str] = {}
    pro = context_for("lefevre")
    console = watch(pro)
    pro.goto(server.url("/urgence/"))
    pro.locator("#nir").fill(jean_nir())
    pro.locator("#birth_date").fill("1944-02-11")
    pro.locator("#reason").fill("Chute au domicile, patient confus, appel au 15.")
    pro.locator("#confirm").check()
    pro.get_by_role("button", name="Ouvrir le dossier en urgence").click()
    expect(pro.locator("h1")).to_have_text("Synthèse d’urgence de Jean Dupont")
    terms = pro.locator(".emergency-summary dt").all_inner_texts()
    assert terms[:4] == ["Personnes à prévenir", "Personne de confiance", "Proches aidants",
                         "Don d’organes"], terms
    assert terms.index("Allergies et intolérances") > 3
    expect(pro.get_by_role("link", name="06 12 34 56 78").first).to_have_attribute(
        "href", "tel:+33612345678")
    record(pro, "urgence-synthese", pages)
    pro.get_by_role("link", name="Entourage et volontés").click()
    expect(pro.locator("h1")).to_have_text("Entourage et volontés")
    expect(pro.get_by_role("link", name="Ajouter une personne à prévenir")).to_have_count(0)
    record(pro, "urgence-page", pages)
    pro.goto(server.url("/urgence/synthese"))
    pro.get_by_role("button", name="Terminer l’accès en urgence").click()
    expect(pro.locator(".notices")).to_contain_text("L’accès en urgence est terminé.")
    assert not console, f"console errors: {console}"

    # Jean acknowledges the notice, as the demo was before.
    jean = context_for("jean")
    jean.goto(server.url("/dossier/"))
    jean.get_by_role("button", name="J’ai pris connaissance").click()
    expect(jean.locator(".emergency-notice")).to_have_count(0)

    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
