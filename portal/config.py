"""Settings read from the environment, with embedded defaults that need no server."""
import os
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("CARNET_INSTANCE", ROOT / "instance"))

DEV_SECRET = "carnet-development-only-secret"


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Production-safe defaults; `CARNET_ENV=development` relaxes what needs HTTPS."""

    ENV_NAME = os.environ.get("CARNET_ENV", "production")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    DEBUG = _bool("FLASK_DEBUG", False)
    TESTING = False

    DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'carnet.db'}")
    # PostgreSQL connections are pooled per process (portal/db.py): at most this many (keep it
    # at least the number of gunicorn threads, or huey workers, of one process), a request
    # waits this many seconds for a free one before failing, and a connection is renewed
    # after this many seconds.
    DATABASE_POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "20"))
    DATABASE_POOL_TIMEOUT = float(os.environ.get("DATABASE_POOL_TIMEOUT", "10"))
    DATABASE_POOL_RECYCLE = int(os.environ.get("DATABASE_POOL_RECYCLE", "600"))
    # PostgreSQL: a statement a connection runs again is prepared on the server, parsed and
    # planned once (portal/pgprepared.py). Turn off (0) behind a pooler that switches server
    # connections between transactions (PgBouncer in transaction mode before 1.21).
    DATABASE_PREPARED_STATEMENTS = _bool("DATABASE_PREPARED_STATEMENTS", True)
    HUEY_URL = os.environ.get("HUEY_URL", f"sqlite:///{INSTANCE / 'huey.db'}")
    HUEY_IMMEDIATE = _bool("HUEY_IMMEDIATE", False)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or (
        os.environ["HUEY_URL"] if os.environ.get("HUEY_URL", "").startswith("redis") else "memory://"
    )
    STORAGE_DIR = os.environ.get("STORAGE_DIR", str(INSTANCE / "storage"))
    # Where stored objects (documents, previews, attachments, print files) live: unset or
    # file:///path for the disk (STORAGE_DIR by default), s3://bucket/prefix for an S3 bucket
    # (portal/storage.py). The S3 endpoint (for an S3-compatible server), region and
    # credentials; without AWS_* here, boto3's own chain (environment, ~/.aws, instance role).
    STORAGE_URL = os.environ.get("STORAGE_URL") or None
    STORAGE_ENDPOINT_URL = os.environ.get("STORAGE_ENDPOINT_URL") or None
    STORAGE_REGION = os.environ.get("STORAGE_REGION", "us-east-1")
    AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID") or None
    AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY") or None
    # A store that does not answer fails the request after this many seconds per attempt
    # (connect, then read), and this many attempts in all.
    STORAGE_TIMEOUT_SECONDS = float(os.environ.get("STORAGE_TIMEOUT_SECONDS", "10"))
    STORAGE_RETRIES = int(os.environ.get("STORAGE_RETRIES", "3"))
    # Documents are encrypted at rest with this key (32 bytes, urlsafe base64); required in
    # production, derived from SECRET_KEY elsewhere.
    DOCUMENT_KEY = os.environ.get("DOCUMENT_KEY")
    MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(5 * 1024 * 1024)))
    # The request body a view that accepts a file may receive (portal/uploads.py): a file over
    # MAX_UPLOAD_BYTES still reaches its form, which says so and keeps the other fields, and a
    # phone photo over it is reduced to fit. Other requests keep MAX_CONTENT_LENGTH.
    MAX_UPLOAD_REQUEST_BYTES = int(os.environ.get("MAX_UPLOAD_REQUEST_BYTES",
                                                  str(4 * MAX_UPLOAD_BYTES)))
    # Prescriptions are signed with this Ed25519 key (its 32-byte seed, urlsafe base64);
    # required in production, derived from SECRET_KEY elsewhere.
    PRESCRIPTION_SIGNING_KEY = os.environ.get("PRESCRIPTION_SIGNING_KEY")
    # The journal's seals are signed with this Ed25519 key (its 32-byte seed, urlsafe base64);
    # required in production, derived from SECRET_KEY elsewhere. Kept out of the database, so
    # that someone who can write to the database cannot re-seal a rewritten journal.
    JOURNAL_SIGNING_KEY = os.environ.get("JOURNAL_SIGNING_KEY")
    # Signed checkpoints the background verifier has witnessed are appended to this file,
    # outside the database: a journal truncated and re-sealed in the database no longer
    # contains them.
    JOURNAL_WITNESS_FILE = os.environ.get("JOURNAL_WITNESS_FILE",
                                          str(INSTANCE / "journal-checkpoints"))
    # Printed summaries are rendered by the worker in a child process that is stopped after
    # this many seconds and may not use more than this much memory.
    SUMMARY_RENDER_TIMEOUT = int(os.environ.get("SUMMARY_RENDER_TIMEOUT", "120"))
    SUMMARY_RENDER_MEMORY_MB = int(os.environ.get("SUMMARY_RENDER_MEMORY_MB", "1024"))
    # Connected services (portal/connect/): an access token lives this many seconds, a refresh
    # token (only with offline_access; rotated on each use) this many days; each app's client
    # may call the FHIR API this often (Flask-Limiter syntax).
    OAUTH_ACCESS_TOKEN_SECONDS = int(os.environ.get("OAUTH_ACCESS_TOKEN_SECONDS", "900"))
    OAUTH_REFRESH_TOKEN_DAYS = int(os.environ.get("OAUTH_REFRESH_TOKEN_DAYS", "30"))
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute")

    # The service's address, for links in e-mails (never taken from a request's Host header,
    # which a client chooses). Required in production, https only.
    PUBLIC_URL = os.environ.get("PUBLIC_URL")

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Carnet <ne-pas-repondre@carnet.example>")
    # A message a worker took (or handed to the queue) and did not finish within this many
    # seconds is handed to the queue again (its worker died): delivery is at least once.
    MAIL_LEASE_SECONDS = int(os.environ.get("MAIL_LEASE_SECONDS", "120"))

    SESSION_COOKIE_NAME = "carnet_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    SESSION_IDLE = timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30")))
    SESSION_ABSOLUTE = timedelta(hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")))
    SESSION_WARNING = timedelta(minutes=2)
    HSTS = True

    OTP_VALIDITY = timedelta(minutes=10)
    OTP_MAX_ATTEMPTS = 5
    LOGIN_LIMIT_ACCOUNT = os.environ.get("LOGIN_LIMIT_ACCOUNT", "5 per 15 minutes")
    LOGIN_LIMIT_IP = os.environ.get("LOGIN_LIMIT_IP", "30 per 15 minutes")
    # New provisional codes asked online for one person (each e-mail voids the previous code).
    NEW_CODE_LIMIT = os.environ.get("NEW_CODE_LIMIT", "3 per day")
    # Counter letters (a new code each) one France Services mediator may print.
    COUNTER_CODE_LIMIT_MEDIATOR = os.environ.get("COUNTER_CODE_LIMIT_MEDIATOR", "20 per day")
    # Access codes are long random codes (about 59 bits): a professional mistyping one gets a
    # few more tries than with a 6-digit code.
    ACCESS_CODE_LIMIT = os.environ.get("ACCESS_CODE_LIMIT", "10 per 15 minutes")
    LOCKOUT_MINUTES = 15
    # How many reverse proxies stand in front of the app. With 0 (default) the client's
    # address is the socket's peer and X-Forwarded-For is ignored (a client could write
    # anything in it); with N, the address N proxies added (Werkzeug's ProxyFix).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(6 * 1024 * 1024)))
    # One request at a time runs the app in a process, the others waiting for their turn
    # (portal/turn.py): "auto" (on with SQLite, off with PostgreSQL), "on" or "off".
    REQUEST_TURN = os.environ.get("REQUEST_TURN", "auto")
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the server-side session
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    # French is the source; English and Arabic (Modern Standard Arabic, right to left: see
    # portal/bidi.py for the direction and the choice of Latin digits) are complete catalogues.
    LANGUAGES = ("fr", "en", "ar")


class DevelopmentConfig(Config):
    """Local development over plain HTTP on 127.0.0.1."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET)
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000")
    SESSION_COOKIE_SECURE = False
    HSTS = False


class TestConfig(DevelopmentConfig):
    """Tests: throw-away database chosen by the fixture, huey immediate."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "carnet-test-secret"
    HUEY_IMMEDIATE = True
    RATELIMIT_STORAGE_URI = "memory://"
    # Tests that witness checkpoints name a file of their own (tmp_path).
    JOURNAL_WITNESS_FILE = None


def pick_config():
    """The config class named by CARNET_ENV (production unless told otherwise)."""
    env = os.environ.get("CARNET_ENV", "production")
    return {"development": DevelopmentConfig, "test": TestConfig}.get(env, Config)
