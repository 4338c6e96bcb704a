"""Throughput of logged-in pages beside a bare Flask page, both under gunicorn, measured by wrk.

    sqlite_connection_rows() -> [dict]: a SQLite request with its connection kept vs closed.
    rows(database="sqlite", processes=1) -> list of dicts
        database: "sqlite" (a fresh file), "postgresql" (a throw-away cluster started here, as
        tests/pgcluster.py does), or a postgresql:// URL of a running server (a fresh database
        `carnet_bench_<pid>` is created in it and dropped at the end).
        processes: gunicorn worker processes (None: as many as gunicorn.conf.py chooses).
        Each row: {"figure", "path", "measured", "baseline", "ratio", "goal", "met",
                   "database", "processes", "threads", "unit"} — measured and baseline in
        requests/s.
    turn_rows(database="sqlite", rounds=3) -> list of dicts
        The dossier and the agenda served with the turn on and off (portal/turn.py: one
        request at a time runs the app in a process), each beside the bare page (SQLite: the
        turn is refused with PostgreSQL).
    prepared_rows(database="postgresql", processes=(1, 2), rounds=3) -> list of dicts
        The dossier with PostgreSQL prepared statements on and off (portal/pgprepared.py), with
        1 and 2 processes, each beside the bare page, with the server's CPU time per request.
    thread_rows(database="sqlite", threads=(1, 2, 4, 8), rounds=3) -> list of dicts
        The dossier and the bare page with one process and each number of threads, in
        alternating rounds (A B C D, A B C D, …), medians: requests/s, and the CPU time and
        voluntary context switches per dossier request of the gunicorn worker, and the cores it
        used (the machine is shared: CPU time per request moves less with other programs' load
        than requests/s).

    python -m benchmarks.throughput [sqlite|postgresql|URL] [processes]   prints the rows.
    python -m benchmarks.throughput threads [sqlite|postgresql|URL]        the thread rows.
    python -m benchmarks.throughput turn                                   the turn on and off.
    python -m benchmarks.throughput prepared [postgresql|URL]   prepared statements on and off.

Every gunicorn here, Carnet's and the bare baseline's, runs with the top-level gunicorn.conf.py
(the settings every launcher reads) and the same environment, so both get the same processes,
threads and worker class; only the thread rows override the threads, for both alike.

The logged-in pages are read as Camille (demo) in her own space: the dossier, the documents,
the agenda, and the documents list asked as an htmx fragment (HX-Request). She logs in once
through the real forms over HTTP (password, then the e-mail code read from the outbox table)
and wrk reuses the session cookie; a 10 s run stays far inside the session's idle and absolute
lifetimes (and its last-seen time is written at most once a minute). Environment:
BENCH_WRK_SECONDS (10), BENCH_WRK_CONNECTIONS (8), BENCH_ROOT (the code to measure: this
checkout by default; another checkout measures a "before").
"""
import contextlib
import json
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
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GOAL = 0.30
CONF = os.path.join(ROOT, "gunicorn.conf.py")
EMAIL = "camille.martin@example.org"
PASSWORD = "demo-carnet-2026"
PAGES = [  # (figure, path, extra headers)
    ("dossier", "/dossier/", {}),
    ("documents", "/dossier/documents/", {}),
    ("agenda", "/agenda/", {}),
    ("htmx fragment (documents)", "/dossier/documents/", {"HX-Request": "true"}),
]
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(port, process, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not start listening")


def settings(env, processes=None, threads=None):
    """{"workers", "threads"} gunicorn runs with under `env` (gunicorn.conf.py's choice), with
    the benchmark's overrides."""
    import runpy
    chosen = runpy.run_path(CONF)["choose"](env)
    return {"workers": processes or chosen["workers"], "threads": threads or chosen["threads"]}


def gunicorn_command(app, port, processes=None, threads=None):
    """The command line: gunicorn.conf.py as every launcher, the address, the overrides."""
    command = [os.path.join(ROOT, ".venv", "bin", "gunicorn"), "-c", CONF,
               "--bind", f"127.0.0.1:{port}"]
    if processes:
        command += ["--workers", str(processes)]
    if threads:
        command += ["--threads", str(threads)]
    return command + [app]


class Gunicorn:
    """gunicorn on 127.0.0.1 and a free port, with gunicorn.conf.py (see the module's
    docstring); stopped by its PID."""

    def __init__(self, app, cwd, env, processes=None, threads=None):
        self.port = _free_port()
        self.process = subprocess.Popen(
            gunicorn_command(app, self.port, processes, threads), cwd=cwd, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        try:
            _wait_listening(self.port, self.process)
        except Exception:
            self.stop()
            raise

    def workers(self):
        """PIDs of the worker processes (gunicorn's children)."""
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True,
                             text=True).stdout
        return [int(pid) for pid in out.split()]

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def wrk(url, headers=None, seconds=None, connections=None, count=False):
    """Requests per second wrk reaches on `url` (with count: and how many it made); a non-2xx
    answer is an error, not a speed."""
    seconds = seconds or int(os.environ.get("BENCH_WRK_SECONDS", "10"))
    connections = connections or int(os.environ.get("BENCH_WRK_CONNECTIONS", "8"))
    command = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw failed requests on {url}:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return (rate, int(re.search(r"(\d+) requests in", out).group(1))) if count else rate


def _cpu_seconds(pid):
    """User + system CPU time of a process so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _switches(pid):
    """Voluntary context switches of all the threads of a process so far."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/status") as handle:
            total += int(re.search(r"^voluntary_ctxt_switches:\s+(\d+)", handle.read(),
                                   re.M).group(1))
    return total


# --- the logged-in session --------------------------------------------------------------------

class _Session:
    """A small cookie jar over plain HTTP (urllib's jar would keep a Secure cookie): the
    visitor's CSRF cookie before login, then the session cookie."""

    def __init__(self, base):
        self.base = base
        self.jar = {}
        self.opener = urllib.request.build_opener(_NoRedirect)

    @property
    def cookie(self):
        return "; ".join(f"{name}={value}" for name, value in self.jar.items()) or None

    def request(self, path, data=None, headers=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=dict(headers or {}))
        if self.cookie:
            req.add_header("Cookie", self.cookie)
        try:
            response = self.opener.open(req, timeout=30)
        except urllib.error.HTTPError as error:  # redirects land here (see _NoRedirect)
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            if value and "max-age=0" not in header.lower() and "expires=thu, 01 jan 1970" \
                    not in header.lower():
                self.jar[name] = value
            else:
                self.jar.pop(name, None)
        return response.status, response.read().decode("utf-8", "replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _latest_code(database_url):
    """The newest one-time code e-mailed to Camille, read from the outbox table."""
    query = 'SELECT body FROM outbox_message WHERE "to" = %s ORDER BY id DESC LIMIT 1'
    if database_url.startswith("sqlite:"):
        import sqlite3
        path = urllib.parse.urlparse(database_url).path[1:]
        with sqlite3.connect(path) as conn:
            body = conn.execute(query.replace("%s", "?"), (EMAIL,)).fetchone()[0]
    else:
        import psycopg2
        conn = psycopg2.connect(database_url)
        try:
            with conn.cursor() as cursor:
                cursor.execute(query, (EMAIL,))
                body = cursor.fetchone()[0]
        finally:
            conn.close()
    return re.search(r"\b(\d{6})\b", body).group(1)


def log_in(base, database_url):
    """Log Camille in through the forms; returns the session cookie ("carnet_session=…")."""
    session = _Session(base)
    status, page = session.request("/connexion")
    status, _ = session.request("/connexion", {"csrf_token": TOKEN.search(page).group(1),
                                               "email": EMAIL, "password": PASSWORD})
    if status != 302:
        raise RuntimeError(f"password step answered {status}")
    status, page = session.request("/connexion/code")
    status, _ = session.request("/connexion/code", {"csrf_token": TOKEN.search(page).group(1),
                                                    "code": _latest_code(database_url)})
    if status != 302:
        raise RuntimeError(f"code step answered {status}")
    status, page = session.request("/dossier/")
    if status != 200 or "Camille" not in page:
        raise RuntimeError(f"the dossier did not open after logging in ({status})")
    return session.cookie


# --- the databases ----------------------------------------------------------------------------

def _carnet_env(workdir, database_url):
    env = dict(os.environ)
    env.update({
        "CARNET_ENV": "development", "CARNET_INSTANCE": workdir, "DATABASE_URL": database_url,
        "HUEY_URL": f"sqlite:///{workdir}/huey.db", "STORAGE_DIR": f"{workdir}/files",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def _prepare(root, env):
    """Migrate and seed the demo with the measured code's own commands."""
    flask = [os.path.join(ROOT, ".venv", "bin", "flask"), "--app", "wsgi"]
    for command in (["db", "upgrade"], ["seed"]):
        subprocess.run(flask + command, cwd=root, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _admin(url, statement):
    import psycopg2
    conn = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement)
    finally:
        conn.close()


@contextlib.contextmanager
def _instance(database):
    """A migrated and seeded demo on `database` (see the module's docstring), dropped at the
    end: yields (root, env, database_url, label)."""
    root = os.environ.get("BENCH_ROOT", ROOT)
    workdir = tempfile.mkdtemp(prefix="carnet-throughput-")
    cluster = None
    database_url = None
    label = "sqlite"
    try:
        if database == "sqlite":
            database_url = f"sqlite:///{workdir}/carnet.db"
        else:
            label = "postgresql"
            server_url = database
            if database == "postgresql":
                sys.path.insert(0, os.path.join(ROOT, "tests"))
                from pgcluster import PgCluster
                cluster = PgCluster()
                server_url = cluster.start()
            name = f"carnet_bench_{os.getpid()}"
            database_url = server_url.rsplit("/", 1)[0] + "/" + name
            _admin(database_url, f"DROP DATABASE IF EXISTS {name}")
            _admin(database_url, f"CREATE DATABASE {name}")
        env = _carnet_env(workdir, database_url)
        _prepare(root, env)
        yield root, env, database_url, label
    finally:
        if database_url and database != "sqlite":
            try:
                _admin(database_url, f"DROP DATABASE IF EXISTS {database_url.rsplit('/', 1)[1]}"
                                     " WITH (FORCE)")
            except Exception:
                pass
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def rows(database="sqlite", processes=1):
    """The throughput rows (see the module's docstring)."""
    servers = []
    with _instance(database) as (root, env, database_url, label):
        try:
            # The bare app gets Carnet's environment too: gunicorn.conf.py reads it (the
            # database decides the threads), so both run under the same settings.
            bare = Gunicorn("app:app", os.path.join(HERE, "bare"), env, processes)
            servers.append(bare)
            carnet = Gunicorn("wsgi:app", root, env, processes)
            servers.append(carnet)
            chosen = settings(env, processes)
            cookie = log_in(carnet.url, database_url)
            wrk(bare.url + "/", seconds=2)  # warm-up
            found = []
            for figure, path, headers in PAGES:
                headers = {"Cookie": cookie, **headers}
                wrk(carnet.url + path, headers, seconds=2)  # warm-up (templates, connections)
                # The baseline is measured just before and just after each page and averaged:
                # on a shared machine the load changes within a run, and a ratio must compare
                # figures taken under the same load.
                before = wrk(bare.url + "/")
                measured = wrk(carnet.url + path, headers)
                baseline = (before + wrk(bare.url + "/")) / 2
                ratio = measured / baseline
                found.append({
                    "figure": f"throughput ({label}, {chosen['workers']} gunicorn process(es) × "
                              f"{chosen['threads']} threads), {figure} / bare Flask 5 KB page",
                    "path": path, "measured": round(measured, 1),
                    "baseline": round(baseline, 1), "ratio": round(ratio, 3), "goal": GOAL,
                    "met": ratio >= GOAL, "database": label, "processes": chosen["workers"],
                    "threads": chosen["threads"], "unit": "requests/s"})
            return found
        finally:
            for server in servers:
                server.stop()


def thread_rows(database="sqlite", threads=(1, 2, 4, 8), rounds=3):
    """The dossier and the bare page, one process, at each number of threads (see the
    module's docstring)."""
    servers = []
    with _instance(database) as (root, env, database_url, label):
        try:
            pairs = {}
            for count in threads:
                pairs[count] = (Gunicorn("app:app", os.path.join(HERE, "bare"), env, 1, count),
                                Gunicorn("wsgi:app", root, env, 1, count))
                servers += pairs[count]
            cookie = {"Cookie": log_in(pairs[threads[0]][1].url, database_url)}
            taken = {count: [] for count in threads}
            for bare, carnet in pairs.values():  # warm-up (templates, connections)
                wrk(bare.url + "/", seconds=2)
                wrk(carnet.url + "/dossier/", cookie, seconds=2)
            for _ in range(rounds):
                for count, (bare, carnet) in pairs.items():
                    baseline = wrk(bare.url + "/")
                    (worker,) = carnet.workers()
                    cpu, switches = _cpu_seconds(worker), _switches(worker)
                    measured, done = wrk(carnet.url + "/dossier/", cookie, count=True)
                    taken[count].append((measured, baseline,
                                         (_cpu_seconds(worker) - cpu) * 1000 / done,
                                         (_switches(worker) - switches) / done))
            found = []
            for count in threads:
                measured, baseline, cpu, switches = (
                    statistics.median(run[i] for run in taken[count]) for i in range(4))
                found.append({
                    # CPU time × rate: the cores the process used. On a machine busy with
                    # other programs, more threads take a larger share of the cores (more
                    # requests/s at the same CPU time per request): that is not capacity.
                    "figure": f"dossier, {label}, 1 gunicorn process × {count} thread(s) "
                              f"(median of {rounds} alternating runs; per request CPU "
                              f"{cpu:.2f} ms and {switches:.1f} voluntary context switches; "
                              f"{measured * cpu / 1000:.2f} cores used)",
                    "path": "/dossier/", "measured": round(measured, 1),
                    "baseline": round(baseline, 1), "ratio": round(measured / baseline, 3),
                    "goal": None, "met": None, "database": label, "processes": 1,
                    "threads": count, "cpu_ms": round(cpu, 2),
                    "switches": round(switches, 1), "unit": "requests/s"})
            return found
        finally:
            for server in servers:
                server.stop()


def turn_rows(database="sqlite", rounds=3, paths=("/dossier/", "/agenda/")):
    """The turn (portal/turn.py) on and off, one process with gunicorn.conf.py's threads: each
    page served by a Carnet with REQUEST_TURN=on and by one with REQUEST_TURN=off, in
    alternating rounds, each beside the bare page measured just before; medians of the ratios
    to the bare page."""
    if database != "sqlite":
        raise ValueError("the turn runs with SQLite only (portal/turn.py)")
    servers = []
    with _instance(database) as (root, env, database_url, label):
        try:
            bare = Gunicorn("app:app", os.path.join(HERE, "bare"), env, 1)
            servers.append(bare)
            carnets = {}
            for setting in ("on", "off"):
                carnets[setting] = Gunicorn("wsgi:app", root, {**env, "REQUEST_TURN": setting}, 1)
                servers.append(carnets[setting])
            cookie = {"Cookie": log_in(carnets["on"].url, database_url)}
            chosen = settings(env, 1)
            wrk(bare.url + "/", seconds=2)
            for carnet in carnets.values():
                for path in paths:
                    wrk(carnet.url + path, cookie, seconds=2)  # warm-up
            taken = {(setting, path): [] for setting in carnets for path in paths}
            for _ in range(rounds):
                for path in paths:
                    for setting, carnet in carnets.items():
                        baseline = wrk(bare.url + "/")
                        measured = wrk(carnet.url + path, cookie)
                        taken[setting, path].append((measured / baseline, measured, baseline))
            found = []
            for path in paths:
                medians = {setting: sorted(taken[setting, path])[len(taken[setting, path]) // 2]
                           for setting in carnets}
                for setting in carnets:
                    ratio, measured, baseline = medians[setting]
                    found.append({
                        "figure": f"{path} with the turn {setting} ({label}, 1 process × "
                                  f"{chosen['threads']} threads; median of {rounds} "
                                  "alternating runs)",
                        "path": path, "measured": round(measured, 1),
                        "baseline": round(baseline, 1), "ratio": round(ratio, 3),
                        "goal": None, "met": None, "database": label, "processes": 1,
                        "threads": chosen["threads"], "turn": setting,
                        "unit": "requests/s"})
            return found
        finally:
            for server in servers:
                server.stop()


def _server_cpu_seconds(database_url):
    """CPU time so far of the PostgreSQL server behind `database_url`: its postmaster and
    every process it started (backends, writers), read from /proc (the server runs on this
    machine: the throw-away cluster)."""
    import psycopg2
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SHOW data_directory")
            datadir = cursor.fetchone()[0]
    finally:
        conn.close()
    with open(os.path.join(datadir, "postmaster.pid")) as handle:
        postmaster = int(handle.readline())
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True,
                              text=True).stdout.split()
    total = 0.0
    for pid in [postmaster, *map(int, children)]:
        try:
            total += _cpu_seconds(pid)
        except FileNotFoundError:  # a process that ended meanwhile
            pass
    return total


def prepared_rows(database="postgresql", processes=(1, 2), rounds=3, path="/dossier/"):
    """Prepared statements (portal/pgprepared.py) on and off, on PostgreSQL: for each number
    of gunicorn processes, the dossier served by a Carnet with DATABASE_PREPARED_STATEMENTS on
    and by one with it off, in alternating rounds, each beside the bare page measured just
    before; medians of the ratios, with the server's CPU time per request."""
    if database == "sqlite":
        raise ValueError("prepared statements are PostgreSQL's (portal/pgprepared.py)")
    found = []
    with _instance(database) as (root, env, database_url, label):
        for count in processes:
            servers = []
            try:
                bare = Gunicorn("app:app", os.path.join(HERE, "bare"), env, count)
                servers.append(bare)
                carnets = {}
                for setting in ("on", "off"):
                    carnets[setting] = Gunicorn(
                        "wsgi:app", root,
                        {**env, "DATABASE_PREPARED_STATEMENTS": "1" if setting == "on" else "0"},
                        count)
                    servers.append(carnets[setting])
                cookie = {"Cookie": log_in(carnets["on"].url, database_url)}
                chosen = settings(env, count)
                wrk(bare.url + "/", seconds=2)
                for carnet in carnets.values():
                    wrk(carnet.url + path, cookie, seconds=2)  # warm-up
                taken = {setting: [] for setting in carnets}
                for _ in range(rounds):
                    for setting, carnet in carnets.items():
                        baseline = wrk(bare.url + "/")
                        before = _server_cpu_seconds(database_url)
                        measured, requests = wrk(carnet.url + path, cookie, count=True)
                        server_ms = (_server_cpu_seconds(database_url) - before) * 1000 / \
                            max(requests, 1)
                        taken[setting].append((measured / baseline, measured, baseline,
                                               server_ms))
                for setting in carnets:
                    ratio, measured, baseline, server_ms = \
                        sorted(taken[setting])[len(taken[setting]) // 2]
                    found.append({
                        "figure": f"{path} with prepared statements {setting} ({label}, "
                                  f"{count} process(es) × {chosen['threads']} threads; median "
                                  f"of {rounds} alternating runs; server CPU "
                                  f"{server_ms:.2f} ms/request)",
                        "path": path, "measured": round(measured, 1),
                        "baseline": round(baseline, 1), "ratio": round(ratio, 3),
                        "server_cpu_ms": round(server_ms, 2), "goal": None, "met": None,
                        "database": label, "processes": count,
                        "threads": chosen["threads"], "prepared": setting,
                        "unit": "requests/s"})
            finally:
                for server in servers:
                    server.stop()
    return found


def sqlite_connection_rows(requests=1000):
    """What closing the connection after each request costs on SQLite in WAL mode (the last
    connection to close checkpoints the WAL and deletes it): a request that reads a row and
    writes one (as a page and its journal entry do), with connect/close around each request
    (the baseline: what Carnet did) and on a connection kept open (what it does now)."""
    from peewee import SqliteDatabase
    workdir = tempfile.mkdtemp(prefix="carnet-wal-")
    pragmas = {"journal_mode": "wal", "foreign_keys": 1, "synchronous": "normal",
               "busy_timeout": 5000}
    database = SqliteDatabase(f"{workdir}/wal.db", pragmas=pragmas)
    try:
        database.connect()
        database.execute_sql("CREATE TABLE entry (id INTEGER PRIMARY KEY, body TEXT)")
        database.close()

        def per_request(reopen):
            start = time.perf_counter()
            for _ in range(requests):
                if reopen:
                    database.connect()
                database.execute_sql("SELECT count(*) FROM entry").fetchone()
                with database.atomic("IMMEDIATE"):
                    database.execute_sql("INSERT INTO entry (body) VALUES (?)", ("x" * 200,))
                if reopen:
                    database.close()
            return (time.perf_counter() - start) / requests * 1000

        closing = per_request(True)
        database.connect()
        kept = per_request(False)
        database.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return [{"figure": "SQLite request (read + write), connection kept / closed each time",
             "measured": round(kept, 3), "baseline": round(closing, 3),
             "ratio": round(kept / closing, 4), "goal": None, "met": kept < closing,
             "database": "sqlite", "processes": 1, "unit": "ms per request"}]


def _compared(found, column):
    """Print rows measured beside the bare page as a table."""
    print(f"| figure | {column} | bare page | ratio |\n|---|---|---|---|")
    for row in found:
        print(f"| {row['figure']} | {row['measured']} req/s | {row['baseline']} req/s | "
              f"{row['ratio']:.3f}× |")


# Commands comparing settings: name -> (rows function, its default database, table column).
COMPARISONS = {"prepared": (prepared_rows, "postgresql", "dossier"),
               "turn": (turn_rows, "sqlite", "page"),
               "threads": (thread_rows, "sqlite", "dossier")}


def main(argv):
    if argv and argv[0] in COMPARISONS:
        measure, default, column = COMPARISONS[argv[0]]
        found = measure(argv[1] if len(argv) > 1 else default)
        _compared(found, column)
    else:
        database = argv[0] if argv else "sqlite"
        processes = int(argv[1]) if len(argv) > 1 else 1
        found = rows(database, processes)
        print(f"| figure | measured | baseline | ratio | goal | met? |  ({found[0]['database']}, "
              f"{found[0]['processes']} process(es) × {found[0]['threads']} threads)")
        print("|---|---|---|---|---|---|")
        for row in found:
            print(f"| {row['figure']} | {row['measured']} req/s | {row['baseline']} req/s | "
                  f"{row['ratio']:.3f}× | ≥ {row['goal']}× | {'yes' if row['met'] else 'no'} |")
    if os.environ.get("BENCH_JSON"):
        print(json.dumps(found))


if __name__ == "__main__":
    main(sys.argv[1:])
