"""Second factors: a 6-digit code by e-mail, or a TOTP authenticator app."""
import base64
import hashlib
import hmac
import os
import secrets
from datetime import datetime

import pyotp
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from ..rendering import lazy_gettext as _l

from .. import mail
from ..db import write_tx
from .models import OneTimeCode, utcnow


def _code_hash(code):
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


PURPOSE_LOGIN = "login"
PURPOSE_REAUTH = "reauth"  # confirming a change of the account's security while logged in
PURPOSE_RESET = "reset"  # "mot de passe oublié": proving the mailbox before a new password


def new_code():
    """A fresh 6-digit code and its keyed hash (only the hash is ever stored)."""
    code = f"{secrets.randbelow(10**6):06d}"
    return code, _code_hash(code)


def issue_login_code(account, purpose=PURPOSE_LOGIN, prepared=None):
    """Invalidate older codes of this purpose, create a new one and e-mail it (the code never
    sits in clear). `prepared`: a (code, hash) pair from new_code(), made by a caller that must
    do that work whether or not an account exists (recovery)."""
    code, code_hash = prepared or new_code()
    now = utcnow()
    with write_tx():
        OneTimeCode.update(used_at=now).where(
            OneTimeCode.account == account, OneTimeCode.purpose == purpose,
            OneTimeCode.used_at.is_null()).execute()
        OneTimeCode.create(account=account, code_hash=code_hash, created_at=now,
                           purpose=purpose,
                           expires_at=now + current_app.config["OTP_VALIDITY"])
    minutes = int(current_app.config["OTP_VALIDITY"].total_seconds() // 60)
    if purpose == PURPOSE_REAUTH:
        mail.send(account.email, _l("Votre code de confirmation Carnet"),
                  _l("Bonjour,\n\nVotre code pour confirmer un changement de la sécurité de "
                    "votre compte Carnet est : %(code)s\n\n"
                    "Il est valable %(minutes)s minutes et ne sert qu’une fois.\n"
                    "Si vous n’avez pas demandé ce code, ne le communiquez à personne et "
                    "changez votre mot de passe.\n\nCarnet", code=code, minutes=minutes))
        return code
    if purpose == PURPOSE_RESET:
        mail.send(account.email, _l("Votre code pour choisir un nouveau mot de passe Carnet"),
                  _l("Bonjour,\n\nVous avez indiqué avoir oublié votre mot de passe Carnet. "
                    "Votre code pour en choisir un nouveau est : %(code)s\n\n"
                    "Il est valable %(minutes)s minutes et ne sert qu’une fois.\n"
                    "Si vous n’avez rien demandé, ignorez ce message : votre mot de passe "
                    "reste le même. Ne communiquez ce code à personne.\n\nCarnet",
                    code=code, minutes=minutes))
        return code
    mail.send(account.email, _l("Votre code de connexion Carnet"),
              _l("Bonjour,\n\nVotre code de connexion à Carnet est : %(code)s\n\n"
                "Il est valable %(minutes)s minutes et ne sert qu’une fois.\n"
                "Si vous n’avez pas demandé ce code, ne le communiquez à personne et changez "
                "votre mot de passe.\n\nCarnet", code=code, minutes=minutes))
    return code


def check_login_code(account, code, purpose=PURPOSE_LOGIN):
    """'ok', 'wrong' (attempt counted), 'expired' or 'exhausted' (too many attempts)."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    now = utcnow()
    with write_tx():
        current = (OneTimeCode.select().where(OneTimeCode.account == account,
                                              OneTimeCode.purpose == purpose,
                                              OneTimeCode.used_at.is_null())
                   .order_by(OneTimeCode.id.desc()).first())
        if current is None or current.expires_at < now:
            return "expired"
        if current.attempts >= current_app.config["OTP_MAX_ATTEMPTS"]:
            return "exhausted"
        if hmac.compare_digest(current.code_hash, _code_hash(code)):
            OneTimeCode.update(used_at=now).where(OneTimeCode.id == current.id).execute()
            return "ok"
        OneTimeCode.update(attempts=OneTimeCode.attempts + 1).where(
            OneTimeCode.id == current.id).execute()
        if current.attempts + 1 >= current_app.config["OTP_MAX_ATTEMPTS"]:
            return "exhausted"
        return "wrong"


# --- TOTP secrets are encrypted at rest with a key derived from SECRET_KEY -------------------

def _aead():
    key = HKDF(algorithm=SHA256(), length=32, salt=b"carnet-totp", info=b"totp-secret").derive(
        current_app.config["SECRET_KEY"].encode())
    return AESGCM(key)


def seal_secret(secret):
    nonce = os.urandom(12)
    return base64.b64encode(nonce + _aead().encrypt(nonce, secret.encode(), b"totp")).decode()


def open_secret(sealed):
    raw = base64.b64decode(sealed)
    return _aead().decrypt(raw[:12], raw[12:], b"totp").decode()


def new_totp_secret():
    return pyotp.random_base32()


def provisioning_uri(secret, email):
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name="Carnet")


def totp_matches(secret, code, last_counter=None, at=None):
    """The matched time-step counter when `code` is valid now (±1 step) and not replayed."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    at = at or datetime.now()
    counter = totp.timecode(at)
    for step in (counter, counter - 1, counter + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if last_counter is not None and step <= last_counter:
                return None
            return step
    return None
