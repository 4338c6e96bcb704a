"""E-mail goes through one module and a huey task; SMTP when configured, outbox otherwise.
The queue and the login throttle run on Redis when HUEY_URL / RATELIMIT_STORAGE_URI say so."""
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import threading
import time

import pytest
from conftest import SMTPSink


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
    # Listing the newest e-mails (`make codes`) is not a failure when there are none.
    none = app.test_cli_runner().invoke(args=["outbox", "--last", "3", "--to",
                                              "nobody@example.org"])
    assert none.exit_code == 0 and "no message for nobody@example.org" in none.output


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
    from helpers import start_login
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


class SlowSMTPSink(SMTPSink):
    """A sink that takes a moment to accept each message, so that a worker can be killed
    while e-mails are on their way."""

    def handle(self):
        original = self.wfile.write

        def write(data):
            if data.startswith(b"250 queued"):
                time.sleep(self.server.accept_delay)
            return original(data)
        self.wfile.write = write
        super().handle()


def _consumer(env, log):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return subprocess.Popen(
        [os.path.join(root, ".venv", "bin", "huey_consumer"), "portal.tasks.huey",
         "--workers", "2", "--delay", "0.05", "--max-delay", "0.2"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait(condition, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_killing_the_worker_mid_send_loses_no_email(app, ctx, redis_url, tmp_path):
    """A real consumer on Redis sends 20 e-mails and is killed (SIGKILL) half-way; once it is
    started again, every e-mail is sent, at least once, and none stays "queued" or "sending".
    A copy sent twice (killed between the SMTP server's "250" and the row's update) carries the
    same Message-ID both times."""
    import re

    from portal import mail
    from portal.extensions import make_huey
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SlowSMTPSink)
    server.daemon_threads = True
    server.messages, server.accept_delay = [], 0.25
    threading.Thread(target=server.serve_forever, daemon=True).start()
    total, lease = 20, 3
    ids = [mail.OutboxMessage.create(to=f"patient{i}@example.org", subject="Votre code",
                                     body="123456").id for i in range(total)]
    queue = make_huey(redis_url, immediate=False)
    queue.flush()
    queue._registry.register(mail.deliver.task_class)
    for message_id in ids:
        queue.enqueue(mail.deliver.s(message_id))
    env = {**os.environ, "CARNET_ENV": "development", "HUEY_URL": redis_url,
           "DATABASE_URL": app.config["DATABASE_URL"], "STORAGE_DIR": app.config["STORAGE_DIR"],
           "CARNET_INSTANCE": str(tmp_path), "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(server.server_address[1]), "MAIL_USE_TLS": "0",
           "MAIL_LEASE_SECONDS": str(lease), "HUEY_IMMEDIATE": "0",
           "PYTHONPATH": os.pathsep.join([os.environ.get("PYTHONPATH", ""),
                                          os.path.dirname(os.path.dirname(
                                              os.path.dirname(os.path.abspath(__file__))))])}

    def statuses():
        rows = mail.OutboxMessage.select(mail.OutboxMessage.status).where(
            mail.OutboxMessage.id.in_(ids))
        return [row.status for row in rows]

    with open(tmp_path / "worker.log", "w") as log:
        first = _consumer(env, log)
        try:
            assert _wait(lambda: len(server.messages) >= 6, 20), "the worker sent nothing"
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        received_before = len(server.messages)
        at_kill = statuses()
        killed_at = time.time()
        time.sleep(max(0, killed_at + lease + 0.5 - time.time()))  # the dead worker's leases
        second = _consumer(env, log)
        try:
            done = _wait(lambda: statuses().count("sent") == total, 20)
        finally:
            second.terminate()
            second.wait(10)
    server.shutdown()
    server.server_close()
    after = statuses()
    received = [re.search(r"^To: (.+)$", m, re.M).group(1) for m in server.messages]
    message_ids = {}
    for text in server.messages:
        to = re.search(r"^To: (.+)$", text, re.M).group(1)
        found = re.search(r"^Message-ID: (.+)$", text, re.M | re.I)
        message_ids.setdefault(to, set()).add(found.group(1) if found else None)
    duplicates = len(received) - len(set(received))
    print(f"\nkilled after {received_before} of {total} e-mails were accepted; at the kill: "
          f"{at_kill.count('sent')} sent, {at_kill.count('sending')} sending, "
          f"{at_kill.count('queued')} queued; after the restart: {after.count('sent')} sent, "
          f"{len(set(received))} distinct e-mails received, {duplicates} sent twice")
    assert done, (after, (tmp_path / "worker.log").read_text()[-3000:])
    assert received_before < total  # the kill happened mid-way
    assert set(received) == {f"patient{i}@example.org" for i in range(total)}
    assert duplicates <= at_kill.count("sending")
    assert all(len(found) == 1 for found in message_ids.values())  # one Message-ID each
