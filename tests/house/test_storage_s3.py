"""The whole app on S3 (STORAGE_URL=s3://…, a real SeaweedFS server started by the test run):
a document uploaded through the form, its preview, download and deletion; a message
attachment; a print file made by the worker; and the faults. The bucket only ever holds
ciphertext, and nothing is written under STORAGE_DIR."""
import io
import secrets
import sys
from pathlib import Path

import pytest
from conftest import hidden_fields, s3_settings
from helpers import (BLOOD, CAMILLE, UPLOAD, ask, attachment_rows, conversation, doc_id, document,
                     image_bytes, job_id_of, messages_in, post, reply_files, send_file, the_job,
                     tiny_pdf)

# The same specifications as on the disk, run here again on S3 (pytest collects them in this
# module, so they get its storage_settings): encryption and refusals, a failed write, the
# message trash emptied for good, print files expiring, a closure proof, lapsed print files.
# They live in their areas' folders (pytest imports a test module by its file name, with its
# folder on sys.path: the same module, whichever of the two imports comes first).
for _area in ("documents", "lifecycle", "messaging", "summary", "security"):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / _area))
from test_documents_store import (  # noqa: E402,F401
    test_a_failed_database_write_removes_the_written_files,
    test_a_file_moved_under_another_documents_name_does_not_decrypt,
    test_content_is_encrypted_at_rest_and_decrypts_back, test_refused_files_leave_nothing_behind)
from test_lifecycle import test_closing_ends_every_access_and_gives_a_proof  # noqa: E402,F401
from test_messaging_more import (  # noqa: E402,F401
    test_once_both_sides_emptied_their_trash_nothing_is_left)
from test_summary import test_files_expire_after_a_day_unless_saved  # noqa: E402,F401
from test_tokens import test_the_periodic_purge_removes_files_whose_access_lapsed  # noqa: E402,F401

# A text the person's files carry in clear: it must never be seen in the bucket.
MARKER = "TENSION-EN-CLAIR-7Q4"


@pytest.fixture
def storage_settings(s3_server):
    """Every app of this module keeps its objects on S3, under a prefix of its own."""
    return s3_settings(s3_server, f"app-{secrets.token_hex(6)}")


@pytest.fixture(autouse=True)
def on_s3(request):
    """Every app of this module, the specifications imported from other modules included,
    really runs on S3 (a fixture override that did not apply would test the disk twice)."""
    if "app" in request.fixturenames:
        from portal.storage import S3Storage, storage
        assert isinstance(storage(request.getfixturevalue("app")), S3Storage)


@pytest.fixture
def bucket(app, s3_server):
    """The objects of this test's app: their keys (under its prefix) and their bytes."""
    prefix = app.config["STORAGE_URL"].split("/", 3)[3] + "/"

    class Bucket:
        def keys(self):
            return [key[len(prefix):] for key in s3_server.keys(prefix)]

        def read(self, key):
            client = s3_server.client()
            return client.get_object(Bucket=s3_server.bucket, Key=prefix + key)["Body"].read()

        def remove(self, key):
            s3_server.client().delete_object(Bucket=s3_server.bucket, Key=prefix + key)
    return Bucket()


def nothing_on_disk(app):
    root = Path(app.config["STORAGE_DIR"])
    return not root.exists() or not any(p.is_file() for p in root.rglob("*"))


def objects_of(bucket, storage_key):
    return sorted(key for key in bucket.keys() if storage_key in key)


def test_the_seeded_demo_is_read_from_the_bucket(app, bucket):
    assert any(key.startswith("documents/") for key in bucket.keys())
    assert nothing_on_disk(app)


def test_a_document_is_uploaded_previewed_downloaded_and_deleted_on_s3(app, ctx, login_as,
                                                                        bucket):
    jean = login_as("jean")
    photo = image_bytes("PNG", size=(300, 200))
    photo_id = doc_id(send_file(jean, photo, "ordonnance.png", title="Photo"))
    note = f"Tension du matin : 13/8 {MARKER}\n".encode()
    note_id = doc_id(send_file(jean, note, "notes.txt", title="Notes"))
    photo_key, note_key = document(photo_id).storage_key, document(note_id).storage_key

    assert objects_of(bucket, photo_key) == [f"documents/{photo_key[:2]}/{photo_key}.bin",
                                             f"documents/{photo_key[:2]}/{photo_key}.preview"]
    assert objects_of(bucket, note_key) == [f"documents/{note_key[:2]}/{note_key}.bin"]
    for key in objects_of(bucket, photo_key) + objects_of(bucket, note_key):
        stored = bucket.read(key)
        assert stored.startswith(b"CRN1")  # the encrypted format, unchanged
        assert MARKER.encode() not in stored and photo[:64] not in stored
        assert b"PNG" not in stored[:16]

    preview = jean.get(f"/dossier/documents/{photo_id}/apercu")
    assert preview.status_code == 200 and preview.mimetype in ("image/jpeg", "image/png")
    assert jean.get(f"/dossier/documents/{photo_id}/telecharger").data == photo
    assert jean.get(f"/dossier/documents/{note_id}/telecharger").data == note

    for document_id in (photo_id, note_id):
        url = f"/dossier/documents/{document_id}/supprimer"
        assert post(jean, url).status_code == 303
    assert objects_of(bucket, photo_key) == [] and objects_of(bucket, note_key) == []
    assert nothing_on_disk(app)


def test_a_message_attachment_is_kept_encrypted_on_s3(app, ctx, login_as, bucket):
    blood = conversation(BLOOD)
    before = len(attachment_rows())
    letter = tiny_pdf(MARKER)
    jean = login_as("jean")
    response = reply_files(jean, f"/messagerie/{blood.id}", "Voici le courrier.",
                           [(letter, "courrier.pdf")])
    assert response.status_code == 303
    added = attachment_rows()[before:]
    assert len(added) == 1
    (key,) = objects_of(bucket, added[0].storage_key)
    assert MARKER.encode() not in bucket.read(key) and b"%PDF" not in bucket.read(key)
    assert jean.get(f"/messagerie/pieces/{added[0].id}").data == letter
    benali = login_as("benali")
    assert benali.get(f"/messagerie/pro/pieces/{added[0].id}").data == letter
    assert nothing_on_disk(app)


def test_a_print_file_is_written_by_the_worker_on_s3_and_deleted_with_its_job(
        app, ctx, client, login_as, bucket):
    login_as(CAMILLE, client)
    job_id = job_id_of(ask(client, kind="carte"))
    job = the_job(job_id)
    assert job.status == "done"
    (key,) = objects_of(bucket, job.storage_key)
    stored = bucket.read(key)
    assert not stored.startswith(b"%PDF") and b"Camille" not in stored
    assert client.get(f"/imprimer/{job_id}/fichier").data.startswith(b"%PDF")
    page = client.get(f"/imprimer/{job_id}")
    assert client.post(f"/imprimer/{job_id}/supprimer",
                       data=hidden_fields(page)).status_code == 303
    assert objects_of(bucket, job.storage_key) == []
    assert nothing_on_disk(app)


# --- faults -------------------------------------------------------------------------------

@pytest.mark.db  # the row's rollback, on SQLite and on PostgreSQL
def test_an_upload_while_s3_is_down_says_so_keeps_the_form_and_leaves_no_row(
        app, ctx, login_as, bucket):
    from portal.documents.models import Document
    jean = login_as("jean")
    rows, objects = Document.select().count(), bucket.keys()
    page = jean.get(UPLOAD)  # opened while the store answered
    _down(app)
    response = jean.post(UPLOAD, data={
        **hidden_fields(page), "title": "Bilan sanguin précieux", "document_date": "2026-01-05",
        "category": "autres", "fichier": (io.BytesIO(tiny_pdf()), "bilan.pdf")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Le stockage des documents ne répond pas pour le moment" in html
    assert 'value="Bilan sanguin précieux"' in html
    assert Document.select().count() == rows
    assert not Document.select().where(Document.title == "Bilan sanguin précieux").exists()
    assert bucket.keys() == objects


def test_a_message_with_a_file_while_s3_is_down_is_not_sent_and_its_text_is_kept(
        app, ctx, login_as, bucket):
    blood = conversation(BLOOD)
    sent = len(messages_in(blood))
    jean = login_as("jean")
    page_url = f"/messagerie/{blood.id}"
    jean.get(page_url)
    _down(app)
    response = reply_files(jean, page_url, "Mon texte à ne pas perdre",
                           [(tiny_pdf(), "courrier.pdf")])
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Le stockage des documents ne répond pas pour le moment" in html
    assert "Mon texte à ne pas perdre" in html
    assert len(messages_in(blood)) == sent


def test_a_download_while_s3_is_down_is_a_french_page_not_a_500(app, ctx, login_as):
    jean = login_as("jean")
    document_id = doc_id(send_file(jean, tiny_pdf(), "bilan.pdf", title="Bilan"))
    _down(app)
    response = jean.get(f"/dossier/documents/{document_id}/telecharger")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Stockage indisponible" in html and "ne répond pas pour le moment" in html


def test_a_document_whose_object_is_gone_answers_a_french_page_not_a_500(
        app, ctx, login_as, bucket):
    jean = login_as("jean")
    document_id = doc_id(send_file(jean, tiny_pdf(), "bilan.pdf", title="Bilan"))
    key = document(document_id).storage_key
    bucket.remove(f"documents/{key[:2]}/{key}.bin")
    for url in (f"/dossier/documents/{document_id}/telecharger",
                f"/dossier/documents/{document_id}/fichier"):
        response = jean.get(url)
        assert response.status_code == 404
        html = response.get_data(as_text=True)
        assert "Fichier introuvable" in html
        assert "Le fichier de ce document est introuvable dans le stockage" in html


def _down(app):
    """The app's S3 endpoint stops answering: a port on 127.0.0.1 where nothing listens."""
    import socket

    from portal.storage import reset_storage
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app.config.update(STORAGE_ENDPOINT_URL=f"http://127.0.0.1:{port}", STORAGE_RETRIES=1,
                      STORAGE_TIMEOUT_SECONDS=1)
    reset_storage(app)


def test_a_process_started_with_the_servers_environment_stores_in_the_bucket(
        s3_server, tmp_path):
    """What a web or worker process of a deployment does: its config comes from the
    environment (S3Server.env(), as the multi-machine recipe passes it), and it lives on the
    tests' clock like every process the suite starts."""
    import os
    import subprocess
    import sys

    from conftest import ROOT_DIR
    prefix = f"process-{secrets.token_hex(6)}"
    env = {**os.environ, **s3_server.env(), "STORAGE_URL": f"s3://{s3_server.bucket}/{prefix}",
           "CARNET_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
           "STORAGE_DIR": str(tmp_path / "files")}
    script = ("from portal import create_app\n"
              "from portal.storage import storage\n"
              "app = create_app()\n"
              "key = 'documents/ab/from-a-process.bin'\n"
              "with app.app_context():\n"
              "    storage().put(key, b'CRN1 chiffre')\n"
              "    print(type(storage()).__name__, storage().get(key))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT_DIR, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "S3Storage b'CRN1 chiffre'"
    assert s3_server.keys(prefix) == [f"{prefix}/documents/ab/from-a-process.bin"]
    assert not (tmp_path / "files").exists()
