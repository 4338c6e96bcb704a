"""Agenda › Prévention in a real Chromium: axe-core and the Nu HTML Checker on the calendar (Jean's,
and Lina's as her mother sees it), the item page with its form and its errors, marking a vaccine
done and adding it to the profile, and the same without JavaScript. Screenshots at 1280 px and
320 px.

Every test puts the demo back as it found it (marks cleared, the vaccination added removed)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .tools import format_vnu_errors, open_space_of, record_at_widths, vnu_errors, watch

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots/prevention-"
PAGE = "/agenda/prevention"
BOOSTER = "Rappel diphtérie, tétanos, coqueluche, poliomyélite entre 11 et 13 ans"


def record(page, name, pages):
    record_at_widths(page, name, pages, SHOTS)


def test_the_calendar_and_the_mark_done_form(context_for, server):
    pages: dict[str, str] = {}
    jean = context_for("jean")
    console = watch(jean)
    jean.goto(server.url("/agenda/"))
    summary = jean.locator(".prevention-summary")
    expect(summary).to_contain_text("actions de prévention sont à faire")
    summary.get_by_role("link").click()
    expect(jean.locator("h1")).to_have_text("Prévention")
    due = jean.locator("section[aria-labelledby=prevention-a-faire]")
    expect(due).to_contain_text("Vaccination contre le virus respiratoire syncytial (VRS)")
    expect(jean.locator("section[aria-labelledby=prevention-fait]")).to_contain_text(
        "D’après le profil médical : Diphtérie, tétanos, poliomyélite (Revaxis), rappel de 75 ans")
    record(jean, "jean", pages)

    # The item's page: "C'est fait" without a date is refused, the choice kept.
    due.get_by_role("link", name="Indiquer si c’est fait : Vaccination contre le virus "
                                 "respiratoire syncytial (VRS)").click()
    expect(jean.locator("h1")).to_have_text(
        "Vaccination contre le virus respiratoire syncytial (VRS)")
    expect(jean.get_by_label("À planifier")).to_be_checked()  # as Camille noted it (demo)
    jean.get_by_label("C’est fait", exact=True).check()
    jean.get_by_role("button", name="Enregistrer").click()
    errors = jean.locator(".error-summary")
    expect(errors).to_be_focused()
    expect(errors).to_contain_text("Indiquez la date à laquelle c’est fait.")
    expect(jean.get_by_label("C’est fait", exact=True)).to_be_checked()
    assert jean.title().startswith("Erreur :")
    record(jean, "jean-erreur", pages)
    jean.get_by_role("link", name="Retour à la prévention").click()
    expect(jean.locator("h1")).to_have_text("Prévention")

    # Camille, in her daughter's space: Lina's vaccines and M'T dents.
    camille = context_for("camille")
    console += watch(camille)
    open_space_of(camille, server, "Lina Martin")
    camille.goto(server.url(PAGE))
    expect(camille.locator(".prevention > p").first).to_contain_text("pour Lina Martin")
    expect(camille.locator("section[aria-labelledby=prevention-fait]")).to_contain_text(
        "Examen bucco-dentaire M’T dents à 9 ans")
    record(camille, "lina", pages)
    camille.get_by_role("link", name=f"Indiquer si c’est fait : {BOOSTER}").click()
    expect(camille.get_by_role("group", name="Où en est Lina Martin ?")).to_be_visible()
    record(camille, "lina-formulaire", pages)
    camille.get_by_label("C’est fait", exact=True).check()
    camille.get_by_label("Date à laquelle c’est fait").fill("2026-10-02")
    camille.get_by_label("Ajouter aussi cette vaccination au profil médical").check()
    camille.get_by_role("button", name="Enregistrer").click()
    expect(camille.locator(".notices")).to_contain_text(
        "est fait depuis le 2 octobre 2026. La vaccination est ajoutée au profil médical.")
    done = camille.locator("section[aria-labelledby=prevention-fait]")
    expect(done).to_contain_text("Indiqué dans Carnet et ajouté au profil médical.")
    record(camille, "lina-fait", pages)

    # Put the demo back: clear the mark, then remove the vaccination from the profile.
    done.locator("li", has_text=BOOSTER).get_by_role(
        "button", name="Effacer ce qui a été indiqué").click()
    expect(camille.locator(".notices")).to_contain_text("La vaccination ajoutée au profil "
                                                        "médical y reste")
    camille.goto(server.url("/dossier/profil/vaccinations/"))
    entry = camille.locator(".entries > li", has_text="rappel de 11-13 ans")
    entry.get_by_role("link", name="Supprimer").click()
    camille.get_by_role("button", name="Oui, supprimer").click()
    expect(camille.locator(".entries > li", has_text="rappel de 11-13 ans")).to_have_count(0)

    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
    assert not console, f"console errors: {console}"


def test_marking_without_javascript(context_for, server):
    """A plain form that redirects: to plan, then cleared from the item's page."""
    amina = context_for("amina", javascript=False)
    amina.goto(server.url(PAGE))
    amina.get_by_role("link", name="Indiquer si c’est fait : Dépistage du cancer du col de "
                                   "l’utérus, test HPV").click()
    expect(amina.get_by_label("À planifier")).to_be_checked()  # the demo's
    amina.get_by_label("Ce n’est pas fait").check()
    amina.get_by_role("button", name="Enregistrer").click()
    expect(amina.locator(".notices")).to_contain_text("n’est pas fait.")
    expect(amina.locator("section[aria-labelledby=prevention-a-faire]")).to_contain_text(
        "Pas fait")
    amina.get_by_role("link", name="Indiquer si c’est fait : Dépistage du cancer du col de "
                                   "l’utérus, test HPV").click()
    amina.get_by_label("À planifier").check()
    amina.get_by_role("button", name="Enregistrer").click()
    expect(amina.locator(".notices")).to_contain_text("est à planifier.")
