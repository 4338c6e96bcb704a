"""The document store: types recognised by content, files refused with a French message and
nothing kept, encryption at rest, previews (images, DICOM), and the production key check.
Its sample builders are in helpers.py, shared with the other tests."""
import base64
import hashlib
import io
import os
import subprocess
import sys

import pytest
from conftest import ROOT_DIR
from helpers import SAMPLES, image_bytes, stored_bytes, stored_files, tiny_pdf

from portal.documents.demo import sample_dicom


# --- sniffing -----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", SAMPLES)
def test_types_are_recognised_by_content_whatever_the_name(kind):
    from portal.documents.sniff import sniff
    build, _name, mime = SAMPLES[kind]
    assert sniff(build()) == mime


@pytest.mark.parametrize("data", [
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",            # a Windows program
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 20,  # a ZIP / Office file
    "café".encode("latin-1"),                         # text, but not UTF-8
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00",             # GIF is not accepted
])
def test_other_content_is_not_recognised(data):
    from portal.documents.sniff import sniff
    assert sniff(data) is None


def test_pdf_integrity_check():
    from portal.documents.sniff import _check_pdf
    good = tiny_pdf()
    assert _check_pdf(good)
    assert not _check_pdf(good[:-30])  # truncated: no %%EOF
    broken = good.replace(b"startxref\n", b"startxref\n9")  # offset past the end
    assert not _check_pdf(broken)


# --- storing ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", SAMPLES)
def test_content_is_encrypted_at_rest_and_decrypts_back(app, store_as_jean, kind):
    from portal.documents.store import read_content
    build, name, mime = SAMPLES[kind]
    data = build()
    document = store_as_jean(data, filename=name)
    assert document.mime_type == mime and document.size == len(data)
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    keys = [k for k in stored_files(app) if document.storage_key in k]
    content = stored_bytes(app, next(k for k in keys if k.endswith(".bin")))
    assert data not in content and data[:64] not in content
    with app.app_context():
        back = read_content(document)
    assert back == data and hashlib.sha256(back).hexdigest() == document.sha256


def test_a_file_moved_under_another_documents_name_does_not_decrypt(app, store_as_jean):
    from cryptography.exceptions import InvalidTag

    from portal.documents.store import object_key, read_content
    from portal.storage import storage
    first = store_as_jean(b"premier document")
    second = store_as_jean(b"second document")
    with app.app_context():
        storage().put(object_key(second.storage_key), storage().get(object_key(first.storage_key)))
        with pytest.raises(InvalidTag):
            read_content(second)


def test_the_key_comes_from_document_key_when_set(app, store_as_jean):
    from portal.documents.store import read_content
    document = store_as_jean(b"avec la cle derivee")
    app.config["DOCUMENT_KEY"] = base64.urlsafe_b64encode(os.urandom(32)).decode()
    with app.app_context(), pytest.raises(Exception):
        read_content(document)  # another key: the old file no longer decrypts
    other = store_as_jean(b"avec la cle de production")
    with app.app_context():
        assert read_content(other) == b"avec la cle de production"


@pytest.mark.parametrize("data, message", [
    (b"", "Le fichier est vide"),
    (b"MZ\x90\x00\x03\x00\x00\x00", "Ce type de fichier n’est pas accepté"),
    (tiny_pdf()[:-40], "Ce fichier PDF est endommagé"),
    (image_bytes("JPEG")[:400], "Cette image est endommagée"),
    (image_bytes("PNG")[:60], "Cette image est endommagée"),
    (b"\x00" * 128 + b"DICM" + b"\xff" * 20, "Ce fichier DICOM est illisible"),
    (sample_dicom(size=16)[:-100], "Ce fichier DICOM est illisible"),  # pixels cut short
])
@pytest.mark.filterwarnings("ignore:End of file reached:UserWarning")  # pydicom on cut files
def test_refused_files_leave_nothing_behind(app, store_as_jean, data, message):
    from portal.documents.models import Document
    from portal.documents.store import Rejected
    before, files = Document.select().count(), stored_files(app)
    with pytest.raises(Rejected) as refusal:
        store_as_jean(data, filename="rapport.pdf")
    assert message in refusal.value.message
    assert Document.select().count() == before
    assert stored_files(app) == files


def test_oversize_is_refused_with_the_limit_in_megabytes(app, store_as_jean):
    from portal.documents.store import Rejected
    app.config["MAX_UPLOAD_BYTES"] = 3 * 1024 * 1024 // 2
    files = stored_files(app)
    with pytest.raises(Rejected) as refusal:
        store_as_jean(b"a" * (app.config["MAX_UPLOAD_BYTES"] + 1))
    assert "taille maximale de 1,5 Mo" in refusal.value.message
    assert stored_files(app) == files


def test_a_failed_database_write_removes_the_written_files(app, store_as_jean, monkeypatch):
    from portal.storage import Unavailable, storage
    files = stored_files(app)
    store = storage(app)
    monkeypatch.setattr(store, "put", _fail_after_first_write(store.put))
    with pytest.raises(Unavailable):
        store_as_jean(image_bytes("PNG"))
    assert stored_files(app) == files
    from portal.documents.models import Document
    assert not Document.select().where(Document.title == "Essai").exists()


def _fail_after_first_write(write):
    calls = []

    def wrapped(key, data):
        from portal.storage import Unavailable
        calls.append(key)
        if len(calls) > 1:
            raise Unavailable("disk full")
        write(key, data)
    return wrapped


def test_unknown_labels_are_a_programming_error(store_as_jean):
    with pytest.raises(TypeError):
        store_as_jean(b"texte", secret=True)


# --- previews -----------------------------------------------------------------------------

def _open_preview(app, document):
    from PIL import Image

    from portal.documents.store import read_preview
    with app.app_context():
        body = read_preview(document)
    return Image.open(io.BytesIO(body))


def test_photo_preview_is_small_upright_and_without_exif(app, store_as_jean):
    document = store_as_jean(image_bytes("JPEG", size=(1600, 1200), exif=True))
    assert document.has_preview
    preview = _open_preview(app, document)
    assert preview.format == "JPEG"
    assert preview.size == (600, 800)  # rotated as the EXIF said, then at most 800 px
    assert not dict(preview.getexif())


def test_tiff_gets_a_png_preview(app, store_as_jean):
    preview = _open_preview(app, store_as_jean(image_bytes("TIFF", size=(2000, 500))))
    assert preview.format == "PNG" and preview.size == (800, 200)


def test_dicom_gets_a_windowed_preview_and_its_study_facts(app, store_as_jean):
    import json
    document = store_as_jean(sample_dicom(study_date="20260112", modality="MR", size=16))
    assert json.loads(document.meta) == {"study_date": "2026-01-12", "modality": "MR"}
    preview = _open_preview(app, document)
    assert preview.format == "PNG" and preview.mode == "L" and preview.size == (16, 16)
    low, high = preview.getextrema()
    assert low == 0 and high == 255  # the stored range spread over 8 bits


def test_dicom_without_pixel_data_is_accepted_without_preview(app, store_as_jean):
    document = store_as_jean(sample_dicom(pixels=False))
    assert document.mime_type == "application/dicom" and not document.has_preview
    assert "study_date" in document.meta


def test_plain_text_and_pdf_have_no_preview(store_as_jean):
    assert not store_as_jean(b"note").has_preview
    assert not store_as_jean(tiny_pdf()).has_preview


# --- production start-up ------------------------------------------------------------------

def run_in_production(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "CARNET_ENV", "DOCUMENT_KEY")}
    env.update({"CARNET_INSTANCE": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                "HUEY_URL": f"sqlite:///{tmp_path}/h.db", "SECRET_KEY": "k" * 40, **extra})
    return subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT_DIR, env=env,
                          capture_output=True, text=True, timeout=60)


def test_production_refuses_to_start_without_a_document_key(tmp_path):
    result = run_in_production(tmp_path)
    assert result.returncode == 2
    assert "DOCUMENT_KEY must be set" in result.stderr
    result = run_in_production(tmp_path, DOCUMENT_KEY="too-short")
    assert result.returncode == 2


def test_production_starts_with_a_document_key(tmp_path):
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    result = run_in_production(tmp_path, DOCUMENT_KEY=key)
    # other areas check their own keys after this one: only ours must be satisfied here
    assert "DOCUMENT_KEY" not in result.stderr
    assert result.returncode == 0 or "must be set" in result.stderr, result.stderr
