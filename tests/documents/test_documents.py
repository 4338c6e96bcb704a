"""Documents pages: upload and deposit through the real forms, refusals that keep what was
typed and store nothing, viewing headers, scope (404s), masking, deletion, announcements,
the periodic task, the list's filters and pagination, and the report form."""
from datetime import date, timedelta

import pytest
from conftest import journal, open_space, outbox
from helpers import (DEPOSIT, LIST, SAMPLES, UPLOAD, doc_id, document, image_bytes, post,
                     send_file, stored_files, tiny_pdf)

from portal.documents.demo import sample_dicom

# --- upload -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", SAMPLES)
def test_patient_uploads_each_accepted_type(ctx, jean, kind):
    build, name, mime = SAMPLES[kind]
    new_id = doc_id(send_file(jean, build(), name, title=f"Document {kind}"))
    saved = document(new_id)
    assert saved.mime_type == mime and not saved.author_is_professional
    page = jean.get(f"{LIST}{new_id}").get_data(as_text=True)
    assert f"Document {kind}" in page
    assert len(journal("documents.upload", object_id=str(new_id))) == 1


@pytest.mark.parametrize("data, name, message", [
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00", "compte-rendu.pdf",
     "Ce type de fichier n’est pas accepté. Formats acceptés : PDF, JPEG, PNG, TIFF"),
    (b"", "vide.pdf", "Le fichier est vide"),
    (tiny_pdf()[:-60], "coupe.pdf", "Ce fichier PDF est endommagé ou incomplet"),
    (b"a" * (5 * 1024 * 1024 + 1), "gros.txt", "Le fichier dépasse la taille maximale de 5 Mo"),
])
def test_refused_uploads_say_why_keep_the_fields_and_store_nothing(ctx, jean, data, name,
                                                                   message):
    from portal.documents.models import Document
    before, files = Document.select().count(), stored_files(ctx)
    response = send_file(jean, data, name, title="Bilan de mars", folder="Cardiologie")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert "<title>Erreur :" in page
    assert 'value="Bilan de mars"' in page and 'value="Cardiologie"' in page
    assert "choisissez-le à nouveau" in page
    assert Document.select().count() == before
    assert stored_files(ctx) == files


def test_a_file_over_the_request_limit_gets_the_413_page(ctx, jean):
    """Only a body over MAX_UPLOAD_REQUEST_BYTES (20 MB) cannot reach the form (see
    test_upload_limits.py for the form's own message below that)."""
    response = send_file(jean, b"a" * (20 * 1024 * 1024 + 10), "enorme.txt")
    assert response.status_code == 413
    assert "Fichier trop volumineux" in response.get_data(as_text=True)


def test_missing_fields_are_explained_in_french(ctx, jean):
    response = send_file(jean, b"texte", "a.txt", title="", document_date="31/02/2026")
    page = response.get_data(as_text=True)
    assert "Saisissez le titre du document." in page
    assert "Saisissez une date valide, par exemple 14/03/2026." in page
    future = (date.today() + timedelta(days=3)).isoformat()
    page = send_file(jean, b"texte", "a.txt", document_date=future).get_data(as_text=True)
    assert "La date du document ne peut pas être dans le futur." in page


def test_professionals_deposit_and_patients_upload_not_the_reverse(ctx, jean, benali_on):
    assert jean.get(DEPOSIT).status_code == 403
    assert benali_on("Jean").get(UPLOAD).status_code == 403


# --- viewing ------------------------------------------------------------------------------

def test_dicom_page_shows_the_preview_and_the_study_facts(ctx, jean):
    new_id = doc_id(send_file(jean, sample_dicom(study_date="20260112", modality="CT", size=16),
                              "IM0001.dcm", category="imagerie"))
    page = jean.get(f"{LIST}{new_id}").get_data(as_text=True)
    assert "Date de l’examen" in page and "12 janvier 2026" in page
    assert "Scanner (CT)" in page
    assert f'src="{LIST}{new_id}/apercu"' in page
    preview = jean.get(f"{LIST}{new_id}/apercu")
    assert preview.status_code == 200 and preview.mimetype == "image/png"
    assert preview.data.startswith(b"\x89PNG")
    content = jean.get(f"{LIST}{new_id}/fichier")
    assert content.headers["Content-Disposition"].startswith("attachment;")
    assert content.mimetype == "application/dicom"


def test_pdf_opens_inline_with_safe_headers_and_downloads_as_attachment(ctx, jean):
    data = tiny_pdf()
    new_id = doc_id(send_file(jean, data, "x.pdf", title="Compte rendu d’échographie"))
    response = jean.get(f"{LIST}{new_id}/fichier")
    assert response.data == data
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert "filename*=UTF-8''Compte%20rendu%20d%20%C3%A9chographie.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    # the browser's PDF viewer may embed this response, and nothing else
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "object-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "script-src" not in csp
    download = jean.get(f"{LIST}{new_id}/telecharger")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.data == data
    assert len(journal("documents.open", object_id=str(new_id))) == 1
    assert len(journal("documents.download", object_id=str(new_id))) == 1


def test_text_is_served_as_utf8_plain_text_even_if_it_looks_like_html(ctx, jean):
    data = "<script>alert(1)</script> tension élevée".encode()
    new_id = doc_id(send_file(jean, data, "page.html"))
    response = jean.get(f"{LIST}{new_id}/fichier")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.data == data


def test_photo_page_shows_a_light_preview(ctx, jean):
    new_id = doc_id(send_file(jean, image_bytes("JPEG", size=(3000, 2000)), "photo.jpg"))
    preview = jean.get(f"{LIST}{new_id}/apercu")
    assert preview.mimetype == "image/jpeg"
    assert len(preview.data) < document(new_id).size
    assert len(journal("documents.open", object_id=str(new_id))) == 1


@pytest.mark.parametrize("suffix", ["", "/fichier", "/telecharger", "/apercu", "/signaler",
                                    "/supprimer"])
def test_another_patients_document_is_a_404(ctx, jean, person, suffix):
    from portal.documents.models import Document
    camille_doc = Document.select().where(Document.patient == person("Camille")).first()
    assert jean.get(f"{LIST}{camille_doc.id}{suffix}").status_code == 404


def test_a_masked_document_is_a_404_for_an_ordinary_professional(ctx, jean, login_as, person,
                                                                 benali_on):
    new_id = doc_id(send_file(jean, tiny_pdf(), "x.pdf", title="Note personnelle"))
    girard = login_as("girard")
    assert open_space(girard, person("Jean").id).status_code == 302
    assert girard.get(f"{LIST}{new_id}").status_code == 200
    response = post(jean, f"{LIST}{new_id}/masquer", f"{LIST}{new_id}", masquer="1")
    assert response.status_code == 303 and document(new_id).masked_from_pros
    assert len(journal("documents.mask", object_id=str(new_id))) == 1
    assert girard.get(f"{LIST}{new_id}").status_code == 404
    assert girard.get(f"{LIST}{new_id}/fichier").status_code == 404
    assert "Note personnelle" not in girard.get(LIST).get_data(as_text=True)
    assert benali_on("Jean").get(f"{LIST}{new_id}").status_code == 200  # médecin traitant


def test_mask_all_switch_hides_every_document_from_ordinary_professionals(ctx, jean, login_as,
                                                                         person):
    girard = login_as("girard")
    assert open_space(girard, person("Jean").id).status_code == 302
    assert "Ordonnance – traitement de fond" in girard.get(LIST).get_data(as_text=True)
    assert post(jean, f"{LIST}masquage", LIST, masquer="1").status_code == 303
    page = girard.get(LIST).get_data(as_text=True)
    assert "0 document" in page and "Ordonnance – traitement de fond" not in page
    assert "Ne plus masquer tous les documents" in jean.get(LIST).get_data(as_text=True)
    post(jean, f"{LIST}masquage", LIST, masquer="0")
    assert "Ordonnance – traitement de fond" in girard.get(LIST).get_data(as_text=True)


# --- professional deposits ----------------------------------------------------------------

def test_deposit_by_the_doctor_emails_the_patient_without_medical_content(ctx, benali_on,
                                                                          jean):
    benali = benali_on("Jean")
    new_id = doc_id(send_file(benali, tiny_pdf(), "cr.pdf", url=DEPOSIT,
                              title="Compte rendu – diabète déséquilibré",
                              doc_type="compte_rendu_consultation", category="comptes_rendus"))
    saved = document(new_id)
    assert saved.author_is_professional and saved.doc_type == "compte_rendu_consultation"
    message = outbox("jean.dupont@example.org")[-1]
    assert "Un nouveau document a été ajouté à votre dossier Carnet par le Dr Nadia Benali." \
        in message.body
    assert "diabète" not in message.body and "Compte rendu" not in message.subject
    page = jean.get(f"{LIST}{new_id}").get_data(as_text=True)
    assert "Compte rendu de consultation" in page and "Dr Nadia Benali" in page
    assert len(journal("documents.deposit", object_id=str(new_id))) == 1


def test_hidden_until_announced_shows_only_as_pending_then_announce(ctx, benali_on, jean):
    benali = benali_on("Jean")
    mails = len(outbox("jean.dupont@example.org"))
    new_id = doc_id(send_file(benali, tiny_pdf(), "cr.pdf", url=DEPOSIT, title="Annonce IRM",
                              hide_until_announced="y"))
    saved = document(new_id)
    assert saved.hidden_from_patient and saved.hidden_until is not None
    assert len(outbox("jean.dupont@example.org")) == mails  # told when it becomes visible
    page = jean.get(LIST).get_data(as_text=True)
    # the demo holds one such document already
    assert "2 documents en attente : ils vous seront présentés en consultation." in page
    assert "Déposé par le Dr Nadia Benali" in page and "Annonce IRM" not in page
    assert jean.get(f"{LIST}{new_id}").status_code == 404
    assert "Rendre visible au patient maintenant" in benali.get(
        f"{LIST}{new_id}").get_data(as_text=True)
    assert post(benali, f"{LIST}{new_id}/annoncer", f"{LIST}{new_id}").status_code == 303
    assert not document(new_id).hidden_from_patient
    assert jean.get(f"{LIST}{new_id}").status_code == 200
    assert "Un nouveau document a été ajouté" in outbox("jean.dupont@example.org")[-1].body
    assert len(journal("documents.announce", object_id=str(new_id))) == 1


def test_patients_cannot_announce(ctx, jean):
    from portal.documents.models import Document
    hidden = Document.get(Document.hidden_from_patient == True)  # noqa: E712  (demo)
    assert post(jean, f"{LIST}{hidden.id}/annoncer", LIST).status_code == 403


def test_confidential_care_of_a_minor_is_hidden_from_legal_representatives(ctx, benali_on,
                                                                           login_as, person):
    benali = benali_on("Lina")
    assert "Invisible aux représentants légaux" in benali.get(DEPOSIT).get_data(as_text=True)
    assert "Invisible aux représentants légaux" not in benali_on("Jean").get(
        DEPOSIT).get_data(as_text=True)
    benali = benali_on("Lina")
    mails = len(outbox("camille.martin@example.org"))
    new_id = doc_id(send_file(benali, tiny_pdf(), "c.pdf", url=DEPOSIT, title="Consultation",
                              hidden_from_guardians="y"))
    assert document(new_id).hidden_from_guardians
    assert len(outbox("camille.martin@example.org")) == mails
    camille = login_as("camille")
    assert open_space(camille, person("Lina").id).status_code == 302
    assert camille.get(f"{LIST}{new_id}").status_code == 404
    assert "en attente" not in camille.get(LIST).get_data(as_text=True)


# --- patient's management -----------------------------------------------------------------

def test_patient_deletes_an_own_upload_after_a_final_confirmation(ctx, jean):
    new_id = doc_id(send_file(jean, image_bytes("PNG"), "p.png", title="À supprimer"))
    key = document(new_id).storage_key
    page = jean.get(f"{LIST}{new_id}/supprimer").get_data(as_text=True)
    assert "La suppression est définitive" in page
    response = post(jean, f"{LIST}{new_id}/supprimer")
    assert response.status_code == 303 and response.headers["Location"].endswith(LIST)
    assert document(new_id) is None
    assert not [k for k in stored_files(ctx) if key in k]
    assert len(journal("documents.delete", object_id=str(new_id))) == 1


def test_a_professionals_document_can_only_be_masked(ctx, jean):
    from portal.documents.models import Document
    pro_doc = Document.get(Document.title == "Ordonnance – traitement de fond")
    page = jean.get(f"{LIST}{pro_doc.id}").get_data(as_text=True)
    assert f"{LIST}{pro_doc.id}/supprimer" not in page
    assert "vous ne pouvez pas le supprimer" in page
    response = post(jean, f"{LIST}{pro_doc.id}/supprimer", f"{LIST}{pro_doc.id}")
    assert response.status_code == 303
    assert document(pro_doc.id) is not None
    assert "ne peut pas être supprimé" in jean.get(response.headers["Location"]).get_data(
        as_text=True)


def test_caregiver_without_manage_scope_cannot_delete(ctx, login_as, person):
    from portal.documents.models import Document
    camille = login_as("camille")
    assert open_space(camille, person("Jean").id).status_code == 302  # delegation: read only
    own = Document.get(Document.title == "Ordonnance – traitement de fond")
    assert camille.get(f"{LIST}{own.id}").status_code == 200
    assert camille.get(f"{LIST}{own.id}/supprimer").status_code == 403


def test_pin_and_folder(ctx, jean):
    new_id = doc_id(send_file(jean, b"note", "n.txt", title="Tout en haut",
                              document_date="2001-01-01"))
    post(jean, f"{LIST}{new_id}/epingler", f"{LIST}{new_id}", epingler="1")
    page = jean.get(LIST).get_data(as_text=True)
    assert page.index("Tout en haut") < page.index("Ordonnance – traitement de fond")
    response = post(jean, f"{LIST}{new_id}/classer", f"{LIST}{new_id}", folder="x" * 101)
    assert "ne doit pas dépasser 100 caractères" in response.get_data(as_text=True)
    post(jean, f"{LIST}{new_id}/classer", f"{LIST}{new_id}", folder="  Cardiologie  ")
    assert document(new_id).folder == "Cardiologie"
    page = jean.get(LIST + "?dossier=Cardiologie").get_data(as_text=True)
    assert "1 document correspond aux filtres" in page and "Tout en haut" in page


def test_mediator_uploads_for_the_patient_who_may_delete_it(ctx, login_as, person, jean):
    sophie = login_as("sophie")
    assert open_space(sophie, person("Jean").id).status_code == 302
    new_id = doc_id(send_file(sophie, tiny_pdf(), "a.pdf", title="Attestation CAF"))
    assert not document(new_id).author_is_professional
    assert sophie.get(f"{LIST}{new_id}/supprimer").status_code == 403  # no manage scope
    assert post(jean, f"{LIST}{new_id}/supprimer").status_code == 303
    assert document(new_id) is None


# --- the periodic task --------------------------------------------------------------------

def test_hidden_documents_notice_at_two_weeks_once_then_visible_after_a_month(app, person):
    from portal.accounts.models import Account, utcnow
    from portal.documents.models import Document
    from portal.documents.store import store_document
    from portal.documents.tasks import release_hidden_documents
    from portal.extensions import db
    address = "jean.dupont@example.org"
    with app.app_context():
        db.connect(reuse_if_open=True)
        benali = Account.get(Account.email == "dr.benali@example.org")
        hidden = store_document(person("Jean"), benali, tiny_pdf(), filename="cr.pdf",
                                title="Résultat à annoncer",
                                category="comptes_rendus", document_date=date(2026, 1, 5),
                                hidden_from_patient=True)
        mails = len(outbox(address))
        release_hidden_documents()  # nothing due yet
        assert len(outbox(address)) == mails
        Document.update(created_at=utcnow() - timedelta(days=15)).where(
            Document.id == hidden.id).execute()
        release_hidden_documents()
        release_hidden_documents()
        sent = outbox(address)[mails:]
        assert len(sent) == 1 and "Il vous sera présenté lors d’une consultation" in sent[0].body
        assert "Résultat" not in sent[0].body
        assert document(hidden.id).hidden_notice_sent_at is not None
        assert document(hidden.id).hidden_from_patient
        Document.update(created_at=utcnow() - timedelta(days=31),
                        hidden_until=utcnow() - timedelta(days=1)).where(
            Document.id == hidden.id).execute()
        release_hidden_documents()
        release_hidden_documents()
        sent = outbox(address)[mails:]
        assert len(sent) == 2 and "Un nouveau document a été ajouté" in sent[1].body
        assert not document(hidden.id).hidden_from_patient
        assert len(journal("documents.released", object_id=str(hidden.id))) == 1
        db.close()


def test_the_task_is_registered_with_the_consumer():
    import portal.tasks  # noqa: F401
    from portal.extensions import huey
    from datetime import datetime
    due = {type(task).__name__ for task in huey.read_periodic(datetime(2026, 3, 2, 10, 35))}
    assert "release_hidden_documents" in due


# --- list: pagination, filters, search, htmx -----------------------------------------------

@pytest.fixture
def amina_with_many(ctx, person):
    """Amina's record with 45 more documents (rows only: the list never reads files)."""
    import uuid

    from portal.accounts.models import Account
    from portal.documents.models import Document
    amina = person("Amina")
    author = Account.get(Account.email == "amina.diallo@example.org")
    rows = [{"patient": amina.id, "author": author.id, "title": (
        "Tension artérielle %02d" if i % 3 == 0 else "Analyse %02d") % i,
        "document_date": date(2025, 1, 1) + timedelta(days=i),
        "category": "biologie" if i % 3 else "autres", "storage_key": uuid.uuid4().hex,
        "mime_type": "application/pdf", "size": 1000, "sha256": "0" * 64} for i in range(45)]
    Document.insert_many(rows).execute()
    return amina


def test_list_is_paginated_newest_first(amina_with_many, login_as):
    amina = login_as("amina")
    page = amina.get(LIST).get_data(as_text=True)
    assert "47 documents" in page and "Page 1 sur 3" in page
    assert page.count('class="doc-list__title"') == 20
    assert page.index("Analyse 44") < page.index("Analyse 43")
    last = amina.get(LIST + "?page=3").get_data(as_text=True)
    assert last.count('class="doc-list__title"') == 7 and "Page précédente" in last
    assert "Page 3 sur 3" in amina.get(LIST + "?page=99").get_data(as_text=True)


def test_filters_and_search(amina_with_many, login_as):
    amina = login_as("amina")
    page = amina.get(LIST + "?categorie=biologie").get_data(as_text=True)
    assert "30 documents correspondent aux filtres" in page
    page = amina.get(LIST + "?q=tension").get_data(as_text=True)
    assert "15 documents correspondent aux filtres" in page and "Analyse" not in page
    page = amina.get(LIST + "?du=2025-01-01&au=2025-01-10").get_data(as_text=True)
    assert "10 documents correspondent aux filtres" in page
    page = amina.get(LIST + "?du=2025-02-01&au=2025-01-01").get_data(as_text=True)
    assert "Filtre ignoré : La date de fin doit être après la date de début." in page


def test_htmx_filters_return_only_the_results_fragment(amina_with_many, login_as):
    amina = login_as("amina")
    response = amina.get(LIST + "?q=tension", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True).strip()
    assert body.startswith('<div id="resultats">') and "<html" not in body
    assert "15 documents correspondent aux filtres" in body
    assert "HX-Request" in response.headers["Vary"]


# --- reporting a problem ------------------------------------------------------------------

def test_report_a_problem(ctx, jean):
    from portal.documents.models import Document, DocumentReport
    target = Document.get(Document.title == "Ordonnance – traitement de fond")
    url = f"{LIST}{target.id}/signaler"
    response = post(jean, url, comment="Ce n’est pas mon traitement")
    page = response.get_data(as_text=True)
    assert "Choisissez le problème rencontré." in page
    assert "Ce n’est pas mon traitement" in page
    response = post(jean, url, reason="erreur", comment="La posologie est fausse")
    assert response.status_code == 303
    report = DocumentReport.get(DocumentReport.document == target.id)
    assert report.reason == "erreur" and report.comment == "La posologie est fausse"
    assert len(journal("documents.report", object_id=str(target.id))) == 1


@pytest.mark.parametrize("email", ["jean.dupont@example.org", "p.girard@example.org",
                                   "dr.benali@example.org"])
def test_a_page_of_the_list_is_read_in_index_order_without_sorting(ctx, person, email):
    from portal.accounts.models import Account
    from portal.documents.views import LIST_ORDER
    from portal.extensions import db
    from portal.policy import relation_to, visible_documents
    account = Account.get(Account.email == email)
    query = visible_documents(relation_to(account, person("Jean").id), account)
    sql, params = query.order_by(*LIST_ORDER).limit(20).sql()
    plan = " ".join(str(row) for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "USING" in plan and "INDEX" in plan and "TEMP B-TREE" not in plan, plan


def test_file_problems_are_reported_with_the_other_fields(ctx, jean):
    page = send_file(jean, b"", "vide.pdf", title="").get_data(as_text=True)
    assert "Saisissez le titre du document." in page and "Le fichier est vide" in page
