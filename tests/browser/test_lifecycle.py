"""Closing a space, opposing its opening, and reopening it, in a real Chromium: axe-core, one run
of the Nu HTML Checker and no sideways scrolling at 1280 px and 320 px on "Fermer mon espace
santé" (empty, then with a wrong password), the closure's proof page, the operator's list of
closed spaces, the opposition page (empty, then with its errors) and the opposition's proof.

- Amina (never Camille: other tests rely on her) closes her space; the closing itself is done
  without JavaScript, and ends her other session too; while closed, logging in says so. The
  operator finds her in "Espaces fermés" and reopens her space with the keyboard only (Tab to
  the button, Enter); she logs in again.
- Lina, who has no account, opposes the opening of her space from an activation link (made by
  `issue_invite` in the server's database); Camille no longer reaches her space; the operator
  reopens it, and Camille reaches it again.

Screenshots at 1280 px and 320 px in test-artifacts/screenshots/lifecycle-*.

The demo is left as it was found: after each test (even a failing one), the invitations,
closures and proofs made here are deleted (the proofs' files too) and Amina's account is
active again. Only the activity journal keeps what happened, as it would.
"""
from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from datetime import date

import pytest
from playwright.sync_api import expect

from .conftest import ACCOUNTS, CONTEXT_OPTIONS, PASSWORD, login
from . import factories
from .tools import format_vnu_errors, on_server, record_at_widths, tab_to, vnu_errors, watch

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots/lifecycle-"
CLOSE_PATH = "/parametres/fermer-mon-espace"
PROOF_URL = re.compile(r"/attestation/([A-Za-z0-9_-]{43})$")
READY = "Votre attestation est prête."
UNDERSTOOD_CLOSE = "J’ai compris : plus personne"
UNDERSTOOD_OPPOSE = "Je m’oppose à l’ouverture de mon espace santé."
REASON = "Je déménage à l’étranger ; je rouvrirai mon espace à mon retour."


def record(page, name, pages):
    record_at_widths(page, name, pages, SHOTS)


# ------------------------------------------------------------- the server's database, directly

def read_db(server, sql: str, *params) -> list[tuple]:
    """Rows read from the server's database directly (read-only)."""
    path = server.env["DATABASE_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return connection.execute(sql, params).fetchall()


def last_id(server, table: str) -> int:
    return read_db(server, f"SELECT COALESCE(MAX(id), 0) FROM {table}")[0][0]


def amina_state(server) -> tuple[int, int]:
    """(is_active, closures not reopened) of Amina."""
    (active, person_id), = read_db(server, "SELECT is_active, person_id FROM account "
                                           "WHERE email = ?", ACCOUNTS["amina"])
    (open_closures,), = read_db(server, "SELECT COUNT(*) FROM space_closure WHERE person_id = ? "
                                        "AND reopened_at IS NULL", person_id)
    return active, open_closures


def open_closure_of(server, given_names: str) -> int:
    """The id of the closure, not reopened, of the demo person called `given_names`."""
    rows = read_db(server, "SELECT c.id FROM space_closure c JOIN person p ON p.id = c.person_id "
                           "WHERE p.given_names = ? AND c.reopened_at IS NULL", given_names)
    assert len(rows) == 1, rows
    return rows[0][0]


@pytest.fixture(autouse=True)
def leave_the_demo_as_found(server):
    """Delete what the test made (invitations, closures, proofs and their files), whatever
    happened; Amina's account active again."""
    before = {table: last_id(server, table)
              for table in ("activation_invite", "space_closure", "lifecycle_proof")}
    assert amina_state(server) == (1, 0), "Amina's space must be open before the test"
    yield
    on_server(server, factories.remove_closures_after, proof_id=before["lifecycle_proof"],
              closure_id=before["space_closure"], invite_id=before["activation_invite"],
              reactivate="amina")
    assert amina_state(server) == (1, 0)


def activation_link_for_lina(server) -> str:
    """A counter invitation for Lina (no account): its path. A counter one, so that she never
    shows among the young adults invited at 18 on the operator's pages."""
    token = on_server(server, factories.counter_invite, given_names="Lina",
                      family_name="Martin")
    return f"/activation/{token}"


def check_proof_pdf(page, server, token, filename):
    """The proof's page has its link; the file is a PDF, downloaded under `filename`."""
    status = page.locator("#etat-attestation")
    expect(status).to_contain_text(READY)
    assert status.get_attribute("data-hx-get") is None, "a finished proof must not poll"
    link = page.get_by_role("link", name="Télécharger l’attestation (PDF)")
    expect(link).to_have_attribute("href", f"/attestation/{token}/pdf")
    fetched = page.context.request.get(server.url(f"/attestation/{token}/pdf"))
    assert fetched.status == 200
    assert fetched.headers["content-type"].startswith("application/pdf")
    assert f'filename="{filename}"' in fetched.headers["content-disposition"]
    assert fetched.body().startswith(b"%PDF-")


def closed_spaces_page(operator, server):
    """The operator's list, reached from the main menu."""
    operator.goto(server.url("/"))
    operator.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Espaces fermés").click()
    expect(operator.locator("h1")).to_have_text("Espaces fermés")
    return operator.locator("main table tbody")


# ------------------------------------------------------------------------------------ tests


def test_amina_closes_her_space_and_the_operator_reopens_it(context_for, server):
    pages: dict[str, str] = {}
    amina = context_for("amina")
    console = watch(amina)

    # From the settings; what closing changes is said before the form.
    amina.goto(server.url("/parametres/"))
    amina.get_by_role("link", name="Fermer mon espace santé").click()
    expect(amina).to_have_url(server.url(CLOSE_PATH))
    expect(amina.locator("h1")).to_have_text("Fermer mon espace santé")
    expect(amina.locator("main")).to_contain_text("plus personne ne pourra consulter votre espace")
    expect(amina.get_by_label("Pourquoi fermez-vous votre espace ? (facultatif)")).to_be_visible()
    expect(amina.get_by_label(UNDERSTOOD_CLOSE)).not_to_be_checked()
    expect(amina.get_by_label("Votre mot de passe")).to_have_attribute(
        "autocomplete", "current-password")
    record(amina, "fermer", pages)

    # A wrong password: the error is listed and focused, the reason typed is kept.
    amina.get_by_label("Pourquoi fermez-vous votre espace ? (facultatif)").fill(REASON)
    amina.get_by_label(UNDERSTOOD_CLOSE).check()
    amina.get_by_label("Votre mot de passe").fill("pas-le-bon-mot-de-passe")
    amina.get_by_role("button", name="Fermer mon espace santé").click()
    summary = amina.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Le mot de passe est incorrect.")
    assert amina.title().startswith("Erreur :"), amina.title()
    expect(amina.get_by_label("Pourquoi fermez-vous votre espace ? (facultatif)")).to_have_value(
        REASON)
    expect(amina.get_by_label("Votre mot de passe")).to_have_attribute("aria-invalid", "true")
    expect(amina.get_by_label(UNDERSTOOD_CLOSE)).to_be_checked()
    assert amina_state(server) == (1, 0), "a wrong password must close nothing"
    record(amina, "fermer-erreur", pages)

    # Closed without JavaScript, from a second session: both sessions end.
    plain = context_for("amina", javascript=False)
    plain.goto(server.url(CLOSE_PATH))
    assert not plain.evaluate("typeof window.htmx !== 'undefined'"), "JavaScript must be off"
    plain.get_by_label("Pourquoi fermez-vous votre espace ? (facultatif)").fill(REASON)
    plain.get_by_label(UNDERSTOOD_CLOSE).check()
    plain.get_by_label("Votre mot de passe").fill(PASSWORD)
    plain.get_by_role("button", name="Fermer mon espace santé").click()
    expect(plain).to_have_url(PROOF_URL)
    token = PROOF_URL.search(plain.url).group(1)
    expect(plain.locator("h1")).to_have_text("Attestation de fermeture")
    check_proof_pdf(plain, server, token, "attestation-fermeture.pdf")
    assert amina_state(server) == (0, 1)
    assert read_db(server, "SELECT kind, reason FROM space_closure WHERE id = ?",
                   open_closure_of(server, "Amina")) == [("closure", REASON)]
    plain.goto(server.url("/dossier/"))
    expect(plain).to_have_url(re.compile(r"/connexion"))

    # The proof's page (public), with JavaScript; the first session has ended.
    amina.goto(server.url(f"/attestation/{token}"))
    expect(amina.locator("h1")).to_have_text("Attestation de fermeture")
    expect(amina.locator("main")).to_contain_text("Votre espace santé est fermé depuis le")
    check_proof_pdf(amina, server, token, "attestation-fermeture.pdf")
    with amina.expect_download() as download:
        amina.get_by_role("link", name="Télécharger l’attestation (PDF)").click()
    assert download.value.suggested_filename == "attestation-fermeture.pdf"
    record(amina, "attestation-fermeture", pages)
    amina.goto(server.url("/dossier/"))
    expect(amina).to_have_url(re.compile(r"/connexion"))

    # While closed, the right password says so (and nothing more).
    amina.get_by_label("Adresse e-mail").fill(ACCOUNTS["amina"])
    amina.get_by_label("Mot de passe").fill(PASSWORD)
    amina.get_by_role("button", name="Continuer").click()
    expect(amina.locator(".error-summary")).to_contain_text("Votre espace santé a été fermé le")
    expect(amina).to_have_url(re.compile(r"/connexion(\?.*)?$"))

    # The operator's list shows her; reopened with the keyboard only.
    operator = context_for("operateur")
    operator_console = watch(operator)
    rows = closed_spaces_page(operator, server)
    row = rows.locator("tr", has=operator.get_by_role("rowheader", name="Amina Diallo"))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("30 novembre 1992")
    expect(row).to_contain_text("Fermé par la personne")
    expect(row).not_to_contain_text("Sans compte")
    expect(row).not_to_contain_text(REASON)  # the reason is hers, not the counter's
    expect(row.get_by_role("link", name="Rouvrir l’espace – Amina Diallo")).to_be_visible()
    record(operator, "operateur-espaces-fermes", pages)

    # The identity check, then the confirmation, with the keyboard only.
    closure_id = open_closure_of(server, "Amina")
    operator.wait_for_function("() => window.htmx !== undefined")
    tab_to(operator, f"a[href='/operateur/espaces-fermes/{closure_id}/rouvrir']")
    operator.keyboard.press("Enter")
    expect(operator.locator("h1")).to_have_text("Rouvrir un espace santé")
    expect(operator.locator("main")).to_contain_text("Amina Diallo")
    record(operator, "operateur-rouvrir", pages)
    tab_to(operator, "main button[type=submit]")
    operator.keyboard.press("Enter")
    summary = operator.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Cochez la case après avoir vérifié l’identité")
    expect(summary).to_contain_text("Choisissez la pièce d’identité")
    assert operator.title().startswith("Erreur :"), operator.title()
    record(operator, "operateur-rouvrir-erreurs", pages)
    tab_to(operator, "input[name=identity_document][value=cni]")  # a radio group: one stop
    operator.keyboard.press("ArrowDown")  # moves to, and chooses, the passport
    tab_to(operator, "input[name=identity_checked]")
    operator.keyboard.press("Space")
    tab_to(operator, "main button[type=submit]")
    operator.keyboard.press("Enter")
    expect(operator.locator("h1")).to_have_text("Confirmer la réouverture")
    expect(operator.locator("main")).to_contain_text("Pièce d’identité vérifiée : Passeport.")
    assert amina_state(server) == (0, 1)  # nothing before the confirmation
    record(operator, "operateur-rouvrir-confirmer", pages)
    tab_to(operator, "main button[type=submit]")
    operator.keyboard.press("Enter")
    expect(operator.locator(".notices")).to_contain_text("Espace rouvert : Amina Diallo.")
    expect(operator.locator("main")).not_to_contain_text("Rouvrir l’espace – Amina Diallo")
    assert amina_state(server) == (1, 0)

    # She logs in again and is in her own space.
    login(amina, server, ACCOUNTS["amina"])
    amina.goto(server.url("/parametres/"))
    expect(amina.get_by_role("link", name="Fermer mon espace santé")).to_be_visible()
    amina.goto(server.url("/dossier/"))
    expect(amina).to_have_url(server.url("/dossier/"))
    expect(amina.locator("h1")).to_have_text("Mon dossier médical")
    expect(amina.locator(".space-banner--other")).to_have_count(0)

    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
    assert not console, f"console errors: {console}"
    assert not operator_console, f"console errors: {operator_console}"


def test_lina_opposes_the_opening_of_her_space_and_the_operator_reopens_it(
        browser, context_for, server):
    pages: dict[str, str] = {}
    (nir_value, born), = read_db(server, "SELECT nir, birth_date FROM person "
                                         "WHERE given_names = 'Lina' AND family_name = 'Martin'")
    born = date.fromisoformat(str(born)[:10])
    link = activation_link_for_lina(server)

    context = browser.new_context(**CONTEXT_OPTIONS)
    try:
        lina = context.new_page()
        console = watch(lina)
        lina.goto(server.url(link))
        expect(lina).to_have_url(server.url("/activation"))
        expect(lina.locator("h1")).to_have_text("Activer votre espace santé")
        lina.get_by_role("link", name="M’opposer à l’ouverture de mon espace santé").click()
        expect(lina).to_have_url(server.url("/activation/opposition"))
        expect(lina.locator("h1")).to_have_text("M’opposer à l’ouverture de mon espace santé")
        record(lina, "opposition", pages)

        # Nothing filled in: every error listed and focused.
        button = lina.get_by_role("button", name="Je m’oppose à l’ouverture de mon espace")
        button.click()
        summary = lina.locator(".error-summary")
        expect(summary).to_be_focused()
        expect(summary).to_contain_text("Saisissez le numéro de sécurité sociale.")
        expect(summary).to_contain_text("Saisissez la date de naissance")
        expect(summary).to_contain_text("Cochez la case pour confirmer votre opposition.")
        expect(lina.get_by_label(UNDERSTOOD_OPPOSE)).to_have_attribute("aria-invalid", "true")
        assert lina.title().startswith("Erreur :"), lina.title()
        record(lina, "opposition-erreurs", pages)

        # Someone else's birth date: refused, what was typed kept. (A date input: ISO values.)
        lina.get_by_label("Votre numéro de sécurité sociale").fill(nir_value)
        lina.get_by_label("Votre date de naissance").fill("2015-09-03")
        lina.get_by_label(UNDERSTOOD_OPPOSE).check()
        button.click()
        expect(summary).to_be_focused()
        expect(summary).to_contain_text("ne correspond pas à cette invitation")
        assert lina.title().startswith("Erreur :"), lina.title()
        expect(lina.get_by_label("Votre numéro de sécurité sociale")).to_have_value(nir_value)
        expect(lina.get_by_label("Votre date de naissance")).to_have_value("2015-09-03")
        assert not read_db(server, "SELECT id FROM space_closure WHERE reopened_at IS NULL")
        record(lina, "opposition-erreur-identite", pages)

        # Her own identity: the opposition is recorded, with its proof.
        lina.get_by_label("Votre date de naissance").fill(born.isoformat())
        expect(lina.get_by_label(UNDERSTOOD_OPPOSE)).to_be_checked()  # kept from the last try
        button.click()
        expect(lina).to_have_url(PROOF_URL)
        token = PROOF_URL.search(lina.url).group(1)
        expect(lina.locator("h1")).to_have_text("Attestation d’opposition")
        expect(lina.locator("main")).to_contain_text("Votre opposition est enregistrée depuis le")
        check_proof_pdf(lina, server, token, "attestation-opposition.pdf")
        record(lina, "attestation-opposition", pages)

        # The link no longer opens anything.
        lina.goto(server.url(link))
        expect(lina.locator("h1")).to_have_text("Lien d’activation non valable")
        assert not [e for e in console if "404" not in e], console
    finally:
        context.close()

    # Her mother no longer reaches her space while it is closed.
    camille = context_for("camille")
    camille.goto(server.url("/espaces"))
    expect(camille.get_by_role("button", name="Ouvrir l’espace de Lina Martin")).to_have_count(0)

    # The operator sees the opposition (no account: an activation link is to be handed over)
    # and reopens the space.
    operator = context_for("operateur")
    operator_console = watch(operator)
    rows = closed_spaces_page(operator, server)
    row = rows.locator("tr", has=operator.get_by_role("rowheader", name="Lina Martin"))
    expect(row).to_contain_text("2 septembre 2015")
    expect(row).to_contain_text("Opposition à l’ouverture")
    expect(row).to_contain_text("Sans compte : remettez ensuite un lien d’activation.")
    row.get_by_role("link", name="Rouvrir l’espace – Lina Martin").click()
    operator.get_by_label("Carte nationale d’identité").check()
    operator.get_by_label("Identité vérifiée").check()
    operator.get_by_role("button", name="Continuer").click()
    operator.get_by_role("button", name="Confirmer la réouverture").click()
    expect(operator.locator(".notices")).to_contain_text("Espace rouvert : Lina Martin.")
    expect(operator.locator("main")).to_contain_text("Aucun espace fermé.")
    assert not read_db(server, "SELECT id FROM space_closure WHERE reopened_at IS NULL")
    assert not read_db(server, "SELECT a.id FROM account a JOIN person p ON p.id = a.person_id "
                               "WHERE p.given_names = 'Lina'"), "reopening creates no account"

    camille.goto(server.url("/espaces"))
    expect(camille.get_by_role("button", name="Ouvrir l’espace de Lina Martin")).to_be_visible()

    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
    assert not operator_console, f"console errors: {operator_console}"


def lina_closures(server, requested=False) -> int:
    """Lina's closures in force (only those asking for deletion, when `requested`)."""
    (count,), = read_db(server, "SELECT COUNT(*) FROM space_closure c JOIN person p ON "
                                "p.id = c.person_id WHERE p.given_names = 'Lina' AND "
                                "c.reopened_at IS NULL" + (" AND c.deletion_requested_at "
                                                           "IS NOT NULL" if requested else ""))
    return count


def close_and_reopen_lina(camille, server, pages=None):
    """From Mes proches: a wrong password first (the error listed, the reason kept), then the
    closing with the deletion asked; then the reopening from the same page."""
    def shot(name):
        if pages is not None:
            record(camille, name, pages)
    camille.goto(server.url("/proches"))
    camille.get_by_role("link", name="Fermer l’espace de Lina Martin").click()
    expect(camille.locator("h1")).to_have_text("Fermer l’espace santé de Lina Martin")
    shot("representant-fermer")
    camille.get_by_label("Pourquoi fermez-vous cet espace ? (facultatif)").fill(REASON)
    camille.get_by_label("J’ai compris : plus personne").check()
    camille.get_by_label("Je demande aussi la suppression de ses données").check()
    camille.get_by_label("Votre mot de passe").fill("pas-le-bon-mot-de-passe")
    camille.get_by_role("button", name="Fermer cet espace santé").click()
    expect(camille.locator(".error-summary")).to_contain_text("Le mot de passe est incorrect.")
    expect(camille.get_by_label("Pourquoi fermez-vous cet espace ? (facultatif)")
           ).to_have_value(REASON)
    shot("representant-fermer-erreur")
    camille.get_by_label("Votre mot de passe").fill(PASSWORD)
    camille.get_by_role("button", name="Fermer cet espace santé").click()
    expect(camille).to_have_url(PROOF_URL)
    expect(camille.locator("main")).to_contain_text("L’espace santé de Lina Martin est fermé")
    assert lina_closures(server, requested=True) == 1
    camille.goto(server.url("/proches"))
    expect(camille.locator("main")).to_contain_text("Espace fermé")
    camille.get_by_role("link", name="Rouvrir l’espace de Lina Martin").click()
    expect(camille.locator("h1")).to_have_text("Rouvrir l’espace santé de Lina Martin")
    shot("representant-rouvrir")
    camille.get_by_label("Votre mot de passe").fill(PASSWORD)
    camille.get_by_role("button", name="Rouvrir cet espace santé").click()
    expect(camille.locator(".notices")).to_contain_text("L’espace de Lina Martin est rouvert.")
    assert lina_closures(server) == 0


def test_camille_closes_and_reopens_linas_space(context_for, server):
    """As Lina's legal representative, Camille closes her daughter's space from Mes proches,
    asking for its deletion, then reopens it: with JavaScript (axe, vnu, 1280 and 320 px on
    each page), then again without."""
    pages: dict[str, str] = {}
    close_and_reopen_lina(context_for("camille"), server, pages)
    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
    close_and_reopen_lina(context_for("camille", javascript=False), server)
