"""Prescriptions in a real Chromium: Dr Benali writes one for Jean (htmx and no JavaScript),
Paul Girard verifies its code and records a dispensation; axe-core and vnu on every page, no
horizontal scrolling at 320 px, no console error (CSP included). The shared logged-in pages
are used; Dr Benali's is left with Jean's record open."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import ACCOUNTS, CONTEXT_OPTIONS, login
from .test_pages import inspect, page_problems, watch_console
from .tools import format_vnu_errors, screenshot, vnu_errors

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots"
NEW = "/dossier/ordonnances/nouvelle"
VERIFY = "/ordonnance/verifier"


@pytest.fixture(scope="module")
def journey(logged_in, server):
    """Write, then verify and dispense; every page seen is recorded for the checks below."""
    visits = []
    doctor = logged_in("benali")
    console = watch_console(doctor)
    doctor.goto(server.url("/espaces"))
    doctor.get_by_role("button", name="Ouvrir l’espace de Jean Dupont").click()
    expect(doctor.locator(".space-banner p")).to_contain_text("Jean Dupont")
    doctor.goto(server.url(NEW))
    visits.append(inspect(doctor, "rx-ecrire", 200, console))

    doctor.evaluate("() => { window.rxSamePage = true; }")
    doctor.get_by_role("button", name="Ajouter une ligne").click()
    expect(doctor.locator("fieldset.rx-line")).to_have_count(4)
    assert doctor.evaluate("() => window.rxSamePage === true"), "htmx swapped the rows in place"
    expect(doctor.locator("#lines-3-medicine")).to_be_focused()
    assert doctor.locator("#annonces").inner_text() in ("", "Ligne 4 ajoutée.")
    visits.append(inspect(doctor, "rx-ecrire-ligne-ajoutee", None, console))

    doctor.get_by_label("Médicament", exact=True).first.fill("Amoxicilline 1 g, comprimé")
    doctor.get_by_role("button", name="Signer et enregistrer l’ordonnance").click()
    expect(doctor.locator(".error-summary")).to_be_visible()
    visits.append(inspect(doctor, "rx-ecrire-erreurs", None, console))

    doctor.locator("#lines-0-dosage").fill("1 comprimé matin et soir")
    doctor.locator("#lines-0-duration").fill("6 jours")
    doctor.get_by_role("button", name="Signer et enregistrer l’ordonnance").click()
    expect(doctor.locator("h1")).to_contain_text("Ordonnance du")
    visits.append(inspect(doctor, "rx-detail", None, console))
    code = "".join(doctor.locator(".rx-code").inner_text().split())

    doctor.goto(server.url("/dossier/ordonnances/"))
    visits.append(inspect(doctor, "rx-liste", 200, console))

    pharmacist = logged_in("girard")
    console = watch_console(pharmacist)
    pharmacist.goto(server.url(VERIFY))
    visits.append(inspect(pharmacist, "rx-verifier", 200, console))
    expect(pharmacist.get_by_label("Code de l’ordonnance")).to_be_focused()
    forged = code[:-20] + ("A" if code[-20] != "A" else "B") + code[-19:]
    pharmacist.keyboard.type(forged)
    pharmacist.keyboard.press("Enter")
    expect(pharmacist.locator(".error-summary")).to_contain_text(
        "aucune ordonnance authentique")
    visits.append(inspect(pharmacist, "rx-verifier-refus", None, console))

    pharmacist.get_by_label("Code de l’ordonnance").fill(code)
    pharmacist.get_by_role("button", name="Vérifier").click()
    expect(pharmacist.locator("h1")).to_have_text("Ordonnance authentique")
    visits.append(inspect(pharmacist, "rx-resultat", None, console))
    pharmacist.get_by_label("Remarque (facultatif)").fill("Générique délivré")
    pharmacist.get_by_role("button", name="Enregistrer la délivrance").click()
    expect(pharmacist.locator(".notice--success").first).to_contain_text(
        "La délivrance est enregistrée.")
    visits.append(inspect(pharmacist, "rx-resultat-delivree", None, console))
    return visits


def test_prescription_pages_pass_axe_and_have_one_h1_and_a_matching_title(journey):
    report = [f"== {v.name} ({v.url})\n" + "\n".join(page_problems(v))
              for v in journey if page_problems(v)]
    assert not report, "\n".join(report)
    names = {v.name: v for v in journey}
    assert names["rx-ecrire-erreurs"].title.startswith("Erreur : Rédiger une ordonnance")
    assert names["rx-verifier-refus"].title.startswith("Erreur : Vérifier une ordonnance")
    assert "Générique délivré" in names["rx-resultat-delivree"].html


def test_prescription_pages_are_valid_html(journey):
    errors = vnu_errors({f"{v.name} ({v.url})": v.html for v in journey})
    assert not any(errors.values()), format_vnu_errors(errors)


def test_adding_a_line_works_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False, **CONTEXT_OPTIONS)
    try:
        page = context.new_page()
        login(page, server, ACCOUNTS["benali"])
        page.goto(server.url("/espaces"))
        page.get_by_role("button", name="Ouvrir l’espace de Jean Dupont").click()
        page.goto(server.url(NEW))
        page.locator("#lines-0-medicine").fill("Paracétamol 1 g")
        page.get_by_role("button", name="Ajouter une ligne").click()
        expect(page.locator("fieldset.rx-line")).to_have_count(4)
        expect(page.locator("#lines-0-medicine")).to_have_value("Paracétamol 1 g")
    finally:
        context.close()


@pytest.mark.parametrize("role, path", [("benali", NEW), ("girard", VERIFY),
                                        ("benali", "/dossier/ordonnances/")])
@pytest.mark.parametrize("width", [320, 1280])
def test_no_horizontal_scrolling(logged_in, server, journey, role, path, width):
    page = logged_in(role)
    page.set_viewport_size({"width": width, "height": 900})
    try:
        page.goto(server.url(path))
        scroll, inner = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]")
        slug = re.sub(r"[^a-z0-9]+", "-", path).strip("-")
        screenshot(page, f"{SHOTS}/rx-{role}-{slug}-{width}px.png", caret="initial")
        assert scroll <= inner, f"{path} at {width}px: scrollWidth {scroll} > {inner}"
    finally:
        page.set_viewport_size(CONTEXT_OPTIONS["viewport"])
