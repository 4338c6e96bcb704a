"""Secure messaging, continued: attachments (all-or-nothing, scoped downloads, "Ajouter à mon
dossier"), the trash on each side, and drafts that keep what is being written."""
import re

from conftest import account, hidden_fields, open_space, outbox
from helpers import (BLOOD, PHARMACY, RENEWAL, attachment_rows, conversation, image_bytes,
                     messages_in, reply_files, stored_bytes, stored_files, tiny_pdf)


def listed(client, url):
    """The subjects of the conversations a list page shows."""
    return re.findall(r'class="conv__subject"><a href="[^"]+">([^<]+)</a>',
                      client.get(url).get_data(as_text=True))


# --- attachments ------------------------------------------------------------------------------

def test_several_files_are_sent_checked_and_encrypted(app, ctx, login_as):
    from portal.documents.store import read_blob
    blood = conversation(BLOOD)
    before = len(attachment_rows())
    pdf, png = tiny_pdf("Carnet de glycemies"), image_bytes("PNG", size=(40, 30))
    response = reply_files(login_as("jean"), f"/messagerie/{blood.id}", "Voici mes relevés.",
                           [(pdf, "glycemies.pdf"), (png, "photo-du-carnet.png")])
    assert response.status_code == 303
    added = attachment_rows()[before:]
    assert [(a.original_name, a.mime_type) for a in added] == [
        ("glycemies.pdf", "application/pdf"), ("photo-du-carnet.png", "image/png")]
    with app.app_context():
        assert read_blob(added[0].storage_key) == pdf
    for key in stored_files(app):
        assert pdf not in stored_bytes(app, key)  # encrypted at rest


def test_a_refused_file_keeps_the_text_and_stores_nothing(app, ctx, login_as):
    blood = conversation(BLOOD)
    files_before, rows_before = stored_files(app), len(attachment_rows())
    messages_before = len(messages_in(blood))
    response = reply_files(login_as("jean"), f"/messagerie/{blood.id}", "Mon texte précieux",
                           [(tiny_pdf(), "bon.pdf"), (b"MZ\x90\x00\x03binaire", "virus.exe")])
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "« virus.exe »" in text and "Mon texte précieux" in text
    assert "choisissez-les à nouveau" in text
    assert stored_files(app) == files_before
    assert len(attachment_rows()) == rows_before and len(messages_in(blood)) == messages_before


def test_too_many_files_are_refused(ctx, login_as):
    blood = conversation(BLOOD)
    response = reply_files(login_as("jean"), f"/messagerie/{blood.id}", "Six fichiers",
                           [(b"texte %d" % n, f"note{n}.txt") for n in range(6)])
    assert "5 fichiers au plus" in response.get_data(as_text=True)
    assert len(messages_in(blood)) == 3


def test_downloads_are_scoped_typed_and_served_as_attachments(ctx, login_as):
    demo = attachment_rows()[0]  # Dr Benali's advice sheet to Jean
    jean = login_as("jean")
    response = jean.get(f"/messagerie/pieces/{demo.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="conseils-alimentaires.pdf"')
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.data.startswith(b"%PDF-")
    assert login_as("benali").get(f"/messagerie/pro/pieces/{demo.id}").status_code == 200
    assert login_as("amina").get(f"/messagerie/pieces/{demo.id}").status_code == 404
    assert login_as("girard").get(f"/messagerie/pro/pieces/{demo.id}").status_code == 404
    assert login_as("camille").get(f"/messagerie/pieces/{demo.id}").status_code == 404


def test_text_attachments_are_plain_text_with_the_strict_policy(ctx, login_as, person):
    blood = conversation(BLOOD)
    assert reply_files(login_as("jean"), f"/messagerie/{blood.id}", "Mes notes",
                       [(b"<script>alert(1)</script>", "notes.html")]).status_code == 303
    added = attachment_rows()[-1]
    response = login_as("benali").get(f"/messagerie/pro/pieces/{added.id}")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert 'filename="notes.txt"' in response.headers["Content-Disposition"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_received_file_is_added_to_the_record_as_the_professionals(ctx, login_as):
    from portal.documents.models import Document
    demo = attachment_rows()[0]
    jean = login_as("jean")
    page = jean.get(f"/messagerie/{demo.message.conversation_id}")
    assert f"/messagerie/pieces/{demo.id}/dossier" in page.get_data(as_text=True)
    form = jean.get(f"/messagerie/pieces/{demo.id}/dossier")
    assert 'value="conseils-alimentaires"' in form.get_data(as_text=True)
    response = jean.post(f"/messagerie/pieces/{demo.id}/dossier", data={
        **hidden_fields(form), "title": "Conseils alimentaires", "document_date": "",
        "category": "prevention"})
    assert "Saisissez la date du document." in response.get_data(as_text=True)
    response = jean.post(f"/messagerie/pieces/{demo.id}/dossier", data={
        **hidden_fields(form), "title": "Conseils alimentaires",
        "document_date": demo.message.created_at.date().isoformat(), "category": "prevention"})
    assert response.status_code == 303
    document = Document.get(Document.title == "Conseils alimentaires")
    assert document.author_id == account("benali").id and document.author_is_professional
    assert document.category == "prevention" and document.sha256 == demo.sha256
    assert attachment_rows()[0].filed_document_id == document.id
    text = jean.get(f"/messagerie/{demo.message.conversation_id}").get_data(as_text=True)
    assert "ajoutée au dossier" in text
    again = jean.get(f"/messagerie/pieces/{demo.id}/dossier")
    assert again.status_code == 302 and f"/documents/{document.id}" in again.headers["Location"]


def test_a_caregiver_without_dossier_write_cannot_file_an_attachment(ctx, login_as, person):
    demo = attachment_rows()[0]
    camille = login_as("camille")
    assert open_space(camille, person("Jean").id).status_code == 302
    text = camille.get(f"/messagerie/{demo.message.conversation_id}").get_data(as_text=True)
    assert "Ajouter à mon dossier" not in text
    response = camille.get(f"/messagerie/pieces/{demo.id}/dossier")
    assert response.status_code == 403
    assert "ne permet pas d’ajouter des documents" in response.get_data(as_text=True)


# --- trash ------------------------------------------------------------------------------------

def test_trash_restore_and_empty_for_good_on_one_side(ctx, login_as):
    pharmacy = conversation(PHARMACY)
    jean = login_as("jean")
    page = jean.get(f"/messagerie/{pharmacy.id}")
    assert jean.post(f"/messagerie/{pharmacy.id}/corbeille",
                     data=hidden_fields(page)).status_code == 303
    assert PHARMACY not in listed(jean, "/messagerie/")
    assert "Corbeille (1 conversation)" in jean.get("/messagerie/").get_data(as_text=True)
    assert listed(jean, "/messagerie/corbeille") == [PHARMACY]
    page = jean.get(f"/messagerie/{pharmacy.id}")
    assert "Restaurer la conversation" in page.get_data(as_text=True)
    assert jean.post(f"/messagerie/{pharmacy.id}/restaurer",
                     data=hidden_fields(page)).status_code == 303
    assert PHARMACY in listed(jean, "/messagerie/")

    jean.post(f"/messagerie/{pharmacy.id}/corbeille", data=hidden_fields(page))
    question = jean.get("/messagerie/corbeille/vider")
    text = question.get_data(as_text=True)
    assert "supprimée définitivement" in text and "Vous ne pourrez pas la récupérer" in text
    assert jean.post("/messagerie/corbeille/vider",
                     data=hidden_fields(question)).status_code == 303
    assert jean.get(f"/messagerie/{pharmacy.id}").status_code == 404
    assert listed(jean, "/messagerie/corbeille") == []
    # The pharmacist keeps his copy, and can no longer write in it.
    girard = login_as("girard")
    text = girard.get(f"/messagerie/pro/{pharmacy.id}").get_data(as_text=True)
    assert "Le patient a supprimé cette conversation" in text and "/repondre" not in text


def test_once_both_sides_emptied_their_trash_nothing_is_left(app, ctx, login_as):
    from portal.messaging.models import Attachment, Conversation
    blood = conversation(BLOOD)
    demo = attachment_rows()[0]
    assert any(demo.storage_key in key for key in stored_files(app))
    for client, prefix in ((login_as("jean"), "/messagerie"),
                           (login_as("benali"), "/messagerie/pro")):
        page = client.get(f"{prefix}/{blood.id}")
        assert client.post(f"{prefix}/{blood.id}/corbeille",
                           data=hidden_fields(page)).status_code == 303
        question = client.get(f"{prefix}/corbeille/vider")
        assert client.post(f"{prefix}/corbeille/vider",
                           data=hidden_fields(question)).status_code == 303
    assert Conversation.get_or_none(Conversation.id == blood.id) is None
    assert Attachment.get_or_none(Attachment.id == demo.id) is None
    assert not any(demo.storage_key in key for key in stored_files(app))


def test_a_new_message_brings_a_conversation_back_from_the_recipients_trash(ctx, login_as):
    from helpers import reply
    blood = conversation(BLOOD)
    jean = login_as("jean")
    page = jean.get(f"/messagerie/{blood.id}")
    jean.post(f"/messagerie/{blood.id}/corbeille", data=hidden_fields(page))
    assert BLOOD not in listed(jean, "/messagerie/")
    assert reply(login_as("benali"), f"/messagerie/pro/{blood.id}", "Avez-vous vu ?"
                 ).status_code == 303
    assert BLOOD in listed(jean, "/messagerie/")


def test_a_reader_only_cannot_trash(ctx, login_as, person):
    from portal.proxies.models import Mandate
    Mandate.update(tasks="messages_read").execute()
    blood = conversation(BLOOD)
    sophie = login_as("sophie")
    assert open_space(sophie, person("Jean").id).status_code == 302
    text = sophie.get(f"/messagerie/{blood.id}").get_data(as_text=True)
    assert "Mettre à la corbeille" not in text
    assert sophie.post(f"/messagerie/{blood.id}/corbeille", data={
        **hidden_fields(sophie.get("/messagerie/")), "_space": person("Jean").id}
    ).status_code == 403
    assert conversation(BLOOD).patient_trashed_at is None


# --- drafts -----------------------------------------------------------------------------------

def test_save_draft_without_javascript_and_find_it_after_a_new_login(ctx, login_as):
    from portal.messaging.models import Draft
    jean = login_as("jean")
    page = jean.get("/messagerie/ecrire")
    response = jean.post("/messagerie/ecrire", data={
        **hidden_fields(page), "action": "brouillon", "professional": str(account("girard").id),
        "subject": "Ma commande", "body": "Bonjour, je voudrais"})
    assert response.status_code == 303
    assert Draft.select().count() == 1
    again = login_as("jean")  # another session, as after an expired one
    text = again.get("/messagerie/ecrire").get_data(as_text=True)
    assert "Vous aviez commencé un message le" in text
    assert "Bonjour, je voudrais" in text and 'value="Ma commande"' in text
    assert f'<option selected value="{account("girard").id}"' in text
    response = again.post("/messagerie/ecrire", data={
        **hidden_fields(again.get("/messagerie/ecrire")), "action": "envoyer",
        "professional": str(account("girard").id), "subject": "Ma commande",
        "body": "Bonjour, je voudrais passer demain."})
    assert response.status_code == 303
    assert Draft.select().count() == 0  # sent: the draft is gone
    assert "Vous aviez commencé" not in again.get("/messagerie/ecrire").get_data(as_text=True)


def test_autosave_with_htmx_answers_204_and_keeps_the_reply(ctx, login_as):
    from portal.messaging.models import Draft
    blood = conversation(BLOOD)
    jean = login_as("jean")
    page = jean.get(f"/messagerie/{blood.id}")
    text = page.get_data(as_text=True)
    assert f'data-hx-post="/messagerie/{blood.id}/repondre"' in text
    assert 'data-hx-trigger="input changed delay:3s"' in text
    response = jean.post(f"/messagerie/{blood.id}/repondre", data={
        **hidden_fields(page), "action": "brouillon-auto", "body": "Je pense venir"},
        headers={"HX-Request": "true"})
    assert response.status_code == 204
    draft = Draft.get()
    assert draft.conversation_id == blood.id and draft.body == "Je pense venir"
    text = login_as("jean").get(f"/messagerie/{blood.id}").get_data(as_text=True)
    assert "Vous aviez commencé un message le" in text and "Je pense venir" in text


def test_a_validation_error_keeps_the_text_and_saves_it(ctx, login_as, person):
    from portal.messaging.models import Draft
    benali = login_as("benali")
    assert open_space(benali, person("Jean").id).status_code == 302
    page = benali.get("/messagerie/pro/nouveau")
    response = benali.post("/messagerie/pro/nouveau", data={
        **hidden_fields(page), "action": "envoyer", "subject": "",
        "body": "Un long texte à ne pas perdre"})
    text = response.get_data(as_text=True)
    assert "Saisissez l’objet du message." in text and "Un long texte à ne pas perdre" in text
    assert Draft.get().body == "Un long texte à ne pas perdre"


def test_drafts_are_per_author_and_per_space(ctx, login_as, person):
    from portal.messaging.models import Draft
    blood = conversation(BLOOD)
    camille = login_as("camille")
    assert open_space(camille, person("Jean").id).status_code == 302
    page = camille.get(f"/messagerie/{blood.id}")
    camille.post(f"/messagerie/{blood.id}/repondre", data={
        **hidden_fields(page), "action": "brouillon", "body": "Brouillon de Camille"})
    assert Draft.get().author_id == account("camille").id
    assert "Brouillon de Camille" not in login_as("jean").get(
        f"/messagerie/{blood.id}").get_data(as_text=True)


def test_a_draft_can_be_dropped(ctx, login_as):
    from portal.messaging.models import Draft
    blood = conversation(BLOOD)
    jean = login_as("jean")
    page = jean.get(f"/messagerie/{blood.id}")
    jean.post(f"/messagerie/{blood.id}/repondre", data={
        **hidden_fields(page), "action": "brouillon", "body": "À jeter"})
    page = jean.get(f"/messagerie/{blood.id}")
    assert "Supprimer le brouillon" in page.get_data(as_text=True)
    jean.post(f"/messagerie/{blood.id}/repondre", data={
        **hidden_fields(page), "action": "abandonner"})
    assert Draft.select().count() == 0


def test_the_closed_conversation_offers_no_draft_box(ctx, login_as):
    text = login_as("camille").get(
        f"/messagerie/{conversation(RENEWAL).id}").get_data(as_text=True)
    assert "Enregistrer le brouillon" not in text


# --- a prescription to the pharmacy of one's choice ----------------------------------------------

def test_patient_sends_a_prescription_to_the_pharmacy_they_choose(app, ctx, login_as):
    from portal.documents.models import Document
    from portal.documents.store import read_blob, read_content
    prescription = Document.get(Document.title == "Ordonnance – traitement de fond")
    jean = login_as("jean")
    assert "/messagerie/ordonnance" in jean.get("/messagerie/").get_data(as_text=True)
    page = jean.get(f"/messagerie/ordonnance?document={prescription.id}")
    text = page.get_data(as_text=True)
    assert f'<option selected value="{prescription.id}"' in text
    choices = text[text.index('<select', text.index('id="pharmacist"') - 200):]
    choices = choices[:choices.index("</select>")]
    assert re.findall(r'<option value="(\d+)">', choices) == [str(account("girard").id)]
    assert "Paul Girard, Pharmacien" in choices
    response = jean.post("/messagerie/ordonnance", data={
        **hidden_fields(page), "document": str(prescription.id), "pharmacist": "",
        "body": "Je passe jeudi"})
    text = response.get_data(as_text=True)
    assert "Choisissez la pharmacie" in text and "Je passe jeudi" in text
    mails = len(outbox("p.girard@example.org"))
    response = jean.post("/messagerie/ordonnance", data={
        **hidden_fields(page), "document": str(prescription.id),
        "pharmacist": str(account("girard").id), "body": "Je passe jeudi"})
    assert response.status_code == 303
    sent = conversation("Ordonnance à préparer – Ordonnance – traitement de fond")
    assert sent.professional_id == account("girard").id and not sent.closed_at
    added = attachment_rows()[-1]
    assert added.message.conversation_id == sent.id
    with app.app_context():
        assert read_blob(added.storage_key) == read_content(prescription)
    assert len(outbox("p.girard@example.org")) == mails + 1
    assert sent.subject in login_as("girard").get("/messagerie/pro/").get_data(as_text=True)


def test_only_the_records_prescriptions_and_registered_pharmacists(ctx, login_as, person):
    from portal.documents.models import Document
    other = Document.get(Document.title == "Ordonnance de lunettes")  # Amina's
    not_a_prescription = Document.get(Document.title.startswith("Résultats de biologie – HbA1c"))
    jean = login_as("jean")
    page = jean.get("/messagerie/ordonnance")
    for document_id, pharmacist in ((other.id, account("girard").id),
                                    (not_a_prescription.id, account("girard").id),
                                    (not_a_prescription.id, account("benali").id)):
        response = jean.post("/messagerie/ordonnance", data={
            **hidden_fields(page), "document": str(document_id), "pharmacist": str(pharmacist)})
        assert response.status_code == 200
        assert "Choisissez une ordonnance de la liste." in response.get_data(as_text=True)
    response = jean.post("/messagerie/ordonnance", data={
        **hidden_fields(page), "document": str(Document.get(
            Document.title == "Ordonnance – traitement de fond").id),
        "pharmacist": str(account("benali").id)})
    assert "Choisissez un pharmacien de la liste." in response.get_data(as_text=True)
    camille = login_as("camille")  # Jean's caregiver: messaging, but no access to documents
    from portal.proxies.models import Delegation
    Delegation.update(scopes="messaging").execute()
    assert open_space(camille, person("Jean").id).status_code == 302
    response = camille.get("/messagerie/ordonnance")
    assert response.status_code == 403
    assert "ne permet pas de consulter les ordonnances" in response.get_data(as_text=True)


def test_after_an_expired_session_the_draft_is_offered_again_after_login(ctx, login_as):
    from datetime import timedelta

    from portal.accounts.models import UserSession, utcnow
    blood = conversation(BLOOD)
    jean = login_as("jean")
    page = jean.get(f"/messagerie/{blood.id}")
    assert jean.post(f"/messagerie/{blood.id}/repondre", data={
        **hidden_fields(page), "action": "brouillon-auto", "body": "Je viendrai mardi avec"},
        headers={"HX-Request": "true"}).status_code == 204
    UserSession.update(last_seen_at=utcnow() - timedelta(minutes=31)).execute()
    response = jean.get(f"/messagerie/{blood.id}")
    assert response.status_code == 302 and "expiree=1" in response.headers["Location"]
    login_as("jean", client=jean)
    text = jean.get(f"/messagerie/{blood.id}").get_data(as_text=True)
    assert "Vous aviez commencé un message le" in text and "Je viendrai mardi avec" in text


def test_without_javascript_a_message_sent_after_the_session_expired_is_kept(ctx, login_as):
    """No autosave without JavaScript: the POST arrives with a dead session (stale CSRF
    token). Nothing is sent, but the text is kept and offered on the same page after login."""
    from datetime import timedelta

    from portal.accounts.models import UserSession, utcnow
    blood = conversation(BLOOD)
    jean = login_as("jean")
    page_url = f"/messagerie/{blood.id}"
    page = jean.get(page_url)
    before = messages_in(blood)
    UserSession.update(last_seen_at=utcnow() - timedelta(minutes=31)).execute()
    response = jean.post(f"{page_url}/repondre", data={
        **hidden_fields(page), "body": "Merci docteur, je passerai jeudi matin."},
        headers={"Referer": f"http://localhost{page_url}"})
    assert response.status_code == 303
    assert "/connexion" in response.headers["Location"] and "garde=1" in response.headers[
        "Location"]
    assert "message n’a pas été envoyé, mais il est gardé" in jean.get(
        response.headers["Location"]).get_data(as_text=True)
    assert messages_in(blood) == before
    login_as("jean", client=jean)
    text = jean.get(page_url).get_data(as_text=True)
    assert "Merci docteur, je passerai jeudi matin." in text
    # offered once, then it is an ordinary draft
    assert "Vous aviez commencé un message le" in text


def test_a_stale_form_from_another_site_keeps_nothing(ctx, login_as):
    from datetime import timedelta

    from portal.accounts.models import UserSession, utcnow
    from portal.messaging.models import Draft
    blood = conversation(BLOOD)
    jean = login_as("jean")
    page = jean.get(f"/messagerie/{blood.id}")
    UserSession.update(last_seen_at=utcnow() - timedelta(minutes=31)).execute()
    response = jean.post(f"/messagerie/{blood.id}/repondre", data={
        **hidden_fields(page), "body": "texte venu d’ailleurs"},
        headers={"Referer": "https://evil.example/page"})
    assert response.status_code == 400
    login_as("jean", client=jean)
    assert "texte venu d’ailleurs" not in jean.get(f"/messagerie/{blood.id}").get_data(
        as_text=True)
    assert not Draft.select().where(Draft.body.contains("ailleurs")).exists()


def _type_in_an_expired_session(client, url, body, subject="Résultats"):
    """`client`'s session dies of idleness while `url` is open; the form is then sent."""
    from datetime import timedelta

    from portal.accounts.models import UserSession, utcnow
    page = client.get(url)
    UserSession.update(last_seen_at=utcnow() - timedelta(minutes=31)).execute()
    return client.post(url, data={**hidden_fields(page), "subject": subject, "body": body,
                                  "professional": ""},
                       headers={"Referer": f"http://localhost{url}"})


def test_text_kept_from_an_expired_session_is_never_handed_to_the_next_person(ctx, login_as):
    """Camille's unsent text waits in the browser for Camille only: Jean logging in next on
    the same browser finds an empty form, and the text never becomes his draft."""
    from portal.messaging.models import Draft
    browser = login_as("camille")
    response = _type_in_an_expired_session(browser, "/messagerie/ecrire",
                                           "Mes résultats VIH sont arrivés")
    assert response.status_code == 303 and "garde=1" in response.headers["Location"]
    login_as("jean", client=browser)
    text = browser.get("/messagerie/ecrire").get_data(as_text=True)
    assert "résultats VIH" not in text
    assert not Draft.select().where(Draft.body.contains("VIH")).exists()
    browser.post("/deconnexion", data=hidden_fields(browser.get("/parametres/")))
    login_as("camille", client=browser)  # dropped when Jean logged in: gone for good
    assert "résultats VIH" not in browser.get("/messagerie/ecrire").get_data(as_text=True)


def test_text_kept_from_an_expired_session_is_offered_to_its_author(ctx, login_as, person):
    from portal.accounts.models import Account
    from portal.messaging.models import Draft
    browser = login_as("camille")
    _type_in_an_expired_session(browser, "/messagerie/ecrire", "Mes résultats VIH sont arrivés")
    login_as("camille", client=browser)
    assert "Mes résultats VIH sont arrivés" in browser.get("/messagerie/ecrire").get_data(
        as_text=True)
    (draft,) = Draft.select().where(Draft.body.contains("VIH"))
    assert draft.author_id == Account.get(Account.email == "camille.martin@example.org").id


def test_a_form_posted_without_any_session_keeps_nothing(ctx, app, login_as):
    """No expired session names the author (a fresh browser, a logged-out one): nothing is
    kept, so nothing can be offered to whoever logs in."""
    stranger = app.test_client()
    stranger.get("/connexion")
    response = stranger.post("/messagerie/ecrire", data={
        "csrf_token": "périmé", "subject": "x", "body": "texte sans auteur"},
        headers={"Referer": "http://localhost/messagerie/ecrire"})
    assert response.status_code == 400
    login_as("jean", client=stranger)
    assert "texte sans auteur" not in stranger.get("/messagerie/ecrire").get_data(as_text=True)


def test_an_expired_session_is_remembered_a_day_but_never_opens(ctx, app, login_as):
    """The purge keeps an expired row for a day (it names its account for kept text), the
    sessions page never lists it, and its cookie opens nothing."""
    from datetime import timedelta

    from portal.accounts.models import UserSession, utcnow
    from portal.accounts.sessions import purge_expired
    old = login_as("jean")
    UserSession.update(last_seen_at=utcnow() - timedelta(minutes=45)).execute()
    current = login_as("jean")
    with app.app_context():
        assert purge_expired(app) == 0
    assert UserSession.select().count() == 2
    assert "Fermer cette session" not in current.get("/parametres/sessions").get_data(
        as_text=True)
    assert old.get("/dossier/").status_code == 302
    UserSession.update(last_seen_at=utcnow() - timedelta(hours=25)).execute()
    with app.app_context():
        assert purge_expired(app) >= 1
