"""Running several machines, as the README's recipe says: the unit files of deploy/ with the
variables of .env.example, on PostgreSQL + Redis, two web processes on two ports, one scheduler
and one worker (`-n`). Everything is started from the units' own ExecStart lines, so a unit
that drifts from what works fails here.

What must hold across processes: a session started on one web process goes on on the other
(server-side sessions in PostgreSQL), what one writes the other reads (messages, documents),
an e-mail is delivered once by the consumers, periodic tasks are enqueued by the scheduler only
and each runs once, and every throttle counts failures made on either web process (Redis).
"""
import base64
import http.client
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import socketserver
import subprocess
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from conftest import ROOT_DIR, SMTPSink
from helpers import tiny_pdf
from pgcluster import PgCluster, available

pytestmark = pytest.mark.scale

ROOT = Path(ROOT_DIR)
DEPLOY = ROOT / "deploy"
# Only these variables of the test run reach the services (plus the env file's): the clock
# (tests/clock) and the tools' path, nothing of this session's own configuration.
SAFE = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "CARNET_TEST_CLOCK_OFFSET")
TOKEN_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
SPACE_RE = re.compile(r'<input type="hidden" name="_space" value="([^"]+)"')
START_TIMEOUT = 60
CODE_SUBJECT = "Votre code de connexion"


# --- the recipe's files ----------------------------------------------------------------------

def read_env_file(path):
    """KEY=value lines as systemd's EnvironmentFile= reads them (comments, quoted values)."""
    values = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def exec_start(unit, env):
    """The unit's command, with ${VAR} expanded from `env` and /opt/carnet mapped here."""
    text = (DEPLOY / unit).read_text(encoding="utf-8")
    (line,) = re.findall(r"^ExecStart=(.+)$", text, re.M)
    line = re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], line)
    return [part.replace("/opt/carnet", str(ROOT)) for part in shlex.split(line)]


def config_variables():
    """Every environment variable portal/config.py reads."""
    source = (ROOT / "portal" / "config.py").read_text(encoding="utf-8")
    return set(re.findall(r'(?:environ\.get\(|environ\[|_bool\()"([A-Z_]+)"', source))


def test_env_example_lists_every_setting_and_each_unit_variable():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.M))
    assert config_variables() - listed == set()
    active = read_env_file(ROOT / ".env.example")
    for unit in DEPLOY.glob("*.service"):
        used = set(re.findall(r"\$\{(\w+)\}", unit.read_text(encoding="utf-8")))
        assert used <= set(active), (unit.name, used - set(active))
    assert active["CARNET_ENV"] == "production"
    assert active["RATELIMIT_STORAGE_URI"].startswith("redis://")
    # placeholders only, never a real secret
    assert {value for name, value in active.items() if name.endswith("_KEY")} == {"CHANGE-ME"}


# --- a small HTTP client (production cookies are Secure: a browser library would not send
# them over the test's plain HTTP, so the jar is kept by hand) ----------------------------------

class Browser:
    """One person's browser: a cookie jar that follows them from one web process to another."""

    def __init__(self):
        self.cookies = {}

    def request(self, base, method, path, body=None, content_type=None):
        host, port = base.rsplit(":", 1)
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if content_type:
            headers["Content-Type"] = content_type
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            pair = header.split(";", 1)[0]
            name, _, value = pair.partition("=")
            expired = "max-age=0" in header.lower() or "expires=thu, 01 jan 1970" in header.lower()
            if expired or not value:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        connection.close()
        return response.status, response.headers, data.decode("utf-8", "replace")

    def get(self, base, path):
        return self.request(base, "GET", path)

    def post_form(self, base, path, fields, files=None, page=None):
        """Post a page's form as a browser does: its CSRF token (and open space) are taken
        from `page` (the form page read just before, on any process) or from `path` itself."""
        page = page if page is not None else self.get(base, path)[2]
        token = TOKEN_RE.search(page)
        assert token, "no CSRF token in the page"
        fields = {"csrf_token": token.group(1), **fields}
        space = SPACE_RE.search(page)
        if space:
            fields.setdefault("_space", space.group(1))
        if not files:
            return self.request(base, "POST", path, urlencode(fields).encode(),
                                "application/x-www-form-urlencoded")
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                         f"\r\n\r\n{value}\r\n".encode())
        for name, (filename, data, mime) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                         f'filename="{filename}"\r\nContent-Type: {mime}\r\n\r\n'.encode()
                         + data + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(base, "POST", path, b"".join(parts),
                            f"multipart/form-data; boundary={boundary}")


# --- the services ------------------------------------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _answers(base):
    try:
        connection = http.client.HTTPConnection(*base.rsplit(":", 1), timeout=2)
        connection.request("GET", "/connexion")
        status = connection.getresponse().status
        connection.close()
        return status == 200
    except OSError:
        return False


def _stop(process):
    """Stop one process we started, by its PID: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class Services:
    """The running recipe: two web addresses, the consumers' logs, the SMTP sink, the env."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.processes = []
        self.web = []
        self.logs = {}

    def start(self, name, command, env):
        log = open(self.workdir / f"{name}.log", "w+", encoding="utf-8")
        self.logs[name] = log
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def log(self, name):
        return (self.workdir / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def sql(self, statement, *params):
        import psycopg2
        connection = psycopg2.connect(self.env["DATABASE_URL"])
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement, params)
                return cursor.fetchall()
        finally:
            connection.close()

    def mails_to(self, address, subject=""):
        return [m for m in list(self.sink.messages)
                if re.search(rf"^To: {re.escape(address)}$", m, re.M)
                and re.search(rf"^Subject: .*{subject}", m, re.M)]

    def code_for(self, address, after):
        """The 6-digit code of the newest e-mail the workers delivered to `address`, once more
        than `after` e-mails reached it."""
        assert _wait(lambda: len(self.mails_to(address, CODE_SUBJECT)) > after, 30), (
            "no e-mail delivered", self.log("scheduler")[-2000:], self.log("worker")[-2000:])
        body = self.mails_to(address, CODE_SUBJECT)[-1].split("\n\n", 1)[1]
        return re.search(r"\b(\d{6})\b", body).group(1)


@pytest.fixture(scope="module")
def services(tmp_path_factory, s3_server):
    if not available():
        pytest.fail("PostgreSQL 15 binaries not found (/usr/lib/postgresql/15/bin)")
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        pytest.fail("redis-server is missing: scripts/test-tools.sh installs it")
    workdir = tmp_path_factory.mktemp("scale")
    running = Services(workdir)
    cluster = PgCluster()
    sink = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPSink)
    sink.daemon_threads = True
    sink.messages = []
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    running.sink = sink
    try:
        database_url = cluster.start()
        redis_port = _free_port()
        redis = subprocess.Popen([redis_server, "--port", str(redis_port), "--bind", "127.0.0.1",
                                  "--save", "", "--appendonly", "no"],
                                 stdout=subprocess.DEVNULL, start_new_session=True)
        running.processes.append(redis)
        assert _wait(lambda: _connects(redis_port), 10), "redis-server did not start"

        def key():
            return base64.urlsafe_b64encode(os.urandom(32)).decode()
        env = {k: os.environ[k] for k in SAFE if k in os.environ}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (env.get("PYTHONPATH"), str(ROOT))))
        env.update(read_env_file(ROOT / ".env.example"))
        # every signing or encryption key the file asks for (…_KEY=CHANGE-ME), made up here
        env.update({name: key() for name, value in env.items()
                    if name.endswith("_KEY") and value == "CHANGE-ME"})
        env.update({
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": database_url,
            "HUEY_URL": f"redis://127.0.0.1:{redis_port}/0",
            "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis_port}/1",
            # Objects go to the S3 server; STORAGE_DIR must stay empty (checked below).
            "STORAGE_DIR": str(workdir / "storage"),
            "CARNET_INSTANCE": str(workdir / "instance"),
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(sink.server_address[1]),
            "MAIL_USE_TLS": "0",
            "WEB_CONCURRENCY": "1", "WEB_THREADS": "4", "HUEY_WORKERS": "2",
            "TRUSTED_PROXIES": "0",
            "LOGIN_LIMIT_ACCOUNT": "3 per 15 minutes", "ACCESS_CODE_LIMIT": "3 per 15 minutes",
        })
        # the run's S3 server (conftest), under a prefix of this module's own
        running.s3, running.s3_prefix = s3_server, f"scale-{secrets.token_hex(4)}/"
        env.update(s3_server.env())
        env["STORAGE_URL"] = f"s3://{s3_server.bucket}/{running.s3_prefix}"
        for name in ("MAIL_USERNAME", "MAIL_PASSWORD"):  # the sink has no AUTH
            env.pop(name)
        running.env = env
        migrate = subprocess.run(exec_start("carnet-migrate.service", env), cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=180)
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
        seed = subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "seed"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=180)
        assert seed.returncode == 0, seed.stdout + seed.stderr
        # Seeding queued e-mails through Redis: the consumers below deliver them, so that the
        # sink only counts what this module's tests make happen once they are done.
        for name in ("web-a", "web-b"):
            port = _free_port()
            running.start(name, exec_start("carnet-web.service",
                                           {**env, "WEB_BIND": f"127.0.0.1:{port}"}), env)
            running.web.append(f"127.0.0.1:{port}")
        running.start("scheduler", exec_start("carnet-scheduler.service", env), env)
        running.start("worker", exec_start("carnet-worker@.service", env), env)
        for base, name in zip(running.web, ("web-a", "web-b")):
            assert _wait(lambda base=base: _answers(base), START_TIMEOUT), running.log(name)
        yield running
    finally:
        for process in reversed(running.processes):
            _stop(process)
        for log in running.logs.values():
            log.close()
        cluster.stop()
        sink.shutdown()
        sink.server_close()


def _connects(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def login(services, browser, email, password_on, code_on):
    """Password on one web process, the e-mailed code on the other; returns the landing."""
    before = len(services.mails_to(email, CODE_SUBJECT))
    status, headers, _ = browser.post_form(password_on, "/connexion",
                                           {"email": email, "password": "demo-carnet-2026"})
    assert status == 302 and headers["Location"].endswith("/connexion/code"), status
    code = services.code_for(email, before)
    status, headers, body = browser.post_form(code_on, "/connexion/code", {"code": code})
    assert status == 302, body[:2000]
    return headers["Location"]


# --- the recipe at work ------------------------------------------------------------------------

def test_a_session_started_on_one_web_process_goes_on_on_the_other(services):
    web_a, web_b = services.web
    jean = Browser()
    login(services, jean, "jean.dupont@example.org", password_on=web_a, code_on=web_b)
    for base in (web_a, web_b):
        status, _, body = jean.get(base, "/dossier/")
        assert status == 200 and "Jean Dupont" in body
    # logging out on one process ends the session on both
    status, _, _ = jean.post_form(web_b, "/deconnexion", {}, page=jean.get(web_b, "/dossier/")[2])
    assert status in (302, 303)
    status, headers, _ = jean.get(web_a, "/dossier/")
    assert status == 302 and "/connexion" in headers["Location"]


def test_a_document_uploaded_through_one_process_is_read_through_the_other(services):
    web_a, web_b = services.web
    jean = Browser()
    login(services, jean, "jean.dupont@example.org", password_on=web_b, code_on=web_a)
    data = tiny_pdf("Recette multi-machines")
    status, headers, body = jean.post_form(
        web_a, "/dossier/documents/ajouter",
        {"title": "Compte rendu partagé", "document_date": "2026-01-05", "category": "autres"},
        files={"fichier": ("cr.pdf", data, "application/pdf")})
    assert status == 303, body[:2000]
    document_id = headers["Location"].rstrip("/").rsplit("/", 1)[1]
    status, _, listing = jean.get(web_b, "/dossier/documents/")
    assert status == 200 and "Compte rendu partagé" in listing
    host, port = web_b.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("GET", f"/dossier/documents/{document_id}/fichier", headers={
        "Cookie": "; ".join(f"{k}={v}" for k, v in jean.cookies.items())})
    response = connection.getresponse()
    assert response.status == 200 and response.read() == data
    connection.close()
    # the file lives in the shared object store (encrypted), never on a web machine's disk
    stored = services.s3.keys(services.s3_prefix)
    assert stored and all(b"Recette multi-machines" not in services.s3.client().get_object(
        Bucket=services.s3.bucket, Key=key)["Body"].read() for key in stored)
    storage_dir = Path(services.env["STORAGE_DIR"])
    assert not storage_dir.exists() or not any(p.is_file() for p in storage_dir.rglob("*"))


def test_a_message_sent_through_one_process_is_read_through_the_other(services):
    web_a, web_b = services.web
    jean, benali = Browser(), Browser()
    login(services, jean, "jean.dupont@example.org", password_on=web_a, code_on=web_a)
    page = jean.get(web_a, "/messagerie/ecrire")[2]
    doctor = re.search(r'<option value="(\d+)"[^>]*>[^<]*Benali', page)
    assert doctor, "Dr Benali is not offered"
    subject = f"Question entre machines {secrets.token_hex(3)}"
    status, _, body = jean.post_form(web_b, "/messagerie/ecrire", {
        "action": "envoyer", "professional": doctor.group(1), "subject": subject,
        "body": "Bonjour docteur, une question."}, page=page)
    assert status in (302, 303), body[:2000]
    login(services, benali, "dr.benali@example.org", password_on=web_b, code_on=web_b)
    status, _, inbox = benali.get(web_a, "/messagerie/pro/")
    assert status == 200 and subject in inbox


def test_every_throttle_counts_failures_made_on_either_web_process(services):
    """LOGIN_LIMIT_ACCOUNT and ACCESS_CODE_LIMIT are 3 here: two failures on one process and
    one on the other fill the counter, so the next try is refused (each process alone saw
    fewer): passwords, one-time codes, access codes."""
    web_a, web_b = services.web
    amina = Browser()
    for base in (web_a, web_b, web_a):
        status, _, body = amina.post_form(base, "/connexion", {
            "email": "amina.diallo@example.org", "password": "wrong-password-123"})
        assert status == 200, body[:500]
    status, _, _ = amina.post_form(web_b, "/connexion", {
        "email": "amina.diallo@example.org", "password": "demo-carnet-2026"})
    assert status == 429
    # the one-time code's throttle (portal/throttle.py), the same for every code typed in
    camille = Browser()
    email = "camille.martin@example.org"
    before = len(services.mails_to(email, CODE_SUBJECT))
    status, _, _ = camille.post_form(web_a, "/connexion", {"email": email,
                                                          "password": "demo-carnet-2026"})
    assert status == 302
    code = services.code_for(email, before)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for base in (web_b, web_a, web_b):
        status, _, body = camille.post_form(base, "/connexion/code", {"code": wrong})
        assert status == 200, body[:500]
    status, _, body = camille.post_form(web_a, "/connexion/code", {"code": code})
    assert status == 429, body[:500]
    # a patient's access code typed by a professional (ACCESS_CODE_LIMIT, 3 here)
    from portal.access.codes import new_code
    lefevre = Browser()
    login(services, lefevre, "dr.lefevre@example.org", password_on=web_b, code_on=web_a)
    for base in (web_a, web_b, web_a):
        status, _, body = lefevre.post_form(base, "/acces/code", {"code": new_code()})
        assert status == 200 and "Trop de tentatives" not in body, body[:500]
    status, _, body = lefevre.post_form(web_b, "/acces/code", {"code": new_code()})
    assert status == 429 and "Trop de tentatives" in body, body[:500]


def test_periodic_tasks_are_enqueued_by_the_scheduler_only_and_each_runs_once(services):
    """The scheduler enqueues every-minute tasks when it starts and each minute after; the
    `-n` worker never does. Each enqueued run is executed by exactly one consumer."""
    task = "portal.mail.sweep_outbox"

    def counts():
        enqueued = services.log("scheduler").count(f"Enqueueing periodic task {task}")
        executed = sum(services.log(name).count(f"Executing {task}")
                       for name in ("scheduler", "worker"))
        return enqueued, executed

    assert _wait(lambda: counts()[0] >= 1 and counts()[0] == counts()[1], 90), (
        counts(), services.log("scheduler")[-3000:], services.log("worker")[-3000:])
    worker = services.log("worker")
    assert "Periodic tasks are disabled" in worker
    assert "Enqueueing periodic task" not in worker
    assert "Periodic tasks are enabled" in services.log("scheduler")


def test_each_email_is_delivered_once_by_the_workers(services):
    """Every e-mail the run queued (login codes, notices) reaches the SMTP server exactly once,
    whichever consumer took it, and its row says sent."""
    def pending():
        return services.sql("SELECT count(*) FROM outbox_message WHERE status <> 'sent'")[0][0]

    assert _wait(lambda: pending() == 0, 60), services.sql(
        "SELECT id, status, attempts FROM outbox_message WHERE status <> 'sent'")
    rows = services.sql("SELECT message_key, attempts FROM outbox_message")
    delivered = [re.search(r"^Message-ID: <([0-9a-f]+)@", m, re.M | re.I).group(1)
                 for m in list(services.sink.messages)]
    assert len(delivered) == len(set(delivered))  # none twice
    assert sorted(delivered) == sorted(key for key, _ in rows)  # all of them
    assert all(attempts == 1 for _, attempts in rows)
    assert len(rows) >= 6  # the logins above went through the queue
