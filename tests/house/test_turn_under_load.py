"""The turn (portal/turn.py) under real concurrency: gunicorn with gthread (gunicorn.conf.py),
on SQLite, serving at once pages that read and write their journal entry, uploads that give
their turn back inside their transaction (writing their object), and logins that give it back
for argon2. A first version of the turn stalled here with "database is locked" (a request that
gave its turn back to write took SQLite's lock uncounted); every answer must be the expected
one, and the server must log no traceback."""
import io
import re
import threading
import time
import urllib.error
import urllib.request
import uuid

from benchmarks import throughput

SECONDS = 6


def _upload(session, errors):
    status, page = session.request("/dossier/documents/ajouter")
    fields = {"csrf_token": throughput.TOKEN.search(page).group(1), "title": "Sous charge",
              "category": "autres", "document_date": "02/11/2026",
              "_space": re.search(r'name="_space" value="([^"]+)"', page).group(1)}
    boundary = uuid.uuid4().hex
    body = io.BytesIO()
    for name, value in fields.items():
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                   f"{value}\r\n".encode())
    body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="fichier"; '
               f'filename="cr.txt"\r\nContent-Type: text/plain\r\n\r\n'.encode())
    body.write((f"Compte rendu {uuid.uuid4()}.\n" * 40).encode() + b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(
        session.base + "/dossier/documents/ajouter", data=body.getvalue(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                 "Cookie": session.cookie})
    try:
        status = session.opener.open(request, timeout=30).status
    except urllib.error.HTTPError as answer:
        status = answer.code
    if status != 303:
        errors.append(("upload", status))


def test_pages_uploads_and_logins_at_once_all_answer():
    errors, done = [], {"page": 0, "upload": 0, "login": 0}
    with throughput._instance("sqlite") as (root, env, database_url, label):
        server = throughput.Gunicorn("wsgi:app", root, env, 1)
        try:
            cookie = throughput.log_in(server.url, database_url)
            until = time.monotonic() + SECONDS

            def logged_in():
                session = throughput._Session(server.url)
                session.jar = dict(part.split("=", 1) for part in cookie.split("; "))
                return session

            def pages():
                session = logged_in()
                while time.monotonic() < until:
                    status, _ = session.request("/dossier/")
                    if status != 200:
                        errors.append(("page", status))
                    done["page"] += 1

            def uploads():
                session = logged_in()
                while time.monotonic() < until:
                    _upload(session, errors)
                    done["upload"] += 1

            def logins():  # under the account's limit (5): each one checks its password
                while time.monotonic() < until and done["login"] < 4:
                    session = throughput._Session(server.url)
                    status, page = session.request("/connexion")
                    status, _ = session.request("/connexion", {
                        "csrf_token": throughput.TOKEN.search(page).group(1),
                        "email": "jean.dupont@example.org", "password": "pas le bon mot de passe"})
                    if status != 200:
                        errors.append(("login", status))
                    done["login"] += 1
                    time.sleep(0.5)
            workers = [threading.Thread(target=work) for work in
                       (pages, pages, pages, pages, uploads, uploads, logins)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(SECONDS + 60)
        finally:
            server.stop()
            log = server.process.stderr.read().decode("utf-8", "replace")
    assert not errors, errors[:10]
    assert min(done.values()) > 0, done
    assert "Traceback" not in log, log[-3000:]
