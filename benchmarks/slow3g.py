"""Slow 3G: navigation → load of the dossier (logged in) in Chromium on an emulated slow phone,
beside a bare Flask page served the same way (same gunicorn settings, same emulation).

The emulation is Chrome DevTools' own: `Network.emulateNetworkConditions` (2,000 ms latency,
50 KB/s down and up) and `Emulation.setCPUThrottlingRate` 4. "Cold" is a first visit with an
empty browser cache (a fresh context holding only the login cookie); "warm" is the second
visit of the same page in that context. Each figure is the median of RUNS visits.

Interface for the bench driver:
    rows(root=ROOT) -> list[tuple[str, str]]   starts its own servers, returns (label, value)
    measure(app_url, bare_url, email, password, code_of) -> dict   against servers you run
`python -m benchmarks.slow3g [root]` prints the rows (root: another checkout, e.g. a "before").
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("SLOW3G_RUNS", "3"))
LATENCY_MS = 2000
THROUGHPUT = 50 * 1024  # bytes per second, each way
CPU_SLOWDOWN = 4
GOAL_MS = 3000
EMAIL = "camille.martin@example.org"
PASSWORD = "demo-carnet-2026"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def _bare_page():
    # About the size of a small Carnet page's HTML, with no stylesheet or script.
    rows = "".join(f"<li>Élément de liste numéro {i} du document de référence</li>"
                   for i in range(90))
    return (f"<!doctype html><html lang=fr><meta charset=utf-8><title>Page nue</title>"
            f"<h1>Page nue</h1><ul>{rows}</ul></html>")


def _make_bare_app():
    from flask import Flask
    app = Flask("bare")
    page = _bare_page()
    app.add_url_rule("/", "page", lambda: page)
    return app


def __getattr__(name):
    # gunicorn imports `benchmarks.slow3g:bare_app`; built lazily so that importing this
    # module for rows() does not build a Flask app.
    if name == "bare_app":
        return _make_bare_app()
    raise AttributeError(name)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _gunicorn(root, target, env):
    port = _free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [str(root / ".venv" / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "4", target],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"gunicorn {target} exited: {log.read()[-2000:]!r}")
            try:
                with urllib.request.urlopen(url + "/", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn {target} did not answer")
                time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextlib.contextmanager
def servers(root=ROOT):
    """A seeded Carnet and the bare page, each under gunicorn on 127.0.0.1; yields
    (app_url, bare_url, code_of) where code_of(email) reads the latest login code."""
    root = Path(root)
    instance = Path(tempfile.mkdtemp(prefix="carnet-slow3g-"))
    env = dict(os.environ, CARNET_ENV="development", CARNET_INSTANCE=str(instance),
               DATABASE_URL=f"sqlite:///{instance}/carnet.db",
               HUEY_URL=f"sqlite:///{instance}/huey.db", HUEY_IMMEDIATE="1",
               LOGIN_LIMIT_ACCOUNT="1000 per minute", LOGIN_LIMIT_IP="1000 per minute",
               PYTHONPATH=str(root))
    flask = [str(root / ".venv" / "bin" / "flask"), "--app", "wsgi"]

    def code_of(email):
        out = subprocess.run(flask + ["outbox", "--to", email], cwd=root, env=env,
                             capture_output=True, text=True, check=True).stdout
        return re.search(r"\b(\d{6})\b", out.partition("\n\n")[2]).group(1)

    try:
        for command in (["db", "upgrade"], ["seed"]):
            subprocess.run(flask + command, cwd=root, env=env, capture_output=True, check=True)
        bare_env = dict(env, PYTHONPATH=str(ROOT))
        with _gunicorn(root, "wsgi:app", env) as app_url, \
                _gunicorn(ROOT, "benchmarks.slow3g:bare_app", bare_env) as bare_url:
            yield app_url, bare_url, code_of
    finally:
        shutil.rmtree(instance, ignore_errors=True)


def _emulate(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": LATENCY_MS,
        "downloadThroughput": THROUGHPUT, "uploadThroughput": THROUGHPUT})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return cdp


def _visit(page, url):
    """Navigation start → load event end of one visit, in ms, and the bytes it transferred."""
    page.goto(url, wait_until="load", timeout=120_000)
    return page.evaluate("""() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const all = [nav, ...performance.getEntriesByType('resource')];
        return [nav.loadEventEnd - nav.startTime,
                all.reduce((sum, e) => sum + (e.transferSize || 0), 0),
                all.filter(e => e.transferSize > 0).length];
    }""")


def _login(browser, app_url, email, password, code_of):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(app_url + "/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/connexion/code")
    page.get_by_label("Code de connexion").fill(code_of(email))
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/connexion" not in url)
    state = context.storage_state()
    context.close()
    return state


def measure(app_url, bare_url, email=EMAIL, password=PASSWORD, code_of=None, runs=RUNS):
    """{(page, cache): (median ms, bytes, requests)} for page in dossier/bare, cache in
    cold/warm."""
    from playwright.sync_api import sync_playwright
    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS, headless=True)
        try:
            state = _login(browser, app_url, email, password, code_of)
            for label, url, storage in (("dossier", app_url + "/dossier/", state),
                                        ("bare", bare_url + "/", None)):
                cold, warm = [], []
                for _ in range(runs):
                    context = browser.new_context(locale="fr-FR", storage_state=storage)
                    page = context.new_page()
                    _emulate(page)
                    cold.append(_visit(page, url))
                    warm.append(_visit(page, url))
                    context.close()
                for cache, samples in (("cold", cold), ("warm", warm)):
                    results[(label, cache)] = (statistics.median(s[0] for s in samples),
                                               int(statistics.median(s[1] for s in samples)),
                                               int(statistics.median(s[2] for s in samples)))
        finally:
            browser.close()
    return results


def rows(root=ROOT):
    """The figures as (label, value) rows for the bench table."""
    with servers(root) as (app_url, bare_url, code_of):
        results = measure(app_url, bare_url, code_of=code_of)
    out = []
    for label, name in (("dossier", "dossier (logged in)"), ("bare", "bare Flask page")):
        for cache in ("cold", "warm"):
            ms, size, count = results[(label, cache)]
            out.append((f"Slow 3G + 4x CPU, {name}, {cache} cache",
                        f"{ms / 1000:.2f} s, {size / 1024:.1f} KB in {count} requests"))
    ratio = results[("dossier", "cold")][0] / results[("bare", "cold")][0]
    out.append(("Slow 3G dossier cold / bare cold",
                f"{ratio:.2f}x (goal: dossier <= {GOAL_MS / 1000:.1f} s)"))
    return out


if __name__ == "__main__":
    for label, value in rows(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT):
        print(f"{label:<50} {value}")
