"""French that reads right (names elided and agreed with), dates written day first in English,
and every e-mail in its recipient's language (issue 15)."""
import re
import subprocess
from datetime import date

import pytest
from conftest import csrf_from, hidden_fields, latest_mail, open_space
from flask_babel import force_locale

from portal.accounts.models import Account

CAMILLE, AMINA, JEAN = ("camille.martin@example.org", "amina.diallo@example.org",
                        "jean.dupont@example.org")


def choose_language(client, lang):
    page = client.get("/accessibilite")
    client.post("/langue", data={"csrf_token": csrf_from(page), "lang": lang,
                                 "next": "/accessibilite"})


# --- names in sentences -----------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("Amina Diallo", "L’espace d’Amina Diallo"),
    ("Hélène Roy", "L’espace d’Hélène Roy"),
    ("Yves Morel", "L’espace d’Yves Morel"),
    ("Œdipe Roi", "L’espace d’Œdipe Roi"),
    ("Camille Martin", "L’espace de Camille Martin"),
    ("Yasmine Benali", "L’espace de Yasmine Benali"),
    ("Dr Hugo Lefèvre", "L’espace du Dr Hugo Lefèvre"),
])
def test_de_elides_before_a_vowel_sound_and_contracts_before_a_title(app, name, expected):
    from portal.i18n import _n
    with app.test_request_context(), force_locale("fr"):
        assert _n("L’espace de %(name)s", name=name) == expected


def test_que_elides_and_a_sentence_names_the_doctor_with_le(app):
    from portal.i18n import _n
    with app.test_request_context(), force_locale("fr"):
        assert _n("Il n’y a que %(name)s.", name="Amina") == "Il n’y a qu’Amina."
        assert (_n("%(pro)s a ouvert l’espace de %(name)s.", pro="Dr Hugo Lefèvre",
                   name="Hélène Roy")
                == "Le Dr Hugo Lefèvre a ouvert l’espace d’Hélène Roy.")
        assert (_n("Ajouté par %(name)s.", name="Dr Nadia Benali")
                == "Ajouté par le Dr Nadia Benali.")
        # A colon does not start a sentence, and a label is not one.
        assert _n("Avec : %(name)s.", name="Dr Nadia Benali") == "Avec : Dr Nadia Benali."
        assert (_n("%(name)s – %(role)s", name="Dr Nadia Benali", role="Médecin")
                == "Dr Nadia Benali – Médecin")


def test_english_sentences_are_never_elided(app):
    from portal.i18n import _n
    with app.test_request_context(), force_locale("en"):
        text = _n("Dossier de %(name)s", name="Amina Diallo")
        assert "Amina Diallo" in text and "d’" not in text and "Dossier" not in text


def test_feminine_reads_the_persons_sex(ctx, person):
    from portal.i18n import feminine
    assert feminine(person("Camille")) and feminine("F") and feminine(
        Account.get(Account.email == CAMILLE))
    assert not feminine(person("Jean")) and not feminine(None)


def test_pages_elide_the_name_of_the_space_opened(ctx, login_as, person):
    from portal.access.models import Grant
    Grant.create(patient=person("Amina"), professional=Account.get(
        Account.email == "dr.benali@example.org"))
    benali = login_as("benali")
    assert open_space(benali, person("Amina").id).status_code == 302
    html = benali.get("/dossier/").get_data(as_text=True)
    assert "Dossier d’Amina Diallo" in html and "de Amina" not in html
    assert open_space(benali, person("Camille").id).status_code == 302
    assert "Dossier de Camille Martin" in benali.get("/dossier/").get_data(as_text=True)


def test_the_professional_is_told_the_patient_is_prevenue_or_prevenu(ctx, login_as, person):
    benali = login_as("benali")
    assert open_space(benali, person("Camille").id).status_code == 302
    html = " ".join(benali.get("/messagerie/pro/nouveau").get_data(as_text=True).split())
    assert "Camille Martin, qui est prévenue par un e-mail" in html
    assert open_space(benali, person("Jean").id).status_code == 302
    html = " ".join(benali.get("/messagerie/pro/nouveau").get_data(as_text=True).split())
    assert "Jean Dupont, qui est prévenu par un e-mail" in html


def test_a_blocked_professional_is_bloquee_or_bloque(ctx, login_as, person):
    from portal.access.models import Grant
    grants = [Grant.create(patient=person("Amina"), professional=Account.get(
        Account.email == email)) for email in ("dr.benali@example.org", "p.girard@example.org")]
    amina = login_as("amina")
    page_url = "/dossier/professionnels/"
    told = []
    for grant in grants:
        page = amina.get(page_url)
        amina.post(f"{page_url}{grant.id}/bloquer", data=hidden_fields(page))
        told.append(" ".join(amina.get(page_url).get_data(as_text=True).split()))
    assert "Le Dr Nadia Benali est bloquée : elle ne peut plus ouvrir cet espace." in told[0]
    assert "Paul Girard est bloqué : il ne peut plus ouvrir cet espace." in told[1]


def test_a_legal_representative_is_never_labelled_titulaire(ctx, login_as, person):
    camille = login_as("camille")
    own = camille.get("/dossier/").get_data(as_text=True)
    assert '<span class="role">(Titulaire)</span>' in own
    assert open_space(camille, person("Lina").id).status_code == 302
    html = camille.get("/dossier/historique/").get_data(as_text=True)
    assert '<span class="role">(Représentante légale)</span>' in html
    rows = re.findall(r"<tr>.*?</tr>", html, re.S)
    mine = [r for r in rows if "représentant légal, au nom de Lina Martin" in r]
    assert mine and all("Titulaire" not in r for r in mine)
    assert all("Représentante légale" in r for r in mine)


def test_the_relation_a_woman_acts_through_is_agreed(ctx, login_as, person):
    """The banner of a space opened for someone else, and the switcher, name the relation in
    the actor's gender: Camille is Lina's "représentante légale"."""
    from types import SimpleNamespace

    from portal.policy import DELEGATION, GUARDIAN, MANDATE, Relation
    camille = login_as("camille")
    assert open_space(camille, person("Lina").id).status_code == 302
    html = camille.get("/dossier/").get_data(as_text=True)
    assert "Vous agissez pour Lina Martin – Représentante légale" in " ".join(html.split())
    assert "Représentant légal<" not in html and "– Représentant légal" not in html
    lina = person("Lina")
    man, woman = (SimpleNamespace(person=SimpleNamespace(sex=sex)) for sex in "MF")
    for kind, masculine, feminine in ((GUARDIAN, "Représentant légal", "Représentante légale"),
                                      (DELEGATION, "Proche aidant (délégation)",
                                       "Proche aidante (délégation)"),
                                      (MANDATE, "Aidant numérique (mandat)",
                                       "Aidante numérique (mandat)")):
        relation = Relation(kind, lina)
        assert (str(relation.label_as(man)), str(relation.label_as(woman))) == (masculine,
                                                                                 feminine)


# --- dates ------------------------------------------------------------------------------------

def test_one_table_chooses_the_formats_per_language(app):
    from portal.i18n import format_date
    day = date(1980, 5, 14)
    with app.test_request_context(), force_locale("fr"):
        assert (format_date(day, "short"), format_date(day, "long")) == ("14/05/1980",
                                                                        "14 mai 1980")
    with app.test_request_context(), force_locale("en"):
        assert (format_date(day, "short"), format_date(day, "long")) == ("14/05/1980",
                                                                        "14 May 1980")
        assert format_date(day, "medium") == "14 May 1980"


def test_a_calendar_date_written_once_per_language_stays_in_each_language(app):
    """Calendar dates are kept once written (portal/i18n/dates.py): the same day asked in
    French, English, Arabic and French again is written in each one's words, and a datetime
    still follows the reader's time zone."""
    from datetime import datetime

    from portal.i18n import format_date
    day = date(1980, 5, 14)
    written = []
    for language in ("fr", "en", "ar", "fr", "en"):
        with app.test_request_context(), force_locale(language):
            written.append(format_date(day, "long"))
    assert written[:2] == ["14 mai 1980", "14 May 1980"] and written[3:] == written[:2]
    assert "1980" in written[2] and written[2] not in written[:2]
    late = datetime(1980, 5, 14, 23, 30)  # naive UTC: 15 May in Paris
    with app.test_request_context(), force_locale("fr"):
        assert format_date(late, "long") == "15 mai 1980"


def test_a_moment_is_written_as_its_day_in_the_readers_time_zone_as_babel_writes_it(app):
    """A datetime's date is written as the calendar date of its day in the reader's time zone
    (portal/i18n/dates.py, then kept once written): the same text flask_babel writes, around
    midnight, across the changes of hour, in every language and named format."""
    from datetime import datetime, timedelta

    from flask_babel import format_date as babel_format_date

    from portal.i18n import format_date
    from portal.i18n.dates import pattern
    moments = [datetime(2026, month, day, hour, 30) for month, day in ((3, 28), (3, 29),
               (10, 24), (10, 25), (12, 31)) for hour in (0, 1, 21, 22, 23)]
    moments.append(datetime(2026, 11, 23, 9) + timedelta(minutes=17))
    for language in ("fr", "en", "ar"):
        with app.test_request_context(), force_locale(language):
            for moment in moments:
                for name in ("short", "medium", "long", "full"):
                    assert format_date(moment, name) == babel_format_date(
                        moment, pattern("date", name)), (language, moment, name)


def test_an_english_page_writes_the_day_first(ctx, login_as):
    camille = login_as("camille")
    choose_language(camille, "en")
    html = camille.get("/dossier/").get_data(as_text=True)
    assert "14 May 1980" in html and "May 14, 1980" not in html


def test_the_english_emergency_card_writes_the_day_first(app, ctx, login_as, tmp_path):
    camille = login_as("camille")
    page = camille.get("/imprimer/")
    response = camille.post("/imprimer/carte", data={**hidden_fields(page),
                                                      "carte-language": "en"})
    assert response.status_code == 303
    job_id = int(re.search(r"/imprimer/(\d+)$", response.headers["Location"]).group(1))
    path = tmp_path / "card.pdf"
    path.write_bytes(camille.get(f"/imprimer/{job_id}/fichier").data)
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"],
                                   capture_output=True, check=True, text=True).stdout.split())
    assert "Emergency card" in text
    assert "14/05/1980" in text and "5/14/80" not in text


# --- e-mails in the recipient's language --------------------------------------------------------

def test_the_login_code_goes_out_in_the_accounts_language(ctx, app):
    Account.update(language="en").where(Account.email == JEAN).execute()
    client = app.test_client()  # a French browser: the e-mail follows the account
    page = client.get("/connexion")
    client.post("/connexion", data={"csrf_token": csrf_from(page), "email": JEAN,
                                    "password": "demo-carnet-2026"})
    message = latest_mail(app, JEAN)
    assert message.subject == "Your Carnet sign-in code"
    assert "Bonjour" not in message.body and re.search(r"\b\d{6}\b", message.body)


def test_a_language_chosen_before_logging_in_becomes_the_accounts(ctx, app, login_as):
    client = app.test_client()
    choose_language(client, "en")
    login_as("amina", client)
    assert Account.get(Account.email == AMINA).language == "en"


def test_a_notification_follows_each_recipients_language(ctx, app, login_as, person):
    """The emergency e-mails: the patient (English) and her doctor (French) each in theirs."""
    Account.update(language="en").where(Account.email == CAMILLE).execute()
    lefevre = login_as("lefevre")
    page = lefevre.get("/urgence/")
    response = lefevre.post("/urgence/", data={
        "csrf_token": csrf_from(page), "nir": person("Camille").nir,
        "birth_date": "14/05/1980", "confirm": "y",
        "reason": "Malaise sur la voie publique, patiente inconsciente."})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    told = latest_mail(app, CAMILLE)
    assert "Bonjour" not in told.body and "Dr Hugo Lefèvre" in told.body
    doctor = latest_mail(app, "dr.benali@example.org")
    assert doctor.subject == "Carnet : accès en urgence au dossier d’un de vos patients"
    assert "l’historique d’activité de la patiente" in doctor.body
    assert "14 May" not in doctor.body


def test_without_an_account_the_language_of_who_caused_the_email(ctx, app):
    from portal.mail import language_for
    jean = Account.get(Account.email == JEAN)
    jean.language = "en"
    with app.test_request_context():
        assert language_for("nobody@example.org", caused_by=jean) == "en"
        assert language_for("nobody@example.org", caused_by="de") == "fr"
        assert language_for(JEAN.upper(), caused_by="en") == "fr"  # the account's own


def test_dates_are_formatted_only_through_the_one_module():
    """Babel's own date functions write English month first: only portal/i18n/dates.py calls
    them, with the per-language table."""
    import pathlib
    root = pathlib.Path(__file__).resolve().parents[2] / "portal"
    pattern = re.compile(r"from flask_babel import[^\n]*\bformat_(date|datetime|time)\b|"
                         r"from babel import dates|babel\.dates")
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py")
                 if path.parent.name != "i18n" and pattern.search(path.read_text())]
    assert not offenders
