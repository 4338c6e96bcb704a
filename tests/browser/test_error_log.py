"""The real server's error log (gunicorn's, where Flask writes its errors) holds no health data
after the error paths a tester found: changing an entry one did not write, with htmx and
without, as a page and as a form."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

THEIRS = "/dossier/profil/maladies/1"  # Jean's condition written by his doctor
HEALTH_TEXTS = ("Hypertension artérielle", "Diabète de type 2", "Fibrillation atriale",
                "Tension suivie à domicile", "HbA1c", "Cataracte")


def test_refusals_answer_without_error_and_write_no_health_data_to_the_log(context_for,
                                                                            server):
    log = Path(server.env["CARNET_INSTANCE"]) / "gunicorn.log"
    start = log.stat().st_size
    page = context_for("jean")
    page.goto(server.url("/dossier/profil/maladies/"))
    html = page.content()
    # Attributes in any order (the POST-form macro writes type, name, value).
    fields = dict(re.findall(r'<input [^>]*name="(csrf_token|_space)" [^>]*value="([^"]+)"',
                             html))
    assert "csrf_token" in fields and "_space" in fields
    statuses = []
    for headers in ({"HX-Request": "true"}, {}):
        for suffix in ("modifier", "supprimer"):
            url = server.url(f"{THEIRS}/{suffix}")
            statuses.append(page.request.get(url, headers=headers, max_redirects=0).status)
            statuses.append(page.request.post(url, headers=headers, max_redirects=0, form={
                **fields, "name": "Rien"}).status)
    assert 500 not in statuses and set(statuses) <= {200, 303}, statuses
    with open(log, encoding="utf-8", errors="replace") as stream:
        stream.seek(start)
        written = stream.read()
    leaked = [text for text in HEALTH_TEXTS if text in written]
    assert not leaked, leaked
