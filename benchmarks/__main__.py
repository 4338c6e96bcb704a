"""`make bench`: page weights and median server times, beside a bare Flask page (same run)."""
import os
import re
import statistics
import sys
import tempfile
import time

from flask import Flask

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks.weight import first_load  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "300"))
BUDGET = 40 * 1024


def median_ms(client, url, runs=RUNS):
    for _ in range(10):
        client.get(url)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples)


def logged_in_client(app, email):
    from portal.extensions import db
    from portal.mail import latest_for
    client = app.test_client()
    token = re.compile(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
    page = client.get("/connexion")
    client.post("/connexion", data={"csrf_token": token.search(page.data).group(1).decode(),
                                    "email": email, "password": "demo-carnet-2026"})
    page = client.get("/connexion/code")
    code = re.search(r"\b(\d{6})\b", latest_for(email).body).group(1)
    client.post("/connexion/code", data={"csrf_token": token.search(page.data).group(1).decode(),
                                         "code": code})
    db.close()
    return client


def main():
    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import db
    from portal.migrations import upgrade
    from portal.seed import seed_demo

    workdir = tempfile.mkdtemp(prefix="carnet-bench-")
    app = create_app(TestConfig, DATABASE_URL=f"sqlite:///{workdir}/bench.db",
                     LOGIN_LIMIT_ACCOUNT="10000 per minute", LOGIN_LIMIT_IP="10000 per minute")
    with app.app_context():
        db.connect(reuse_if_open=True)
        upgrade(echo=lambda *_: None)
        seed_demo()
        db.close()

    bare = Flask("bare")
    bare.add_url_rule("/", "hello", lambda: "<!doctype html><title>t</title><p>bonjour</p>")
    baseline = median_ms(bare.test_client(), "/")

    anonymous = app.test_client()
    camille = logged_in_client(app, "camille.martin@example.org")
    print(f"Carnet benchmarks ({RUNS} requests each, in-process test client, SQLite)\n")
    print("First-load weight (HTML + CSS + JS, gzip -6), budget 40 KB:")
    for label, client, url in (("login", anonymous, "/connexion"),
                               ("dossier", camille, "/dossier/")):
        total, parts = first_load(client, url)
        detail = ", ".join(f"{k.rsplit('/', 1)[-1] or k}: {v}" for k, v in parts.items())
        print(f"  {label:<8} {total:>6} bytes ({total / BUDGET:.0%} of budget)  [{detail}]")
    print("\nMedian server time per request:")
    print(f"  bare Flask page      {baseline:7.3f} ms  (baseline, 1.0x)")
    for label, client, url in (("login page", anonymous, "/connexion"),
                               ("dossier page", camille, "/dossier/"),
                               ("settings page", camille, "/parametres/")):
        ms = median_ms(client, url)
        print(f"  {label:<20} {ms:7.3f} ms  ({ms / baseline:.1f}x baseline)")

    from benchmarks import documents, summary
    documents.report(app, baseline, median_ms, logged_in_client, RUNS)
    summary.report(app)


if __name__ == "__main__":
    main()
