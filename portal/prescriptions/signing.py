"""Signed prescription codes: Ed25519 over a canonical payload, carried by the QR code.

The code printed under the QR code is `CARNET-ORD:<public id>.<signature>`, both in base32
without padding: only capitals and the digits 2 to 7, so that a typed code ignores case,
nothing looks like 0/1/8, no hyphen can be taken for a line-break hyphenation (copying from
a PDF viewer drops those), and the QR code uses its compact alphanumeric mode. The
signature covers the prescription's public id, the patient (NIR, else internal id), the
prescriber's RPPS, the date and a hash of the lines; a verifier rebuilds that payload from
the stored prescription, so a forged code, a code altered by one character, and a
prescription whose lines were changed after signing are all refused.
"""
import base64
import binascii
import hashlib
import json
import re
import secrets

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

PREFIX = "CARNET-ORD:"
PAYLOAD_VERSION = "carnet-ord/1"
PUBLIC_ID_BYTES = 16
PUBLIC_ID_RE = re.compile(r"[A-Z2-7]{26}")
SIGNATURE_RE = re.compile(r"[A-Z2-7]{103}")
HKDF_INFO = b"carnet prescription signing key v1"


class CodeError(ValueError):
    """The text is not a Carnet prescription code at all (malformed, truncated)."""


def new_public_id():
    """16 random bytes in base32 without padding: 26 characters, A–Z and 2–7."""
    return base64.b32encode(secrets.token_bytes(PUBLIC_ID_BYTES)).decode("ascii").rstrip("=")


def parse_key(text, setting="PRESCRIPTION_SIGNING_KEY"):
    """An Ed25519 private key from its 32-byte seed written in base64 (url-safe or not)."""
    text = (text or "").strip()
    try:
        seed = base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_")
                                        + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"{setting} is not base64") from exc
    if len(seed) != 32:
        raise ValueError(f"{setting} must hold 32 bytes (44 base64 characters)")
    return Ed25519PrivateKey.from_private_bytes(seed)


def derived_key(secret_key, info=HKDF_INFO):
    """Development and test only: a signing key derived from SECRET_KEY with HKDF-SHA256
    (`info` keeps the keys of different uses apart)."""
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=info).derive(secret_key.encode("utf-8"))
    return Ed25519PrivateKey.from_private_bytes(seed)


def configured_key(app, setting, info):
    """An Ed25519 key from the configuration `setting`, else (outside production) derived from
    SECRET_KEY with `info`."""
    configured = app.config.get(setting)
    if configured:
        return parse_key(configured, setting)
    if app.config["ENV_NAME"] == "production":
        raise RuntimeError(f"{setting} is required in production")
    return derived_key(app.config["SECRET_KEY"], info)


def signing_key(app=None):
    """The server's key: PRESCRIPTION_SIGNING_KEY, else (outside production) derived."""
    return configured_key(app or current_app, "PRESCRIPTION_SIGNING_KEY", HKDF_INFO)


def lines_hash(lines):
    """SHA-256 of the lines' content, in order, as canonical JSON."""
    rows = [[line.medicine, line.dosage, line.duration, int(line.renewals), line.instructions]
            for line in lines]
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_payload(public_id, patient, prescriber, prescribed_on, lines):
    """The exact bytes signed: one field per line, no ambiguity between fields."""
    patient_ref = f"nir:{patient.nir}" if patient.nir else f"id:{patient.id}"
    prescriber_ref = f"rpps:{prescriber.rpps}" if prescriber.rpps else f"account:{prescriber.id}"
    return "\n".join((PAYLOAD_VERSION, public_id, patient_ref, prescriber_ref,
                      prescribed_on.isoformat(), lines_hash(lines)))


def _b32(data):
    return base64.b32encode(data).decode("ascii").rstrip("=")


def sign(payload, key=None):
    """The Ed25519 signature of a payload, in base32 without padding (103 characters)."""
    key = key or signing_key()
    return _b32(key.sign(payload.encode("utf-8")))


def code_for(public_id, signature):
    return f"{PREFIX}{public_id}.{signature}"


def groups(code, size=4):
    """The prefix, then the rest of the code cut in groups of `size` characters, for reading
    and typing (whitespace is ignored when a code is checked)."""
    rest = code[len(PREFIX):] if code.startswith(PREFIX) else code
    return [PREFIX] + [rest[i:i + size] for i in range(0, len(rest), size)]


def parse_code(text):
    """(public id, signature bytes) from a typed or scanned code; CodeError if malformed.

    Scanners and people add spaces and line breaks, and type in small letters: whitespace
    and case do not count. Only the canonical spelling of a signature is accepted.
    """
    compact = "".join((text or "").split()).upper()
    if compact.startswith(PREFIX):
        compact = compact[len(PREFIX):]
    public_id, dot, signature = compact.partition(".")
    if not dot or not PUBLIC_ID_RE.fullmatch(public_id) or \
            not SIGNATURE_RE.fullmatch(signature):
        raise CodeError("malformed prescription code")
    raw = base64.b32decode(signature + "=" * (-len(signature) % 8))
    if len(raw) != 64 or _b32(raw) != signature:
        raise CodeError("malformed signature")
    return public_id, raw


def verify(payload, signature, key=None):
    """True when `signature` (bytes) is the server's signature of `payload`."""
    key = key or signing_key()
    try:
        key.public_key().verify(signature, payload.encode("utf-8"))
    except InvalidSignature:
        return False
    return True
