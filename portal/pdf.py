"""PDF documents: Jinja templates of templates/pdf/ rendered by WeasyPrint, never user HTML.

User text reaches a PDF only as template context, escaped by Jinja's autoescape. WeasyPrint
fetches resources through `LockedURLFetcher`, which serves files of the app's static/ folder
and nothing else: no network, no other file, no data: URL, no redirect. A template that
names anything else (an <img>, a stylesheet, an @import) gets nothing and a logged refusal.
"""
import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from flask import current_app
from flask_babel import force_locale
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

LOGGER = logging.getLogger("carnet.pdf")

TEMPLATE_FOLDER = "pdf/"
MEDIA_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png",
               ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".ttf": "font/ttf",
               ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2"}


class RefusedURL(ValueError):
    """A resource outside the static folder (or of another scheme) was asked for."""


class LockedURLFetcher(URLFetcher):
    """Serve `file:` URLs of files inside `root` (the static folder); refuse everything else."""

    def __init__(self, root):
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = Path(root).resolve()

    def base_url(self):
        """The URL relative references in templates resolve against (the static folder)."""
        return self.root.as_uri() + "/"

    def path_for(self, url):
        """The file a URL names, if it is one this fetcher may serve; else RefusedURL."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise RefusedURL(f"scheme not allowed: {url[:80]}")
        if parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"remote file refused: {url[:80]}")
        raw = unquote(parts.path)
        if "\x00" in raw or any(segment == ".." for segment in raw.replace("\\", "/").split("/")):
            raise RefusedURL(f"parent segment refused: {url[:80]}")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise RefusedURL(f"outside the static folder: {url[:80]}")
        return path

    def fetch(self, url, headers=None):
        try:
            path = self.path_for(url)
        except RefusedURL:
            LOGGER.warning("PDF resource refused: %s", url[:200])
            raise
        media_type = MEDIA_TYPES.get(path.suffix.lower()) or (
            mimetypes.guess_type(path.name)[0] or "application/octet-stream")
        return URLFetcherResponse(path.as_uri(), path.read_bytes(),
                                  headers={"Content-Type": media_type})


def render_pdf(template_name, *, locale="fr", **context):
    """Render templates/pdf/<template_name> to PDF/UA-1 bytes (tagged, with language and title).

    The template is rendered with the app's Jinja environment directly (autoescape on, no
    request-bound context processors), so this also works outside a request (demo, tasks).
    """
    app = current_app._get_current_object()
    fetcher = LockedURLFetcher(app.static_folder)
    with force_locale(locale):
        template = app.jinja_env.get_template(TEMPLATE_FOLDER + template_name)
        html = template.render(lang=locale, **context)
    return HTML(string=html, base_url=fetcher.base_url(), url_fetcher=fetcher,
                media_type="print").write_pdf(pdf_variant="pdf/ua-1")
