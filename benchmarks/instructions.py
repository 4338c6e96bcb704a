"""Instructions per request, counted by valgrind: the logged-in pages of the throughput figures
beside the same bare Flask page, each served in-process through Flask's test client.

Why: wrk's requests per second are only as good as the machine is quiet, and a shared machine
rarely is. A CPU-bound server's throughput is the inverse of the CPU work of one request, and
valgrind's count of executed instructions (callgrind's `Ir`) does not move with the load, the
CPU's frequency or the other processes: the same code gives the same count, to a few tenths of
a percent. The ratio "bare page / logged-in page" is then what the throughput ratio would be if
the server did nothing else (it leaves out gunicorn's own per-request work, the same for both
servers, so the real ratio is a little higher), and a change's effect reads directly.

Each count is the difference between a run of N2 and a run of N1 requests (after the same
warm-up and login), divided by N2 - N1, so that start-up, imports and login cancel out.

    python -m benchmarks.instructions [path …]     (valgrind from Debian; ~2 minutes a page)

`BENCH_ROOT` measures another tree (e.g. a checkout of an earlier commit) on the same demo.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PAGES = [("/dossier/", False), ("/dossier/documents/", False), ("/agenda/", False),
         ("/dossier/documents/", True)]
N1, N2 = 10, 40
WARMUP = 15
EMAIL = "camille.martin@example.org"
PASSWORD = "demo-carnet-2026"
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def _client(kind, root, workdir):
    """The test client of the bare page, or of Carnet logged in as Camille."""
    sys.path.insert(0, root)
    if kind == "bare":
        sys.path.insert(0, os.path.join(HERE, "bare"))
        from app import app  # noqa: PLC0415 (the bare app of the throughput figures)
        return app.test_client()
    os.chdir(root)
    from wsgi import app  # noqa: PLC0415
    client = app.test_client()
    page = client.get("/connexion").get_data(as_text=True)
    client.post("/connexion", data={"csrf_token": TOKEN.search(page).group(1),
                                    "email": EMAIL, "password": PASSWORD})
    import sqlite3
    with sqlite3.connect(os.path.join(workdir, "carnet.db")) as conn:
        body = conn.execute('SELECT body FROM outbox_message WHERE "to" = ? ORDER BY id DESC '
                            "LIMIT 1", (EMAIL,)).fetchone()[0]
    page = client.get("/connexion/code").get_data(as_text=True)
    client.post("/connexion/code", data={"csrf_token": TOKEN.search(page).group(1),
                                         "code": re.search(r"\b(\d{6})\b", body).group(1)})
    return client


def child(kind, path, htmx, count, root, workdir):
    """Run in valgrind: `count` requests of `path` after the warm-up."""
    client = _client(kind, root, workdir)
    headers = {"HX-Request": "true"} if htmx else {}
    for _ in range(WARMUP):
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    for _ in range(count):
        client.get(path, headers=headers)


def _count(kind, path, htmx, count, root, env):
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               os.path.join(ROOT, ".venv", "bin", "python"), "-m", "benchmarks.instructions",
               "--child", json.dumps([kind, path, htmx, count, root, env["CARNET_INSTANCE"]])]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    found = COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"valgrind on {kind} {path}: {done.stderr[-2000:]}")
    return int(found.group(1))


def per_request(kind, path, htmx, root, env):
    return (_count(kind, path, htmx, N2, root, env)
            - _count(kind, path, htmx, N1, root, env)) / (N2 - N1)


def rows(pages=PAGES):
    """[(page, instructions per request, bare page's, ratio bare/page)]."""
    from benchmarks.throughput import _carnet_env, _prepare
    if shutil.which("valgrind") is None:
        raise RuntimeError("valgrind is missing (apt-get install valgrind)")
    root = os.environ.get("BENCH_ROOT", ROOT)
    workdir = tempfile.mkdtemp(prefix="carnet-instructions-")
    try:
        env = _carnet_env(workdir, f"sqlite:///{workdir}/carnet.db")
        _prepare(root, env)
        bare = per_request("bare", "/", False, root, env)
        found = [("bare Flask page (5 KB template)", bare, bare, 1.0)]
        for path, htmx in pages:
            page = per_request("carnet", path, htmx, root, env)
            found.append((path + (" (htmx fragment)" if htmx else ""), page, bare, bare / page))
        return found
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv):
    if argv[:1] == ["--child"]:
        child(*json.loads(argv[1]))
        return
    pages = [(path, False) for path in argv] or PAGES
    print("| page | instructions / request | bare page / this page |")
    print("|---|---|---|")
    for label, page, _bare, ratio in rows(pages):
        print(f"| {label} | {page / 1e6:.2f} M | {ratio:.3f}× |")


if __name__ == "__main__":
    main(sys.argv[1:])
