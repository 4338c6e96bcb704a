"""Legal representatives in a real Chromium, with axe-core and the Nu HTML Checker on every new
page (errors shown included) and screenshots at 1280 and 320 px:

- Camille opens Lina's space from Mes proches, sees the documents a parent may see, invites a
  second representative (the form with its errors), and Amina declines the invitation;
- the operator attaches a protected adult's guardian (a refused file first), then ends it;
- a young adult who came of age without a known e-mail gets an activation link at the counter
  and activates their space with it.

The demo is left as it was found (invitation declined, guardianship ended); the judgment stays
in Amina's documents and the young adult of the last test stays in the database, as they would.
"""
from __future__ import annotations

import re
import subprocess
import textwrap

import pytest
from playwright.sync_api import expect

from .conftest import CONTEXT_OPTIONS, VENV_BIN
from .tools import ROOT, format_vnu_errors, record_at_widths, vnu_errors, watch

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots"
HIDDEN_TITLE = "Compte rendu – consultation confidentielle"


def record(page, name, pages):
    record_at_widths(page, name, pages, f"{SHOTS}/representants-")


def nir(first13):
    from portal.accounts.nir import with_key
    return with_key(first13)


def test_parent_opens_the_childs_space_and_invites_a_second_representative(context_for,
                                                                             server):
    pages: dict[str, str] = {}
    camille = context_for("camille")
    console = watch(camille)
    camille.goto(server.url("/proches"))
    expect(camille.locator("section[aria-labelledby=pour-qui]")).to_contain_text(
        "Vous êtes son représentant légal.")
    record(camille, "mes-proches", pages)
    camille.get_by_role("button", name="Ouvrir l’espace de Lina Martin").click()
    expect(camille.locator(".notices")).to_contain_text("Vous êtes dans l’espace de Lina Martin")
    expect(camille.locator(".space-banner p")).to_contain_text("Vous agissez pour Lina Martin")

    camille.goto(server.url("/dossier/documents/"))
    main = camille.locator("main")
    expect(main).to_contain_text("Certificat médical – pratique de la natation")
    expect(main).to_contain_text("Carnet de vaccination – pages scannées")
    expect(main).not_to_contain_text(HIDDEN_TITLE)

    camille.goto(server.url("/proches"))
    expect(camille.locator("h1")).to_have_text("Proches de Lina Martin")
    expect(camille.locator("main")).to_contain_text("Représentant légal (parent)")
    record(camille, "proches-de-lina", pages)

    camille.get_by_role("link", name="Inviter l’autre parent comme second représentant "
                                     "légal").click()
    expect(camille.locator("h1")).to_have_text("Inviter le second représentant légal de Lina "
                                               "Martin")
    camille.get_by_role("button", name="Envoyer l’invitation").click()
    summary = camille.locator(".error-summary")
    expect(summary).to_contain_text("Saisissez le numéro de sécurité sociale.")
    expect(summary).to_contain_text("Indiquez qui est cette personne pour l’enfant.")
    expect(summary).to_contain_text("Cochez la case pour confirmer")
    record(camille, "invitation-erreurs", pages)

    camille.get_by_label("Numéro de sécurité sociale de l’autre parent").fill(
        nir("2921175112078"))
    camille.get_by_label("Date de naissance de l’autre parent").fill("1992-11-30")
    camille.get_by_label("Une autre personne titulaire de l’autorité parentale").check()
    camille.get_by_label("Je déclare sur l’honneur").check()
    camille.get_by_role("button", name="Envoyer l’invitation").click()
    expect(camille.locator(".notices")).to_contain_text("L’invitation a été envoyée.")
    expect(camille.locator("main")).to_contain_text("Invitation en attente")
    record(camille, "invitation-en-attente", pages)

    amina = context_for("amina")
    amina_console = watch(amina)
    amina.goto(server.url("/proches"))
    expect(amina.locator("main")).to_contain_text(
        "Camille Martin vous invite à devenir représentant légal de Lina Martin.")
    record(amina, "invitation-recue", pages)
    amina.get_by_role("button", name="Refuser l’invitation pour Lina Martin").click()
    expect(amina.locator(".notices")).to_contain_text("Vous avez refusé l’invitation.")
    expect(amina.locator("main")).not_to_contain_text("Lina Martin")

    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
    assert not console, f"console errors: {console}"
    assert not amina_console, f"console errors: {amina_console}"


def judgment_pdf(tmp_path):
    from weasyprint import HTML
    path = tmp_path / "jugement.pdf"
    path.write_bytes(HTML(string="<h1>Jugement</h1><p>Habilitation familiale.</p>").write_pdf())
    return path


def test_operator_attaches_and_ends_a_guardianship(context_for, server, tmp_path):
    pages: dict[str, str] = {}
    operator = context_for("operateur")
    console = watch(operator)
    operator.goto(server.url("/"))
    operator.get_by_role("link", name="Tutelles").click()
    expect(operator.locator("h1")).to_have_text("Tutelles et activations")
    record(operator, "tutelles", pages)
    operator.get_by_role("link", name="Rattacher un tuteur").click()
    expect(operator.locator("h1")).to_have_text("Rattacher un tuteur")

    operator.get_by_label("Numéro de sécurité sociale de la personne protégée").fill(
        nir("2921175112078"))
    operator.get_by_label("Date de naissance de la personne protégée").fill("1992-11-30")
    operator.get_by_label("Numéro de sécurité sociale du tuteur").fill(nir("2800519272001"))
    operator.get_by_label("Date de naissance du tuteur").fill("1980-05-14")
    operator.get_by_label("Habilitation familiale générale par représentation").check()
    operator.get_by_label("Date du jugement").fill("2024-03-12")
    operator.get_by_label("Numéro du jugement").fill("RG 24/01234")
    notes = tmp_path / "notes.bin"
    notes.write_bytes(b"\x00\x01\x02 not a judgment" * 4)
    operator.get_by_label("Jugement (PDF ou photo)").set_input_files(str(notes))
    operator.get_by_role("button", name="Rattacher le représentant").click()
    expect(operator.locator(".error-summary")).to_contain_text(
        "le jugement doit être un fichier PDF ou une image")
    expect(operator.locator("main")).to_contain_text("choisissez à nouveau le jugement")
    expect(operator.get_by_label("Numéro du jugement")).to_have_value("RG 24/01234")
    record(operator, "rattacher-erreur", pages)

    operator.get_by_label("Jugement (PDF ou photo)").set_input_files(str(judgment_pdf(tmp_path)))
    operator.get_by_role("button", name="Rattacher le représentant").click()
    expect(operator.locator(".notices")).to_contain_text(
        "Camille Martin représente désormais Amina Diallo dans Carnet.")
    expect(operator.locator(".cards")).to_contain_text("Habilitation familiale générale")
    record(operator, "tutelles-liste", pages)

    camille = context_for("camille")
    camille.goto(server.url("/proches"))
    expect(camille.locator("main")).to_contain_text("Amina Diallo")
    expect(camille.locator("main")).to_contain_text("Personne habilitée (habilitation familiale)")

    operator.get_by_role("link", name=re.compile("^Mettre fin")).first.click()
    expect(operator.locator("h1")).to_have_text("Mettre fin à une représentation")
    operator.get_by_role("button", name="Mettre fin à la représentation").click()
    expect(operator.locator(".error-summary")).to_contain_text("Choisissez le motif")
    record(operator, "fin-erreur", pages)
    operator.get_by_label("Rattachement fait par erreur").check()
    operator.get_by_role("button", name="Mettre fin à la représentation").click()
    expect(operator.locator(".notices")).to_contain_text("a pris fin (rattachement fait par "
                                                         "erreur)")
    camille.goto(server.url("/proches"))
    expect(camille.locator("main")).not_to_contain_text("Amina Diallo")

    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
    assert not console, f"console errors: {console}"


def come_of_age(server):
    """A young man who turned 18 yesterday, whose mother is Camille and whose e-mail nobody
    knows; the nightly task runs in the server's database."""
    code = textwrap.dedent("""
        from datetime import date, timedelta
        from portal import create_app
        from portal.accounts.models import Person, utcnow
        from portal.accounts.nir import with_key
        from portal.extensions import db
        from portal.proxies.guardians import process_majorities
        from portal.proxies.models import Guardianship
        app = create_app()
        with app.app_context():
            db.connect(reuse_if_open=True)
            today = date.today()
            born = today.replace(year=today.year - 18) - timedelta(days=1)
            young = Person.create(nir=with_key("1" + born.strftime("%y%m") + "19272099"),
                                  family_name="Martin", given_names="Léo", birth_date=born,
                                  sex="M", address="12 rue des Tilleuls, 19000 Tulle")
            camille = Person.get(Person.given_names == "Camille")
            Guardianship.create(guardian=camille, ward=young, kind="parent",
                                accepted_at=utcnow())
            assert process_majorities() == 1
            print(young.id, young.nir, born.isoformat())
    """)
    result = subprocess.run([str(VENV_BIN / "python"), "-c", code], cwd=ROOT, env=server.env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    person_id, nir_value, born = result.stdout.split()
    return int(person_id), nir_value, born


def test_a_young_adult_activates_their_space_with_a_letter_from_the_counter(
        context_for, browser, server):
    pages: dict[str, str] = {}
    person_id, nir_value, born = come_of_age(server)
    operator = context_for("operateur")
    console = watch(operator)
    operator.goto(server.url("/operateur/tutelles"))
    operator.get_by_role("link", name="Léo Martin").click()
    expect(operator.locator("h1")).to_have_text("Activation de Léo Martin")
    operator.get_by_role("button", name="Imprimer un courrier avec un nouveau code").click()
    expect(operator.locator(".error-summary")).to_contain_text("Cochez la case")
    record(operator, "lien-erreur", pages)
    operator.get_by_label("J’ai vérifié l’identité de cette personne").check()
    with operator.expect_download() as download:
        operator.get_by_role("button", name="Imprimer un courrier avec un nouveau code").click()
    letter = subprocess.run(["pdftotext", download.value.path(), "-"], capture_output=True,
                            text=True, check=True).stdout
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", letter).group(0)

    context = browser.new_context(**CONTEXT_OPTIONS)
    try:
        young = context.new_page()
        young_console = watch(young)
        young.goto(server.url("/activation"))
        expect(young.locator("h1")).to_have_text("Activer votre espace santé")
        young.get_by_label("Code provisoire").fill(code.lower())
        young.get_by_label("Votre numéro de sécurité sociale").fill(nir_value)
        young.get_by_label("Votre date de naissance").fill(born)
        young.get_by_label("Adresse e-mail").fill("leo.martin@example.org")
        young.get_by_label("Choisissez un mot de passe").fill("court")
        young.get_by_label("Confirmez le mot de passe").fill("court")
        young.get_by_role("button", name="Activer mon espace").click()
        expect(young.locator(".error-summary")).to_contain_text("au moins 12 caractères")
        expect(young.get_by_label("Adresse e-mail")).to_have_value("leo.martin@example.org")
        record(young, "activation-erreur", pages)
        password = "la riviere coule sous le pont"
        young.get_by_label("Choisissez un mot de passe").fill(password)
        young.get_by_label("Confirmez le mot de passe").fill(password)
        young.get_by_role("button", name="Activer mon espace").click()
        expect(young.locator(".notices")).to_contain_text("Votre espace santé est activé.")
        expect(young.locator("h1")).to_have_text("Connexion à votre espace santé")
        young.goto(server.url("/activation/not-a-real-token"))
        expect(young.locator("h1")).to_have_text("Lien d’activation non valable")
        record(young, "activation-invalide", pages)
        assert not young_console or all("404" in e for e in young_console), young_console
    finally:
        context.close()

    errors = vnu_errors(pages)
    assert not any(errors.values()), format_vnu_errors(errors)
    assert not console, f"console errors: {console}"
