"""How Carnet is served. Every launcher (scripts/serve.sh for `make run`, the Procfile, the web
unit of deploy/, the throughput benchmark for Carnet and for its bare baseline) runs gunicorn
with the top-level gunicorn.conf.py and sets nothing of its own but the address; the conf
chooses the worker class, the processes and the threads from the environment (it says why:
threads by database, one process per core once the throttles' counters are shared, one while
they live in each process's memory). The launchers' command lines are read from their files,
as tests/house/test_scale_recipe.py reads the units, so a launcher that drifts fails here."""
import http.client
import json
import os
import re
import runpy
import shlex
import shutil
import signal
import socket
import subprocess
import time

import pytest
from conftest import ROOT_DIR

CONF = os.path.join(ROOT_DIR, "gunicorn.conf.py")
GUNICORN = os.path.join(ROOT_DIR, ".venv", "bin", "gunicorn")
SAFE = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "CARNET_TEST_CLOCK_OFFSET")
# What the measurements settled (gunicorn.conf.py, README "Serving"): threads per process.
SQLITE_THREADS, POSTGRESQL_THREADS = 8, 8
# Options that would set, beside the conf, what the conf decides.
OWN_SETTINGS = {"-w", "--workers", "--threads", "-k", "--worker-class", "--access-logfile",
                "--keep-alive", "--worker-connections"}


def _read(path):
    with open(os.path.join(ROOT_DIR, path), encoding="utf-8") as handle:
        return handle.read()


def launcher(name, bind):
    """The gunicorn command line of a launcher, as written, listening on `bind`."""
    if name == "scripts/serve.sh":
        (line,) = re.findall(r'^"\$BIN/gunicorn" (.+?)\s*&\s*$', _read(name), re.M)
        line = "gunicorn " + line
    elif name == "Procfile":
        (line,) = re.findall(r"^web:\s*(.+)$", _read(name), re.M)
    else:
        (line,) = re.findall(r"^ExecStart=(.+)$", _read(name), re.M)
        line = line.replace("${WEB_BIND}", bind).replace("/opt/carnet/.venv/bin/", "")
        line = line.replace("/opt/carnet/", "")
    argv = shlex.split(line)
    assert argv[0] == "gunicorn", line
    argv = [GUNICORN] + argv[1:]
    position = argv.index("--bind") + 1
    argv[position] = bind
    return argv


LAUNCHERS = ("scripts/serve.sh", "Procfile", "deploy/carnet-web.service")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment(tmp_path, **extra):
    env = {key: os.environ[key] for key in SAFE if key in os.environ}
    env.update({"CARNET_ENV": "development", "CARNET_INSTANCE": str(tmp_path),
                "HUEY_URL": f"sqlite:///{tmp_path / 'huey.db'}",
                "STORAGE_DIR": str(tmp_path / "files")})
    env.update(extra)
    return env


def printed_config(argv, env):
    """What gunicorn resolves for a command line (--print-config loads the conf and the app,
    without serving)."""
    result = subprocess.run(argv + ["--print-config"], cwd=ROOT_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return dict(re.findall(r"^(\w+)\s+= (.*)$", result.stdout, re.M))


def choose(**environ):
    return runpy.run_path(CONF)["choose"](environ)


@pytest.mark.parametrize("name", LAUNCHERS)
def test_every_launcher_reads_the_conf_and_sets_only_the_address(name):
    argv = launcher(name, "127.0.0.1:8000")
    assert argv[argv.index("-c") + 1] in ("gunicorn.conf.py", CONF)
    assert OWN_SETTINGS.isdisjoint(argv), argv


@pytest.mark.parametrize("name", LAUNCHERS)
def test_each_launcher_runs_with_the_measured_settings(name, tmp_path):
    bind = f"127.0.0.1:{_free_port()}"
    embedded = printed_config(launcher(name, bind), _environment(tmp_path))
    assert (embedded["worker_class"], embedded["workers"], embedded["threads"]) == (
        "gthread", "1", str(SQLITE_THREADS))
    assert embedded["bind"] == f"['{bind}']"
    at_scale = printed_config(launcher(name, bind), _environment(
        tmp_path, DATABASE_URL="postgresql://carnet@127.0.0.1:9/carnet",
        HUEY_URL="redis://127.0.0.1:9/0", RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/1"))
    assert (at_scale["worker_class"], at_scale["workers"], at_scale["threads"]) == (
        "gthread", str(len(os.sched_getaffinity(0))), str(POSTGRESQL_THREADS))
    chosen = printed_config(launcher(name, bind), _environment(
        tmp_path, WEB_CONCURRENCY="3", WEB_THREADS="5"))
    assert (chosen["workers"], chosen["threads"]) == ("3", "5")


def test_processes_follow_the_cores_only_when_the_throttles_are_shared():
    cores = len(os.sched_getaffinity(0))
    postgresql = "postgresql://carnet@db/carnet"
    assert choose() == {"workers": 1, "threads": SQLITE_THREADS}
    # memory:// counters (the embedded default): one process, or each would count apart
    assert choose(DATABASE_URL=postgresql) == {"workers": 1, "threads": POSTGRESQL_THREADS}
    assert choose(DATABASE_URL=postgresql, RATELIMIT_STORAGE_URI="memory://")["workers"] == 1
    assert choose(DATABASE_URL="postgres://carnet@db/carnet",
                  HUEY_URL="redis://cache:6379/0") == {"workers": cores,
                                                       "threads": POSTGRESQL_THREADS}
    assert choose(RATELIMIT_STORAGE_URI="redis://cache:6379/1") == {
        "workers": cores, "threads": SQLITE_THREADS}
    assert choose(DATABASE_URL="postgresql+pool://carnet@db/carnet")["threads"] == \
        POSTGRESQL_THREADS


def test_the_conf_reads_the_throttle_storage_as_the_app_does():
    """gunicorn.conf.py decides "shared or not" on the same rule as portal/config.py's
    RATELIMIT_STORAGE_URI (read here from the app's own config, environment by environment)."""
    cases = [{}, {"HUEY_URL": "redis://cache:6379/0"}, {"HUEY_URL": "sqlite:///x/huey.db"},
             {"RATELIMIT_STORAGE_URI": "redis://cache:6379/1"},
             {"RATELIMIT_STORAGE_URI": "memory://", "HUEY_URL": "redis://cache:6379/0"}]
    script = (
        "import importlib, json, os, sys\n"
        "import portal.config as config\n"
        "found = []\n"
        "for case in json.loads(sys.argv[1]):\n"
        "    for name in ('HUEY_URL', 'RATELIMIT_STORAGE_URI'):\n"
        "        os.environ.pop(name, None)\n"
        "    os.environ.update(case)\n"
        "    found.append(importlib.reload(config).Config.RATELIMIT_STORAGE_URI)\n"
        "print(json.dumps(found))\n")
    result = subprocess.run([os.path.join(ROOT_DIR, ".venv", "bin", "python"), "-c", script,
                             json.dumps(cases)], cwd=ROOT_DIR, capture_output=True, text=True,
                            timeout=120, env={key: os.environ[key] for key in SAFE
                                              if key in os.environ})
    assert result.returncode == 0, result.stderr[-2000:]
    storages = json.loads(result.stdout.splitlines()[-1])
    shared = runpy.run_path(CONF)["shared_throttle"]
    assert [shared(case) for case in cases] == [
        not storage.startswith("memory:") for storage in storages] == [
        False, True, False, True, False]


def test_make_run_serves_pages_with_keep_alive(tmp_path, seeded_sqlite):
    """scripts/serve.sh's command serves the demo with the conf's settings (gunicorn logs them
    at debug level, asked through its GUNICORN_CMD_ARGS so that the command stays as written);
    the connection stays open between requests (gunicorn's sync worker, which it would pick
    with one thread and no worker class, closes it after each response)."""
    shutil.copyfile(seeded_sqlite / "carnet.db", tmp_path / "carnet.db")
    port = _free_port()
    env = _environment(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'carnet.db'}",
                       GUNICORN_CMD_ARGS="--log-level debug")
    server = subprocess.Popen(launcher("scripts/serve.sh", f"127.0.0.1:{port}"), cwd=ROOT_DIR,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(2):  # the same connection twice
            connection.request("GET", "/connexion")
            response = connection.getresponse()
            body = response.read().decode()
            assert response.status == 200 and "<h1" in body and 'lang="fr"' in body
            assert (response.getheader("Connection") or "").lower() != "close"
        connection.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        log = server.communicate(timeout=30)[1].decode()
    settings = dict(re.findall(r"^  (worker_class|workers|threads): (.+)$", log, re.M))
    assert settings == {"worker_class": "gthread", "workers": "1",
                        "threads": str(SQLITE_THREADS)}, log[-2000:]


def test_the_benchmark_serves_carnet_and_its_baseline_alike(monkeypatch):
    """benchmarks/throughput.py starts the bare page and Carnet with the same conf, the same
    environment (the conf reads it) and the same overrides."""
    import contextlib

    from benchmarks import throughput

    started = []

    class Recorder:
        def __init__(self, app, cwd, env, processes=None, threads=None):
            started.append((app, gunicornish(app, processes, threads), env))
            self.url = "http://127.0.0.1:9"

        def workers(self):
            return [os.getpid()]

        def stop(self):
            pass

    def gunicornish(app, processes, threads):
        return throughput.gunicorn_command(app, 9, processes, threads)[:-1]

    @contextlib.contextmanager
    def instance(database):
        yield ROOT_DIR, {"DATABASE_URL": "postgresql://carnet@db/carnet"}, "", "postgresql"

    monkeypatch.setattr(throughput, "Gunicorn", Recorder)
    monkeypatch.setattr(throughput, "_instance", instance)
    monkeypatch.setattr(throughput, "log_in", lambda url, database_url: "carnet_session=x")
    monkeypatch.setattr(throughput, "wrk", lambda url, headers=None, seconds=None, count=False:
                        (100.0, 1000) if count else 100.0)
    found = throughput.rows("postgresql", processes=None)
    assert {row["threads"] for row in found} == {POSTGRESQL_THREADS}
    (bare, carnet) = started
    assert bare[0] == "app:app" and carnet[0] == "wsgi:app"
    assert bare[1:] == carnet[1:]
    assert bare[1][1:3] == ["-c", CONF]
    started.clear()
    found = throughput.thread_rows("postgresql", threads=(1, 8), rounds=1)
    assert [row["threads"] for row in found] == [1, 8]
    assert [(app, command[-2:]) for app, command, _ in started] == [
        ("app:app", ["--threads", "1"]), ("wsgi:app", ["--threads", "1"]),
        ("app:app", ["--threads", "8"]), ("wsgi:app", ["--threads", "8"])]
    assert len({repr(env) for _, _, env in started}) == 1
    started.clear()

    @contextlib.contextmanager
    def sqlite_instance(database):
        yield ROOT_DIR, {"DATABASE_URL": "sqlite:////tmp/carnet.db"}, "", "sqlite"
    monkeypatch.setattr(throughput, "_instance", sqlite_instance)
    found = throughput.turn_rows("sqlite", rounds=1, paths=("/dossier/",))
    assert [row["turn"] for row in found] == ["on", "off"]
    (bare, on, off) = started
    assert [bare[0], on[0], off[0]] == ["app:app", "wsgi:app", "wsgi:app"]
    assert bare[1][1:] == on[1][1:] == off[1][1:]
    assert (on[2]["REQUEST_TURN"], off[2]["REQUEST_TURN"]) == ("on", "off")
    assert {**on[2], "REQUEST_TURN": None} == {**off[2], "REQUEST_TURN": None} == \
        {**bare[2], "REQUEST_TURN": None}
    started.clear()

    # Prepared statements on and off: the same command for the bare page and both Carnets at
    # each number of processes, the environments differing by that setting alone.
    monkeypatch.setattr(throughput, "_instance", instance)
    monkeypatch.setattr(throughput, "_server_cpu_seconds", lambda database_url: 0.0)
    found = throughput.prepared_rows("postgresql", processes=(1, 2), rounds=1)
    assert [(row["processes"], row["prepared"]) for row in found] == [
        (1, "on"), (1, "off"), (2, "on"), (2, "off")]
    assert len(started) == 6
    for bare, on, off in (started[:3], started[3:]):
        assert [bare[0], on[0], off[0]] == ["app:app", "wsgi:app", "wsgi:app"]
        assert bare[1][1:] == on[1][1:] == off[1][1:]
        assert (on[2]["DATABASE_PREPARED_STATEMENTS"],
                off[2]["DATABASE_PREPARED_STATEMENTS"]) == ("1", "0")
        assert {**on[2], "DATABASE_PREPARED_STATEMENTS": None} == \
            {**off[2], "DATABASE_PREPARED_STATEMENTS": None} == \
            {**bare[2], "DATABASE_PREPARED_STATEMENTS": None}
    assert [command[command.index("--workers") + 1] for _, command, _ in started] == \
        ["1"] * 3 + ["2"] * 3
