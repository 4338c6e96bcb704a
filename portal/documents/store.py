"""The document store: content checked, then encrypted at rest (AES-256-GCM) and kept in the
object store (portal/storage.py: the disk under STORAGE_DIR, or an S3 bucket).

Other areas (prescriptions…) add documents through `store_document` and read them through
`read_content` / `read_preview`; nothing else touches the stored objects. Encryption happens
here, above the store, so the disk or the bucket only ever holds ciphertext. Every object is
written whole or not at all (see storage.py), so a crash never leaves half a document. The
document's storage_key is the AES-GCM associated data: an object moved under another
document's name fails to decrypt instead of showing the wrong person's content.

Callers journal their own action (audit.record) with the returned document's id.
"""
import base64
import hashlib
import os
import re
import secrets

from flask import current_app

from ..accounts.models import ROLE_PROFESSIONAL
from ..db import write_tx
from ..storage import Missing, StorageError, storage
from .models import CATEGORIES, Document
from .images import opened, shrink_to_fit
from .previews import dicom_meta, make_preview
from .sniff import DICOM, JPEG, PNG, Rejected, identify, sniff

__all__ = ["Rejected", "store_document", "check_upload", "fit_to_limit", "read_content",
           "read_preview", "delete_content", "object_key",
           "decode_key", "store_blob", "read_blob", "delete_blob", "store_file", "iter_file",
           "delete_file", "file_part_keys"]

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


def object_key(storage_key, preview=False):
    """Where a document's content (or preview) lives in the object store: the same relative
    path as the files of earlier versions, so an existing STORAGE_DIR keeps working."""
    if not _KEY_RE.match(storage_key):
        raise ValueError("malformed storage key")
    return f"documents/{storage_key[:2]}/{storage_key}{'.preview' if preview else '.bin'}"


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
    store, written = storage(), []
    try:
        with write_tx():
            document.save()
            key = object_key(document.storage_key)
            store.put(key, content)
            written.append(key)
            if preview_blob is not None:
                key = object_key(document.storage_key, preview=True)
                store.put(key, preview_blob)
                written.append(key)
    except BaseException:
        # The row rolls back with the transaction; the objects already written go too.
        for key in written:
            try:
                store.delete(key)
            except StorageError:  # the store is down: the original error is what matters
                pass
        raise
    return document


def read_content(document) -> bytes:
    """The document's content, decrypted (and authenticated: a tampered file raises)."""
    return _decrypt(document.storage_key, storage().get(object_key(document.storage_key)))


def read_preview(document) -> bytes | None:
    """The decrypted preview image, or None when the document has none."""
    if not document.has_preview:
        return None
    try:
        blob = storage().get(object_key(document.storage_key, preview=True))
    except Missing:
        return None
    return _decrypt(document.storage_key, blob, preview=True)


def preview_mime(preview):
    """The preview's own type (JPEG for photos, PNG otherwise), read from its bytes."""
    return sniff(preview) or "application/octet-stream"


def delete_content(document):
    """Remove the document's files (content and preview); the row is the caller's business."""
    store = storage()
    for preview in (False, True):
        store.delete(object_key(document.storage_key, preview))


# --- files that are not (yet) dossier documents, e.g. a message's attachments ---------------

def store_blob(data: bytes, *, filename) -> dict:
    """Check `data` exactly as a document's content (type from its content, size, integrity)
    and write it encrypted; returns the fields to keep with it (storage_key, mime_type, size,
    sha256, original_name). Raises Rejected(French message) and writes nothing when refused.
    The caller saves its row, and calls delete_blob(storage_key) if that fails."""
    sniffed = identify(data, current_app.config["MAX_UPLOAD_BYTES"])
    storage_key = secrets.token_hex(16)
    storage().put(object_key(storage_key), _encrypt(storage_key, data))
    return {"storage_key": storage_key, "mime_type": sniffed.mime, "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "original_name": clean_filename(filename)}


def read_blob(storage_key) -> bytes:
    """A stored blob's content, decrypted and authenticated."""
    return _decrypt(storage_key, storage().get(object_key(storage_key)))


def delete_blob(storage_key):
    """Remove a stored blob (nothing happens when it is already gone)."""
    storage().delete(object_key(storage_key))


# --- large files (a data export): encrypted in parts, so that no step holds the whole file ---

PART_BYTES = 4 * 1024 * 1024


def _part_key(storage_key, number):
    if not _KEY_RE.match(storage_key):
        raise ValueError("malformed storage key")
    return f"exports/{storage_key[:2]}/{storage_key}.{number:05d}.bin"


def _part_aad(storage_key, number, last):
    # The part's number and whether it is the last one are authenticated too: parts swapped,
    # dropped or cut short fail to decrypt instead of yielding a different file.
    return f"{storage_key}/part/{number}/{'last' if last else 'more'}".encode()


def store_file(fileobj) -> dict:
    """Write an open binary file, encrypted at rest like documents, in parts of PART_BYTES
    (memory stays bounded whatever the file's size); returns storage_key, parts, size,
    sha256. Nothing is checked about the content: only Carnet's own files (a data export)
    come through here. On failure, the parts already written are removed."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    storage_key = secrets.token_hex(16)
    cipher, store = AESGCM(_key()), storage()
    digest, size, number = hashlib.sha256(), 0, 0
    chunk = fileobj.read(PART_BYTES)
    try:
        while True:
            following = fileobj.read(PART_BYTES)
            last = not following
            digest.update(chunk)
            size += len(chunk)
            nonce = os.urandom(NONCE_BYTES)
            store.put(_part_key(storage_key, number),
                      MAGIC + nonce + cipher.encrypt(nonce, chunk,
                                                     _part_aad(storage_key, number, last)))
            number += 1
            if last:
                break
            chunk = following
    except BaseException:
        delete_file(storage_key, number + 1)
        raise
    return {"storage_key": storage_key, "parts": number, "size": size,
            "sha256": digest.hexdigest()}


def iter_file(storage_key, parts):
    """The stored file's content, decrypted part after part (a generator: one part in memory)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    cipher, store = AESGCM(_key()), storage()
    for number in range(parts):
        blob = store.get(_part_key(storage_key, number))
        if not blob.startswith(MAGIC):
            raise ValueError("not a Carnet encrypted file")
        nonce = blob[len(MAGIC):len(MAGIC) + NONCE_BYTES]
        yield cipher.decrypt(nonce, blob[len(MAGIC) + NONCE_BYTES:],
                             _part_aad(storage_key, number, number == parts - 1))


def file_part_keys(storage_key, parts):
    """The object-store keys of a stored file's parts (for checks and deletion)."""
    return [_part_key(storage_key, number) for number in range(parts)]


def delete_file(storage_key, parts):
    """Remove a stored file's parts (idempotent)."""
    store = storage()
    for key in file_part_keys(storage_key, parts):
        store.delete(key)
