"""Password hashing (argon2id) and the password policy (CNIL 2022, OWASP ASVS 5.0)."""
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .. import turn
from ..rendering import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 128
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY = _hasher.hash("carnet-dummy-password-for-timing")


@turn.gives_way  # argon2 runs without the interpreter's lock: other requests may run
def hash_password(password):
    """An argon2id hash, salted."""
    return _hasher.hash(password)


@turn.gives_way
def verify_password(stored_hash, password):
    """True when `password` matches; takes as long for unknown accounts (pass None)."""
    try:
        return _hasher.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash):
    return _hasher.check_needs_rehash(stored_hash)


@lru_cache(maxsize=1)
def common_passwords():
    """The shipped list of common and breached passwords of 12+ characters (lower-cased)."""
    path = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"
    if not path.exists():
        return frozenset()
    return frozenset(line.strip() for line in path.read_text("utf-8").splitlines() if line.strip())


def password_problem(password, *, email=None, names=()):
    """A French message saying why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _l("Choisissez un mot de passe d’au moins %(n)s caractères. Une phrase de "
                  "plusieurs mots est facile à retenir et difficile à deviner.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Le mot de passe ne peut pas dépasser %(n)s caractères.", n=MAX_LENGTH)
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4:
        return _l("Ce mot de passe est trop courant : il figure dans les listes utilisées par "
                  "les pirates. Choisissez-en un autre.")
    personal = {email.split("@")[0].lower()} if email else set()
    personal |= {n.lower() for n in names if n and len(n) >= 4}
    if any(p and p in lowered and len(p) >= len(lowered) - 4 for p in personal):
        return _l("Le mot de passe ne doit pas reprendre votre nom ou votre adresse e-mail.")
    return None
