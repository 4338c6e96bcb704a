"""The page of one kind of measure as the values pile up: Jean's weight page with its 13 demo
values beside his temperature page with 5,000 (years of twice-daily values), same app, same
client, the two pages requested in turn (so that a busy machine slows both alike).

Interface for the bench driver:
    figures(app, client, runs=RUNS) -> dict   with a logged-in client of Jean
    rows() -> list[tuple[str, str]]           builds its own app (temporary SQLite), logs in
`python -m benchmarks.measures` prints the rows. Goals (issue 14): the 5,000-value page in at
most 1.5× the time of the 13-value page, and at most 60 KB of HTML.
"""
import os
import re
import statistics
import tempfile
import time
from datetime import datetime, timedelta

RUNS = int(os.environ.get("MEASURES_RUNS", "20"))
URL = "/dossier/mesures/poids/"  # the 13 demo weights
LARGE_URL = "/dossier/mesures/temperature/"  # filled with TOTAL values
LARGE_KIND = "temperature"
EMAIL = "jean.dupont@example.org"
PASSWORD = "demo-carnet-2026"
TOTAL = 5_000
BATCH = 500  # rows per INSERT (SQLite's limit on bound variables)


def fill(app, total=TOTAL, kind=LARGE_KIND):
    """Top Jean's values of `kind` up to `total`, two a day going back from yesterday."""
    from portal.accounts.models import Account
    from portal.db import write_tx
    from portal.extensions import db
    from portal.measures.models import Measure
    with app.app_context():
        db.connect(reuse_if_open=True)
        jean = Account.get(Account.email == EMAIL)
        have = Measure.select().where(Measure.patient == jean.person_id,
                                      Measure.kind == kind).count()
        start = datetime.utcnow().replace(hour=6, minute=0, second=0, microsecond=0)
        rows = [{"patient": jean.person_id, "kind": kind, "author": jean.id,
                 "value": round(36 + 2 * ((i * 7919) % 1000) / 1000, 1),
                 "measured_at": start - timedelta(days=1 + i // 2, hours=12 * (i % 2))}
                for i in range(total - have)]
        with write_tx():
            for first in range(0, len(rows), BATCH):
                Measure.insert_many(rows[first:first + BATCH]).execute()
        db.close()


def _medians(client, urls, runs):
    """{url: (median ms, HTML bytes)}, the urls requested in turn."""
    samples = {url: [] for url in urls}
    sizes = {}
    for url in urls:
        client.get(url)
    for _ in range(runs):
        for url in urls:
            started = time.perf_counter()
            response = client.get(url)
            samples[url].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            sizes[url] = len(response.get_data())
    return {url: (statistics.median(samples[url]), sizes[url]) for url in urls}


def figures(app, client, runs=RUNS):
    """{"small": (median ms, HTML bytes), "large": (…)} for the 13- and 5,000-value page."""
    fill(app, TOTAL)
    result = _medians(client, (URL, LARGE_URL), runs)
    return {"small": result[URL], "large": result[LARGE_URL]}


def _logged_in(app):
    from portal.extensions import db
    from portal.mail import latest_for
    client = app.test_client()
    token = re.compile(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
    page = client.get("/connexion")
    client.post("/connexion", data={"csrf_token": token.search(page.data).group(1).decode(),
                                    "email": EMAIL, "password": PASSWORD})
    page = client.get("/connexion/code")
    with app.app_context():
        code = re.search(r"\b(\d{6})\b", latest_for(EMAIL).body).group(1)
        db.close()
    client.post("/connexion/code", data={"csrf_token": token.search(page.data).group(1).decode(),
                                         "code": code})
    return client


def rows():
    """The figures as (label, value) rows for the bench table."""
    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import db
    from portal.migrations import upgrade
    from portal.seed import seed_demo
    workdir = tempfile.mkdtemp(prefix="carnet-bench-measures-")
    app = create_app(TestConfig, DATABASE_URL=f"sqlite:///{workdir}/bench.db",
                     STORAGE_DIR=f"{workdir}/files", LOGIN_LIMIT_ACCOUNT="10000 per minute",
                     LOGIN_LIMIT_IP="10000 per minute")
    with app.app_context():
        db.connect(reuse_if_open=True)
        upgrade(echo=lambda *_: None)
        seed_demo()
        db.close()
    result = figures(app, _logged_in(app))
    (small_ms, small_bytes), (large_ms, large_bytes) = result["small"], result["large"]
    return [
        ("measures page, 13 values (server time, HTML)",
         f"{small_ms:.1f} ms, {small_bytes / 1024:.1f} KB"),
        (f"measures page, {TOTAL:,} values (server time, HTML)",
         f"{large_ms:.1f} ms, {large_bytes / 1024:.1f} KB"),
        (f"measures page {TOTAL:,} / 13 values",
         f"{large_ms / small_ms:.2f}x time (goal <= 1.5x), HTML {large_bytes / 1024:.1f} KB "
         f"(goal <= 60 KB)"),
    ]


if __name__ == "__main__":
    for label, value in rows():
        print(f"{label:<50} {value}")
