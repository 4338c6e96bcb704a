"""Shared fixtures: `app` on a fresh database, `client`, `login_as(role)`, and the backend switch.

Tests marked `db` run twice: on SQLite and on a throw-away PostgreSQL cluster that this test
run starts on 127.0.0.1 (and stops at the end). Every other test runs on SQLite.

The whole run lives at a fixed date, SESSION_CLOCK, whatever day it is run: the demo is seeded
under that clock and every test (and every Python process a test starts) reads it, so a seed
made "20 days ago" is the same instant for a test that freezes the clock at a date of its own.
"""
import http.server
import os
import re
import shutil
import socketserver
import sys
import threading
import time
from datetime import datetime, timezone

import pytest
import time_machine

sys.path.insert(0, os.path.dirname(__file__))

from pgcluster import PgCluster, available  # noqa: E402

ROOT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from portal.seed import DEMO_EMAILS as ROLES, DEMO_PASSWORD  # noqa: E402
TOKEN_RE = re.compile(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


# Monday 23 November 2026, 10:00 in Paris, unless CARNET_TEST_CLOCK names another instant
# (ISO 8601, e.g. 2027-11-23T09:00:00+00:00: the suite must pass at any date). The clock ticks
# on from there during the run.
SESSION_CLOCK = datetime.fromisoformat(
    os.environ.get("CARNET_TEST_CLOCK") or "2026-11-23T09:00:00+00:00")
CLOCK_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "clock")


def pytest_configure(config):
    """Move this process, and every Python process it will start, to SESSION_CLOCK."""
    os.environ["CARNET_TEST_CLOCK_OFFSET"] = repr(SESSION_CLOCK.timestamp() - time.time())
    os.environ["PYTHONPATH"] = os.pathsep.join(
        part for part in (CLOCK_DIR, os.environ.get("PYTHONPATH")) if part)
    config._carnet_clock = time_machine.travel(SESSION_CLOCK, tick=True)
    config._carnet_clock.start()


def pytest_unconfigure(config):
    clock = getattr(config, "_carnet_clock", None)
    if clock is not None:
        clock.stop()


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        backends = ["sqlite"]
        if metafunc.definition.get_closest_marker("db"):
            backends.append("postgresql")
        metafunc.parametrize("backend", backends, scope="function")


@pytest.fixture(scope="session")
def pg_url():
    if not available():
        pytest.fail("PostgreSQL 15 binaries not found (/usr/lib/postgresql/15/bin); "
                    "the model tests must run on PostgreSQL too")
    cluster = PgCluster()
    url = cluster.start()
    yield url
    cluster.stop()


def _admin_execute(url, *statements):
    """Run statements on the cluster's maintenance database (outside any transaction)."""
    import psycopg2
    conn = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        conn.close()


def _build_seeded(url, storage):
    """Migrate and seed the demo once; tests start from copies of the result."""
    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import db
    from portal.migrations import upgrade
    from portal.seed import seed_demo
    application = create_app(TestConfig, DATABASE_URL=url, STORAGE_DIR=str(storage),
                             STORAGE_URL=None)  # seeded on disk, copied where each test says
    with application.app_context():
        db.connect(reuse_if_open=True)
        upgrade(echo=lambda *_: None)
        seed_demo()
        db.close()
    _close_pool(db)


def _close_pool(db):
    """Really close a pool's connections (db.close() gives them back to it): a template
    database must have no session left, and a dropped test database none either."""
    if hasattr(db.obj, "close_all"):
        db.obj.close_all()


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory):
    """A migrated, seeded SQLite file and its document store, built once per test run."""
    folder = tmp_path_factory.mktemp("seeded-sqlite")
    _build_seeded(f"sqlite:///{folder / 'carnet.db'}", folder / "files")
    return folder


@pytest.fixture(scope="session")
def seeded_postgres(pg_url, tmp_path_factory):
    """A migrated, seeded PostgreSQL template database, built once per test run."""
    folder = tmp_path_factory.mktemp("seeded-postgres")
    template_url = pg_url.rsplit("/", 1)[0] + "/carnet_seed"
    _admin_execute(pg_url, "DROP DATABASE IF EXISTS carnet_seed", "CREATE DATABASE carnet_seed")
    _build_seeded(template_url, folder / "files")
    return folder


@pytest.fixture
def storage_settings():
    """Config for the app's object store: the disk under the test's STORAGE_DIR (whatever
    STORAGE_URL the shell has). A test module overrides this fixture to run its app on S3
    (see test_storage_s3.py)."""
    return {"STORAGE_URL": None}


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A real S3 server (SeaweedFS) for the whole run, started on first use on 127.0.0.1 and
    stopped by its PID at the end. A server that does not start fails the tests that need it:
    they are never skipped."""
    from clock.real_clock_signing import sign_with_the_real_clock
    from s3server import S3ServerError, start_s3
    sign_with_the_real_clock()  # the server lives on the real clock, the tests do not
    try:
        server = start_s3(tmp_path_factory.mktemp("s3"))
    except S3ServerError as error:
        pytest.fail(f"the S3 server did not start: {error}")
    yield server
    server.stop()


def s3_settings(server, prefix):
    """App config that keeps objects in `server`'s bucket under `prefix`."""
    return {"STORAGE_URL": f"s3://{server.bucket}/{prefix}",
            "STORAGE_ENDPOINT_URL": server.endpoint_url,
            "AWS_ACCESS_KEY_ID": server.access_key,
            "AWS_SECRET_ACCESS_KEY": server.secret_key}


def _copy_into_store(folder, application):
    """The seeded demo's objects, put into the app's own store (an S3 prefix of its own)."""
    from portal.storage import storage
    store = storage(application)
    if folder.exists():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                store.put(path.relative_to(folder).as_posix(), path.read_bytes())


@pytest.fixture
def app(request, backend, tmp_path):
    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import db, limiter

    if backend == "postgresql":
        url = request.getfixturevalue("pg_url")
        template = request.getfixturevalue("seeded_postgres")
        name = url.rsplit("/", 1)[1]
        _admin_execute(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
                       f"CREATE DATABASE {name} TEMPLATE carnet_seed")
    else:
        template = request.getfixturevalue("seeded_sqlite")
        shutil.copyfile(template / "carnet.db", tmp_path / "carnet.db")
        url = f"sqlite:///{tmp_path / 'carnet.db'}"
    settings = request.getfixturevalue("storage_settings")
    if (template / "files").exists() and not settings.get("STORAGE_URL"):
        shutil.copytree(template / "files", tmp_path / "files")
    application = create_app(TestConfig, DATABASE_URL=url, STORAGE_DIR=str(tmp_path / "files"),
                             **settings)
    if settings.get("STORAGE_URL"):
        _copy_into_store(template / "files", application)
    application.config["BACKEND"] = backend
    limiter.reset()
    yield application
    if not db.is_closed():
        db.close()
    _close_pool(db)


@pytest.fixture
def ctx(app):
    """Direct model access in a test. No app context is pushed: requests made by the test
    client must each get their own (a shared one would leak `g`, and the logged-in user,
    from one request to the next). Peewee reconnects on its own when a query needs it."""
    from portal.extensions import db
    yield app
    if not db.is_closed():
        db.close()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_from(response):
    match = TOKEN_RE.search(response.data)
    assert match, "no CSRF token in the page"
    return match.group(1).decode()


def hidden_fields(response):
    """The hidden inputs of the page's forms (CSRF token, open space), as a real form sends."""
    html = response.get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="(csrf_token|_space)" value="([^"]+)"',
                             html))
    fields.update(re.findall(r'<input id="csrf_token" name="(csrf_token)" type="hidden" '
                             r'value="([^"]+)"', html))
    assert "csrf_token" in fields, "no CSRF token in the page"
    return fields


def csrf_token(client):
    """The session's CSRF token, read from a page's form."""
    return csrf_from(client.get("/accessibilite"))


def latest_code(app, email):
    from portal.extensions import db
    from portal.mail import latest_for
    with app.app_context():
        db.connect(reuse_if_open=True)
        message = latest_for(email)
        db.close()
    match = re.search(r"\b(\d{6})\b", message.body)
    return match.group(1)


@pytest.fixture
def login_as(app):
    """Log a client in through the real forms (password, then the e-mail code)."""
    def do(role_or_email, client=None, password=DEMO_PASSWORD):
        email = ROLES.get(role_or_email, role_or_email)
        client = client or app.test_client()
        page = client.get("/connexion")
        response = client.post("/connexion", data={"csrf_token": csrf_from(page),
                                                   "email": email, "password": password})
        assert response.status_code == 302, response.data[:500]
        assert response.headers["Location"].endswith("/connexion/code")
        page = client.get("/connexion/code")
        response = client.post("/connexion/code", data={"csrf_token": csrf_from(page),
                                                        "code": latest_code(app, email)})
        assert response.status_code == 302, response.data[:800]
        return client
    return do


@pytest.fixture
def person(ctx):
    """Look a demo person up by first name."""
    from portal.accounts.models import Person

    def get(given):
        return Person.get(Person.given_names == given)
    return get


def open_space(client, person_id):
    """Open a person's space as the logged-in client, through the spaces page's form; returns
    the answer (a 302 when the relation allows it)."""
    page = client.get("/espaces")
    return client.post(f"/espaces/{person_id}", data={"csrf_token": csrf_from(page)})


def journal(action, **where):
    """The journal's events of `action`, oldest first, where each keyword names a column and
    the value it must hold (patient=…, outcome=…, object_id=…)."""
    from portal.audit import ActivityEvent
    query = ActivityEvent.select().where(ActivityEvent.action == action)
    for name, value in where.items():
        query = query.where(getattr(ActivityEvent, name) == value)
    return list(query.order_by(ActivityEvent.id))


def outbox(who, subject=None):
    """The e-mails sent to a demo role ("camille") or an address, oldest first; only those of
    `subject` when it is given."""
    from portal.mail import OutboxMessage
    query = OutboxMessage.select().where(OutboxMessage.to == ROLES.get(who, who))
    if subject is not None:
        query = query.where(OutboxMessage.subject == subject)
    return list(query.order_by(OutboxMessage.id))


def account(who):
    """The account of a demo role ("benali") or of an address."""
    from portal.accounts.models import Account
    return Account.get(Account.email == ROLES.get(who, who))


def text(response):
    """A page's text with its white space collapsed, as a reader sees it (a sentence split over
    two lines of the template still reads as one)."""
    return " ".join(response.get_data(as_text=True).split())


def latest_mail(app, who):
    """The newest e-mail sent to a demo role or an address (read outside any request)."""
    from portal.extensions import db
    from portal.mail import latest_for
    with app.app_context():
        db.connect(reuse_if_open=True)
        return latest_for(ROLES.get(who, who))


def redeem(client, code):
    """Type an access code into the professional's "code d'accès" form."""
    page = client.get("/acces/code")
    return client.post("/acces/code", data={"csrf_token": csrf_from(page), "code": code})


def at(*args):
    """Freeze the clock at this UTC time (time does not move during the block)."""
    return time_machine.travel(datetime(*args, tzinfo=timezone.utc), tick=False)


def run_majorities(app):
    """Run the daily job that ends the guardianships of those who came of age."""
    from portal.proxies.guardians import process_majorities
    with app.app_context():
        return process_majorities()


@pytest.fixture
def jean(login_as):
    """Jean Dupont, logged in, in his own space."""
    return login_as("jean")


@pytest.fixture
def benali_on(login_as, person):
    """Dr Benali (médecin traitant of Jean, Camille and Lina) with a patient's space open."""
    def get(name):
        client = login_as("benali")
        assert open_space(client, person(name).id).status_code == 302
        return client
    return get


@pytest.fixture
def jean_and_author(ctx, person):
    """Jean's person row and the account that deposits documents in his space (his own)."""
    from portal.accounts.models import Account
    return person("Jean"), Account.get(Account.email == "jean.dupont@example.org")


@pytest.fixture
def store_as_jean(app, jean_and_author):
    """store(data, filename, **fields): a document stored in Jean's record by the store itself
    (no request), as an upload would."""
    from datetime import date

    from portal.documents.store import store_document
    jean, author = jean_and_author

    def store(data, filename="x", **extra):
        with app.app_context():
            return store_document(jean, author, data, filename=filename,
                                  title=extra.pop("title", "Essai"),
                                  category=extra.pop("category", "autres"),
                                  document_date=date(2026, 1, 5), **extra)
    return store


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Records every request; answers a stylesheet, or under /redirect/ a redirection to
    file:///etc/passwd (what a hostile server would try)."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.server.hits.append(self.path)
        if self.path.startswith("/redirect/"):
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    """A local HTTP server on 127.0.0.1 that records every request (`.hits`), for proving that
    nothing reaches it; `.url` is its address."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    server.hits = []
    server.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


class SMTPSink(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive one message (no TLS, no auth)."""

    def handle(self):
        self.wfile.write(b"220 sink ready\r\n")
        data_mode, lines = False, []
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if data_mode:
                if line == ".":
                    self.server.messages.append("\n".join(lines))
                    data_mode, lines = False, []
                    self.wfile.write(b"250 queued\r\n")
                else:
                    lines.append(line)
                continue
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250 sink\r\n")
            elif verb == "DATA":
                data_mode = True
                self.wfile.write(b"354 go ahead\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_sink():
    """An SMTP server on 127.0.0.1 that keeps what it receives (`.messages`)."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPSink)
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
