"""The agenda in a real Chromium: axe-core and the Nu HTML Checker on every page (home, month at
1280 px and 320 px without sideways scrolling, the form with its errors and its calendar open,
an appointment, the cancellation question, the subscription page with its address shown once,
a parent's and a professional's pages); creating an appointment with the keyboard only (the
form's calendar included, Enter saving from a text field); and without JavaScript.
Screenshots at 1280 px and 320 px in test-artifacts/screenshots/agenda-*.

Every test leaves the demo as it found it, but for Amina's agenda (empty in the demo), where an
appointment added here stays, cancelled; the subscription address made for Jean is revoked.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from .tools import format_vnu_errors, record_at_widths, tab_to, vnu_errors, watch

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots/agenda-"


def record(page, name, pages):
    record_at_widths(page, name, pages, SHOTS)


def in_space(page, server, name, path):
    """Open `name`'s space from the list of spaces, then go to `path`."""
    page.goto(server.url("/espaces"))
    page.get_by_role("button", name=f"Ouvrir l’espace de {name}").click()
    expect(page.locator(".notices")).to_contain_text(f"Vous êtes dans l’espace de {name}")
    page.goto(server.url(path))
    return page


def test_pages_are_accessible_and_valid(context_for, server):
    pages: dict[str, str] = {}
    jean = context_for("jean")
    console = watch(jean)
    jean.goto(server.url("/dossier/"))
    jean.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Agenda").click()
    expect(jean.locator("h1")).to_have_text("Mon agenda")
    expect(jean.locator("section[aria-labelledby=a-venir] .appt")).to_have_count(2)
    record(jean, "accueil", pages)

    # The month of Dr Benali's consultation, reached from the list (and "Aujourd'hui").
    jean.get_by_role("link", name="Aujourd’hui").first.click()
    expect(jean.locator("td[aria-current=date]")).to_have_count(1)
    jean.goto(server.url("/agenda/"))
    jean.locator(".appt__when a").first.click()
    expect(jean.locator("h1")).to_contain_text("Rendez-vous du mardi")
    record(jean, "rendez-vous", pages)
    jean.get_by_role("link", name="Voir le mois").click()
    expect(jean.locator(".month__appts a")).not_to_have_count(0)
    record(jean, "mois", pages)  # a table at 1280 px, a list of days at 320 px

    # The cancellation question (not answered).
    jean.go_back()
    jean.get_by_role("link", name="Annuler le rendez-vous").click()
    expect(jean.locator("h1")).to_contain_text("Annuler le rendez-vous du")
    record(jean, "annulation", pages)
    jean.get_by_role("link", name="Non, garder le rendez-vous").click()

    # The form: errors listed and focused, what was typed kept; its calendar open.
    jean.goto(server.url("/agenda/ajouter"))
    jean.get_by_label("Date", exact=True).fill("31 novembre")
    jean.get_by_label("Heure", exact=True).fill("25h")
    jean.locator(".more-details summary").click()  # the reminder is among the details
    jean.get_by_label("Quelques heures avant").check()
    jean.get_by_role("button", name="Enregistrer", exact=True).click()
    summary = jean.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Il n’y a que 30 jours en novembre : vérifiez le jour.")
    expect(summary).to_contain_text("L’heure doit être comprise entre 0 h et 23 h 59")
    expect(summary).to_contain_text("Saisissez le nom du professionnel")
    expect(summary).to_contain_text("Indiquez combien d’heures avant")
    expect(jean.get_by_label("Date", exact=True)).to_have_value("31 novembre")
    expect(jean.get_by_label("Heure", exact=True)).to_have_value("25h")
    assert jean.title().startswith("Erreur :")
    record(jean, "formulaire-erreurs", pages)
    jean.locator(".picker summary").click()
    jean.locator("#picker-next").click()
    expect(jean.locator(".picker[open] caption")).to_be_visible()
    expect(jean.get_by_label("Heure", exact=True)).to_have_value("25h")
    record(jean, "formulaire-calendrier", pages)

    # The subscription: made, shown once, then revoked.
    jean.goto(server.url("/agenda/abonnement"))
    record(jean, "abonnement", pages)
    jean.get_by_role("button", name="Créer une adresse d’abonnement").click()
    address = jean.get_by_label(re.compile("Adresse à coller"))
    expect(address).to_have_value(re.compile(r"/agenda/flux/[\w-]{43}\.ics$"))
    url = address.input_value()
    record(jean, "abonnement-adresse", pages)
    fetched = jean.request.get(url)
    assert fetched.status == 200 and fetched.headers["content-type"].startswith("text/calendar")
    assert "SUMMARY:Rendez-vous de santé" in fetched.text()
    jean.reload()
    expect(jean.get_by_label(re.compile("Adresse à coller"))).to_have_count(0)
    jean.get_by_role("button", name="Révoquer l’adresse").click()
    expect(jean.locator(".notices")).to_contain_text("L’adresse d’abonnement est révoquée")
    assert jean.request.get(url).status == 404

    # A parent in her child's agenda; a professional adding one from a patient's space.
    camille = in_space(context_for("camille"), server, "Lina Martin", "/agenda/")
    expect(camille.locator("h1")).to_have_text("Agenda de Lina Martin")
    record(camille, "parent", pages)
    benali = in_space(context_for("benali"), server, "Jean Dupont", "/agenda/pro/ajouter")
    expect(benali.get_by_label("Professionnel de santé")).to_have_value("Dr Nadia Benali")
    record(benali, "professionnel", pages)

    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
    assert not console, f"console errors: {console}"


def test_keyboard_only_creation_of_an_appointment(context_for, server):
    amina = context_for("amina")
    console = watch(amina)
    amina.goto(server.url("/agenda/"))
    amina.wait_for_function("() => window.htmx !== undefined")
    tab_to(amina, "a[href='/agenda/ajouter']")
    amina.keyboard.press("Enter")
    expect(amina.locator("h1")).to_have_text("Ajouter un rendez-vous")

    # The date from the form's calendar: open it, next month, the 15th.
    tab_to(amina, ".picker summary")
    amina.keyboard.press("Enter")
    tab_to(amina, "#picker-next")
    amina.keyboard.press("Enter")
    expect(amina.locator("#picker-next")).to_be_focused()  # the focus stays where it was
    first = date.today().replace(day=1)
    month = (first + timedelta(days=32)).replace(day=15)
    tab_to(amina, f"button[name=jour][value='{month.isoformat()}']")
    amina.keyboard.press("Enter")
    day = amina.locator("#day")
    expect(day).to_be_focused()
    expect(day).to_have_value(month.strftime("%d/%m/%Y"))

    tab_to(amina, "#time")
    amina.keyboard.type("16h45")
    tab_to(amina, "#professional_name")
    amina.keyboard.type("Dr Élodie Vergne")
    # The optional fields are folded under "Plus de détails": Enter opens them.
    tab_to(amina, ".more-details summary")
    amina.keyboard.press("Enter")
    tab_to(amina, "#specialty")
    amina.keyboard.type("Chirurgienne-dentiste")
    tab_to(amina, "#place")
    amina.keyboard.type("Cabinet dentaire, 12 rue de Belleville, 75019 Paris")
    tab_to(amina, "#reminder-0")  # the radio group: Tab reaches the chosen one, arrows move
    amina.keyboard.press("ArrowDown")
    expect(amina.get_by_label("La veille, à 18 h")).to_be_checked()
    tab_to(amina, "#reminder_hours")
    amina.keyboard.press("Enter")  # from a text field: saves, does not pick a day
    expect(amina.locator(".notices")).to_contain_text("est ajouté à l’agenda")
    expect(amina.locator("h1")).to_contain_text(f" {month.day} ")
    expect(amina.locator("h1")).to_contain_text("à 16:45")
    expect(amina.locator(".summary-list")).to_contain_text("16:45")
    expect(amina.locator(".summary-list")).to_contain_text("La veille, à 18 h")

    # And cancelled with the keyboard (it stays, marked as cancelled).
    tab_to(amina, "a.danger-link")
    amina.keyboard.press("Enter")
    tab_to(amina, "button.danger")
    amina.keyboard.press("Enter")
    expect(amina.locator(".notices")).to_contain_text("est annulé")
    expect(amina.locator(".appt--cancelled .tag--cancelled").first).to_have_text("Annulé")
    assert not console, f"console errors: {console}"


def test_without_javascript(context_for, server):
    amina = context_for("amina", javascript=False)
    amina.goto(server.url("/agenda/ajouter"))
    amina.locator(".picker summary").click()
    amina.locator("#picker-prev").click()
    expect(amina.locator(".picker")).to_have_attribute("open", "")
    amina.get_by_label("Date", exact=True).fill("demain")
    amina.get_by_label("Heure", exact=True).fill("9h")
    amina.get_by_label("Professionnel de santé").fill("Dr Sans Script")
    amina.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(amina.locator(".notices")).to_contain_text("est ajouté à l’agenda")
    amina.get_by_role("link", name="Annuler le rendez-vous").click()
    amina.get_by_role("button", name="Oui, annuler le rendez-vous").click()
    expect(amina.locator(".notices")).to_contain_text("est annulé")
