"""E-mail goes through one module and a huey task; SMTP when configured, outbox otherwise.
The queue and the login throttle run on Redis when HUEY_URL / RATELIMIT_STORAGE_URI say so."""
import shutil
import socket
import socketserver
import subprocess
import threading
import time

import pytest


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
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPSink)
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_login_code_is_sent_by_smtp_when_configured(app, client, smtp_sink, ctx):
    from conftest import csrf_from
    from portal.mail import OutboxMessage
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_sink.server_address[1],
                      MAIL_USE_TLS=False)
    page = client.get("/connexion")
    client.post("/connexion", data={"csrf_token": csrf_from(page),
                                    "email": "jean.dupont@example.org",
                                    "password": "demo-carnet-2026"})
    assert len(smtp_sink.messages) == 1
    sent = smtp_sink.messages[0]
    assert "To: jean.dupont@example.org" in sent and "Subject: Votre code de connexion" in sent
    row = OutboxMessage.select().order_by(OutboxMessage.id.desc()).get()
    assert row.status == "sent" and row.sent_at is not None


def test_delivery_is_idempotent(app, smtp_sink, ctx):
    from portal import mail
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_sink.server_address[1],
                      MAIL_USE_TLS=False)
    with app.app_context():
        message = mail.send("amina.diallo@example.org", "Test", "Bonjour")
        mail.deliver.call_local(message.id)  # a retry after a crash must not send twice
    assert len(smtp_sink.messages) == 1


def test_outbox_command_prints_the_latest_message(app, client):
    from conftest import csrf_from
    page = client.get("/connexion")
    client.post("/connexion", data={"csrf_token": csrf_from(page),
                                    "email": "amina.diallo@example.org",
                                    "password": "demo-carnet-2026"})
    result = app.test_cli_runner().invoke(args=["outbox", "--to", "amina.diallo@example.org"])
    assert result.exit_code == 0
    assert "Subject: Votre code de connexion Carnet" in result.output
    missing = app.test_cli_runner().invoke(args=["outbox", "--to", "nobody@example.org"])
    assert missing.exit_code == 1


@pytest.fixture(scope="module")
def redis_url():
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: scripts/test-tools.sh installs it")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(10)


def test_queue_runs_on_redis(redis_url):
    from huey import RedisHuey
    from portal.extensions import make_huey
    queue = make_huey(redis_url, immediate=False)
    assert isinstance(queue, RedisHuey)

    @queue.task()
    def add(a, b):
        return a + b

    result = add(2, 3)
    task = queue.dequeue()
    queue.execute(task)
    assert result.get() == 5


def test_login_throttle_shares_its_counters_through_redis(app, redis_url):
    """Two app instances (two gunicorn workers) see the same failure count."""
    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import limiter
    from test_auth import start_login
    settings = dict(DATABASE_URL=app.config["DATABASE_URL"], RATELIMIT_STORAGE_URI=redis_url,
                    LOGIN_LIMIT_ACCOUNT="3 per 15 minutes")
    first = create_app(TestConfig, **settings)
    limiter.reset()
    for _ in range(3):
        assert start_login(first.test_client(), "amina.diallo@example.org",
                           "wrong-password-123").status_code == 200
    second = create_app(TestConfig, **settings)
    assert start_login(second.test_client(), "amina.diallo@example.org",
                       "wrong-password-123").status_code == 429
    limiter.reset()
