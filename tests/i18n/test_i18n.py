"""French is the source language; the English catalog must be complete and up to date."""
import os
import subprocess

from babel.messages.pofile import read_po
from conftest import ROOT_DIR, csrf_from

PO = f"{ROOT_DIR}/translations/en/LC_MESSAGES/messages.po"


def catalog():
    with open(PO, "rb") as handle:
        return read_po(handle)


def test_every_english_message_is_translated_and_not_fuzzy():
    missing = [m.id for m in catalog() if m.id and (
        m.fuzzy or not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    assert not missing, f"untranslated: {missing[:10]} (run scripts/i18n.sh, then translate)"


def test_catalog_covers_every_string_in_the_sources(tmp_path):
    pot = tmp_path / "messages.pot"
    # babel.cfg loads the templates' post_form extension from the project (as scripts/i18n.sh).
    env = os.environ | {"PYTHONPATH": ROOT_DIR}
    subprocess.run([f"{ROOT_DIR}/.venv/bin/pybabel", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-k", "_n", "-k", "_ln", "-o", str(pot), "."],
                   cwd=ROOT_DIR, check=True, capture_output=True, env=env)
    with open(pot, "rb") as handle:
        source_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    # A template that holds a form is read too: Jinja's extractor skips, silently, a template
    # it cannot parse (a tag it does not know), and the catalog would lose its strings.
    assert "Recevoir un code" in source_ids  # templates/accounts/recovery_request.html
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog() if m.id}
    new = sorted(source_ids - known)
    assert not new, f"strings missing from the catalog (run scripts/i18n.sh): {new[:10]}"


def test_placeholders_survive_translation():
    import re
    for message in catalog():
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\((\w+)\)s", " ".join(ids)))
        for text in strings:
            assert set(re.findall(r"%\((\w+)\)s", text)) <= wanted | {"num"}, message.id


def test_switching_to_english_translates_the_page_and_is_remembered(app, login_as, ctx):
    from portal.accounts.models import Account
    client = app.test_client()
    page = client.get("/connexion")
    assert '<html lang="fr" dir="ltr">' in page.get_data(as_text=True)
    client.post("/langue", data={"csrf_token": csrf_from(page), "lang": "en",
                                 "next": "/connexion"})
    english = client.get("/connexion").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in english
    assert "Adresse e-mail" not in english and "Mot de passe" not in english
    logged = login_as("jean")
    settings = logged.get("/parametres/")
    logged.post("/langue", data={"csrf_token": csrf_from(settings), "lang": "en"})
    assert Account.get(Account.email == "jean.dupont@example.org").language == "en"
    again = login_as("jean")
    assert '<html lang="en" dir="ltr">' in again.get("/dossier/").get_data(as_text=True)


def test_browser_language_is_used_when_nothing_was_chosen(client):
    page = client.get("/connexion", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en" dir="ltr">' in page.get_data(as_text=True)
    page = client.get("/connexion", headers={"Accept-Language": "de-DE"})
    assert '<html lang="fr" dir="ltr">' in page.get_data(as_text=True)


def test_no_translation_call_hides_inside_an_f_string():
    """pybabel's extractor (Python 3.11) reads an f-string as one string token: a `_()` written
    inside one never reaches the catalogue, and the page shows French in every language (the
    activation form's birth date message did)."""
    import pathlib
    import re
    root = pathlib.Path(__file__).resolve().parents[2] / "portal"
    hidden = re.compile(r"""\bf(["'])[^\n]*?\{\s*(_|_l|_n|gettext|ngettext|lazy_gettext)\(""")
    found = [f"{path.relative_to(root.parent)}:{number}"
             for path in root.rglob("*.py")
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if hidden.search(line)]
    assert not found, found


def test_the_birth_date_message_is_translated(client):
    from conftest import csrf_from
    page = client.get("/activation", headers={"Accept-Language": "en"})
    response = client.post("/activation", data={"csrf_token": csrf_from(page)},
                           headers={"Accept-Language": "en"})
    text = response.get_data(as_text=True)
    assert "Enter the date of birth." in text and "Saisissez la date" not in text
