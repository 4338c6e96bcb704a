"""Refusals with JavaScript on (issue 13, item 7): htmx swaps every 4xx answer the way the
server means it (a form with its errors replaces the form's page, an error page replaces the
page, also for a targeted htmx request), announces it in the live region and moves focus to
the error summary or the main content; one case per status (400, 403, 404, 409, 413, 422,
429), each checked with axe-core and the Nu HTML Checker. And a file over the upload limit is
said before it is sent (item 8)."""
from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from .conftest import ACCOUNTS, CONTEXT_OPTIONS, VENV_BIN, _free_port
from . import factories
from .tools import (ROOT, axe_violations, format_violations, format_vnu_errors, on_server,
                    open_space_of, record_at_widths, vnu_errors, watch)

pytestmark = pytest.mark.browser

MB = 1024 * 1024
SEEN: dict[str, str] = {}  # every refusal's page, for one vnu run at the end


def shown_and_announced(page, name, *, heading=None, summary=None, announced):
    """The refusal replaced the page (its h1, or its error summary), the live region says
    `announced`, focus is on the error summary or the main content, axe finds nothing."""
    if heading is not None:
        expect(page.locator("h1")).to_have_text(heading)
    if summary is not None:
        expect(page.locator(".error-summary")).to_contain_text(summary)
    expect(page.locator("#annonces")).to_contain_text(announced)
    focused = page.evaluate("() => document.activeElement.matches('.error-summary, #contenu')")
    assert focused, "focus: " + page.evaluate("() => document.activeElement.outerHTML")[:200]
    assert page.locator("h1").count() == 1
    assert page.evaluate("typeof window.htmx") == "object", "the page was not reloaded"
    # axe, the HTML kept for vnu, screenshots at 1280 and 320 px without sideways scrolling
    record_at_widths(page, name, SEEN, "test-artifacts/screenshots/refus-")


def expired_forms(page):
    """As if the session that issued the page's CSRF tokens had ended."""
    page.evaluate("""() => document.querySelectorAll('input[name=csrf_token]')
                          .forEach(i => { i.value = 'expire'; })""")


# --- 403: the SAMU doctor refused by the patient's opposition ----------------------------------

def jean_nir():
    from portal.accounts.nir import with_key
    return with_key("1440219031012")


def set_samu_allowed(server, allowed):
    on_server(server, factories.set_samu_allowed, given_names="Jean", family_name="Dupont",
              allowed=allowed)


def test_403_the_samu_doctor_sees_the_patients_opposition(context_for, server):
    set_samu_allowed(server, False)
    try:
        doctor = context_for("lefevre")
        doctor.goto(server.url("/urgence/"))
        doctor.locator("#nir").fill(jean_nir())
        doctor.locator("#birth_date").fill("1944-02-11")
        doctor.locator("#reason").fill("Patient inconscient au domicile, appel au 15.")
        doctor.locator("#confirm").check()
        with doctor.expect_response(lambda r: r.request.method == "POST") as answer:
            doctor.get_by_role("button", name="Ouvrir le dossier en urgence").click()
        assert answer.value.status == 403
        shown_and_announced(doctor, "403-opposition", summary="Ce patient s’est opposé à l’accès",
                            announced="l’accès vous est refusé")
        expect(doctor.locator("#reason")).to_have_value(
            "Patient inconscient au domicile, appel au 15.")
        assert doctor.title().startswith("Erreur :")
    finally:
        set_samu_allowed(server, True)


# --- 429: the login suspended after 5 failures ---------------------------------------------------

@pytest.fixture(scope="module")
def strict_server(server):
    """A second gunicorn on the same demo, with the real login limits (the shared server
    raises them so that every role can log in)."""
    env = {k: v for k, v in server.env.items()
           if k not in ("LOGIN_LIMIT_ACCOUNT", "LOGIN_LIMIT_IP")}
    port = _free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--threads", "2", "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/connexion", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("the second server did not start")
            time.sleep(0.2)
    yield base
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)


def test_429_the_suspended_login_is_shown_and_announced(browser, strict_server):
    context = browser.new_context(**CONTEXT_OPTIONS)
    try:
        page = context.new_page()
        page.goto(strict_server + "/connexion")
        for attempt in range(6):
            page.get_by_label("Adresse e-mail").fill(ACCOUNTS["amina"])
            page.get_by_label("Mot de passe").fill("pas-le-bon-mot-de-passe")
            with page.expect_response(lambda r: r.request.method == "POST") as answer:
                page.get_by_role("button", name="Continuer").click()
            if answer.value.status == 429:
                break
            expect(page.locator(".error-summary")).to_contain_text("incorrect")
        assert answer.value.status == 429 and attempt == 5
        expect(page.locator("main")).to_contain_text("Connexion suspendue")
        expect(page.locator("main")).to_contain_text("15 minutes")
        shown_and_announced(page, "429-connexion", announced="Connexion suspendue")
    finally:
        context.close()


# --- 404, 413, 400: a document removed in another tab, a huge text, an expired form -----------

def add_text_document(page, server, title):
    page.goto(server.url("/dossier/documents/ajouter"))
    page.get_by_label("Fichier", exact=True).set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"Poids : 60 kg"})
    page.get_by_label("Titre").fill(title)
    page.get_by_label("Date du document").fill("2026-01-05")
    page.get_by_role("button", name="Ajouter le document").click()
    page.wait_for_url(re.compile(r".*/dossier/documents/\d+$"))
    return page.url


def test_404_a_document_deleted_in_another_tab(context_for, server):
    page = context_for("amina")
    console = watch(page)
    address = add_text_document(page, server, "Note à supprimer")
    page.goto(server.url("/dossier/documents/"))
    other = page.context.new_page()
    other.goto(address)
    other.get_by_role("link", name="Supprimer ce document").click()
    other.get_by_role("button", name=re.compile("Supprimer")).click()
    expect(other.locator(".notices")).to_be_visible()
    with page.expect_response(lambda r: r.url == address) as answer:
        page.locator("main").get_by_role("link", name="Note à supprimer").click()
    assert answer.value.status == 404
    shown_and_announced(page, "404-document", heading="Page introuvable",
                        announced="Page introuvable")
    assert not [e for e in console if "404" not in e], console


def test_413_a_text_too_long_to_be_received(context_for, server):
    page = context_for("amina")
    address = add_text_document(page, server, "Note à signaler")
    page.goto(address)
    page.get_by_role("link", name="Signaler un problème sur ce document").click()
    page.get_by_label("Le contenu contient une erreur").check()
    # More than any request but an upload may carry (MAX_CONTENT_LENGTH, 6 MB); set from a
    # script because the field's maxlength stops typing at 2,000 characters.
    page.get_by_label("Précisions (facultatif)").evaluate(
        "(field) => { field.value = 'a'.repeat(7 * 1024 * 1024); }")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Envoyer le signalement").click()
    assert answer.value.status == 413
    shown_and_announced(page, "413-texte", heading="Fichier trop volumineux",
                        announced="Fichier trop volumineux")


def test_400_an_expired_form(context_for, server):
    page = context_for("amina")
    address = add_text_document(page, server, "Note du formulaire expiré")
    page.goto(address)
    page.get_by_role("link", name="Signaler un problème sur ce document").click()
    page.get_by_label("Le contenu contient une erreur").check()
    expired_forms(page)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Envoyer le signalement").click()
    assert answer.value.status == 400
    shown_and_announced(page, "400-csrf", heading="Requête incorrecte",
                        announced="ce formulaire a expiré")


# --- 409: a targeted htmx form from a space that is no longer the open one ----------------------

def test_409_a_measure_posted_from_a_stale_space(context_for, server):
    camille = context_for("camille")
    camille.goto(server.url("/dossier/mesures/poids/"))
    other = camille.context.new_page()
    open_space_of(other, server, "Jean Dupont")
    camille.locator("#value").fill("61,5")
    with camille.expect_response(lambda r: r.request.method == "POST") as answer:
        camille.locator("#value").press("Enter")
    assert answer.value.status == 409
    assert answer.value.request.headers.get("hx-request") == "true"
    assert not answer.value.request.headers.get("hx-boosted"), "a targeted htmx request"
    shown_and_announced(camille, "409-espace", heading="Action non effectuée",
                        announced="Action non effectuée")
    assert camille.locator("#mesure-contenu").count() == 0, "the whole page, not the fragment"


# --- 422: a pharmacist's note too long ---------------------------------------------------------

def test_422_a_dispensation_with_a_note_too_long(context_for, server):
    code = on_server(server, factories.renewable_prescription_code)
    pharmacist = context_for("girard")
    pharmacist.goto(server.url("/ordonnance/verifier"))
    pharmacist.get_by_label("Code de l’ordonnance").fill(code)
    pharmacist.get_by_role("button", name="Vérifier").click()
    expect(pharmacist.locator("h1")).to_have_text("Ordonnance authentique")
    # 760 characters: more than the 500 allowed (set from a script: maxlength stops typing)
    pharmacist.get_by_label("Remarque (facultatif)").evaluate(
        "(field, text) => { field.value = text; }", "Générique délivré. " * 40)
    with pharmacist.expect_response(lambda r: r.request.method == "POST") as answer:
        pharmacist.get_by_role("button", name=re.compile(
            "Enregistrer la délivrance|Enregistrer le renouvellement")).click()
    assert answer.value.status == 422
    shown_and_announced(pharmacist, "422-delivrance", summary="500",
                        announced="Le formulaire contient une erreur")
    expect(pharmacist.get_by_label("Remarque (facultatif)")).to_have_value(
        "Générique délivré. " * 40)


def test_refusal_pages_are_valid_html():
    if not SEEN:
        pytest.skip("no refusal page recorded")
    errors = vnu_errors(SEEN)
    assert not any(errors.values()), format_vnu_errors(errors)


# --- item 8: a file over the limit, said before it is sent ------------------------------------

def test_a_file_over_the_limit_is_said_before_sending(context_for, server):
    page = context_for("amina")
    page.goto(server.url("/dossier/documents/ajouter"))
    page.get_by_label("Titre").fill("Scanner complet")
    page.get_by_label("Date du document").fill("2026-01-05")
    page.get_by_label("Fichier", exact=True).set_input_files(
        {"name": "scanner.pdf", "mimeType": "application/pdf",
         "buffer": b"%PDF-1.4\n" + b"0" * (6 * MB)})
    message = page.locator("#fichier-taille")
    expect(message).to_contain_text("Le fichier dépasse la taille maximale de 5 Mo")
    expect(page.locator("#annonces")).to_contain_text("taille maximale de 5 Mo")
    assert "fichier-taille" in page.get_by_label("Fichier", exact=True).get_attribute(
        "aria-describedby")
    sent = []
    page.on("request", lambda r: sent.append(r) if r.method == "POST" else None)
    page.get_by_role("button", name="Ajouter le document").click()
    page.wait_for_timeout(500)
    assert not sent, "nothing is sent"
    expect(page.get_by_label("Fichier", exact=True)).to_be_focused()
    expect(page.get_by_label("Titre")).to_have_value("Scanner complet")
    violations = axe_violations(page)
    assert not violations, format_violations(violations)

    # a phone photo over the limit is only reduced: a note, and it is sent
    from PIL import Image
    out = io.BytesIO()
    Image.frombytes("RGB", (3000, 2000), os.urandom(3000 * 2000 * 3)).save(out, "JPEG",
                                                                           quality=95)
    assert len(out.getvalue()) > 5 * MB
    page.get_by_label("Fichier", exact=True).set_input_files(
        {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()})
    expect(page.locator("#fichier-taille")).to_contain_text("elle sera réduite")
    page.get_by_role("button", name="Ajouter le document").click()
    page.wait_for_url(re.compile(r".*/dossier/documents/\d+$"))
    expect(page.locator(".notices")).to_contain_text("elle a été réduite")


def test_a_refused_session_extension_never_replaces_the_page(context_for, server):
    """The session box's form is marked data-keep-page: its refusal (here an expired form)
    leaves the page and what was typed in it, and says that the session has ended."""
    page = context_for("amina")
    page.goto(server.url("/dossier/documents/ajouter"))
    page.get_by_label("Titre").fill("Texte en cours de saisie")
    page.evaluate("() => { document.getElementById('session-warning').hidden = false; }")
    expired_forms(page)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Prolonger ma session").click()
    assert answer.value.status == 400
    expect(page.locator("#session-warning-text")).to_contain_text("Votre session a expiré")
    expect(page.locator("#annonces")).to_contain_text("Votre session a expiré")
    expect(page.locator("h1")).to_have_text("Ajouter un document")
    expect(page.get_by_label("Titre")).to_have_value("Texte en cours de saisie")
