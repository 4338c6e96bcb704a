"""The document store: content checked, then encrypted at rest (AES-256-GCM) under STORAGE_DIR.

Other areas (prescriptions…) add documents through `store_document` and read them through
`read_content` / `read_preview`; nothing else touches the files. Every file is written
atomically (temporary file, fsync, os.replace), so a crash never leaves half a document. The
document's storage_key is the AES-GCM associated data: a file moved under another document's
name fails to decrypt instead of showing the wrong person's content.

Callers journal their own action (audit.record) with the returned document's id.
"""
import base64
import hashlib
import os
import re
import secrets
import tempfile
from pathlib import Path

from flask import current_app

from ..accounts.models import ROLE_PROFESSIONAL
from ..db import write_tx
from .models import CATEGORIES, Document
from .images import opened, shrink_to_fit
from .previews import dicom_meta, make_preview
from .sniff import DICOM, JPEG, PNG, Rejected, identify, sniff

__all__ = ["Rejected", "store_document", "check_upload", "fit_to_limit", "read_content",
           "read_preview", "delete_content",
           "decode_key", "store_blob", "read_blob", "delete_blob"]

MAGIC = b"CRN1"  # format version of an encrypted file: MAGIC + nonce (12 bytes) + ciphertext
NONCE_BYTES = 12
LABELS = frozenset({"masked_from_pros", "hidden_from_patient", "hidden_from_guardians",
                    "folder", "pinned"})
_KEY_RE = re.compile(r"^[0-9a-f]{32,64}$")


class MissingDocumentKey(RuntimeError):
    """DOCUMENT_KEY is missing or malformed (refused at start-up in production)."""


def decode_key(value):
    """32 bytes from DOCUMENT_KEY (urlsafe base64, padding optional); ValueError otherwise."""
    text = (value or "").strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise ValueError("DOCUMENT_KEY is not urlsafe base64") from None
    if len(raw) != 32:
        raise ValueError("DOCUMENT_KEY must decode to 32 bytes")
    return raw


def _key():
    """The document key: DOCUMENT_KEY, or outside production one derived from SECRET_KEY so
    that development and tests work out of the box."""
    config = current_app.config
    if config.get("DOCUMENT_KEY"):
        return decode_key(config["DOCUMENT_KEY"])
    if config["ENV_NAME"] == "production":
        raise MissingDocumentKey("DOCUMENT_KEY is required in production")
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"carnet-documents",
                info=b"document content at rest, v1").derive(config["SECRET_KEY"].encode())


def _path(storage_key, preview=False):
    if not _KEY_RE.match(storage_key):
        raise ValueError("malformed storage key")
    root = Path(current_app.config["STORAGE_DIR"]) / "documents" / storage_key[:2]
    return root / (storage_key + (".preview" if preview else ".bin"))


def _aad(storage_key, preview):
    return (storage_key + ("/preview" if preview else "")).encode()


def _encrypt(storage_key, plaintext, preview=False):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    nonce = os.urandom(NONCE_BYTES)
    return MAGIC + nonce + AESGCM(_key()).encrypt(nonce, plaintext, _aad(storage_key, preview))


def _decrypt(storage_key, blob, preview=False):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    if not blob.startswith(MAGIC):
        raise ValueError("not a Carnet encrypted file")
    nonce = blob[len(MAGIC):len(MAGIC) + NONCE_BYTES]
    return AESGCM(_key()).decrypt(nonce, blob[len(MAGIC) + NONCE_BYTES:],
                                  _aad(storage_key, preview))


def _write_atomic(path, data):
    """Write a whole file or nothing: temporary file in the same directory, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a crash
    finally:
        os.close(directory)


def clean_filename(name):
    """The name a file had on the person's device, without any path or control character."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:255]


def _photo_over_limit(data):
    return len(data) > current_app.config["MAX_UPLOAD_BYTES"] and \
        sniff(data[:1024]) in (JPEG, PNG)


def fit_to_limit(data):
    """`data`, or a JPEG or PNG photo over MAX_UPLOAD_BYTES reduced to fit (images.py); what
    cannot be reduced is left as it is, for identify() to refuse with the limit."""
    if _photo_over_limit(data):
        smaller = shrink_to_fit(data, current_app.config["MAX_UPLOAD_BYTES"])
        if smaller is not None:
            return smaller
    return data


def check_upload(data):
    """Say what store_document would refuse (Rejected), without reducing or storing anything:
    used when the form has other errors. A photo over the limit is only checked from its
    header, since it will be reduced."""
    if _photo_over_limit(data):
        with opened(data):
            return
    identify(data, current_app.config["MAX_UPLOAD_BYTES"])


def store_document(patient, author, data: bytes, *, filename, title, category, document_date,
                   doc_type="", author_is_professional=None, **labels) -> Document:
    """Check `data` (type from its content, size, integrity; a photo over the limit is first
    reduced to fit, and `document.reduced_from` then gives the size received), then create
    the Document and write its encrypted content (and preview) in one go; raises
    Rejected(French message) and stores nothing when the file is refused. `labels`:
    masked_from_pros, hidden_from_patient (hidden until announced, see the model),
    hidden_from_guardians, folder, pinned."""
    unknown = set(labels) - LABELS
    if unknown:
        raise TypeError(f"unknown document labels: {sorted(unknown)}")
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    received = len(data)
    data = fit_to_limit(data)
    sniffed = identify(data, current_app.config["MAX_UPLOAD_BYTES"])
    preview = make_preview(data, sniffed.mime)
    if author_is_professional is None:
        author_is_professional = author.role == ROLE_PROFESSIONAL
    hidden = labels.pop("hidden_from_patient", False)
    document = Document(
        patient=patient, author=author, author_is_professional=author_is_professional,
        title=title.strip()[:200], document_date=document_date, category=category,
        doc_type=(doc_type or "")[:60], storage_key=secrets.token_hex(16),
        mime_type=sniffed.mime, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        original_name=clean_filename(filename), has_preview=preview is not None,
        meta=dicom_meta(data) if sniffed.mime == DICOM else "", **labels)
    document.reduced_from = received if len(data) < received else None  # said to the person
    if hidden:
        document.hide_from_patient_until_announced()
    content = _encrypt(document.storage_key, data)
    preview_blob = _encrypt(document.storage_key, preview[0], preview=True) if preview else None
    written = []
    try:
        with write_tx():
            document.save()
            path = _path(document.storage_key)
            _write_atomic(path, content)
            written.append(path)
            if preview_blob is not None:
                path = _path(document.storage_key, preview=True)
                _write_atomic(path, preview_blob)
                written.append(path)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return document


def read_content(document) -> bytes:
    """The document's content, decrypted (and authenticated: a tampered file raises)."""
    return _decrypt(document.storage_key, _path(document.storage_key).read_bytes())


def read_preview(document) -> bytes | None:
    """The decrypted preview image, or None when the document has none."""
    if not document.has_preview:
        return None
    path = _path(document.storage_key, preview=True)
    if not path.exists():
        return None
    return _decrypt(document.storage_key, path.read_bytes(), preview=True)


def preview_mime(preview):
    """The preview's own type (JPEG for photos, PNG otherwise), read from its bytes."""
    return sniff(preview) or "application/octet-stream"


def delete_content(document):
    """Remove the document's files (content and preview); the row is the caller's business."""
    for preview in (False, True):
        _path(document.storage_key, preview).unlink(missing_ok=True)


# --- files that are not (yet) dossier documents, e.g. a message's attachments ---------------

def store_blob(data: bytes, *, filename) -> dict:
    """Check `data` exactly as a document's content (type from its content, size, integrity)
    and write it encrypted; returns the fields to keep with it (storage_key, mime_type, size,
    sha256, original_name). Raises Rejected(French message) and writes nothing when refused.
    The caller saves its row, and calls delete_blob(storage_key) if that fails."""
    sniffed = identify(data, current_app.config["MAX_UPLOAD_BYTES"])
    storage_key = secrets.token_hex(16)
    _write_atomic(_path(storage_key), _encrypt(storage_key, data))
    return {"storage_key": storage_key, "mime_type": sniffed.mime, "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "original_name": clean_filename(filename)}


def read_blob(storage_key) -> bytes:
    """A stored blob's content, decrypted and authenticated."""
    return _decrypt(storage_key, _path(storage_key).read_bytes())


def delete_blob(storage_key):
    _path(storage_key).unlink(missing_ok=True)
