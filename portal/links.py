"""Absolute links for e-mails and papers, always on PUBLIC_URL: never built from a request's
Host header (a client chooses it, and these links often carry a secret)."""
from flask import current_app, url_for


def public_url(endpoint, **values):
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)
