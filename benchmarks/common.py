"""What every benchmark module shares: the result row, a median timer, the seeded app, a login.

A figure is reported as a ratio against a baseline measured in the same run (never against a
number remembered from another machine or another day).
"""
import os
import re
import statistics
import tempfile
import time
from dataclasses import dataclass

TOKEN_RE = re.compile(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
PASSWORD = "demo-carnet-2026"


@dataclass
class Row:
    """One line of the results table. `ratio` is measured / baseline (None when there is no
    baseline); `met` is None when the figure has no goal."""

    figure: str
    measured: str
    baseline: str = "—"
    ratio: float | None = None
    goal: str = "—"
    met: bool | None = None


def median_ms(client, url, runs, warmup=10):
    """Median server time of GET `url` through a Flask test client, in milliseconds."""
    for _ in range(warmup):
        client.get(url)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples)


def bare_client():
    """A bare Flask page: the baseline of every server-time figure."""
    from flask import Flask
    bare = Flask("bare")
    bare.add_url_rule("/", "hello", lambda: "<!doctype html><title>t</title><p>bonjour</p>")
    return bare.test_client()


def make_app(database_url, **overrides):
    """The app on `database_url`, in the test configuration (huey immediate, generous login
    limits: the bench logs in many times)."""
    from portal import create_app
    from portal.config import TestConfig
    settings = dict(DATABASE_URL=database_url, LOGIN_LIMIT_ACCOUNT="10000 per minute",
                    LOGIN_LIMIT_IP="10000 per minute")
    settings.update(overrides)
    return create_app(TestConfig, **settings)


def seeded_sqlite(workdir=None):
    """A migrated, seeded SQLite database in a fresh folder; returns (app, folder)."""
    from portal.extensions import db
    from portal.migrations import upgrade
    from portal.seed import seed_demo
    workdir = workdir or tempfile.mkdtemp(prefix="carnet-bench-")
    app = make_app(f"sqlite:///{workdir}/bench.db", STORAGE_DIR=os.path.join(workdir, "files"))
    with app.app_context():
        db.connect(reuse_if_open=True)
        upgrade(echo=lambda *_: None)
        seed_demo()
        db.close()
    return app, workdir


def logged_in_client(app, email):
    """A test client logged in through the real forms (password, then the e-mailed code)."""
    from portal.extensions import db
    from portal.mail import latest_for
    client = app.test_client()
    page = client.get("/connexion")
    client.post("/connexion", data={"csrf_token": TOKEN_RE.search(page.data).group(1).decode(),
                                    "email": email, "password": PASSWORD})
    page = client.get("/connexion/code")
    with app.app_context():
        db.connect(reuse_if_open=True)
        code = re.search(r"\b(\d{6})\b", latest_for(email).body).group(1)
        db.close()
    response = client.post("/connexion/code", data={
        "csrf_token": TOKEN_RE.search(page.data).group(1).decode(), "code": code})
    assert response.status_code == 302, response.status_code
    return client
