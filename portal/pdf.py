"""PDF documents: Jinja templates of templates/pdf/ rendered by WeasyPrint, never user HTML.

User text reaches a PDF only as template context, escaped by Jinja's autoescape. WeasyPrint
fetches resources through `LockedURLFetcher`, which serves files of the app's static/ folder
and nothing else: no network, no other file, no data: URL, no redirect. A template that
names anything else (an <img>, a stylesheet, an @import) gets nothing and a logged refusal.
"""
import json
import logging
import mimetypes
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from flask import current_app
from flask_babel import force_locale
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import turn

LOGGER = logging.getLogger("carnet.pdf")

TEMPLATE_FOLDER = "pdf/"
PDF_VARIANT = "pdf/ua-1"
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


def render_html(template_name, *, locale="fr", **context):
    """The HTML of templates/pdf/<template_name>, in `locale` (autoescape on, no request-bound
    context processors, so this works in the worker too)."""
    app = current_app._get_current_object()
    with force_locale(locale):
        template = app.jinja_env.get_template(TEMPLATE_FOLDER + template_name)
        return template.render(lang=locale, **context)


def layout(html, static_root, font_config=None):
    """WeasyPrint's laid-out document (pages and boxes) of HTML made by render_html."""
    fetcher = LockedURLFetcher(static_root)
    return HTML(string=html, base_url=fetcher.base_url(), url_fetcher=fetcher,
                media_type="print").render(font_config=font_config, pdf_variant=PDF_VARIANT)


@turn.gives_way  # a long render: other requests run meanwhile
def write_pdf(html, static_root):
    """PDF/UA-1 bytes (tagged, with language and title) of HTML made by render_html."""
    return layout(html, static_root).write_pdf(pdf_variant=PDF_VARIANT)


def render_pdf(template_name, *, locale="fr", **context):
    """Render templates/pdf/<template_name> to PDF/UA-1 bytes, in this process (short, fixed
    papers: attestations, mandates, prescriptions). Summaries use `render_isolated`."""
    html = render_html(template_name, locale=locale, **context)
    return write_pdf(html, current_app.static_folder)


# --- rendering in a separate process, with a time and a memory limit --------------------------

class RenderFailed(RuntimeError):
    """The rendering process failed; `reason` is "timeout", "memory" or "failed"."""

    def __init__(self, reason, detail=""):
        super().__init__(f"{reason}: {detail}"[:500])
        self.reason = reason


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int
    seconds: float      # wall time, process start included
    peak_kb: int        # the rendering process's peak resident memory


@turn.gives_way  # waits for the rendering process
def render_isolated(html, *, static_root, timeout, memory_mb, heartbeat=None,
                    heartbeat_every=10.0):
    """Render HTML to PDF in a child process (`python -m portal.pdf`) that is killed after
    `timeout` seconds and cannot allocate more than `memory_mb`, so that a hostile or huge
    record can neither hang nor exhaust the worker. While the child works, `heartbeat()` is
    called every `heartbeat_every` seconds (the worker says it is alive). Raises RenderFailed."""
    started = time.perf_counter()
    # Few malloc arenas: their reserved address space is not memory the render uses.
    env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
    child = subprocess.Popen(
        [sys.executable, "-m", "portal.pdf", str(static_root), str(int(memory_mb))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        cwd=Path(__file__).resolve().parent.parent)
    data = html.encode("utf-8")
    with child:
        try:
            while True:
                left = timeout - (time.perf_counter() - started)
                if left <= 0:
                    raise RenderFailed("timeout", f"after {timeout} s")
                try:
                    stdout, stderr = child.communicate(
                        data, timeout=min(left, heartbeat_every) if heartbeat else left)
                    break
                except subprocess.TimeoutExpired:
                    data = None  # sent already: communicate() goes on where it stopped
                    if heartbeat:
                        heartbeat()
        except BaseException:  # over time, or the heartbeat failed: the child stops too
            child.kill()
            child.communicate()
            raise
    done = subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)
    seconds = time.perf_counter() - started
    report = {}
    for line in done.stderr.decode("utf-8", "replace").splitlines():
        if line.startswith(CHILD_REPORT):
            report = json.loads(line[len(CHILD_REPORT):])
        elif line.strip():
            LOGGER.warning("PDF renderer: %s", line[:300])
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF-"):
        reason = "memory" if done.returncode == EXIT_MEMORY else "failed"
        raise RenderFailed(reason, f"exit {done.returncode}")
    return Rendered(done.stdout, int(report.get("pages", 0)), seconds,
                    int(report.get("peak_kb", 0)))


CHILD_REPORT = "carnet-render-report "
EXIT_MEMORY = 3


def _peak_kb():
    """This process's peak resident memory (VmHWM; ru_maxrss would count the parent's memory
    at the time it forked, before the exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def _child(static_root, memory_mb):
    """The rendering process: HTML on stdin, PDF on stdout, a one-line report on stderr.

    Fonts are loaded before the memory limit is set: fontconfig short of memory would see
    no font at all, and (as root) could even write that empty result to the system cache.
    The limit is on allocated data (RLIMIT_DATA), not on mapped files such as fonts."""
    import resource

    from weasyprint.text.fonts import FontConfiguration
    fonts = FontConfiguration()
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    html = sys.stdin.buffer.read().decode("utf-8")
    try:
        document = layout(html, static_root, fonts)
        pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    except MemoryError:
        sys.exit(EXIT_MEMORY)
    sys.stdout.buffer.write(pdf)
    sys.stdout.flush()
    peak = _peak_kb()
    sys.stderr.write(CHILD_REPORT + json.dumps({"peak_kb": peak, "pages": len(document.pages)})
                     + "\n")


if __name__ == "__main__":
    _child(sys.argv[1], int(sys.argv[2]))
