"""Fixtures for the browser tests: a real gunicorn serving the seeded demo, one Chromium.

The server runs as a subprocess on 127.0.0.1 with a throw-away instance directory, huey
immediate (login codes land in the outbox synchronously) and login limits raised so that
logging in once per role is never throttled. One browser is shared by the whole session;
each role logs in once (``logged_in``) and its context is reused.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from portal.seed import DEMO_EMAILS, DEMO_PASSWORD

from .tools import ROOT, launch

VENV_BIN = ROOT / ".venv" / "bin"
PASSWORD = DEMO_PASSWORD
ACCOUNTS = DEMO_EMAILS
# Chromium's own locale would make the app answer in English; the demo is read in French.
CONTEXT_OPTIONS = {"locale": "fr-FR", "viewport": {"width": 1280, "height": 900}}
SERVER_START_TIMEOUT = 20


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """The running app: its base URL and the environment its CLI commands need."""

    base_url: str
    env: dict[str, str]
    process: subprocess.Popen = field(repr=False)

    def url(self, path: str) -> str:
        return self.base_url + path

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT,
                              env=self.env, capture_output=True, text=True, timeout=60)

    def login_code(self, email: str) -> str:
        """The 6-digit code of the latest e-mail sent to ``email``."""
        result = self.flask("outbox", "--to", email)
        assert result.returncode == 0, f"outbox failed: {result.stderr}"
        _subject, _, body = result.stdout.partition("\n\n")
        match = re.search(r"\b(\d{6})\b", body)
        assert match, f"no 6-digit code in the e-mail to {email}:\n{result.stdout}"
        return match.group(1)


@pytest.fixture(scope="session")
def server():
    """Migrate and seed a fresh database, then serve it with gunicorn on a free local port."""
    instance = Path(tempfile.mkdtemp(prefix="carnet-browser-")).resolve()
    env = dict(os.environ)
    env.update({
        "CARNET_ENV": "development",
        "CARNET_INSTANCE": str(instance),
        "DATABASE_URL": f"sqlite:///{instance}/carnet.db",
        "HUEY_URL": f"sqlite:///{instance}/huey.db",
        "HUEY_IMMEDIATE": "1",
        # The session's clock (tests/clock) stays on the path: the server lives at its date.
        "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))),
        "LOGIN_LIMIT_ACCOUNT": "1000 per minute",
        "LOGIN_LIMIT_IP": "1000 per minute",
    })
    for command in (["db", "upgrade"], ["seed"]):
        result = subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *command], cwd=ROOT,
                                env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, (
            f"flask {' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")

    port = _free_port()
    env["PUBLIC_URL"] = f"http://127.0.0.1:{port}"  # links in e-mails lead to this server
    log = open(instance / "gunicorn.log", "w+", encoding="utf-8")
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--threads", "4", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if process.poll() is not None:
            log.seek(0)
            pytest.fail(f"gunicorn exited ({process.returncode}):\n{log.read()[-4000:]}")
        try:
            with urllib.request.urlopen(base_url + "/connexion", timeout=2) as response:
                if response.status == 200:
                    break
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if time.monotonic() > deadline:
            process.kill()
            log.seek(0)
            pytest.fail(f"gunicorn did not answer within {SERVER_START_TIMEOUT} s:\n"
                        f"{log.read()[-4000:]}")
        time.sleep(0.2)

    yield Server(base_url=base_url, env=env, process=process)

    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    log.close()
    if os.environ.get("CARNET_KEEP_BROWSER_INSTANCE"):
        print(f"browser test instance kept in {instance}", file=sys.stderr)
    else:
        shutil.rmtree(instance, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def login(page, server: Server, email: str, password: str = PASSWORD) -> None:
    """Log in through the real forms (labels and buttons), reading the code from the outbox."""
    page.goto(server.url("/connexion"))
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/connexion/code")
    page.get_by_label("Code de connexion").fill(server.login_code(email))
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/connexion" not in url)


@pytest.fixture(scope="session")
def logged_in(browser, server):
    """``logged_in(role)`` → a page of a context where that demo account is logged in.

    Each role logs in once per session; later calls return the same page.
    """
    pages = {}

    def get(role: str):
        if role not in pages:
            context = browser.new_context(**CONTEXT_OPTIONS)
            page = context.new_page()
            login(page, server, ACCOUNTS[role])
            pages[role] = page
        return pages[role]

    yield get
    for page in pages.values():
        page.context.close()


@pytest.fixture
def context_for(browser, server):
    """Fresh logged-in pages, one browser context each (closed after the test):
    `context_for("camille")`, `context_for("camille", java_script_enabled=False)`."""
    contexts = []

    def make(role, javascript=True, **options):
        context = browser.new_context(**(CONTEXT_OPTIONS | {"java_script_enabled": javascript}
                                         | options))
        contexts.append(context)
        page = context.new_page()
        login(page, server, ACCOUNTS[role])
        return page
    yield make
    for context in contexts:
        context.close()
