"""Documents in a real Chromium: upload through the real form (with and without JavaScript),
the document page and its preview, htmx filters, drag and drop; axe-core on the list, upload
and document pages, the Nu HTML Checker on all of them, 320 px without horizontal scrolling."""
from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from helpers import tiny_pdf

from portal.documents.demo import sample_dicom

from .tools import axe_violations, format_violations, format_vnu_errors, screenshot, vnu_errors

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots"
LIST = "/dossier/documents/"


def png_bytes(size=(1200, 800)):
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", size, "#2a6f4e").save(out, "PNG")
    return out.getvalue()


def console_errors(page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    return errors


def check(page, name, pages, width=1280, axe=True):
    """axe on the current page (axe needs JavaScript: not in a context without it), keep
    its HTML for vnu, screenshot it."""
    page.wait_for_load_state("load")
    if axe:
        violations = axe_violations(page)
        assert not violations, f"{name}: " + format_violations(violations)
    assert page.locator("h1").count() == 1
    pages[name] = page.content()
    screenshot(page, f"{SHOTS}/documents-{name}-{width}.png", caret="initial")


def upload(page, *, title, data, name, mime, category="Résultats de biologie"):
    page.get_by_label("Fichier", exact=True).set_input_files(
        {"name": name, "mimeType": mime, "buffer": data})
    page.get_by_label("Titre").fill(title)
    page.get_by_label("Date du document").fill("2026-01-05")
    page.get_by_label("Catégorie").select_option(label=category)
    page.get_by_role("button", name="Ajouter le document").click()


def test_upload_view_and_filter_with_javascript(context_for, server):
    page = context_for("jean")
    errors = console_errors(page)
    pages: dict[str, str] = {}
    page.goto(server.url(LIST))
    expect(page.locator("h1")).to_have_text("Documents")
    expect(page.locator(".pending")).to_contain_text("1 document en attente")
    check(page, "liste", pages)

    page.get_by_role("link", name="Ajouter un document").click()
    expect(page.locator("h1")).to_have_text("Ajouter un document")
    expect(page.locator(".dropzone")).to_contain_text("glisser le fichier ici")
    check(page, "ajout", pages)

    # a file that is not what its name says: refused, the title kept
    upload(page, title="Scanner du genou", data=b"MZ\x90\x00\x03\x00\x00\x00", name="genou.pdf",
           mime="application/pdf")
    expect(page.locator(".error-summary")).to_contain_text("n’est pas accepté")
    expect(page.get_by_label("Titre")).to_have_value("Scanner du genou")
    check(page, "ajout-erreur", pages)

    upload(page, title="Photo de l’ordonnance", data=png_bytes(), name="ordonnance.png",
           mime="image/png")
    page.wait_for_url(re.compile(r".*/dossier/documents/\d+$"))
    expect(page.locator("h1")).to_have_text("Photo de l’ordonnance")
    preview = page.locator("img.doc-preview")
    expect(preview).to_be_visible()
    assert preview.evaluate("img => img.complete && img.naturalWidth") == 800
    check(page, "document", pages)

    page.get_by_role("link", name="Supprimer ce document").click()
    expect(page.locator("h1")).to_have_text("Supprimer ce document ?")
    check(page, "suppression", pages)
    page.get_by_role("link", name="Annuler et revenir au document").click()
    page.get_by_role("link", name="Signaler un problème sur ce document").click()
    check(page, "signalement", pages)

    # htmx: the filters swap the results and push the URL
    page.goto(server.url(LIST))
    page.get_by_label("Rechercher dans les titres").fill("ordonnance")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url("**q=ordonnance**")
    expect(page.locator("#resultats .count")).to_contain_text("correspond")
    expect(page.locator("#resultats")).to_contain_text("Photo de l’ordonnance")
    assert page.evaluate("typeof window.htmx") == "object"
    check(page, "liste-filtree", pages)
    assert not errors, errors

    results = vnu_errors(pages)
    assert not any(results.values()), format_vnu_errors(results)


def test_drag_and_drop_fills_the_file_input(context_for, server):
    page = context_for("amina")
    page.goto(server.url(LIST + "ajouter"))
    page.evaluate("""() => {
        const zone = document.querySelector('[data-dropzone]');
        const files = new DataTransfer();
        files.items.add(new File(['Poids : 60 kg'], 'poids.txt', {type: 'text/plain'}));
        zone.dispatchEvent(new DragEvent('drop', {dataTransfer: files, bubbles: true,
                                                  cancelable: true}));
    }""")
    assert page.get_by_label("Fichier", exact=True).evaluate("i => i.files[0].name") == \
        "poids.txt"
    page.get_by_label("Titre").fill("Mon poids")
    page.get_by_label("Date du document").fill("2026-01-05")
    page.get_by_role("button", name="Ajouter le document").click()
    page.wait_for_url(re.compile(r".*/dossier/documents/\d+$"))
    expect(page.locator("h1")).to_have_text("Mon poids")


def test_upload_and_filters_work_without_javascript(context_for, server):
    page = context_for("camille", javascript=False)
    pages: dict[str, str] = {}
    page.goto(server.url(LIST + "ajouter"))
    upload(page, title="", data=b"", name="vide.pdf", mime="application/pdf")
    expect(page.locator(".error-summary")).to_contain_text("Le fichier est vide")
    expect(page.locator(".error-summary")).to_contain_text("Saisissez le titre du document.")
    check(page, "ajout-erreur-sans-js", pages, axe=False)
    upload(page, title="Bilan sanguin", data=tiny_pdf(), name="bilan.pdf",
           mime="application/pdf")
    page.wait_for_url(re.compile(r".*/dossier/documents/\d+$"))
    expect(page.locator(".notice--success")).to_contain_text("Bilan sanguin")
    check(page, "document-sans-js", pages, axe=False)
    page.goto(server.url(LIST))
    page.get_by_label("Catégorie").select_option(label="Résultats de biologie")
    page.get_by_role("button", name="Filtrer").click()
    assert "categorie=biologie" in page.url
    expect(page.locator("#resultats")).to_contain_text("Bilan sanguin")
    results = vnu_errors(pages)
    assert not any(results.values()), format_vnu_errors(results)


def test_doctor_deposits_a_hidden_dicom_and_announces_it(context_for, server):
    page = context_for("benali")
    errors = console_errors(page)
    pages: dict[str, str] = {}
    page.goto(server.url("/espaces"))
    page.get_by_role("button", name="Ouvrir l’espace de Jean Dupont").click()
    expect(page.locator(".space-banner p")).to_contain_text("Jean Dupont")
    page.goto(server.url(LIST))
    page.get_by_role("link", name="Déposer un document").click()
    expect(page.locator("h1")).to_have_text("Déposer un document")
    check(page, "depot", pages)
    page.get_by_label("Fichier", exact=True).set_input_files(
        {"name": "IRM.dcm", "mimeType": "application/dicom",
         "buffer": sample_dicom(study_date="20260110", modality="MR", size=32)})
    page.get_by_label("Titre").fill("IRM cérébrale – images")
    page.get_by_label("Date du document").fill("2026-01-10")
    page.get_by_label("Catégorie").select_option(label="Radio, écho, scanner, IRM")
    page.get_by_label("Type de document").select_option(label="Images médicales (DICOM)")
    page.get_by_label("Invisible au patient jusqu’à son annonce en consultation").check()
    page.get_by_role("button", name="Déposer le document").click()
    page.wait_for_url(re.compile(r".*/dossier/documents/\d+$"))
    expect(page.locator(".summary-list")).to_contain_text("IRM (MR)")
    expect(page.locator(".summary-list")).to_contain_text("10 janvier 2026")
    expect(page.locator("img.doc-preview")).to_be_visible()
    check(page, "document-professionnel", pages)
    page.get_by_role("button", name="Rendre visible au patient maintenant").click()
    expect(page.locator(".notice--success")).to_contain_text("visible par le patient")
    assert not errors, errors
    results = vnu_errors(pages)
    assert not any(results.values()), format_vnu_errors(results)


@pytest.mark.parametrize("role, path", [("jean", LIST), ("jean", LIST + "ajouter"),
                                        ("benali", LIST + "deposer")])
def test_documents_pages_fit_320_pixels(context_for, server, role, path):
    page = context_for(role)
    if role == "benali":
        page.goto(server.url("/espaces"))
        page.get_by_role("button", name="Ouvrir l’espace de Jean Dupont").click()
        expect(page.locator(".space-banner p")).to_contain_text("Jean Dupont")
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(server.url(path))
    overflow = page.evaluate("document.documentElement.scrollWidth - "
                             "document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow} px at 320 px"
    assert not axe_violations(page)
    screenshot(page, f"{SHOTS}/documents-{role}-{path.strip('/').replace('/', '-')}-320.png",
               caret="initial")
