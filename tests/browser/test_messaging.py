"""Secure messaging in a real Chromium: axe-core and the Nu HTML Checker on the inbox, a
conversation and the compose pages of both sides (and their error and trash states),
screenshots at 1280 px and 320 px; a full exchange between Dr Benali and Camille Martin through
the real forms, with and without JavaScript; the header's count refreshed by htmx, and the
draft saved while typing.

Each test removes what it created (both sides empty their trash), so the demo stays as it was.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import ACCOUNTS, login
from . import factories
from .tools import (format_vnu_errors, on_server, open_space_of, record_at_widths, vnu_errors,
                    watch)

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots/messagerie-"


def record(page, name, pages):
    record_at_widths(page, name, pages, SHOTS)


def empty_trash(page, server, inbox, subject):
    """Move the conversation to the trash and empty it (final), as its owner would."""
    page.goto(server.url(inbox))
    page.get_by_role("link", name=subject).click()
    page.get_by_role("button", name="Mettre à la corbeille").click()
    expect(page.locator(".notices")).to_contain_text("est dans la corbeille")
    page.goto(server.url(inbox + "corbeille/vider"))
    expect(page.locator("main")).to_contain_text("Vous ne pourrez pas la récupérer")
    page.get_by_role("button", name="Oui, supprimer définitivement").click()
    expect(page.locator(".notices")).to_contain_text("La corbeille est vidée")


def test_pages_are_accessible_and_valid(context_for, server, tmp_path):
    pages: dict[str, str] = {}
    jean = context_for("jean")
    console = watch(jean)
    jean.goto(server.url("/dossier/"))
    jean.get_by_role("link", name="Messagerie").click()
    expect(jean.locator("h1")).to_have_text("Messagerie")
    expect(jean.locator(".conv-list > li")).to_have_count(2)
    record(jean, "boite-patient", pages)

    jean.get_by_role("link", name="Vos résultats de prise de sang").click()
    expect(jean.locator(".thread > li")).to_have_count(3)
    thread_url = jean.url
    expect(jean.locator(".thread")).to_contain_text(
        "Écrit par Camille Martin pour Jean Dupont (proche aidant)")
    link = jean.locator(".msg__body a").first
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    record(jean, "conversation-patient", pages)

    # A reply refused for its file keeps the text, says why, and is accessible.
    bad = tmp_path / "programme.exe"
    bad.write_bytes(b"MZ\x90\x00binaire")
    jean.get_by_label("Message", exact=True).fill("Je viendrai mardi, merci.")
    jean.get_by_label("Pièces jointes (facultatif)").set_input_files(str(bad))
    jean.get_by_role("button", name="Envoyer").click()
    expect(jean.locator(".error-summary")).to_be_focused()
    expect(jean.locator(".error-summary")).to_contain_text("« programme.exe »")
    expect(jean.get_by_label("Message", exact=True)).to_have_value("Je viendrai mardi, merci.")
    record(jean, "reponse-refusee", pages)
    jean.goto(thread_url)  # the text was kept as a draft too
    expect(jean.get_by_label("Message", exact=True)).to_have_value("Je viendrai mardi, merci.")
    jean.get_by_role("button", name="Supprimer le brouillon").click()
    expect(jean.locator(".notices")).to_contain_text("Le brouillon est supprimé")

    jean.goto(server.url("/messagerie/"))
    jean.get_by_role("link", name="Écrire à un professionnel").click()
    expect(jean.locator("h1")).to_have_text("Écrire à un professionnel de santé")
    record(jean, "ecrire-patient", pages)
    jean.get_by_role("button", name="Envoyer").click()
    expect(jean.locator(".error-summary")).to_contain_text("Choisissez le professionnel")
    record(jean, "ecrire-erreurs", pages)

    jean.goto(server.url("/messagerie/ordonnance"))
    expect(jean.locator("h1")).to_have_text("Envoyer une ordonnance à une pharmacie")
    record(jean, "ordonnance-pharmacie", pages)
    # The trash and the question before emptying it (then the conversation is restored).
    jean.goto(server.url("/messagerie/"))
    jean.get_by_role("link", name="Vos médicaments sont disponibles").click()
    jean.get_by_role("button", name="Mettre à la corbeille").click()
    jean.get_by_role("link", name="Corbeille (1 conversation)").click()
    record(jean, "corbeille-patient", pages)
    jean.get_by_role("link", name="Vider la corbeille").click()
    expect(jean.locator(".confirm-question")).to_contain_text("supprimée définitivement")
    record(jean, "vider-corbeille-patient", pages)
    jean.get_by_role("link", name="Annuler").click()
    jean.get_by_role("link", name="Vos médicaments sont disponibles").click()
    jean.get_by_role("button", name="Restaurer la conversation").click()
    expect(jean.locator(".notices")).to_contain_text("est de retour dans la messagerie")
    jean.goto(server.url("/messagerie/"))
    jean.get_by_role("link", name="Vos résultats de prise de sang").click()
    jean.get_by_role("link", name="Ajouter à mon dossier : conseils-alimentaires.pdf").click()
    expect(jean.locator("h1")).to_have_text("Ajouter une pièce jointe au dossier")
    record(jean, "ajouter-au-dossier", pages)

    benali = context_for("benali")
    console += watch(benali)
    benali.goto(server.url("/messagerie/pro/"))
    record(benali, "boite-pro", pages)
    benali.get_by_role("link", name="Renouvellement de votre ordonnance").click()
    expect(benali.locator(".conv-meta")).to_contain_text("clôturée")
    record(benali, "conversation-pro-cloturee", pages)
    benali.goto(server.url("/messagerie/pro/parametres"))
    record(benali, "reglages-pro", pages)
    open_space_of(benali, server, "Jean Dupont")
    benali.goto(server.url("/messagerie/pro/"))
    benali.get_by_role("link", name="Écrire à Jean Dupont").click()
    expect(benali.locator("h1")).to_have_text("Écrire à Jean Dupont")
    record(benali, "ecrire-pro", pages)
    benali.goto(server.url("/messagerie/pro/corbeille/vider"))
    record(benali, "vider-corbeille-pro", pages)

    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
    assert not console, f"console errors: {console}"


@pytest.mark.parametrize("javascript", [True, False])
def test_a_full_exchange_between_dr_benali_and_camille(context_for, server, tmp_path,
                                                       javascript):
    subject = f"Votre bilan d’asthme ({'avec' if javascript else 'sans'} JavaScript)"
    notes = tmp_path / "conseils.txt"
    notes.write_text("Utiliser la chambre d’inhalation.\n", encoding="utf-8")

    benali = context_for("benali", javascript=javascript)
    open_space_of(benali, server, "Camille Martin")
    benali.goto(server.url("/messagerie/pro/"))
    benali.get_by_role("link", name="Écrire à Camille Martin").click()
    benali.get_by_label("Objet").fill(subject)
    benali.get_by_label("Message", exact=True).fill(
        "Bonjour Madame Martin,\n\nVoici les conseils promis. Plus d’informations : "
        "https://www.ameli.fr/assure/sante/themes/asthme\n\nDr Benali")
    benali.get_by_label("Pièces jointes (facultatif)").set_input_files(str(notes))
    benali.get_by_role("button", name="Envoyer").click()
    expect(benali.locator(".notices")).to_contain_text("Votre message est envoyé à Camille Martin")
    expect(benali.locator("h1")).to_have_text(subject)

    camille = context_for("camille", javascript=javascript)
    camille.goto(server.url("/dossier/"))
    expect(camille.locator("#messages-non-lus")).to_contain_text("1 message non lu")
    camille.get_by_role("link", name="Messagerie").click()
    camille.get_by_role("link", name=subject).click()
    thread = camille.locator(".thread")
    expect(thread).to_contain_text("Dr Nadia Benali, Médecin généraliste")
    expect(thread.get_by_role("link", name="https://www.ameli.fr/assure/sante/themes/asthme")) \
        .to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(thread.get_by_role("link", name="conseils.txt", exact=True)).to_be_visible()
    expect(camille.locator("#messages-non-lus")).to_have_text("")  # read now
    camille.get_by_label("Message", exact=True).fill("Merci Docteur, c’est très clair.")
    camille.get_by_role("button", name="Envoyer").click()
    expect(camille.locator(".notices")).to_contain_text("Votre message est envoyé")
    expect(camille.locator(".thread > li")).to_have_count(2)

    benali.goto(server.url("/messagerie/pro/"))
    benali.get_by_role("link", name=subject).click()
    expect(benali.locator(".thread")).to_contain_text("Merci Docteur, c’est très clair.")
    expect(benali.locator(".thread")).not_to_contain_text("camille.martin@example.org")
    benali.get_by_role("button", name="Clôturer la conversation").click()
    expect(benali.locator(".notices")).to_contain_text("La conversation est clôturée")

    camille.reload()
    expect(camille.locator(".conv-meta")).to_contain_text("clôturée le")
    expect(camille.locator("#reponse")).to_contain_text("il n’est plus possible d’y répondre")
    expect(camille.get_by_role("button", name="Envoyer")).to_have_count(0)

    empty_trash(camille, server, "/messagerie/", subject)
    empty_trash(benali, server, "/messagerie/pro/", subject)


def test_badge_refreshes_and_drafts_save_themselves_with_javascript(context_for, server):
    subject = "Rappel de vaccin"
    camille = context_for("camille")
    camille.clock.install()
    camille.goto(server.url("/messagerie/"))
    expect(camille.locator("#messages-non-lus")).to_have_text("")

    benali = context_for("benali")
    open_space_of(benali, server, "Camille Martin")
    benali.goto(server.url("/messagerie/pro/nouveau"))
    benali.get_by_label("Objet").fill(subject)
    benali.get_by_label("Message", exact=True).fill("Votre rappel dTP est à faire cette année.")
    benali.get_by_role("button", name="Envoyer").click()
    expect(benali.locator(".notices")).to_contain_text("Votre message est envoyé")

    camille.clock.fast_forward(61_000)  # htmx asks for the count once a minute
    expect(camille.locator("#messages-non-lus")).to_contain_text("1 message non lu")

    # Typing is saved as a draft after a pause, and offered again after a new login.
    camille.reload()
    camille.get_by_role("link", name=subject).click()
    # Type only once htmx has wired the reply box (its autosave trigger), or the keystrokes
    # could all land before it listens.
    camille.wait_for_function("() => { const box = document.querySelector('textarea[name=body]');"
                              " return !!(box && box['htmx-internal-data']"
                              " && box['htmx-internal-data'].initHash); }")
    # The clock also flows on its own: on a slow machine the pause may elapse while typing,
    # so listen before typing, for the save that carries the whole text.
    with camille.expect_response(lambda r: r.request.method == "POST" and "/repondre" in r.url
                                 and "rendez-vous" in (r.request.post_data or "")) as saved:
        camille.get_by_label("Message", exact=True).press_sequentially("Je prends rendez-vous")
        camille.clock.fast_forward(3_500)
    assert saved.value.status == 204
    again = context_for("camille")
    again.goto(camille.url)
    expect(again.locator(".draft-notice")).to_contain_text("Vous aviez commencé un message le")
    expect(again.get_by_label("Message", exact=True)).to_have_value("Je prends rendez-vous")
    again.get_by_role("button", name="Supprimer le brouillon").click()
    expect(again.locator(".notices")).to_contain_text("Le brouillon est supprimé")

    empty_trash(again, server, "/messagerie/", subject)
    empty_trash(benali, server, "/messagerie/pro/", subject)


def _expire_sessions_of(server, role):
    """The account's sessions end by idleness (31 minutes without a request)."""
    on_server(server, factories.expire_sessions, role=role, minutes=31)


def _type_then_send_after_expiry(page, server, text):
    page.goto(server.url("/messagerie/ecrire"))
    # The session ends while the page is open, before anything is typed: typing first would let
    # the autosave (3 s after the last key) keep a draft for the still-living session whenever
    # ending the session takes longer than that (a loaded machine), and the test would then
    # see Camille's own draft, not the kept text it is about.
    _expire_sessions_of(server, "camille")
    page.get_by_label("Objet").fill("Mes résultats")
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("main")).to_contain_text("il est gardé")


def test_text_typed_before_the_session_expired_goes_to_its_author_only(context_for, server):
    """With JavaScript: Camille's unsent text comes back to Camille after she logs in again;
    if Jean logs in next on the same browser, he never sees it and it is dropped."""
    camille = context_for("camille")
    _type_then_send_after_expiry(camille, server, "Mes résultats VIH sont arrivés")
    login(camille, server, ACCOUNTS["camille"])
    camille.goto(server.url("/messagerie/ecrire"))
    expect(camille.get_by_label("Message", exact=True)).to_have_value(
        "Mes résultats VIH sont arrivés")
    camille.get_by_role("button", name="Supprimer le brouillon").click()
    expect(camille.locator(".notices")).to_contain_text("Le brouillon est supprimé")

    _type_then_send_after_expiry(camille, server, "Deuxième essai, toujours confidentiel")
    login(camille, server, ACCOUNTS["jean"])  # the next person on this browser
    camille.goto(server.url("/messagerie/ecrire"))
    expect(camille.locator("h1")).to_be_visible()
    expect(camille.get_by_label("Message", exact=True)).to_have_value("")
    assert "confidentiel" not in camille.content()
    camille.get_by_role("button", name="Se déconnecter").click()
    # The logout must be over before the next login form is loaded: a form rendered while the
    # old session still lived carries a CSRF token that the logout voids.
    camille.wait_for_url("**/connexion?deconnecte=1")
    login(camille, server, ACCOUNTS["camille"])
    camille.goto(server.url("/messagerie/ecrire"))
    expect(camille.get_by_label("Message", exact=True)).to_have_value("")
    assert on_server(server, factories.drafts_containing, text="confidentiel") == 0
