"""One interface for stored bytes: the local disk by default, an S3-compatible store at scale.

Every stored object (documents and their previews, message attachments, print files, closure
proofs) goes through `storage()`: put(key, data) writes the whole object or nothing, get(key)
returns it or raises Missing, delete(key) is idempotent, exists(key), keys(prefix),
listing(prefix) (keys with their last-modified time). Objects
arrive already encrypted (documents/store.py encrypts above this layer): the store, disk or
S3, only ever sees ciphertext.

The backend comes from STORAGE_URL: unset or `file:///path` is the disk (under STORAGE_DIR, or
the URL's path), `s3://bucket/prefix` an S3 bucket (boto3; STORAGE_ENDPOINT_URL for an
S3-compatible server). Keys are relative paths (`documents/ab/<key>.bin`); on disk they are
the file's path under the root, so an existing STORAGE_DIR keeps working as it is.
"""
import base64
import hashlib
import logging
import os
import re
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from . import turn
from .rendering import lazy_gettext as _l

log = logging.getLogger("carnet.storage")

# Said on a form whose file could not be stored (the rest of what was typed is kept).
UNAVAILABLE_MESSAGE = _l("Le stockage des documents ne répond pas pour le moment : le fichier "
                         "n’a pas été enregistré. Ce que vous avez saisi est conservé ; "
                         "réessayez dans quelques minutes.")

# Relative paths of plain segments: no absolute path, no "..", no hidden (temporary) file.
_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
_TMP_PREFIX = ".tmp-"


class StorageError(RuntimeError):
    """Base of the errors the storage raises."""


class Missing(StorageError, LookupError):
    """No object under this key (never written, deleted, or lost)."""

    def __init__(self, key):
        super().__init__(f"no stored object {key!r}")
        self.key = key


class Unavailable(StorageError):
    """The store could not be reached or refused the operation (network, credentials, disk
    full): nothing can be said about the object."""


def check_key(key):
    if not isinstance(key, str) or not _KEY_RE.match(key) or ".." in key:
        raise ValueError("malformed storage key")
    return key


class DiskStorage:
    """Objects as files under `root`: written to a temporary file in the same directory,
    fsynced, renamed over the final name, then the directory fsynced, so a crash leaves the
    old object or the new one, never half of one."""

    def __init__(self, root):
        self.root = Path(root)

    def __repr__(self):
        return f"DiskStorage({str(self.root)!r})"

    def _path(self, key):
        return self.root / check_key(key)

    @turn.gives_way  # disk or network: other requests run meanwhile
    def put(self, key, data: bytes):
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_TMP_PREFIX)
        except OSError as error:
            raise Unavailable(f"cannot write under {self.root}: {error.strerror}") from error
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException as error:
            Path(tmp).unlink(missing_ok=True)
            if isinstance(error, OSError):
                raise Unavailable(f"cannot write under {self.root}: {error.strerror}") from error
            raise
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a crash
        finally:
            os.close(directory)

    @turn.gives_way
    def get(self, key) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise Missing(key) from None
        except OSError as error:
            raise Unavailable(f"cannot read under {self.root}: {error.strerror}") from error

    def exists(self, key) -> bool:
        return self._path(key).is_file()

    @turn.gives_way
    def delete(self, key):
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as error:
            raise Unavailable(f"cannot delete under {self.root}: {error.strerror}") from error

    def keys(self, prefix=""):
        """Every key that starts with `prefix`, sorted (temporary files left out)."""
        return [key for key, _modified in self.listing(prefix)]

    def listing(self, prefix=""):
        """(key, last modified, UTC) of every object whose key starts with `prefix`, sorted."""
        if not self.root.is_dir():
            return []
        found = []
        for folder, _dirs, files in os.walk(self.root):
            for name in files:
                if name.startswith(_TMP_PREFIX):
                    continue
                path = Path(folder) / name
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    try:
                        modified = path.stat().st_mtime
                    except FileNotFoundError:  # deleted while listing
                        continue
                    found.append((key, datetime.fromtimestamp(modified, timezone.utc)))
        return sorted(found)


class S3Storage:
    """Objects in an S3 bucket (AWS or an S3-compatible server), under an optional prefix.
    One boto3 client per process (they are thread-safe once made); path-style addressing,
    so that a server on a plain host:port works; bounded timeouts and retries, so a store
    that does not answer fails a request in seconds instead of hanging a worker."""

    def __init__(self, bucket, prefix="", *, endpoint_url=None, region="us-east-1",
                 access_key=None, secret_key=None, timeout=10, retries=3):
        import boto3
        from botocore.config import Config
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        # A session of our own: boto3's default session is shared and not thread-safe.
        session = boto3.session.Session(aws_access_key_id=access_key or None,
                                        aws_secret_access_key=secret_key or None,
                                        region_name=region or "us-east-1")
        self.client = session.client("s3", endpoint_url=endpoint_url or None, config=Config(
            s3={"addressing_style": "path"}, signature_version="s3v4",
            connect_timeout=timeout, read_timeout=timeout,
            retries={"max_attempts": retries, "mode": "standard"},
            # Newer default checksums (CRC trailers) are not understood by every
            # S3-compatible server; uploads carry a Content-MD5 instead (see put).
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required"))

    def __repr__(self):
        return f"S3Storage(s3://{self.bucket}/{self.prefix}, endpoint={self.endpoint_url!r})"

    def _name(self, key):
        return self.prefix + check_key(key)

    def _fail(self, error, key, what):
        """Missing for an absent object, Unavailable for anything else (logged by type and
        key only: never a body)."""
        from botocore.exceptions import ClientError
        if isinstance(error, ClientError):
            code = error.response.get("Error", {}).get("Code", "")
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code == "NoSuchBucket":  # a configuration error, not a lost object
                return Unavailable(f"S3 {what} {key!r}: no bucket {self.bucket!r}")
            if code in ("NoSuchKey", "404", "NotFound") or status == 404:
                return Missing(key)
            return Unavailable(f"S3 {what} {key!r}: {code or status}")
        return Unavailable(f"S3 {what} {key!r}: {type(error).__name__}")

    @turn.gives_way  # disk or network: other requests run meanwhile
    def put(self, key, data: bytes):
        """One PUT: S3 shows the whole object or the previous one, never a partial write."""
        from botocore.exceptions import BotoCoreError, ClientError
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data,
                                   ContentMD5=md5, ContentType="application/octet-stream")
        except (BotoCoreError, ClientError) as error:
            raise self._fail(error, key, "put") from error

    @turn.gives_way
    def get(self, key) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
            return answer["Body"].read()
        except (BotoCoreError, ClientError) as error:
            raise self._fail(error, key, "get") from error

    @turn.gives_way
    def exists(self, key) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
            return True
        except (BotoCoreError, ClientError) as error:
            failure = self._fail(error, key, "head")
            if isinstance(failure, Missing):
                return False
            raise failure from error

    @turn.gives_way
    def delete(self, key):
        """Deleting an absent object succeeds (S3 answers 204 either way)."""
        from botocore.exceptions import BotoCoreError, ClientError
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        except (BotoCoreError, ClientError) as error:
            failure = self._fail(error, key, "delete")
            if not isinstance(failure, Missing):
                raise failure from error

    def keys(self, prefix=""):
        return [key for key, _modified in self.listing(prefix)]

    def listing(self, prefix=""):
        """(key, last modified, UTC) of every object whose key starts with `prefix`, sorted."""
        from botocore.exceptions import BotoCoreError, ClientError
        found = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix)
            for page in pages:
                found.extend((item["Key"][len(self.prefix):],
                              item["LastModified"].astimezone(timezone.utc))
                             for item in page.get("Contents", []))
        except (BotoCoreError, ClientError) as error:
            raise self._fail(error, prefix, "list") from error
        return sorted(found)


def open_storage(config):
    """The backend that STORAGE_URL names (see the module's docstring); ValueError for a URL
    it cannot use."""
    url = (config.get("STORAGE_URL") or "").strip()
    if not url:
        return DiskStorage(config["STORAGE_DIR"])
    parsed = urlparse(url)
    if parsed.scheme == "file":
        path = unquote(parsed.path)
        if parsed.netloc or not path.startswith("/"):
            raise ValueError("STORAGE_URL file:// needs an absolute path (file:///srv/carnet)")
        return DiskStorage(path)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise ValueError("STORAGE_URL s3:// needs a bucket (s3://bucket/prefix)")
        query = {name: values[-1] for name, values in parse_qs(parsed.query).items()}
        return S3Storage(
            parsed.netloc, unquote(parsed.path),
            endpoint_url=config.get("STORAGE_ENDPOINT_URL") or query.get("endpoint"),
            region=config.get("STORAGE_REGION") or query.get("region") or "us-east-1",
            access_key=config.get("AWS_ACCESS_KEY_ID"),
            secret_key=config.get("AWS_SECRET_ACCESS_KEY"),
            timeout=float(config.get("STORAGE_TIMEOUT_SECONDS") or 10),
            retries=int(config.get("STORAGE_RETRIES") or 3))
    raise ValueError("STORAGE_URL must be file:///path or s3://bucket/prefix")


_lock = threading.Lock()
_EXTENSION = "carnet.storage"


def storage(app=None):
    """This process's store for `app` (the current app by default), made on first use: after
    gunicorn or huey fork, each process builds its own client instead of sharing sockets."""
    if app is None:
        from flask import current_app
        app = current_app._get_current_object()
    pid = os.getpid()
    made = app.extensions.get(_EXTENSION)
    if made is None or made[0] != pid:
        with _lock:
            made = app.extensions.get(_EXTENSION)
            if made is None or made[0] != pid:
                made = (pid, open_storage(app.config))
                app.extensions[_EXTENSION] = made
    return made[1]


def reset_storage(app):
    """Forget this app's store, so the next use reads the STORAGE_* config again (tests, or a
    shell that changed the config)."""
    app.extensions.pop(_EXTENSION, None)


def init_app(app):
    """Check STORAGE_URL at start-up (a typo fails here, not at the first upload), and answer
    a missing or unreachable object with a French page instead of an error 500."""
    url = (app.config.get("STORAGE_URL") or "").strip()
    if url and urlparse(url).scheme not in ("file", "s3"):
        raise ValueError("STORAGE_URL must be file:///path or s3://bucket/prefix")

    from .htmx import render

    @app.errorhandler(Missing)
    def missing_object(error):
        # The row exists but its bytes are gone: say so plainly; the team must look.
        log.error("stored object missing: %s", error.key)
        return render("errors/error.html", code=404, title=_l("Fichier introuvable"),
                      message=_l("Le fichier de ce document est introuvable dans le stockage. "
                                 "L’incident a été signalé à l’équipe ; le reste du dossier "
                                 "n’est pas concerné. Réessayez plus tard.")), 404

    @app.errorhandler(Unavailable)
    def unavailable(error):
        log.error("storage unavailable: %s", error)
        return render("errors/error.html", code=503, title=_l("Stockage indisponible"),
                      message=_l("Le stockage des documents ne répond pas pour le moment. "
                                 "Rien n’a été enregistré ni modifié. Réessayez dans quelques "
                                 "minutes.")), 503
