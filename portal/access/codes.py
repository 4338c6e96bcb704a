"""Access codes: random, readable (3 groups of 4 from an unambiguous alphabet), stored hashed."""
import hashlib
import hmac
import re
import secrets

from flask import current_app

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no I, L, O, 0, 1
GROUPS, GROUP = 3, 4
CODE_LENGTH = GROUPS * GROUP


def new_code():
    """A fresh code, as shown to the patient: XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def normalise_code(text):
    """Upper case, without spaces or dashes (people type codes in many ways)."""
    return re.sub(r"[\s\-]", "", (text or "").upper())


def code_hash(code):
    """Keyed hash of the normalised code (what the database keeps)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, normalise_code(code).encode(), hashlib.sha256).hexdigest()
