"""E-mail notifications and their preferences (Paramètres › Notifications): each optional kind
is honoured both ways, security kinds cannot be turned off (not even by a forged POST), a legal
representative follows their own choices, no notification carries medical content, the
new-session e-mail, and a professional's opening of a space told once a day."""
import re
from datetime import datetime

import pytest
from conftest import at, hidden_fields, open_space, outbox, redeem
from helpers import DEPOSIT, REASON, create_code, declare, doc_id, send_file, tiny_pdf

PAGE = "/parametres/notifications"
JEAN_EMAIL = "jean.dupont@example.org"
CAMILLE_EMAIL = "camille.martin@example.org"
OPTIONAL = ("message", "document", "pro_access", "appointment", "prevention")
# The prevention reminders' themes, each with its own checkbox under "prevention".
THEMES = ("prevention_vaccination", "prevention_screening", "prevention_checkup",
          "prevention_dental")
CHECKBOXES = OPTIONAL + THEMES
SESSION_SUBJECT = "Nouvelle connexion à votre compte Carnet"
VISIT_SUBJECT = "Carnet : un professionnel de santé a ouvert un espace santé"
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0"


def checkboxes(page):
    """{kind: ticked} for the page's checkboxes."""
    html = page.get_data(as_text=True)
    return {re.search(r'name="email_([a-z_]+)"', tag).group(1): " checked" in tag
            for tag in re.findall(r'<input [^>]*type="checkbox"[^>]*>', html)}


def choose(client, off=(), extra=None):
    """Submit the page as a person would: every checkbox shown ticked except `off`."""
    page = client.get(PAGE)
    data = {**hidden_fields(page), **{f"email_{k}": "y" for k in checkboxes(page)
                                      if k not in off}, **(extra or {})}
    return client.post(PAGE, data=data)


def saved(email):
    from portal.accounts.models import Account
    from portal.notifications.models import NotificationPreference
    return {row.kind: row.enabled for row in NotificationPreference.select().join(Account)
            .where(Account.email == email)}


def wants(email, kind):
    from portal.accounts.models import Account
    from portal.notifications import wants as account_wants
    return account_wants(Account.get(Account.email == email), kind)


# --- the model ------------------------------------------------------------------------------

@pytest.mark.db
def test_every_kind_is_on_by_default_and_security_kinds_cannot_be_stored(app, ctx):
    from portal.accounts.models import Account
    from portal.notifications import KINDS, save_preferences
    from portal.notifications.models import NotificationPreference
    camille = Account.get(Account.email == CAMILLE_EMAIL)
    assert all(wants(CAMILLE_EMAIL, kind) for kind in KINDS)
    assert save_preferences(camille, {"document": False, "message": True}) == ["document"]
    assert save_preferences(camille, {"document": False}) == []  # unchanged: nothing written
    assert save_preferences(camille, {"document": True}) == ["document"]  # upsert both ways
    assert saved(CAMILLE_EMAIL) == {"document": True}
    for kind in ("new_session", "emergency_access", "unknown"):
        with pytest.raises(ValueError):
            save_preferences(camille, {kind: False})
    # Even a row written behind the form's back does not silence a security e-mail.
    NotificationPreference.create(account=camille, kind="new_session", enabled=False)
    assert wants(CAMILLE_EMAIL, "new_session")
    with pytest.raises(KeyError):
        wants(CAMILLE_EMAIL, "newsletter")


# --- the page -------------------------------------------------------------------------------

def test_the_page_lists_what_each_email_says_and_why_security_ones_stay_on(login_as):
    response = login_as("camille").get(PAGE)
    assert checkboxes(response) == dict.fromkeys(CHECKBOXES, True)  # every kind on by default
    page = response.get_data(as_text=True)
    assert "ils ne contiennent jamais d’information médicale" in page
    assert "ni son titre ni son contenu n’y figurent" in page
    assert "au plus un e-mail par jour et par professionnel" in page
    assert "jamais son motif" in page
    assert "E-mails de sécurité, toujours envoyés" in page
    assert "Toujours envoyé : si quelqu’un d’autre se connecte à votre compte" in page
    assert "Toujours envoyé : c’est le seul moyen de savoir sans attendre" in page
    assert 'name="email_new_session"' not in page and 'name="email_emergency_access"' not in page
    assert "disabled" not in page
    # Camille is Lina's mother: her choices apply to the e-mails about Lina too.
    assert "que vous représentez légalement : Lina Martin." in page
    assert "/parametres/notifications" in login_as("camille").get("/parametres/").get_data(
        as_text=True)


@pytest.mark.parametrize("role, kinds, security", [
    ("benali", ["message"], ["Accès en urgence au dossier", "Nouvelle connexion",
                             "Changement de la sécurité de votre compte"]),
    ("sophie", [], ["Nouvelle connexion", "Changement de la sécurité de votre compte"]),
    ("operateur", [], ["Nouvelle connexion", "Changement de la sécurité de votre compte"]),
])
def test_other_roles_see_only_the_kinds_that_concern_them(login_as, ctx, role, kinds,
                                                          security):
    response = login_as(role).get(PAGE)
    page = response.get_data(as_text=True)
    assert list(checkboxes(response)) == kinds
    for label in security:
        assert label in page
    if not kinds:
        assert "Aucun e-mail facultatif ne concerne votre compte" in page
        assert "Accès en urgence au dossier" not in page
        assert "E-mails de sécurité, toujours envoyés" in page
        assert "quand quelqu’un entre dans votre compte ou change ce qui le protège" in page
    if role == "benali":
        assert "Si vous êtes le médecin traitant d’un patient" in page
        choose(login_as(role), off=("message",))
        assert not wants("dr.benali@example.org", "message")
    assert "Lina Martin" not in page


def test_saving_is_post_redirect_get_with_a_notice_and_a_journal_entry(app, login_as, ctx):
    from portal.audit import ActivityEvent
    camille = login_as("camille")
    response = choose(camille, off=("document", "appointment"))
    assert response.status_code == 303 and response.headers["Location"].endswith(PAGE)
    page = camille.get(PAGE)
    assert "Vos choix de notifications sont enregistrés." in page.get_data(as_text=True)
    assert checkboxes(page) == {"message": True, "document": False, "pro_access": True,
                                "appointment": False, **dict.fromkeys(("prevention",) + THEMES,
                                                                      True)}
    assert saved(CAMILLE_EMAIL) == {"document": False, "appointment": False}
    event = ActivityEvent.get(ActivityEvent.action == "notifications.preferences_changed")
    assert event.detail == "appointment=off, document=off" and event.patient_id is None
    # Saving again without change writes nothing more.
    choose(camille, off=("document", "appointment"))
    assert ActivityEvent.select().where(
        ActivityEvent.action == "notifications.preferences_changed").count() == 1


def test_the_choices_are_the_account_s_own_whatever_space_is_open(login_as, person, ctx):
    camille = login_as("camille")
    assert open_space(camille, person("Lina").id).status_code == 302
    assert "Vous agissez pour Lina Martin" in camille.get(PAGE).get_data(as_text=True)
    choose(camille, off=("message",))
    assert saved(CAMILLE_EMAIL) == {"message": False}


def test_the_form_needs_its_csrf_token(login_as, ctx):
    camille = login_as("camille")
    response = camille.post(PAGE, data={"email_message": "y"})
    assert response.status_code == 400
    assert "ce formulaire a expiré" in response.get_data(as_text=True)
    assert saved(CAMILLE_EMAIL) == {}


def test_a_forged_post_cannot_turn_the_security_emails_off(app, login_as, ctx):
    jean = login_as("jean")
    response = choose(jean, off=CHECKBOXES, extra={
        "email_new_session": "", "email_emergency_access": "", "new_session": "0",
        "emergency_access": "false"})
    assert response.status_code == 303
    assert saved(JEAN_EMAIL) == dict.fromkeys(CHECKBOXES, False)
    logins = len(outbox(JEAN_EMAIL, SESSION_SUBJECT))
    login_as("jean")
    assert len(outbox(JEAN_EMAIL, SESSION_SUBJECT)) == logins + 1
    assert declare(login_as("lefevre")).status_code == 303
    [told] = outbox(JEAN_EMAIL, "Carnet : accès en urgence à un espace santé")
    assert "Le Dr Hugo Lefèvre a déclaré une urgence" in told.body
    assert "a ouvert votre espace santé pour 2 heures" in told.body and REASON not in told.body


# --- each optional kind, both ways ------------------------------------------------------------

@pytest.mark.parametrize("kind", OPTIONAL)
def test_each_optional_kind_follows_the_choice(app, login_as, person, ctx, kind):
    from portal.notifications import notify
    camille = login_as("camille")
    own_id = person("Camille").id

    def sent():
        with app.test_request_context():
            return notify(own_id, kind, "Sujet", "Quelque chose s’est passé.")
    choose(camille, off=(kind,))
    before = len(outbox(CAMILLE_EMAIL))
    assert sent() == 0 and len(outbox(CAMILLE_EMAIL)) == before
    choose(camille)
    assert sent() == 1
    [message] = outbox(CAMILLE_EMAIL)[before:]
    assert "Quelque chose s’est passé." in message.body
    assert "ce message ne contient aucune information médicale" in message.body


@pytest.mark.parametrize("patient, reader, address, opened, added", [
    ("Jean", "jean", JEAN_EMAIL, "a ouvert votre espace santé Carnet aujourd’hui.",
     "a été ajouté à votre dossier Carnet par le Dr Nadia Benali."),
    # Lina (a minor, no account): her mother is told, as her own choices say.
    ("Lina", "camille", CAMILLE_EMAIL,
     "a ouvert aujourd’hui l’espace santé Carnet de Lina Martin.",
     "a été ajouté au dossier Carnet de Lina Martin par le Dr Nadia Benali."),
])
def test_a_new_document_follows_the_reader_s_choice(login_as, person, ctx, patient, reader,
                                                     address, opened, added):
    client = login_as(reader)
    choose(client, off=("document",))
    benali = login_as("benali")
    assert open_space(benali, person(patient).id).status_code == 302
    [visit] = outbox(address, VISIT_SUBJECT)  # pro_access is still on
    assert "Dr Nadia Benali " + opened in visit.body
    before = len(outbox(address))
    doc_id(send_file(benali, tiny_pdf(), "cr.pdf", url=DEPOSIT, title="Bilan"))
    assert len(outbox(address)) == before
    choose(client)
    doc_id(send_file(benali, tiny_pdf(), "cr.pdf", url=DEPOSIT, title="Bilan"))
    [told] = outbox(address)[before:]
    assert told.subject == "Nouveau document dans Carnet"
    assert "Un nouveau document " + added in told.body


def test_an_access_code_used_follows_the_patient_s_choice(login_as, ctx):
    camille = login_as("camille")
    choose(camille, off=("pro_access",))
    before = len(outbox(CAMILLE_EMAIL))
    assert redeem(login_as("lefevre"), create_code(camille)).status_code == 303
    assert len(outbox(CAMILLE_EMAIL)) == before
    choose(camille)
    assert redeem(login_as("girard"), create_code(camille)).status_code == 303
    [told] = outbox(CAMILLE_EMAIL)[before:]
    assert told.subject == "Carnet : un code d’accès a été utilisé"
    assert "Paul Girard a utilisé un code d’accès à votre espace santé." in told.body
    assert "rubrique « Professionnels de santé »" in told.body


# --- a professional's opening of a space: once a day -------------------------------------------

def test_a_professional_opening_the_space_is_told_once_a_day(app, login_as, person, ctx):
    from portal.access.models import Grant
    jean = person("Jean")

    def visits():
        return outbox(JEAN_EMAIL, VISIT_SUBJECT)
    with at(2026, 3, 16, 9, 0):  # 10:00 in Paris
        benali = login_as("benali")
        assert open_space(benali, jean.id).status_code == 302
        assert open_space(benali, jean.id).status_code == 302
        [first] = visits()
        assert "Le Dr Nadia Benali a ouvert votre espace santé Carnet aujourd’hui." in first.body
        assert "au plus un e-mail par jour et par professionnel" in first.body
    with at(2026, 3, 16, 22, 30):  # 23:30 in Paris: the same day
        assert open_space(login_as("benali"), jean.id).status_code == 302
        assert len(visits()) == 1
    with at(2026, 3, 16, 23, 30):  # 00:30 in Paris: a new day
        assert open_space(login_as("benali"), jean.id).status_code == 302
        assert len(visits()) == 2
        # another professional: their own e-mail
        assert open_space(login_as("girard"), jean.id).status_code == 302
        assert len(visits()) == 3 and "Paul Girard" in visits()[-1].body
        assert open_space(login_as("girard"), jean.id).status_code == 302
        assert len(visits()) == 3
    from portal.accounts.models import Account
    benali = Account.get(Account.email == "dr.benali@example.org")
    grant = Grant.get(Grant.patient == jean.id, Grant.professional == benali)
    assert grant.last_access_at == datetime(2026, 3, 16, 23, 30)  # shown to the patient


def test_opening_the_space_follows_the_patient_s_choice(login_as, person, ctx):
    choose(login_as("jean"), off=("pro_access",))
    assert open_space(login_as("benali"), person("Jean").id).status_code == 302
    assert outbox(JEAN_EMAIL, VISIT_SUBJECT) == []


# --- the new session ------------------------------------------------------------------------

def test_each_new_session_is_told_with_when_which_browser_and_a_masked_address(app, login_as,
                                                                                ctx):
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": "203.0.113.45",
                                "HTTP_USER_AGENT": FIREFOX_ANDROID})
    with at(2026, 7, 14, 8, 5):  # 10:05 in Paris (summer time)
        login_as("camille", client=client)
    message = outbox(CAMILLE_EMAIL)[-1]
    assert message.subject == SESSION_SUBJECT
    body = message.body
    assert "Date et heure : 14 juillet 2026, 10:05 (heure de Paris)" in body
    assert "Navigateur : Firefox sur Android" in body
    assert "Adresse IP : 203.0.x.x (en partie masquée)" in body and "113.45" not in body
    assert "Paramètres › Changer mon mot de passe" in body
    assert "Paramètres › Mes sessions" in body
    assert "http" not in body  # no link to follow in a security alert
    assert not re.search(r"\b\d{6}\b", body)  # never mistaken for a login code


def test_no_session_email_before_the_second_factor_is_passed(app, client, ctx):
    from conftest import ROLES
    from helpers import start_login
    start_login(client, ROLES["camille"], "demo-carnet-2026")
    assert outbox(CAMILLE_EMAIL, SESSION_SUBJECT) == []
    assert outbox(CAMILLE_EMAIL)[-1].subject == "Votre code de connexion Carnet"


@pytest.mark.parametrize("address, masked", [
    ("192.168.1.27", "192.168.x.x"), ("::ffff:10.1.2.3", "10.1.x.x"),
    ("2001:db8:85a3::8a2e:370:7334", "2001:db8:85a3:x:x:x:x:x"), ("", "inconnue"),
    ("not an address", "inconnue"),
])
def test_addresses_are_partly_masked(app, address, masked):
    from portal.notifications.events import mask_ip
    with app.test_request_context():
        assert mask_ip(address) == masked


# --- never any medical content ----------------------------------------------------------------

def test_no_notification_carries_medical_content(app, login_as, person, ctx):
    from portal.mail import OutboxMessage
    from portal.measures.models import BY_CODE, Measure
    from portal.profile.models import Allergy, Condition, Treatment
    jean = person("Jean")
    first = OutboxMessage.select().count()
    title = "Compte rendu – rétinopathie diabétique"
    benali = login_as("benali")
    assert open_space(benali, jean.id).status_code == 302
    doc_id(send_file(benali, tiny_pdf(), "cr.pdf", url=DEPOSIT, title=title,
                     doc_type="compte_rendu_consultation", category="comptes_rendus"))
    assert redeem(login_as("lefevre"), create_code(login_as("jean"))).status_code == 303
    declare(login_as("dr.lefevre@example.org"))
    sent = list(OutboxMessage.select().where(OutboxMessage.id > first))
    told_jean = [m for m in sent if m.to == JEAN_EMAIL]
    assert {m.subject for m in told_jean} >= {
        VISIT_SUBJECT, "Nouveau document dans Carnet", "Carnet : un code d’accès a été utilisé",
        "Carnet : accès en urgence à un espace santé", SESSION_SUBJECT}
    medical = {title, "rétinopathie", REASON}
    medical |= {c.name for c in Condition.select().where(Condition.patient == jean.id)}
    medical |= {t.name for t in Treatment.select().where(Treatment.patient == jean.id)}
    medical |= {a.substance for a in Allergy.select().where(Allergy.patient == jean.id)}
    medical |= {str(BY_CODE[m.kind].label) for m in Measure.select().where(
        Measure.patient == jean.id)}
    assert len(medical) > 5
    for message in sent:
        for text in medical:
            assert text.lower() not in (message.subject + message.body).lower(), (text, message)


def test_a_notification_is_written_in_each_recipients_language(app, person, ctx):
    """Lazy strings and sentence functions are rendered in the recipient's language."""
    from flask_babel import lazy_gettext as _l
    from portal.accounts.models import Account
    from portal.mail import OutboxMessage
    from portal.notifications import notify
    Account.update(language="en").where(Account.email == "jean.dupont@example.org").execute()
    with app.test_request_context():
        notify(person("Jean").id, "document", _l("Nouveau document dans Carnet"),
               lambda is_self: _l("Ouvrez Carnet."))
    mail = OutboxMessage.select().where(OutboxMessage.to == "jean.dupont@example.org") \
        .order_by(OutboxMessage.id.desc()).first()
    assert mail.subject == "New document in Carnet"
    assert "Hello" in mail.body or "Bonjour" not in mail.body
