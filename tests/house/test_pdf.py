"""PDF rendering: templates only, a URL fetcher locked to static/, tagged PDF/UA output."""
import logging
from pathlib import Path

import pikepdf
import pytest
from jinja2 import ChoiceLoader, DictLoader

from portal.pdf import LockedURLFetcher, RefusedURL, render_pdf

STATIC = Path(__file__).resolve().parents[2] / "static"


@pytest.fixture
def fetcher():
    return LockedURLFetcher(STATIC)


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "file:///etc/hostname",
    "http://127.0.0.1/",
    "https://example.org/style.css",
    "ftp://127.0.0.1/x",
    "data:text/css,body{color:red}",
    "data:image/svg+xml;base64,PHN2Zy8+",
    "javascript:alert(1)",
    STATIC.as_uri() + "/../pyproject.toml",
    STATIC.as_uri() + "/css/../../pyproject.toml",
    STATIC.as_uri() + "/%2e%2e/pyproject.toml",
    STATIC.as_uri() + "/pdf/missing.css",
    STATIC.as_uri() + "/pdf",                      # a folder, not a file
    "file://evil.example" + str(STATIC / "pdf" / "prescription.css"),
])
def test_the_locked_fetcher_refuses_anything_outside_static(fetcher, url):
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)


def test_a_symlink_out_of_static_is_refused(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    (root / "escape.css").symlink_to("/etc/passwd")
    with pytest.raises(RefusedURL):
        LockedURLFetcher(root).fetch((root / "escape.css").as_uri())


def test_the_locked_fetcher_serves_a_static_stylesheet(fetcher):
    response = fetcher.fetch(fetcher.base_url() + "pdf/prescription.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    assert not fetcher.fetch(fetcher.base_url() + "pdf/prescription.css").url.startswith("http")


def with_template(app, name, source):
    """Add a PDF template for this test only (the app is built afresh for each test)."""
    app.jinja_env.loader = ChoiceLoader([DictLoader({"pdf/" + name: source}),
                                        app.jinja_env.loader])


def test_a_template_cannot_pull_outside_resources(app, local_server, caplog):
    """@import of an outside URL, outside stylesheets and images: nothing is fetched, each is
    refused (and logged); the static stylesheet still loads."""
    with_template(app, "probe.html", """<!doctype html><html lang="{{ lang }}"><head>
<meta charset="utf-8"><title>Essai</title>
<link rel="stylesheet" href="pdf/prescription.css">
<link rel="stylesheet" href="{{ server }}/linked.css">
<link rel="stylesheet" href="file:///etc/passwd">
<style>@import url("{{ server }}/imported.css"); @import "file:///etc/hostname";
body { background: url("{{ server }}/bg.png") }</style></head>
<body><h1>Essai</h1><p>Texte</p><img src="{{ server }}/img.png" alt="image">
<img src="data:image/png;base64,iVBORw0KGgo=" alt="donnée"></body></html>""")
    with app.app_context(), caplog.at_level(logging.WARNING, logger="carnet.pdf"):
        pdf = render_pdf("probe.html", server=local_server.url)
    assert pdf.startswith(b"%PDF-")
    assert local_server.hits == []
    refused = " ".join(r.getMessage() for r in caplog.records if r.name == "carnet.pdf")
    for url in ("/linked.css", "/imported.css", "/bg.png", "/img.png", "file:///etc/passwd",
                "file:///etc/hostname", "data:image/png"):
        assert url in refused, url
    assert "prescription.css" not in refused


def test_user_text_is_escaped_and_the_pdf_is_tagged_with_language_and_title(app, tmp_path):
    import subprocess
    with_template(app, "escape.html", """<!doctype html><html lang="{{ lang }}"><head>
<meta charset="utf-8"><title>{{ title }}</title></head><body><h1>{{ title }}</h1>
<p>{{ text }}</p></body></html>""")
    with app.app_context():
        pdf = render_pdf("escape.html", title="Essai d’échappement",
                         text='<img src="file:///etc/passwd" alt="x"><b>gras</b>')
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert '<img src="file:///etc/passwd" alt="x"><b>gras</b>' in " ".join(text.split())
    with pikepdf.open(path) as document:
        root = document.Root
        assert "/StructTreeRoot" in root
        assert bool(root.MarkInfo.Marked) is True
        assert str(root.Lang) == "fr"
        assert str(document.docinfo.Title) == "Essai d’échappement"
        assert root.ViewerPreferences.DisplayDocTitle


def test_only_templates_of_the_pdf_folder_are_rendered(app):
    from jinja2 import TemplateNotFound
    with app.app_context():
        for name in ("../layout.html", "../../pyproject.toml", "missing.html"):
            with pytest.raises(TemplateNotFound):
                render_pdf(name)
