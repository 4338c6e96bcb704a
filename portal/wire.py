"""Bytes on the wire: compressed pages, versioned and precompressed static files.

Pages and fragments are compressed by Flask-Compress (brotli, else gzip, as the client's
Accept-Encoding allows; never below COMPRESS_MIN_SIZE, never PDFs, images or streamed
downloads). Static files are addressed by a hash of their content (`?v=<sha256[:12]>`, added by
`url_for('static', …)` itself), so that a versioned address can be cached for a year and a new
file gets a new address; their brotli and gzip forms are built once per content (into the
instance folder, by `flask static-compress` at set-up, else on first request) and sent as they
are. A stylesheet is sent without its comments (`served_bytes`), compressed or not.

BREACH (a secret in a compressed HTTPS page, guessed from the sizes of many responses to
requests the attacker makes the victim's browser send, with text of their choosing reflected in
the page) is answered three ways:
- no compression for a request another site made the browser send: browsers say who started a
  request in `Sec-Fetch-Site`; only `same-origin` (our own pages, htmx) and `none` (typed
  address, bookmark) get compressed answers, as do clients that send no such header (not a
  browser an attacker can drive: every current browser sends it);
- the session and CSRF cookies are SameSite=Lax: a cross-site subresource request carries no
  cookie, so its answer holds neither health data nor the visitor's token;
- the CSRF token in the page is Flask-WTF's signed token, which changes every second (it
  carries a timestamp and its HMAC): a guess cannot be refined over many responses, and the
  secret it wraps is useless without the server's signature.
"""
import hashlib
import mimetypes
import os
import re
import tempfile

from flask import current_app, request, send_file
from flask_compress import Compress
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

compress = Compress()

# What the browser may keep: a versioned address never changes content; an unversioned one (an
# old page, a hand-typed address) must be re-checked soon.
LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=300"
# Requests a browser says it started itself or from one of our pages (see BREACH above).
OWN_REQUESTS = {"same-origin", "none"}
# Static text worth precompressing (the favicon and PDF stylesheets are tiny or never sent).
PRECOMPRESSED = (".css", ".js", ".svg")
MIN_PRECOMPRESS = 1024
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
# A stylesheet for a client that takes neither: its served form, uncompressed.
PLAIN = (None, ".css")
# Part of each copy's name: copies built from another form of the files (before stylesheets
# lost their comments) are not taken for this one's.
SERVED_FORM = "-s1"

_hashes = {}


def content_hash(path):
    """sha256[:12] of a file's bytes, recomputed only when its size or mtime changes."""
    stat = os.stat(path)
    key = (path, stat.st_mtime_ns, stat.st_size)
    digest = _hashes.get(key)
    if digest is None:
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:12]
        _hashes[key] = digest
    return digest


def _static_path(app, filename):
    path = safe_join(app.static_folder, filename)
    if path is None or not os.path.isfile(path):
        return None
    return path


def add_static_version(endpoint, values):
    """`url_for('static', filename=…)` → `/static/…?v=<content hash>` (url_defaults hook)."""
    if endpoint != "static" or "v" in values or "filename" not in values:
        return
    path = _static_path(current_app, values["filename"])
    if path is not None:
        values["v"] = content_hash(path)


# A stylesheet's comments (which explain its rules to us, not to the browser: 1.9 KB of
# carnet.css, 840 bytes of its brotli form, on every first load) are left out of what is sent.
# A quoted string is matched first and kept whole, so that "/*" inside one stays.
_CSS_STRING_OR_COMMENT = re.compile(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|/\*.*?\*/""",
                                    re.S)
_BLANK_LINES = re.compile(r"\n[ \t]*(?=\n)")


def css_without_comments(text):
    """`text` (a stylesheet) without its comments, and without the blank lines they leave; a
    comment between two tokens becomes a space (CSS reads `a/**/b` as two tokens)."""
    def replace(match):
        if match.group(1):
            return match.group(1)
        before = text[match.start() - 1:match.start()]
        after = text[match.end():match.end() + 1]
        return " " if before and after and not before.isspace() and not after.isspace() else ""
    return _BLANK_LINES.sub("", _CSS_STRING_OR_COMMENT.sub(replace, text))


def served_bytes(path):
    """What is sent for the static file at `path`: a stylesheet without its comments, any other
    file as it is."""
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".css"):
        data = css_without_comments(data.decode("utf-8")).encode("utf-8")
    return data


def _encode(data, encoding):
    if encoding is None:
        return data
    if encoding == "br":
        import brotli
        return brotli.compress(data, quality=11)
    import gzip
    return gzip.compress(data, compresslevel=9, mtime=0)


def compressed_copy(app, path, encoding, suffix):
    """The path of `served_bytes(path)` compressed with `encoding` (None: as they are), built
    once per content and kept in the instance folder (written to a temporary name then renamed:
    processes may race)."""
    folder = os.path.join(app.instance_path, "static-compressed")
    target = os.path.join(folder, f"{content_hash(path)}{SERVED_FORM}{suffix}")
    if not os.path.exists(target):
        os.makedirs(folder, exist_ok=True)
        data = _encode(served_bytes(path), encoding)
        handle, temporary = tempfile.mkstemp(dir=folder)
        with os.fdopen(handle, "wb") as f:
            f.write(data)
        os.chmod(temporary, 0o644)  # built at set-up, perhaps by another user than the server's
        os.replace(temporary, target)
    return target


def precompressible(path):
    return path.endswith(PRECOMPRESSED) and os.path.getsize(path) >= MIN_PRECOMPRESS


def build_all(app):
    """Precompress every static text file (set-up step); returns how many files were built."""
    count = 0
    for folder, _dirs, files in os.walk(app.static_folder, followlinks=True):
        for name in files:
            path = os.path.join(folder, name)
            if precompressible(path):
                for encoding, suffix in ENCODINGS + ((PLAIN,) if path.endswith(".css") else ()):
                    compressed_copy(app, path, encoding, suffix)
                count += 1
    return count


def _accepted(encoding):
    # q=0 means "not this one" (RFC 9110 §12.5.3); any other listing accepts it.
    for part in request.headers.get("Accept-Encoding", "").lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() == encoding:
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def static_file(filename):
    """A static file, its brotli/gzip form when the client takes it, cached for a year under
    its versioned address."""
    app = current_app._get_current_object()
    path = _static_path(app, filename)
    if path is None:
        raise NotFound()
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    encoding = None
    if precompressible(path):
        encoding = next(((name, suffix) for name, suffix in ENCODINGS if _accepted(name)), None)
        if encoding is None and path.endswith(".css"):
            encoding = PLAIN
    copy = None
    if encoding:
        try:
            copy = compressed_copy(app, path, *encoding)
        except OSError:  # an instance folder we may not write to: send the file as it is
            app.logger.warning("static-compressed: cannot write into %s", app.instance_path)
    if copy:
        response = send_file(copy, mimetype=mimetype, conditional=True, max_age=None)
        if encoding[0]:
            response.headers["Content-Encoding"] = encoding[0]
    else:
        response = send_file(path, mimetype=mimetype, conditional=True, max_age=None)
    response.headers.pop("Content-Disposition", None)  # shown inline, under its own name
    if precompressible(path):
        response.vary.add("Accept-Encoding")
    versioned = request.args.get("v") == content_hash(path)
    response.headers["Cache-Control"] = LONG_CACHE if versioned else SHORT_CACHE
    return response


def compress_response(response):
    """Compress pages and fragments, except for requests another site started (BREACH)."""
    if request.endpoint == "static":  # precompressed by static_file
        return response
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in OWN_REQUESTS:
        if response.mimetype in compress.compress_mimetypes_set:
            response.vary.add("Accept-Encoding")  # a same-origin request may get it compressed
        return response
    return compress.after_request(response)


def init_app(app):
    """Register before every other after_request hook, so that compression runs last (Flask
    runs them in reverse order), on the body every other hook has finished."""
    app.config.setdefault("COMPRESS_REGISTER", False)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    # Downloads are streamed files (documents, previews): sent as they are.
    app.config.setdefault("COMPRESS_STREAMS", False)
    app.config.setdefault("COMPRESS_EVALUATE_CONDITIONAL_REQUEST", False)
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "text/plain", "text/javascript", "text/calendar", "text/csv",
        "application/javascript", "application/json", "application/xml", "image/svg+xml",
        "application/fhir+json"])
    compress.init_app(app)
    app.after_request(compress_response)
    app.url_defaults(add_static_version)
    app.view_functions["static"] = static_file

    @app.cli.command("static-compress")
    def static_compress():
        """Build the brotli and gzip forms of the static files (set-up step)."""
        print(f"{build_all(app)} static files precompressed.")
