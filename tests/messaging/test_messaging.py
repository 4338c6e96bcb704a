"""Secure messaging: who reads and writes what (the national service's rules and Carnet's),
through the real forms; the header's unread count. Attachments, trash and drafts are in
test_messaging_more.py; the plain-text filter in test_messaging_presenters.py."""
import re

import pytest
from conftest import account, hidden_fields, open_space, outbox
from helpers import BLOOD, PHARMACY, RENEWAL, conversation, messages_in, reply

from portal.accounts.models import Person, utcnow


def write(client, url="/messagerie/ecrire", **fields):
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(url, data={**hidden_fields(page), "action": "envoyer", **fields})


def offered(client):
    """The professionals the patient-side compose page offers, by id."""
    text = client.get("/messagerie/ecrire").get_data(as_text=True)
    select = text[text.index('<select'):text.index('</select>')] if "<select" in text else ""
    return {int(v) for v in re.findall(r'<option value="(\d+)"', select)}


# --- inboxes --------------------------------------------------------------------------------

def test_patient_inbox_lists_the_spaces_conversations_newest_first_with_unread(ctx, login_as):
    text = login_as("jean").get("/messagerie/").get_data(as_text=True)
    assert "2 messages non lus" in text
    assert text.index(PHARMACY) < text.index(BLOOD)  # newest first
    assert RENEWAL not in text  # Camille's, not Jean's
    assert "Dr Nadia Benali, Médecin généraliste" in text
    assert "dr.benali@example.org" not in text and "p.girard@example.org" not in text


def test_inbox_shows_20_conversations_per_page(ctx, login_as, person):
    from datetime import timedelta

    from portal.messaging.models import Conversation, Message
    benali, jean = account("benali"), person("Jean")
    start = utcnow() - timedelta(days=400)
    for n in range(25):
        c = Conversation.create(patient=jean, professional=benali, subject=f"Sujet n°{n:02d}",
                                started_by=benali, last_message_at=start + timedelta(days=n))
        Message.create(conversation=c, author=benali, from_professional=True, body="…")
    client = login_as("jean")
    first = client.get("/messagerie/").get_data(as_text=True)
    assert "Page 1 sur 2" in first
    assert len(re.findall(r'class="conv__subject"', first)) == 20
    assert "Sujet n°24" in first and "Sujet n°06" not in first
    second = client.get("/messagerie/?page=2").get_data(as_text=True)
    assert len(re.findall(r'class="conv__subject"', second)) == 7
    assert "Sujet n°00" in second and BLOOD not in second  # the demo ones are newer


def test_professional_inbox_holds_only_their_own_conversations(ctx, login_as):
    benali = login_as("benali").get("/messagerie/pro/").get_data(as_text=True)
    assert BLOOD in benali and RENEWAL in benali and PHARMACY not in benali
    girard = login_as("girard").get("/messagerie/pro/").get_data(as_text=True)
    assert PHARMACY in girard and BLOOD not in girard


# --- scope: another's conversation is a 404 -----------------------------------------------------

@pytest.mark.parametrize("suffix, method", [("", "GET"), ("/repondre", "POST"),
                                            ("/corbeille", "POST")])
def test_a_patient_cannot_reach_another_patients_conversation(ctx, login_as, person, suffix,
                                                             method):
    blood = conversation(BLOOD)
    client = login_as("amina")
    page = client.get("/messagerie/")
    response = client.open(f"/messagerie/{blood.id}{suffix}", method=method, data={
        **hidden_fields(page), "_space": str(person("Amina").id), "body": "Bonjour"})
    assert response.status_code == 404
    assert len(messages_in(blood)) == 3


def test_a_caregiver_reaches_only_the_open_spaces_conversations(ctx, login_as, person):
    client = login_as("camille")
    renewal, blood = conversation(RENEWAL), conversation(BLOOD)
    assert client.get(f"/messagerie/{renewal.id}").status_code == 200  # her own space
    assert client.get(f"/messagerie/{blood.id}").status_code == 404
    assert open_space(client, person("Jean").id).status_code == 302
    assert client.get(f"/messagerie/{blood.id}").status_code == 200
    assert client.get(f"/messagerie/{renewal.id}").status_code == 404


def test_a_professional_cannot_reach_another_professionals_conversation(ctx, login_as):
    blood = conversation(BLOOD)
    client = login_as("girard")
    page = client.get("/messagerie/pro/")
    assert client.get(f"/messagerie/pro/{blood.id}").status_code == 404
    for action in ("repondre", "cloturer", "corbeille"):
        response = client.post(f"/messagerie/pro/{blood.id}/{action}",
                               data={**hidden_fields(page), "body": "Bonjour"})
        assert response.status_code == 404, action
    assert conversation(BLOOD).closed_at is None and len(messages_in(blood)) == 3


def test_patients_pages_are_not_the_professionals_and_the_reverse(ctx, login_as):
    blood = conversation(BLOOD)
    assert login_as("benali").get(f"/messagerie/{blood.id}").status_code == 403
    assert login_as("jean").get(f"/messagerie/pro/{blood.id}").status_code == 403
    assert login_as("operateur").get("/messagerie/pro/").status_code == 403


# --- reading marks read ---------------------------------------------------------------------------

def test_reading_a_conversation_marks_the_other_sides_messages_read(ctx, login_as):
    blood = conversation(BLOOD)
    last = messages_in(blood)[-1]
    assert last.from_professional and last.read_at is None
    benali = login_as("benali")
    benali.get(f"/messagerie/pro/{blood.id}")  # the professional reading changes nothing here
    assert messages_in(blood)[-1].read_at is None
    jean = login_as("jean")
    jean.get(f"/messagerie/{blood.id}")
    assert messages_in(blood)[-1].read_at is not None
    assert "1 message non lu" in jean.get("/messagerie/").get_data(as_text=True)


# --- who the patient's side may write to ---------------------------------------------------------

def test_the_list_offered_is_exactly_the_allowed_professionals(ctx, login_as, person):
    from portal.access.models import Grant
    from portal.messaging.models import Conversation, Message, MessagingSettings
    jean = login_as("jean")
    assert offered(jean) == {account("benali").id, account("girard").id}  # treating, authorised
    assert offered(login_as("amina")) == set()
    # A professional who wrote to Amina (and did not close) may be written to…
    lefevre = account("lefevre")
    c = Conversation.create(patient=person("Amina"), professional=lefevre, subject="Suivi",
                            started_by=lefevre)
    Message.create(conversation=c, author=lefevre, from_professional=True, body="Bonjour")
    amina = login_as("amina")
    assert offered(amina) == {lefevre.id}
    # … not once the exchange is closed.
    Conversation.update(closed_at=utcnow()).where(Conversation.id == c.id).execute()
    assert offered(amina) == set()
    # A blocked professional, or one who turned it off, is not offered.
    Grant.update(blocked=True).where(Grant.professional == account("girard").id).execute()
    MessagingSettings.create(professional=account("benali"), patients_may_write=False)
    assert offered(jean) == set()


def test_a_message_with_no_reply_expected_opens_no_right_to_write_first(ctx, login_as, person):
    from portal.messaging.models import Conversation, Message
    lefevre = account("lefevre")
    c = Conversation.create(patient=person("Amina"), professional=lefevre, subject="Info",
                            started_by=lefevre)
    Message.create(conversation=c, author=lefevre, from_professional=True, body="Pour info",
                   no_reply=True)
    assert offered(login_as("amina")) == set()


def test_patient_cannot_start_a_conversation_with_a_professional_who_never_wrote(ctx, login_as):
    from portal.messaging.models import Conversation
    before = Conversation.select().count()
    amina = login_as("amina")
    assert "Vous ne pouvez écrire en premier à aucun professionnel" in amina.get(
        "/messagerie/ecrire").get_data(as_text=True)
    response = write(amina, professional=str(account("benali").id), _space=Person.get(
        Person.given_names == "Amina").id, subject="Rendez-vous", body="Bonjour")
    assert "Vous ne pouvez pas écrire à ce professionnel" in response.get_data(as_text=True)
    # Jean may write to his doctor and his pharmacist, not to the SAMU doctor.
    response = write(login_as("jean"), professional=str(account("lefevre").id),
                     subject="Rendez-vous", body="Bonjour, puis-je venir lundi ?")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Vous ne pouvez pas écrire à ce professionnel" in text
    assert "Bonjour, puis-je venir lundi ?" in text and 'value="Rendez-vous"' in text
    from portal.audit import ActivityEvent
    assert ActivityEvent.select().where(ActivityEvent.action == "messaging.send",
                                        ActivityEvent.outcome == "denied").count() == 2
    assert Conversation.select().count() == before


def test_a_professional_who_turned_patients_off_is_refused(ctx, login_as):
    from portal.messaging.models import Conversation, MessagingSettings
    MessagingSettings.create(professional=account("girard"), patients_may_write=False)
    before = Conversation.select().count()
    response = write(login_as("jean"), professional=str(account("girard").id),
                     subject="Stock", body="Avez-vous mon traitement ?")
    assert "Vous ne pouvez pas écrire à ce professionnel" in response.get_data(as_text=True)
    assert Conversation.select().count() == before


def test_missing_fields_are_explained_and_the_text_kept(ctx, login_as):
    response = write(login_as("jean"), professional="", subject="", body="Juste le texte")
    text = response.get_data(as_text=True)
    assert "Choisissez le professionnel à qui écrire." in text
    assert "Saisissez l’objet du message." in text
    assert "Juste le texte" in text and "<title>Erreur :" in text


# --- a full exchange ---------------------------------------------------------------------------

def test_a_full_exchange_between_doctor_and_patient(ctx, login_as, person):
    from portal.audit import ActivityEvent
    benali = login_as("benali")
    assert open_space(benali, person("Jean").id).status_code == 302
    mails = len(outbox("jean.dupont@example.org"))
    response = write(benali, "/messagerie/pro/nouveau", subject="Votre tension",
                     body="Bonjour, pouvez-vous noter votre tension chaque matin ?")
    assert response.status_code == 303
    c = conversation("Votre tension")
    assert c.patient_id == person("Jean").id and c.professional_id == account("benali").id
    mail = outbox("jean.dupont@example.org")[mails:]
    assert len(mail) == 1 and "Dr Nadia Benali" in mail[0].body
    assert "tension" not in mail[0].body.lower() and "tension" not in mail[0].subject.lower()

    jean = login_as("jean")
    assert "Votre tension" in jean.get("/messagerie/").get_data(as_text=True)
    pro_mails = len(outbox("dr.benali@example.org"))
    response = reply(jean, f"/messagerie/{c.id}", "Oui, je vous envoie les chiffres vendredi.")
    assert response.status_code == 303
    mail = outbox("dr.benali@example.org")[pro_mails:]
    assert len(mail) == 1 and "Jean" not in mail[0].body and "chiffres" not in mail[0].body

    text = benali.get(f"/messagerie/pro/{c.id}").get_data(as_text=True)
    assert "Oui, je vous envoie les chiffres vendredi." in text
    page = benali.get(f"/messagerie/pro/{c.id}")
    assert benali.post(f"/messagerie/pro/{c.id}/cloturer",
                       data=hidden_fields(page)).status_code == 303
    assert conversation("Votre tension").closed_at is not None

    text = jean.get(f"/messagerie/{c.id}").get_data(as_text=True)
    assert "clôturée le" in text and "/repondre" not in text
    page = jean.get(f"/messagerie/{c.id}")
    response = jean.post(f"/messagerie/{c.id}/repondre",
                         data={**hidden_fields(page), "body": "Encore une question"})
    assert response.status_code == 403
    assert "clôturée" in response.get_data(as_text=True)
    assert len(messages_in(c)) == 2
    actions = [e.action for e in ActivityEvent.select().where(
        ActivityEvent.patient == person("Jean").id, ActivityEvent.action.startswith("messaging."))]
    assert actions.count("messaging.send") == 2 and "messaging.close" in actions


def test_patient_cannot_reply_to_a_closed_conversation(ctx, login_as):
    renewal = conversation(RENEWAL)
    camille = login_as("camille")
    text = camille.get(f"/messagerie/{renewal.id}").get_data(as_text=True)
    assert "clôturée par le professionnel" in text and 'action="/messagerie/' \
        f'{renewal.id}/repondre"' not in text
    page = camille.get(f"/messagerie/{renewal.id}")
    response = camille.post(f"/messagerie/{renewal.id}/repondre",
                            data={**hidden_fields(page), "body": "Merci !"})
    assert response.status_code == 403
    assert len(messages_in(renewal)) == 2


def test_a_no_reply_message_cannot_be_answered_until_the_professional_writes_again(ctx,
                                                                                   login_as):
    pharmacy = conversation(PHARMACY)
    jean = login_as("jean")
    text = jean.get(f"/messagerie/{pharmacy.id}").get_data(as_text=True)
    assert "n’appelle pas de réponse" in text
    page = jean.get(f"/messagerie/{pharmacy.id}")
    assert jean.post(f"/messagerie/{pharmacy.id}/repondre", data={
        **hidden_fields(page), "body": "Merci"}).status_code == 403
    girard = login_as("girard")
    assert reply(girard, f"/messagerie/pro/{pharmacy.id}",
                 "Il manque une boîte : dites-moi quand vous passez.").status_code == 303
    assert reply(jean, f"/messagerie/{pharmacy.id}", "Jeudi matin.").status_code == 303


def test_professional_sends_a_no_reply_message(ctx, login_as, person):
    benali = login_as("benali")
    assert open_space(benali, person("Camille").id).status_code == 302
    assert write(benali, "/messagerie/pro/nouveau", subject="Campagne de vaccination",
                 body="La vaccination contre la grippe commence lundi.",
                 no_reply="y").status_code == 303
    c = conversation("Campagne de vaccination")
    assert messages_in(c)[0].no_reply
    text = login_as("camille").get(f"/messagerie/{c.id}").get_data(as_text=True)
    assert "n’appelle pas de réponse" in text and "/repondre" not in text


def test_a_caregiver_writes_for_the_patient_and_every_message_says_who_wrote(ctx, login_as,
                                                                           person):
    blood = conversation(BLOOD)
    camille = login_as("camille")
    assert open_space(camille, person("Jean").id).status_code == 302
    assert reply(camille, f"/messagerie/{blood.id}", "Il viendra mardi.").status_code == 303
    last = messages_in(blood)[-1]
    assert last.author_id == account("camille").id and last.relation_kind == "delegation"
    for client, url in ((login_as("benali"), f"/messagerie/pro/{blood.id}"),
                        (login_as("jean"), f"/messagerie/{blood.id}")):
        text = client.get(url).get_data(as_text=True)
        assert text.count("Écrit par Camille Martin pour Jean Dupont (proche aidant)") == 2


def test_a_mediator_who_only_reads_messages_cannot_write(ctx, login_as, person):
    from portal.proxies.models import Mandate
    Mandate.update(tasks="messages_read").execute()
    blood = conversation(BLOOD)
    sophie = login_as("sophie")
    assert open_space(sophie, person("Jean").id).status_code == 302
    text = sophie.get(f"/messagerie/{blood.id}").get_data(as_text=True)
    assert "Il viendra" not in text and "pas d’y répondre" in text
    page = sophie.get(f"/messagerie/{blood.id}")
    assert sophie.post(f"/messagerie/{blood.id}/repondre", data={
        **hidden_fields(page), "_space": person("Jean").id, "body": "Bonjour"}).status_code == 403
    assert sophie.get("/messagerie/ecrire").status_code == 403


def test_a_legal_representative_writes_to_the_childs_doctor(ctx, login_as, person):
    camille = login_as("camille")
    assert open_space(camille, person("Lina").id).status_code == 302
    assert offered(camille) == {account("benali").id}
    assert write(camille, professional=str(account("benali").id), subject="Vaccin de Lina",
                 body="Faut-il faire le rappel cette année ?").status_code == 303
    c = conversation("Vaccin de Lina")
    assert c.patient_id == person("Lina").id
    text = login_as("benali").get(f"/messagerie/pro/{c.id}").get_data(as_text=True)
    assert "Écrit par Camille Martin pour Lina Martin (représentant légal)" in text


def test_professional_starts_only_in_an_open_space_they_may_reach(ctx, login_as, person):
    benali = login_as("benali")
    assert benali.get("/messagerie/pro/nouveau").status_code == 403  # no space open
    assert login_as("jean").get("/messagerie/pro/nouveau").status_code == 403


def test_patients_never_see_a_professionals_email(ctx, login_as):
    jean = login_as("jean")
    for url in ("/messagerie/", "/messagerie/ecrire",
                f"/messagerie/{conversation(BLOOD).id}",
                f"/messagerie/{conversation(PHARMACY).id}"):
        text = jean.get(url).get_data(as_text=True)
        assert "@example.org" not in text.replace("jean.dupont@example.org", ""), url


# --- plain text only ---------------------------------------------------------------------------

XSS_SUBJECT = '<script>alert("objet")</script>'
XSS_BODY = ('<img src=x onerror=alert(1)> voir javascript:alert(2) et '
            'https://exemple.fr/a?b=1&c="><script>alert(3)</script>')
XSS_NAME = '<svg onload=alert(4)>.txt'


def test_hostile_subject_body_and_file_names_render_as_text(ctx, login_as, person):
    import io
    benali = login_as("benali")
    assert open_space(benali, person("Jean").id).status_code == 302
    page = benali.get("/messagerie/pro/nouveau")
    response = benali.post("/messagerie/pro/nouveau", data={
        **hidden_fields(page), "action": "envoyer", "subject": XSS_SUBJECT, "body": XSS_BODY,
        "fichiers": [(io.BytesIO(b"simple texte"), XSS_NAME)]},
        content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    c = conversation(XSS_SUBJECT)
    jean = login_as("jean")
    pages = [jean.get("/messagerie/").get_data(as_text=True),
             jean.get(f"/messagerie/{c.id}").get_data(as_text=True),
             benali.get(f"/messagerie/pro/{c.id}").get_data(as_text=True),
             benali.get("/messagerie/pro/").get_data(as_text=True)]
    for text in pages:
        assert "<script>alert" not in text and "<svg" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(" in text
    thread = pages[1]
    assert "&lt;img src=x onerror=alert(1)&gt;" in thread
    assert 'href="javascript' not in thread
    assert '<a href="https://exemple.fr/a?b=1&amp;c=" rel="noopener noreferrer nofollow">' in thread
    assert "&lt;svg onload=alert(4)&gt;.txt" in thread


# --- the header's unread count -----------------------------------------------------------------

def test_the_badge_is_in_the_menu_and_refreshes_only_when_it_changes(ctx, login_as):
    jean = login_as("jean")
    text = jean.get("/dossier/").get_data(as_text=True)
    badge = re.search(r'<span id="messages-non-lus"[^>]*>.*?</span></span>', text).group(0)
    assert 'data-hx-get="/messagerie/non-lus?vu=2"' in badge
    assert 'data-hx-trigger="every 60s"' in badge and ">2<" in badge
    assert '2<span class="visually-hidden"> messages non lus' in badge
    headers = {"HX-Request": "true"}
    assert jean.get("/messagerie/non-lus?vu=2", headers=headers).status_code == 204
    jean.get(f"/messagerie/{conversation(PHARMACY).id}")
    fresh = jean.get("/messagerie/non-lus?vu=2", headers=headers)
    assert fresh.status_code == 200
    assert 'vu=1"' in fresh.get_data(as_text=True)
    assert '1<span class="visually-hidden"> message non lu' in fresh.get_data(as_text=True)


def test_the_badge_for_professionals_and_none_without_messaging(ctx, login_as, person):
    text = login_as("benali").get("/messagerie/pro/").get_data(as_text=True)
    assert 'data-hx-get="/messagerie/non-lus?vu=0"' in text
    camille = login_as("camille")
    from portal.proxies.models import Delegation
    Delegation.update(scopes="dossier_read").execute()
    assert open_space(camille, person("Jean").id).status_code == 302
    assert "messages-non-lus" not in camille.get("/dossier/").get_data(as_text=True)
    assert camille.get("/messagerie/non-lus", headers={"HX-Request": "true"}).status_code == 404
    assert "messages-non-lus" not in login_as("operateur").get("/annuaire/").get_data(
        as_text=True)


def test_a_poll_neither_keeps_the_session_alive_nor_redirects_once_it_ended(ctx, login_as):
    from datetime import timedelta

    from portal.accounts.models import UserSession
    jean = login_as("jean")
    earlier = utcnow() - timedelta(minutes=10)
    UserSession.update(last_seen_at=earlier).where(UserSession.account.is_null(False)).execute()
    assert jean.get("/messagerie/non-lus", headers={"HX-Request": "true"}).status_code == 200
    assert UserSession.get(UserSession.account.is_null(False)).last_seen_at == earlier
    jean.get("/dossier/")  # a real page is activity
    assert UserSession.get(UserSession.account.is_null(False)).last_seen_at > earlier
    UserSession.update(last_seen_at=utcnow() - timedelta(minutes=31)).execute()
    response = jean.get("/messagerie/non-lus?vu=2", headers={"HX-Request": "true"})
    assert response.status_code == 204 and "HX-Redirect" not in response.headers
    assert jean.get("/messagerie/non-lus").status_code == 302  # a plain request logs in


# --- the professional's setting ------------------------------------------------------------------

def test_professional_turns_patients_writing_first_off_and_on(ctx, login_as):
    from portal.messaging.models import MessagingSettings
    benali = login_as("benali")
    page = benali.get("/messagerie/pro/parametres")
    assert 'checked' in page.get_data(as_text=True)
    response = benali.post("/messagerie/pro/parametres", data=hidden_fields(page))
    assert response.status_code == 303
    assert not MessagingSettings.for_professional(account("benali").id).patients_may_write
    assert account("benali").id not in offered(login_as("jean"))
    page = benali.get("/messagerie/pro/parametres")
    benali.post("/messagerie/pro/parametres", data={**hidden_fields(page),
                                                    "patients_may_write": "y"})
    assert MessagingSettings.for_professional(account("benali").id).patients_may_write
    assert login_as("jean").get("/messagerie/pro/parametres").status_code == 403


def test_e_mails_follow_each_accounts_notification_choice(ctx, login_as, person):
    from portal.notifications import save_preferences
    save_preferences(account("benali"), {"message": False})
    save_preferences(account("jean"), {"message": False})
    jean, benali = login_as("jean"), login_as("benali")  # (login codes are e-mailed)
    before = (len(outbox("dr.benali@example.org")), len(outbox("jean.dupont@example.org")))
    assert reply(jean, f"/messagerie/{conversation(BLOOD).id}", "Bien reçu.").status_code == 303
    assert reply(benali, f"/messagerie/pro/{conversation(BLOOD).id}", "Parfait."
                 ).status_code == 303
    assert (len(outbox("dr.benali@example.org")), len(outbox("jean.dupont@example.org"))) == \
        before
