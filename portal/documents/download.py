"""Sending stored file content to the browser: the real type, no sniffing, never cached."""
from flask import Response

from .sniff import TEXT


def content_response(body, mime, disposition):
    response = Response(body, mimetype=mime)
    if mime == TEXT:
        response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Content-Disposition"] = disposition
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
