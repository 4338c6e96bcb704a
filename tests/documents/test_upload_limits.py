"""A file over the size limit: the upload form answers with its own French error that restates
the limit and keeps every other field (never the dead-end 413 page); a phone photo (JPEG, PNG)
over the limit is reduced on the server to fit. Only the views that accept a file take a
larger body (MAX_UPLOAD_REQUEST_BYTES), and that body is still bounded."""
import io
import os
import re

import pytest
from conftest import csrf_from
from helpers import DEPOSIT, LIST, UPLOAD, doc_id, document, send_file, stored_files

MB = 1024 * 1024


def noise_photo(fmt, size):
    """A photo that compresses badly (random pixels), so a modest size weighs several MB."""
    from PIL import Image
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    return out.getvalue()


def big_pdf(size):
    return b"%PDF-1.4\n" + b"0" * (size - 9)


def test_a_file_over_the_limit_gets_the_forms_error_and_keeps_every_field(ctx, jean):
    from portal.documents.models import Document
    before, files = Document.select().count(), stored_files(ctx)
    response = send_file(jean, big_pdf(7 * MB), "scanner.pdf", title="Compte rendu du scanner",
                         document_date="12/03/2026", category="imagerie", folder="Genou")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:300]
    assert "<title>Erreur :" in page
    assert "Le fichier dépasse la taille maximale de 5 Mo" in page
    assert 'value="Compte rendu du scanner"' in page and 'value="Genou"' in page
    assert re.search(r"id=\"document_date\"[^>]*value=\"(2026-03-12|12/03/2026)\"", page)
    assert '<option selected value="imagerie">' in page
    assert Document.select().count() == before and stored_files(ctx) == files


def test_a_deposit_over_the_limit_keeps_the_professionals_choices(ctx, benali_on):
    doctor = benali_on("Jean")
    response = send_file(doctor, big_pdf(8 * MB), "cr.pdf", url=DEPOSIT, title="CR d’IRM",
                         doc_type="compte_rendu_imagerie", hide_until_announced="y")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Le fichier dépasse la taille maximale de 5 Mo" in page
    assert 'value="CR d’IRM"' in page
    assert '<option selected value="compte_rendu_imagerie">' in page
    assert 'checked id="hide_until_announced"' in page


@pytest.mark.parametrize("fmt, size, mime", [("JPEG", (3000, 2000), "image/jpeg"),
                                             ("PNG", (1600, 1300), "image/png")])
def test_an_oversized_phone_photo_is_reduced_to_fit(ctx, jean, fmt, size, mime):
    from PIL import Image

    from portal.documents.store import read_content
    data = noise_photo(fmt, size)
    assert len(data) > 5 * MB
    response = send_file(jean, data, f"photo.{fmt.lower()}", title="Photo de l’ordonnance")
    saved = document(doc_id(response))
    assert saved.mime_type == mime and saved.size <= 5 * MB
    with ctx.app_context():
        content = read_content(saved)
    assert len(content) == saved.size
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == fmt and max(image.size) >= 1200
    page = jean.get(f"{LIST}{saved.id}").get_data(as_text=True)
    assert "elle a été réduite" in page


def test_a_body_over_the_upload_cap_is_still_refused(app, ctx, jean):
    app.config["MAX_UPLOAD_REQUEST_BYTES"] = 8 * MB
    response = send_file(jean, big_pdf(9 * MB), "enorme.pdf")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Fichier trop volumineux" in page and "5 Mo" in page


def test_other_forms_keep_the_ordinary_request_limit(client):
    token = csrf_from(client.get("/connexion"))
    response = client.post("/connexion", data={"csrf_token": token, "email": "x",
                                               "password": "y" * (7 * MB)})
    assert response.status_code == 413


def test_the_file_input_tells_the_browser_the_limits(ctx, jean):
    page = jean.get(UPLOAD).get_data(as_text=True)
    assert f'data-max-bytes="{5 * MB}"' in page
    assert f'data-max-request-bytes="{20 * MB}"' in page
    assert "Le fichier dépasse la taille maximale de 5 Mo" in page  # the warning, ready


def test_a_message_with_an_attachment_over_the_limit_keeps_its_text(ctx, login_as):
    """The same mechanism serves every form that carries a file: the messaging reply says the
    limit and keeps the text instead of the 413 page."""
    from helpers import BLOOD, conversation
    from helpers import reply_files
    blood = conversation(BLOOD)
    response = reply_files(login_as("jean"), f"/messagerie/{blood.id}", "Mon texte précieux",
                           [(big_pdf(7 * MB), "scanner.pdf")])
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "taille maximale de 5 Mo" in page and "Mon texte précieux" in page
