"""Security headers on every response and the policy for caching."""
from flask import request
from .policy import current_account

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


# A PDF opened inline is shown by the browser's own viewer, which Chromium embeds as an object:
# such a response may load itself into that viewer and nothing else.
PDF_CSP = "default-src 'none'; object-src 'self'; frame-ancestors 'none'; base-uri 'none'"


# Static files that browsers only ever load into a page (never show as a document).
SUBRESOURCES = {"text/css", "text/javascript", "application/javascript"}


def _static_cache(h):
    # wire.static_file says how long: a year under a versioned address, else minutes.
    h.setdefault("Cache-Control", "public, max-age=300")


def init_app(app):
    """Attach the headers; HSTS and Secure cookies only outside local development."""

    @app.after_request
    def headers(response):
        h = response.headers
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "same-origin"
        h["Cross-Origin-Resource-Policy"] = "same-origin"
        if app.config.get("HSTS"):
            h["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if request.endpoint == "static" and response.mimetype in SUBRESOURCES:
            # A stylesheet or script is never a document: the document policies below would
            # be a kilobyte of dead weight on each of them (slow networks, see portal/wire.py).
            _static_cache(h)
            return response
        h["Content-Security-Policy"] = PDF_CSP if response.mimetype == "application/pdf" else CSP
        h["X-Frame-Options"] = "DENY"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
        if request.endpoint == "static":
            _static_cache(h)
        else:
            response.vary.add("HX-Request")
            # Health pages must never sit in a shared or disk cache.
            if current_account() is not None or response.mimetype == "text/html":
                h["Cache-Control"] = "no-store"
        return response
