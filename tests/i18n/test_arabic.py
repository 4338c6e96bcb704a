"""Arabic, the third language: pages and papers right to left (`dir` from Babel), values that
must read left to right isolated through one filter, Latin digits, a complete `ar` catalogue
with the source's placeholders, and an Arabic PDF that stays tagged and set in Amiri."""
import os
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from babel.messages.pofile import read_po
from conftest import ROOT_DIR, csrf_from
from markupsafe import Markup

from portal.accounts.nir import spaced

AR_PO = Path(ROOT_DIR) / "translations" / "ar" / "LC_MESSAGES" / "messages.po"
ARTIFACTS = Path(ROOT_DIR) / "test-artifacts" / "pdf"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def arabic_catalogue():
    from babel.support import Translations
    return Translations.load(str(Path(ROOT_DIR) / "translations"), ["ar"])


def switch_to_arabic(client, page="/connexion"):
    response = client.get(page)
    client.post("/langue", data={"csrf_token": csrf_from(response), "lang": "ar", "next": page})
    return client


# --- direction ----------------------------------------------------------------------------

def test_an_arabic_page_is_right_to_left_and_the_others_left_to_right(app, client):
    french = client.get("/connexion").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in french
    # The switcher names each other language in itself, with its own direction.
    assert 'value="ar" class="link" lang="ar" dir="rtl">العربية</button>' in french
    assert 'value="en" class="link" lang="en" dir="ltr">English</button>' in french
    arabic = switch_to_arabic(client).get("/connexion").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in arabic
    title = arabic_catalogue().gettext("Connexion à votre espace santé")
    assert title != "Connexion à votre espace santé" and title in arabic  # not left in French
    assert 'value="fr" class="link" lang="fr" dir="ltr">Français</button>' in arabic
    assert 'value="ar"' not in arabic


def test_the_browser_asking_for_arabic_gets_arabic(client):
    page = client.get("/connexion", headers={"Accept-Language": "ar-MA,ar;q=0.9,fr;q=0.5"})
    assert '<html lang="ar" dir="rtl">' in page.get_data(as_text=True)


def test_arabic_is_remembered_on_the_account(app, login_as, ctx):
    from portal.accounts.models import Account
    client = login_as("jean")
    switch_to_arabic(client, "/dossier/")
    assert Account.get(Account.email == "jean.dupont@example.org").language == "ar"
    again = login_as("jean")
    assert '<html lang="ar" dir="rtl">' in again.get("/dossier/").get_data(as_text=True)


def test_the_dossier_in_arabic_isolates_the_nir_and_the_phone_left_to_right(app, login_as,
                                                                            person):
    jean = person("Jean")
    client = switch_to_arabic(login_as("jean"), "/dossier/")
    html = client.get("/dossier/").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert f'<dd><bdi dir="ltr">{spaced(jean.nir)}</bdi></dd>' in html
    assert '<dd><bdi dir="ltr">05 55 20 11 42</bdi></dd>' in html


def test_a_dose_and_a_measure_are_isolated_left_to_right(app, login_as, person, ctx):
    from portal.accounts.models import Account
    from portal.profile.models import Treatment
    camille = person("Camille")
    author = Account.get(Account.person == camille.id)
    Treatment.create(patient=camille.id, author=author, name="Lévothyroxine", dose="75 µg/j")
    client = switch_to_arabic(login_as("camille"), "/dossier/")
    assert '– <bdi dir="ltr">75 µg/j</bdi>' in client.get("/dossier/").get_data(as_text=True)
    text = client.get("/dossier/mesures/").get_data(as_text=True)
    values = re.findall(r'<p class="measure-value"><bdi dir="ltr">([^<]+)</bdi></p>', text)
    assert values, "no measure value isolated left to right"
    assert all(re.search(r"[0-9]", v) and not re.search("[\u0660-\u0669]", v) for v in values)


# --- the filter and the digits ------------------------------------------------------------

def test_ltr_wraps_escapes_and_drops_directional_marks():
    from portal.bidi import ltr
    assert ltr("06 12 34 56 78") == '<bdi dir="ltr">06 12 34 56 78</bdi>'
    assert ltr("<b>&") == '<bdi dir="ltr">&lt;b&gt;&amp;</bdi>'
    assert ltr(Markup("<span>AB12</span>")) == '<bdi dir="ltr"><span>AB12</span></bdi>'
    assert ltr("14\u200f/5\u200f/2026") == '<bdi dir="ltr">14/5/2026</bdi>'
    assert ltr(None) == "" and ltr("") == ""


def test_arabic_writes_latin_digits_on_purpose(app):
    from datetime import date

    from flask_babel import force_locale, format_date, format_decimal

    from portal.bidi import NUMBERING_SYSTEM, html_attributes, numbering_system, text_direction
    assert numbering_system("ar") == NUMBERING_SYSTEM == "latn"
    assert text_direction("ar") == "rtl" and text_direction("fr") == "ltr"
    assert html_attributes("ar") == 'lang="ar" dir="rtl"'
    with app.test_request_context(), force_locale("ar"):
        assert format_decimal(72.5) == "72.5"
        written = format_date(date(1980, 5, 14), "short") + format_date(date(1980, 5, 14), "long")
    assert not re.search("[\u0660-\u0669\u06f0-\u06f9]", written), written


# --- the catalogue ------------------------------------------------------------------------
# This fails until the full Arabic translation is merged: the wiring seeded only the strings of
# the layout, the menu, the login and the dossier.

def _placeholders(text):
    return sorted(PLACEHOLDER.findall(text))


def test_every_arabic_message_is_translated_with_the_same_placeholders():
    with open(AR_PO, "rb") as handle:
        catalog = read_po(handle)
    missing, fuzzy, wrong = [], [], []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            fuzzy.append(ids[0])
        if not all(strings):
            missing.append(ids[0])
            continue
        wanted = set(_placeholders(" ".join(ids)))
        for text in strings:
            # Plural forms may leave the count out (Arabic's "one" and "two" say it in words).
            got = set(_placeholders(text))
            if got != wanted and not (len(ids) > 1 and got == wanted - {"num"}):
                wrong.append((ids[0], text))
    assert not missing, f"{len(missing)} untranslated, e.g. {missing[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
    assert not wrong, f"placeholders differ from the source: {wrong[:5]}"


def test_the_arabic_catalogue_is_kept_up_to_date_by_the_i18n_script(tmp_path):
    script = (Path(ROOT_DIR) / "scripts" / "i18n.sh").read_text()
    assert "pybabel update -i translations/messages.pot -d translations" in script
    with open(AR_PO, "rb") as handle:
        catalog = read_po(handle)
    pot = tmp_path / "messages.pot"
    # PYTHONPATH as scripts/i18n.sh sets it: babel.cfg loads the post_form tag from portal/.
    subprocess.run([f"{ROOT_DIR}/.venv/bin/pybabel", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
                   cwd=ROOT_DIR, check=True, capture_output=True,
                   env=os.environ | {"PYTHONPATH": ROOT_DIR})
    with open(pot, "rb") as handle:
        source = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    assert not sorted(source - known)[:10]


# --- papers -------------------------------------------------------------------------------

def _fonts(pdf_path):
    with pikepdf.open(pdf_path) as document:
        names = set()
        for page in document.pages:
            for font in (page.Resources.get("/Font") or {}).values():
                names.add(str(font.get("/BaseFont")))
        return names


def test_the_emergency_card_in_arabic_is_right_to_left_tagged_and_set_in_amiri(
        app, ctx, person, tmp_path):
    from portal.accounts.models import Account
    from portal.pdf import layout, write_pdf
    from portal.summary.models import PrintJob
    from portal.summary.tasks import html_for
    camille = person("Camille")
    account = Account.get(Account.person == camille.id)
    job = PrintJob.create(patient=camille.id, requested_by=account.id, kind="carte",
                          language="ar", sections="")
    with app.app_context():
        html = html_for(job, "self")
        pdf = write_pdf(html, app.static_folder)
    assert '<html lang="ar" dir="rtl">' in html
    assert '<bdi dir="ltr">06 58 21 47 93</bdi>' in html   # the contact's phone
    assert '<bdi dir="ltr">14/05/1980</bdi>' in html  # Babel's right-to-left marks dropped
    # The front comes first in the reading direction: on the right.
    document = layout(html, app.static_folder)
    page = document.pages[0]
    faces = {}
    stack = [page._page_box]
    while stack:
        box = stack.pop()
        if type(box).__name__ == "AbsolutePlaceholder":
            box = box._box
        element = getattr(box, "element", None)
        if element is not None and type(box).__name__ == "BlockBox":
            for side in ("front", "back"):
                if side in (element.get("class") or "").split():
                    faces[side] = box.position_x
        stack.extend(getattr(box, "children", []) or [])
    assert faces["front"] > faces["back"]
    path = tmp_path / "card-ar.pdf"
    path.write_bytes(pdf)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "card-ar.pdf").write_bytes(pdf)
    with pikepdf.open(path) as document:
        assert "/StructTreeRoot" in document.Root and bool(document.Root.MarkInfo.Marked)
        assert str(document.Root.Lang) == "ar"
    assert any("Amiri" in name for name in _fonts(path)), _fonts(path)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "06 58 21 47 93" in text   # read back in its own order
    assert "بطاقة الطوارئ" in text   # the paper speaks Arabic (the catalogue, through force_locale)


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_summary_is_tagged_in_each_direction(app, ctx, person, tmp_path, language):
    from portal.accounts.models import Account
    from portal.pdf import write_pdf
    from portal.summary.models import SECTIONS, PrintJob
    from portal.summary.tasks import html_for
    camille = person("Camille")
    account = Account.get(Account.person == camille.id)
    job = PrintJob.create(patient=camille.id, requested_by=account.id, kind="synthese",
                          language=language, sections=",".join(SECTIONS))
    with app.app_context():
        html = html_for(job, "self")
        pdf = write_pdf(html, app.static_folder)
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert f'<td><bdi dir="ltr">{spaced(camille.nir)}</bdi></td>' in html
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf)
    (ARTIFACTS / f"summary-{language}-direction.pdf").parent.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"summary-{language}-direction.pdf").write_bytes(pdf)
    with pikepdf.open(path) as document:
        assert str(document.Root.Lang) == language
        assert "/StructTreeRoot" in document.Root
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert spaced(camille.nir) in text


def test_arabic_dates_are_day_first_on_the_24_hour_clock(app):
    """Appointments in France are at 14:30, not 2:30 م; numeric dates carry no hidden marks."""
    from datetime import date, datetime

    from flask_babel import force_locale

    from portal.i18n.dates import format_date, format_datetime
    with app.test_request_context("/"), force_locale("ar"):
        assert format_date(date(1980, 5, 14), "short", rebase=False) == "14/05/1980"
        shown = format_datetime(datetime(2026, 11, 23, 14, 30), "short", rebase=False)
        assert shown == "23/11/2026 14:30"
        assert "14:30" in format_datetime(datetime(2026, 11, 23, 14, 30), "long", rebase=False)


# --- text people typed, in its own direction ----------------------------------------------

def test_user_text_is_isolated_in_its_own_direction_when_it_could_reorder_the_page():
    from portal.bidi import first_strong_direction, user
    # A Latin name in an Arabic page, an Arabic name in a French page: isolated, direction given.
    assert user("Jean Dupont.", "rtl") == '<bdi dir="ltr">Jean Dupont.</bdi>'
    assert user("أمينة ديالو", "ltr") == '<bdi dir="rtl">أمينة ديالو</bdi>'
    # Latin digits in an Arabic page too; no strong character: the page's direction.
    assert user("12-3", "rtl") == '<bdi dir="rtl">12-3</bdi>'
    # Text of the page's own direction stays plain (and escaped).
    assert user("Jean <b>", "ltr") == "Jean &lt;b&gt;" and user("أمينة", "rtl") == "أمينة"
    # A pasted right-to-left override cannot flip the rest of a French page.
    assert user("abc\u202edef", "ltr") == '<bdi dir="ltr">abc\u202edef</bdi>'
    # P2: what lies inside an isolate does not decide; Arabic first decides right to left.
    assert first_strong_direction("\u2066Jean\u2069 أمينة") == "rtl"
    assert first_strong_direction("2026 Doliprane") == "ltr"
    assert first_strong_direction("12") is None
    assert user(Markup('<bdi dir="ltr">75 mg</bdi>'), "rtl") == '<bdi dir="ltr">75 mg</bdi>'
    assert user(None) == "" and user("") == ""


def test_a_latin_name_and_treatment_are_isolated_in_an_arabic_page(app, login_as, person, ctx):
    from portal.accounts.models import Account
    from portal.profile.models import Treatment
    camille = person("Camille")
    author = Account.get(Account.person == camille.id)
    Treatment.create(patient=camille.id, author=author, name="Doliprane", dose="1 g")
    client = switch_to_arabic(login_as("camille"), "/dossier/")
    html = client.get("/dossier/").get_data(as_text=True)
    assert f'<p class="who"><bdi dir="ltr">{author.display_name}</bdi>' in html
    assert '<li><bdi dir="ltr">Doliprane</bdi> – <bdi dir="ltr">1 g</bdi>' in html
    # The same page in French keeps the Latin text plain.
    french = client.get("/dossier/", headers={"Accept-Language": "fr"})
    client.post("/langue", data={"csrf_token": csrf_from(french), "lang": "fr", "next": "/"})
    html = client.get("/dossier/").get_data(as_text=True)
    assert f'<p class="who">{author.display_name} ' in html and "<li>Doliprane – " in html


def test_an_arabic_entry_is_isolated_right_to_left_in_a_french_page(app, login_as, person, ctx):
    from portal.accounts.models import Account
    from portal.profile.models import Treatment
    camille = person("Camille")
    author = Account.get(Account.person == camille.id)
    Treatment.create(patient=camille.id, author=author, name="دواء السعال", dose="5 ml")
    html = login_as("camille").get("/dossier/").get_data(as_text=True)
    assert '<li><bdi dir="rtl">دواء السعال</bdi> – ' in html


def test_names_in_translated_sentences_are_isolated(app):
    from flask import render_template_string
    from flask_babel import force_locale
    source = '{{ _n("L’espace de %(name)s", name=who) }}'
    with app.test_request_context("/"):
        with force_locale("ar"):
            arabic = render_template_string(source, who="Amina Diallo")
        with force_locale("fr"):
            french = render_template_string(source, who="Amina Diallo")
            mixed = render_template_string(source, who="أمينة")
    assert '<bdi dir="ltr">Amina Diallo</bdi>' in arabic
    assert french == "L’espace d’Amina Diallo"   # elision still decided on the name itself
    assert mixed == 'L’espace de <bdi dir="rtl">أمينة</bdi>'
    # Where tags cannot go (a <title>), the isolate becomes its Unicode controls (LRI … PDI).
    with app.test_request_context("/"), force_locale("ar"):
        title = render_template_string("<title>{{ (%s)|plain }}</title>" % source[3:-3],
                                       who="Amina <Diallo>")
    assert "<title>" in title and "\u2066Amina &lt;Diallo&gt;\u2069</title>" in title
    assert "<bdi" not in title and "&lt;bdi" not in title


def test_the_arabic_summary_pdf_writes_the_name_direction_explicitly(app, ctx, person):
    from portal.accounts.models import Account
    from portal.summary.models import SECTIONS, PrintJob
    from portal.summary.tasks import html_for
    camille = person("Camille")
    account = Account.get(Account.person == camille.id)
    job = PrintJob.create(patient=camille.id, requested_by=account.id, kind="synthese",
                          language="ar", sections=",".join(SECTIONS))
    with app.app_context():
        html = html_for(job, "self")
    # WeasyPrint ignores dir="auto": the direction is written out.
    assert f'<h1><bdi dir="ltr">{camille.full_name}</bdi>' in html
    assert 'dir="auto"' not in html


# --- inputs that are always left to right -------------------------------------------------

def test_values_always_written_left_to_right_have_ltr_inputs(app):
    from flask import render_template_string

    from portal.accounts.forms import CodeForm, LoginForm
    from portal.emergency.forms import DeclareForm
    source = '{% from "components/field.html" import field %}{{ field(f) }}'

    def rendered(field):
        return render_template_string(source, f=field)

    def has_ltr(html, field_id):
        tag = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*>', html).group(0)
        return 'dir="ltr"' in tag

    with app.test_request_context("/"):
        login, code, declare = LoginForm(meta={"csrf": False}), CodeForm(meta={"csrf": False}), \
            DeclareForm(meta={"csrf": False})
        assert has_ltr(rendered(login.email), "email")            # by its type
        assert has_ltr(rendered(declare.birth_date), "birth_date")  # a date typed as digits
        assert has_ltr(rendered(declare.nir), "nir")              # by the LeftToRight flag
        assert has_ltr(rendered(code.code), "code")
        assert not has_ltr(rendered(login.password), "password")  # what a person may type freely


def test_the_login_page_in_arabic_has_its_email_input_left_to_right(app, client):
    html = switch_to_arabic(client).get("/connexion").get_data(as_text=True)
    assert re.search(r'<input[^>]*\bdir="ltr"[^>]*\bid="email"', html)


# --- the prescription in the patient's language -------------------------------------------

def _prescription_for(person_name, language, ctx, person):
    from portal.accounts.models import Account
    from portal.prescriptions.models import issue
    patient = person(person_name)
    Account.update(language=language).where(Account.person == patient.id).execute()
    benali = Account.get(Account.email == "dr.benali@example.org")
    lines = [{"medicine": "Doliprane 1 g", "dosage": "1 comprimé 3 fois par jour",
              "duration": "5 jours", "renewals": 0, "instructions": ""}]
    return issue(patient, benali, lines, notify=False), benali


def _pdf_text(data, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(data)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return path, text


def test_an_arabic_reader_gets_an_arabic_prescription_with_its_french_mentions(
        app, ctx, person, tmp_path):
    from portal.documents.store import read_content
    from portal.pdf import render_html
    from portal.prescriptions.models import paper_language
    from portal.prescriptions.models import qr_svg as qr
    with app.app_context():
        prescription, benali = _prescription_for("Camille", "ar", ctx, person)
        assert paper_language(prescription.patient) == "ar"
        data = read_content(prescription.document)
        html = render_html("prescription.html", locale="ar", prescription=prescription,
                           lines=prescription.ordered_lines(), qr=qr(prescription.code))
    assert '<html lang="ar" dir="rtl">' in html
    # What the prescriber typed, isolated left to right; the RPPS a left-to-right number.
    assert '<p class="medicine"><bdi dir="ltr">Doliprane 1 g</bdi></p>' in html
    assert f'<bdi dir="ltr">{benali.rpps}</bdi>' in html
    # The mandatory mentions in French too, as French left-to-right text.
    assert '<span class="fr"><bdi lang="fr" dir="ltr">Ordonnance</bdi></span>' in html
    path, text = _pdf_text(data, tmp_path, "prescription-ar.pdf")
    arabic = arabic_catalogue().gettext("Ordonnance")
    assert arabic != "Ordonnance" and arabic in text
    assert "Doliprane 1 g" in text and "1 comprimé 3 fois par jour" in text  # logical order
    assert benali.rpps in text and "Ordonnance" in text and "Date de naissance" in text
    assert any("Amiri" in name for name in _fonts(path)), _fonts(path)


def test_a_french_reader_gets_the_french_prescription_alone(app, ctx, person, tmp_path):
    from portal.documents.store import read_content
    with app.app_context():
        prescription, _ = _prescription_for("Camille", "fr", ctx, person)
        data = read_content(prescription.document)
    path, text = _pdf_text(data, tmp_path, "prescription-fr-only.pdf")
    assert "Ordonnance" in text and text.count("Date de naissance") == 1
    assert not any("Amiri" in name for name in _fonts(path))
