"""The storage interface (portal/storage.py): one contract, kept by the disk and by a real S3
server (SeaweedFS started by the test run), then how STORAGE_URL picks the backend, the disk's
atomic writes and its unchanged layout, and one store per process."""
import os
import secrets
from pathlib import Path

import pytest

from portal.storage import DiskStorage, Missing, S3Storage, Unavailable, open_storage, storage

MB = 1024 * 1024


@pytest.fixture(params=["disk", "s3"])
def store(request, tmp_path):
    """A fresh, empty store of each kind (on S3, a prefix of its own in the shared bucket)."""
    if request.param == "disk":
        return DiskStorage(tmp_path / "objects")
    server = request.getfixturevalue("s3_server")
    return S3Storage(server.bucket, f"contract-{secrets.token_hex(6)}",
                     endpoint_url=server.endpoint_url, access_key=server.access_key,
                     secret_key=server.secret_key)


# --- the contract, on both backends --------------------------------------------------------

def test_what_is_put_is_got_back(store):
    store.put("documents/ab/one.bin", b"\x00chiffre\xff")
    assert store.get("documents/ab/one.bin") == b"\x00chiffre\xff"
    assert store.exists("documents/ab/one.bin")


def test_a_put_replaces_the_whole_object(store):
    store.put("a/key.bin", b"first version, longer than the second")
    store.put("a/key.bin", b"second")
    assert store.get("a/key.bin") == b"second"


def test_an_absent_object_raises_missing(store):
    with pytest.raises(Missing) as missing:
        store.get("documents/zz/never.bin")
    assert missing.value.key == "documents/zz/never.bin"
    assert not store.exists("documents/zz/never.bin")


def test_delete_removes_and_can_be_repeated(store):
    store.put("x/gone.bin", b"bientot supprime")
    store.delete("x/gone.bin")
    assert not store.exists("x/gone.bin")
    with pytest.raises(Missing):
        store.get("x/gone.bin")
    store.delete("x/gone.bin")        # idempotent: a purge may run twice
    store.delete("x/never-there.bin")


def test_a_five_megabyte_object_round_trips(store):
    data = os.urandom(5 * MB) + b"fin"
    store.put("documents/bi/big.bin", data)
    assert store.get("documents/bi/big.bin") == data


def test_keys_are_listed_under_a_prefix(store):
    for key in ("documents/ab/1.bin", "documents/ab/1.preview", "documents/cd/2.bin",
                "other/3.bin"):
        store.put(key, b"x")
    assert store.keys("documents/ab/") == ["documents/ab/1.bin", "documents/ab/1.preview"]
    assert store.keys("documents/") == ["documents/ab/1.bin", "documents/ab/1.preview",
                                        "documents/cd/2.bin"]
    assert store.keys() == ["documents/ab/1.bin", "documents/ab/1.preview",
                            "documents/cd/2.bin", "other/3.bin"]
    assert store.keys("nothing/") == []


@pytest.mark.parametrize("key", ["../escape.bin", "/etc/passwd", "a/../../b", "a//b", "",
                                 ".tmp-hidden", "a/.hidden", "with space", "a\\b"])
def test_malformed_keys_are_refused_before_anything_is_touched(store, key):
    with pytest.raises(ValueError):
        store.put(key, b"x")
    with pytest.raises(ValueError):
        store.get(key)


# --- S3 specifics ------------------------------------------------------------------------

def test_s3_keys_live_under_the_prefix_and_nowhere_else(s3_server):
    prefix = f"isolated-{secrets.token_hex(6)}"
    store = S3Storage(s3_server.bucket, prefix, endpoint_url=s3_server.endpoint_url,
                      access_key=s3_server.access_key, secret_key=s3_server.secret_key)
    store.put("documents/ab/k.bin", b"x")
    assert s3_server.keys(prefix) == [f"{prefix}/documents/ab/k.bin"]
    neighbour = S3Storage(s3_server.bucket, prefix + "-other", endpoint_url=s3_server.endpoint_url,
                          access_key=s3_server.access_key, secret_key=s3_server.secret_key)
    assert neighbour.keys() == [] and not neighbour.exists("documents/ab/k.bin")


def test_s3_with_wrong_credentials_is_unavailable_not_missing(s3_server):
    store = S3Storage(s3_server.bucket, "creds", endpoint_url=s3_server.endpoint_url,
                      access_key="intrus", secret_key="faux", retries=1)
    with pytest.raises(Unavailable):
        store.put("a/b.bin", b"x")
    with pytest.raises(Unavailable):
        store.get("a/b.bin")


def test_a_bucket_that_does_not_exist_is_unavailable_not_missing(s3_server):
    store = S3Storage(f"absent-{secrets.token_hex(4)}", endpoint_url=s3_server.endpoint_url,
                      access_key=s3_server.access_key, secret_key=s3_server.secret_key,
                      retries=1)
    for operation in (lambda: store.get("a/b.bin"), lambda: store.put("a/b.bin", b"x"),
                      lambda: store.keys("a/")):
        with pytest.raises(Unavailable):
            operation()


def test_an_unreachable_s3_is_unavailable_within_its_timeout():
    import socket
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = S3Storage("carnet", endpoint_url=f"http://127.0.0.1:{port}", access_key="a",
                      secret_key="b", timeout=1, retries=1)
    for operation in (lambda: store.put("a/b.bin", b"x"), lambda: store.get("a/b.bin"),
                      lambda: store.exists("a/b.bin"), lambda: store.delete("a/b.bin"),
                      lambda: store.keys("a/")):
        with pytest.raises(Unavailable):
            operation()


# --- the disk ------------------------------------------------------------------------------

def test_the_disk_keeps_todays_file_layout(tmp_path):
    """An instance upgraded from the file-based store keeps reading its files."""
    store = DiskStorage(tmp_path)
    store.put("documents/ab/abcd.bin", b"ciphertext")
    assert (tmp_path / "documents" / "ab" / "abcd.bin").read_bytes() == b"ciphertext"


def test_a_failed_disk_write_keeps_the_previous_object_and_leaves_no_temporary_file(
        tmp_path, monkeypatch):
    store = DiskStorage(tmp_path)
    store.put("documents/ab/k.bin", b"old")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(Unavailable):
        store.put("documents/ab/k.bin", b"new")
    monkeypatch.undo()
    assert store.get("documents/ab/k.bin") == b"old"
    assert [p.name for p in (tmp_path / "documents" / "ab").iterdir()] == ["k.bin"]


def test_temporary_files_are_not_listed(tmp_path):
    store = DiskStorage(tmp_path)
    store.put("documents/ab/k.bin", b"x")
    (tmp_path / "documents" / "ab" / ".tmp-crashed").write_bytes(b"half")
    assert store.keys() == ["documents/ab/k.bin"]


def test_an_unreadable_disk_is_unavailable(tmp_path):
    store = DiskStorage(tmp_path)
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "k.bin").mkdir()  # a directory where a file should be
    with pytest.raises(Unavailable):
        store.get("documents/k.bin")


# --- choosing the backend ---------------------------------------------------------------

def test_storage_url_chooses_the_backend(tmp_path):
    assert isinstance(open_storage({"STORAGE_DIR": str(tmp_path)}), DiskStorage)
    assert open_storage({"STORAGE_DIR": str(tmp_path)}).root == tmp_path
    assert open_storage({"STORAGE_URL": "file:///srv/carnet", "STORAGE_DIR": "x"}).root == \
        Path("/srv/carnet")
    s3 = open_storage({"STORAGE_URL": "s3://bucket/some/prefix/",
                       "STORAGE_ENDPOINT_URL": "http://127.0.0.1:9",
                       "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"})
    assert isinstance(s3, S3Storage)
    assert (s3.bucket, s3.prefix, s3.endpoint_url) == ("bucket", "some/prefix/",
                                                       "http://127.0.0.1:9")
    assert s3.client.meta.region_name == "us-east-1"
    assert s3.client.meta.config.s3["addressing_style"] == "path"
    bare = open_storage({"STORAGE_URL": "s3://bucket?endpoint=http://127.0.0.1:9&region=eu-west-3"})
    assert (bare.prefix, bare.endpoint_url, bare.client.meta.region_name) == (
        "", "http://127.0.0.1:9", "eu-west-3")


@pytest.mark.parametrize("url", ["ftp://x/y", "s3://", "file://relative/path", "/no/scheme"])
def test_a_storage_url_it_cannot_use_is_refused(url):
    with pytest.raises(ValueError):
        open_storage({"STORAGE_URL": url, "STORAGE_DIR": "x"})


def test_the_app_refuses_to_start_with_an_unknown_storage_scheme(tmp_path):
    from portal import create_app
    from portal.config import TestConfig
    with pytest.raises(ValueError):
        create_app(TestConfig, DATABASE_URL=f"sqlite:///{tmp_path}/x.db",
                   STORAGE_URL="ftp://files.example/carnet")


def test_one_store_per_process_and_per_app(app, monkeypatch):
    first = storage(app)
    assert storage(app) is first
    with app.app_context():
        assert storage() is first
    real_pid = os.getpid()
    monkeypatch.setattr(os, "getpid", lambda: real_pid + 1)  # as in a forked worker
    assert storage(app) is not first


# --- the app, on the disk ------------------------------------------------------------------

def test_on_disk_a_document_whose_file_is_gone_answers_a_french_page_not_a_500(
        app, ctx, login_as):
    from helpers import doc_id, document, send_file
    from helpers import tiny_pdf

    from portal.documents.store import object_key
    jean = login_as("jean")
    document_id = doc_id(send_file(jean, tiny_pdf(), "bilan.pdf", title="Bilan"))
    storage(app).delete(object_key(document(document_id).storage_key))
    response = jean.get(f"/dossier/documents/{document_id}/telecharger")
    assert response.status_code == 404
    assert "Le fichier de ce document est introuvable dans le stockage" in \
        response.get_data(as_text=True)


def test_a_file_written_by_the_earlier_file_store_still_reads(app, ctx, person):
    """Existing instances keep their STORAGE_DIR: a document stored before this interface
    existed (same path, same MAGIC + nonce + ciphertext format) decrypts as before."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from portal.accounts.models import Account
    from portal.documents.models import Document
    from portal.documents.store import _key, read_content
    key = secrets.token_hex(16)
    with app.app_context():
        nonce = os.urandom(12)
        blob = b"CRN1" + nonce + AESGCM(_key()).encrypt(nonce, b"ancien contenu", key.encode())
    path = Path(app.config["STORAGE_DIR"]) / "documents" / key[:2] / f"{key}.bin"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(blob)
    jean = person("Jean")
    row = Document.create(patient=jean, author=Account.get(Account.person == jean.id),
                          author_is_professional=False, title="Ancien",
                          document_date="2026-01-05", category="autres", storage_key=key,
                          mime_type="text/plain", size=14, sha256="0" * 64,
                          original_name="ancien.txt", has_preview=False)
    with app.app_context():
        assert read_content(row) == b"ancien contenu"
