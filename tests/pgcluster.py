"""Throw-away PostgreSQL cluster for the test suite.

Usage::

    from tests.pgcluster import PgCluster, available

    if available():
        cluster = PgCluster()
        url = cluster.start()   # postgresql://postgres@127.0.0.1:PORT/carnet_test
        ...
        cluster.stop()

The cluster lives in a fresh temporary directory, listens on 127.0.0.1 only
(on a free port picked at start) with its unix socket inside that directory,
uses trust authentication and runs with fsync/synchronous_commit/
full_page_writes off.  ``stop()`` is also registered with :mod:`atexit`.

``initdb`` refuses to run as root, so when this process is root the server
binaries are run as the ``postgres`` system user (created if missing).
Otherwise they run as the current user.  Set ``PG_BIN`` to override the folder
holding ``initdb``/``pg_ctl`` (default ``/usr/lib/postgresql/15/bin``).

Stdlib only, plus psycopg2.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

DEFAULT_PG_BIN = "/usr/lib/postgresql/15/bin"
DB_NAME = "carnet_test"
SUPERUSER = "postgres"
SYSTEM_USER = "postgres"  # OS account used to run the server when we are root
READY_TIMEOUT = 30.0  # seconds

__all__ = ["PgCluster", "PgClusterError", "available", "pg_bin"]


class PgClusterError(RuntimeError):
    """Raised when the throw-away cluster cannot be started."""


def pg_bin() -> str:
    """Folder holding the PostgreSQL server binaries (``PG_BIN`` overrides)."""
    return os.environ.get("PG_BIN") or DEFAULT_PG_BIN


def available() -> bool:
    """True when an ``initdb`` binary exists in :func:`pg_bin`."""
    initdb = os.path.join(pg_bin(), "initdb")
    return os.path.isfile(initdb) and os.access(initdb, os.X_OK)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    # A zombie still "exists" for kill(0).  The postmaster is re-parented to
    # PID 1, which may reap lazily (seen: ~1 s in a firecracker VM), so treat
    # an exited-but-unreaped process as gone.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
        if state in ("Z", "X"):
            return False
    except (OSError, IndexError):
        pass
    return True


def _conf_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


class PgCluster:
    """A throw-away PostgreSQL cluster in a temporary directory."""

    def __init__(self) -> None:
        self.bin = pg_bin()
        self.url: str = ""
        self.port: int | None = None
        self.tmpdir: str | None = None
        self.datadir: str | None = None
        self.logfile: str | None = None
        self.pid: int | None = None
        self._as_root = os.geteuid() == 0
        self._stopped = True

    # ------------------------------------------------------------------ helpers
    def _ensure_system_user(self) -> pwd.struct_passwd:
        try:
            return pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            pass
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        proc = subprocess.run(
            [useradd, "--system", "--user-group", "--no-create-home",
             "--home-dir", "/var/lib/postgresql", "--shell", "/bin/bash",
             SYSTEM_USER],
            capture_output=True, text=True,
        )
        try:
            return pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            raise PgClusterError(
                f"cannot create system user {SYSTEM_USER!r}: "
                f"{(proc.stderr or proc.stdout).strip()}"
            ) from None

    def _run(self, args: list[str], timeout: float = 60.0,
             check: bool = True) -> subprocess.CompletedProcess:
        """Run a PostgreSQL binary, as the ``postgres`` user when we are root."""
        cmd = [os.path.join(self.bin, args[0]), *args[1:]]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C", TZ=env.get("TZ", "UTC"))
        kwargs: dict = {}
        if self._as_root:
            pw = pwd.getpwnam(SYSTEM_USER)
            env.update(HOME=pw.pw_dir, USER=pw.pw_name, LOGNAME=pw.pw_name)
            runuser = shutil.which("runuser")
            if runuser:
                cmd = [runuser, "-u", SYSTEM_USER, "--", *cmd]
            else:  # switch uid/gid directly (stdlib, Python >= 3.9)
                kwargs = dict(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])
        proc = subprocess.run(
            cmd, cwd=self.tmpdir, env=env, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=timeout, **kwargs,
        )
        if check and proc.returncode != 0:
            raise PgClusterError(
                f"{' '.join(cmd)} failed (exit {proc.returncode}):\n"
                f"{proc.stdout}{proc.stderr}{self._log_tail()}"
            )
        return proc

    def _log_tail(self, lines: int = 40) -> str:
        if not self.logfile or not os.path.exists(self.logfile):
            return ""
        try:
            with open(self.logfile, encoding="utf-8", errors="replace") as fh:
                tail = fh.readlines()[-lines:]
        except OSError:
            return ""
        return "\n--- server log tail ---\n" + "".join(tail)

    def _read_pid(self) -> int | None:
        try:
            with open(os.path.join(self.datadir, "postmaster.pid")) as fh:
                return int(fh.readline().strip())
        except (OSError, ValueError, TypeError):
            return None

    def _wait_ready(self, deadline: float) -> None:
        import psycopg2

        last_err: Exception | None = None
        while time.monotonic() < deadline:
            if self.pid is None:
                self.pid = self._read_pid()
            if self.pid is not None and not _pid_alive(self.pid):
                raise PgClusterError("postgres exited during start-up"
                                     + self._log_tail())
            try:
                conn = psycopg2.connect(host="127.0.0.1", port=self.port,
                                        user=SUPERUSER, dbname="postgres",
                                        connect_timeout=2)
            except psycopg2.OperationalError as exc:
                last_err = exc
                time.sleep(0.05)
                continue
            conn.close()
            return
        raise PgClusterError(
            f"postgres not ready after {READY_TIMEOUT:.0f}s "
            f"(last error: {last_err})" + self._log_tail()
        )

    # ---------------------------------------------------------------- public API
    def start(self) -> str:
        """Create and start the cluster; return its DATABASE_URL."""
        if not self._stopped:
            return self.url
        if not available():
            raise PgClusterError(f"no initdb in {self.bin} (set PG_BIN)")
        deadline = time.monotonic() + READY_TIMEOUT
        owner = self._ensure_system_user() if self._as_root else None

        self.tmpdir = tempfile.mkdtemp(prefix="carnet-pg-")
        self._stopped = False
        atexit.register(self.stop)
        try:
            if owner is not None:
                os.chown(self.tmpdir, owner.pw_uid, owner.pw_gid)
            self.datadir = os.path.join(self.tmpdir, "data")
            self.logfile = os.path.join(self.tmpdir, "server.log")

            self._run(["initdb", "-D", self.datadir, "--auth=trust",
                       "-U", SUPERUSER, "--encoding=UTF8", "--locale=C",
                       "--no-sync", "--no-instructions"])

            conf = os.path.join(self.datadir, "postgresql.conf")
            for attempt in range(3):
                self.port = _free_port()
                settings = {
                    "listen_addresses": "127.0.0.1",
                    "port": str(self.port),
                    "unix_socket_directories": self.tmpdir,
                    "fsync": "off",
                    "synchronous_commit": "off",
                    "full_page_writes": "off",
                    "max_connections": "100",
                    "shared_buffers": "32MB",
                    "logging_collector": "off",
                    "log_timezone": "UTC",
                }
                # Appending keeps the file's owner (postgres); last value wins.
                with open(conf, "a", encoding="utf-8") as fh:
                    fh.write("\n# --- carnet test cluster ---\n")
                    for key, val in settings.items():
                        fh.write(f"{key} = {_conf_quote(val)}\n")

                proc = self._run(["pg_ctl", "start", "-D", self.datadir,
                                  "-l", self.logfile, "-w",
                                  "-t", str(max(1, int(deadline - time.monotonic())))],
                                 check=False)
                self.pid = self._read_pid()
                if proc.returncode == 0:
                    break
                log = self._log_tail()
                if "could not bind" in log or "already in use" in log:
                    if attempt < 2:
                        continue  # port raced away; try another one
                raise PgClusterError(
                    f"pg_ctl start failed (exit {proc.returncode}):\n"
                    f"{proc.stdout}{proc.stderr}{log}"
                )

            self._wait_ready(deadline)

            import psycopg2

            conn = psycopg2.connect(host="127.0.0.1", port=self.port,
                                    user=SUPERUSER, dbname="postgres")
            try:
                conn.autocommit = True
                with conn.cursor() as cur:
                    cur.execute(f'CREATE DATABASE "{DB_NAME}" '
                                "ENCODING 'UTF8' TEMPLATE template0")
            finally:
                conn.close()
        except BaseException:
            self.stop()
            raise

        self.url = f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{DB_NAME}"
        return self.url

    def stop(self) -> None:
        """Stop the server (immediate mode) and delete its directory. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        try:
            atexit.unregister(self.stop)
        except Exception:
            pass
        try:
            if self.datadir and os.path.exists(
                    os.path.join(self.datadir, "postmaster.pid")):
                pid = self.pid or self._read_pid()
                try:
                    self._run(["pg_ctl", "stop", "-D", self.datadir,
                               "-m", "immediate", "-w", "-t", "20"],
                              timeout=30, check=False)
                except Exception:
                    pass
                if pid is not None:
                    # Make sure the postmaster we started is really gone.
                    end = time.monotonic() + 10
                    while _pid_alive(pid) and time.monotonic() < end:
                        time.sleep(0.05)
                    if _pid_alive(pid):
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except OSError:
                            pass
                        end = time.monotonic() + 5
                        while _pid_alive(pid) and time.monotonic() < end:
                            time.sleep(0.05)
        finally:
            if self.tmpdir:
                shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.pid = None
            self.url = ""

    def __enter__(self) -> "PgCluster":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
