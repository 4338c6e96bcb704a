"""Bytes on the wire: compressed pages (not for requests another site started), static files
under versioned addresses cached a year, sent precompressed when the browser takes it."""
import gzip
import re

import brotli
import pytest
from conftest import ROOT_DIR

BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd", "Sec-Fetch-Site": "same-origin"}
STATIC_RE = re.compile(r'(?:href|src)="(/static/([^"?]+)\?v=([0-9a-f]{12}))"')


def decoded(response):
    data = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(data)
    if encoding == "gzip":
        return gzip.decompress(data)
    return data


def vary(response):
    return {v.strip() for v in response.headers.get("Vary", "").split(",")}


@pytest.mark.parametrize("accept, expected", [
    ("gzip, deflate, br, zstd", "br"), ("gzip", "gzip"), ("br;q=0, gzip", "gzip"),
    ("identity", None), (None, None)])
def test_pages_are_compressed_as_the_browser_accepts(client, accept, expected):
    headers = {"Accept-Encoding": accept} if accept else {}
    response = client.get("/connexion", headers=headers)
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == expected
    assert "<h1>" in decoded(response).decode()
    assert int(response.headers["Content-Length"]) == len(response.get_data())
    # one Vary for both reasons the answer changes; the security headers are still there
    assert {"HX-Request", "Accept-Encoding"} <= vary(response)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_htmx_fragments_are_compressed_too(login_as):
    client = login_as("jean")
    response = client.get("/dossier/mesures/tension/",
                          headers=BROWSER | {"HX-Request": "true", "HX-Target": "mesure-contenu"})
    assert response.headers["Content-Encoding"] == "br"
    html = decoded(response).decode()
    assert html.lstrip().startswith('<div id="mesure-contenu"') and "<html" not in html


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_no_compression_for_a_request_another_site_started(client, site):
    """BREACH needs many compressed answers to requests the attacker makes the victim's
    browser send: those come from another site, and browsers say so."""
    response = client.get("/connexion", headers=BROWSER | {"Sec-Fetch-Site": site})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" in vary(response)  # a cache must not serve it to our own pages
    typed = client.get("/connexion", headers=BROWSER | {"Sec-Fetch-Site": "none"})
    assert typed.headers["Content-Encoding"] == "br"


def test_small_answers_and_pdfs_are_sent_as_they_are(app):
    from flask import Response
    app.add_url_rule("/essai/petit", "essai_petit", lambda: "<p>court</p>")
    app.add_url_rule("/essai/pdf", "essai_pdf",
                     lambda: Response(b"%PDF-1.7 " + b"0" * 5000, mimetype="application/pdf"))
    client = app.test_client()
    small = client.get("/essai/petit", headers=BROWSER)
    pdf = client.get("/essai/pdf", headers=BROWSER)
    assert small.status_code == 200 and pdf.status_code == 200
    assert "Content-Encoding" not in small.headers and small.data == b"<p>court</p>"
    assert "Content-Encoding" not in pdf.headers and len(pdf.data) == 5009


def test_pages_link_static_files_under_their_content_hash(client):
    import hashlib
    html = client.get("/connexion").get_data(as_text=True)
    links = STATIC_RE.findall(html)
    names = {name for _url, name, _v in links}
    assert {"css/carnet.css", "vendor/htmx.min.js", "js/carnet.js", "favicon.svg"} <= names
    for _url, name, version in links:
        with open(f"{ROOT_DIR}/static/{name}", "rb") as f:
            assert version == hashlib.sha256(f.read()).hexdigest()[:12], name
    assert 'src="/static/vendor/htmx.min.js"' not in html  # never an unversioned address


def test_a_versioned_static_file_is_cached_a_year_an_unversioned_one_briefly(client):
    html = client.get("/connexion").get_data(as_text=True)
    css = next(url for url, name, _v in STATIC_RE.findall(html) if name == "css/carnet.css")
    versioned = client.get(css)
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    versioned.close()
    for url in ("/static/css/carnet.css", "/static/css/carnet.css?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=300", url
        assert "Set-Cookie" not in response.headers
        response.close()


@pytest.mark.parametrize("name, mimetype", [("vendor/htmx.min.js", "text/javascript"),
                                            ("css/carnet.css", "text/css"),
                                            ("js/carnet.js", "text/javascript")])
@pytest.mark.parametrize("accept, expected", [("gzip, deflate, br, zstd", "br"),
                                              ("gzip", "gzip"), (None, None)])
def test_static_text_is_sent_precompressed(client, name, mimetype, accept, expected):
    from portal.wire import served_bytes
    original = served_bytes(f"{ROOT_DIR}/static/{name}")
    response = client.get(f"/static/{name}",
                          headers={"Accept-Encoding": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers.get("Content-Encoding") == expected
    assert "Accept-Encoding" in vary(response)
    assert "Content-Disposition" not in response.headers
    body = response.get_data()
    assert decoded(response) == original
    if expected:
        assert len(body) < len(original) / 2
    response.close()


def test_the_stylesheet_is_sent_without_its_comments(client):
    """Every rule of carnet.css reaches the browser, none of its comments (they are for us)."""
    import re
    with open(f"{ROOT_DIR}/static/css/carnet.css", encoding="utf-8") as f:
        written = f.read()
    assert "/*" in written
    for accept in ("br", "gzip", None):
        response = client.get("/static/css/carnet.css",
                              headers={"Accept-Encoding": accept} if accept else {})
        sent = decoded(response).decode("utf-8")
        response.close()
        assert "/*" not in sent and "\n\n" not in sent
        assert re.sub(r"\s+", "", sent) == re.sub(r"\s+", "", re.sub(r"/\*.*?\*/", "", written,
                                                                   flags=re.S))


@pytest.mark.parametrize("written, sent", [
    ("a{}/* x */\nb{}", "a{}\nb{}"),
    ("x{}\n/* a\n b */\n\ny{}", "x{}\ny{}"),
    ('a{content:"/* kept */"}/**/', 'a{content:"/* kept */"}'),
    ("a{content:'it\\'s /* kept */'} /* x */", "a{content:'it\\'s /* kept */'} "),
    ("a{border:1px/**/solid}", "a{border:1px solid}"),  # a comment parts two tokens
])
def test_css_comments_are_left_out_and_strings_kept(written, sent):
    from portal.wire import css_without_comments
    assert css_without_comments(written) == sent


def test_static_paths_outside_the_folder_are_not_found(client):
    assert client.get("/static/../portal/config.py").status_code == 404
    assert client.get("/static/nothing-here.css").status_code == 404


def test_the_version_follows_the_content(tmp_path):
    from portal.wire import content_hash
    path = tmp_path / "x.css"
    path.write_text("a{}")
    first = content_hash(str(path))
    path.write_text("b{}")
    assert content_hash(str(path)) != first


def test_static_compress_builds_every_text_file_once_per_content(app, tmp_path):
    from portal import wire
    app.instance_path = str(tmp_path)
    assert wire.build_all(app) >= 3
    built = sorted(p.name for p in (tmp_path / "static-compressed").iterdir())
    assert any(n.endswith(".br") for n in built) and any(n.endswith(".gz") for n in built)
    assert wire.build_all(app) >= 3
    assert sorted(p.name for p in (tmp_path / "static-compressed").iterdir()) == built


def test_static_files_are_still_sent_when_the_instance_folder_cannot_be_written(app, tmp_path):
    blocker = tmp_path / "un-fichier"
    blocker.write_text("")
    app.instance_path = str(blocker / "instance")  # under a file: no folder can be made there
    response = app.test_client().get("/static/css/carnet.css", headers={"Accept-Encoding": "br"})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    with open(f"{ROOT_DIR}/static/css/carnet.css", "rb") as f:
        assert response.get_data() == f.read()
    response.close()
