"""Requests that carry a file. The views whose form accepts one are marked `@accepts_upload`:
their request body may reach MAX_UPLOAD_REQUEST_BYTES, a few times the document limit, so
that a file over MAX_UPLOAD_BYTES still reaches the form, which explains the limit and keeps
every other field (and a phone photo over it can be reduced to fit). Every other request keeps
MAX_CONTENT_LENGTH; no body is ever unbounded."""
from flask import current_app, request


def accepts_upload(view):
    """Mark a view whose form carries a file (see the module's docstring)."""
    view.accepts_upload = True
    return view


def init_app(app):
    """Set the request's limit before anything reads its body (CSRF reads the form first, so
    this hook is registered before it)."""

    @app.before_request
    def upload_limit():
        view = current_app.view_functions.get(request.endpoint)
        if getattr(view, "accepts_upload", False):
            request.max_content_length = max(current_app.config["MAX_UPLOAD_REQUEST_BYTES"],
                                             current_app.config["MAX_CONTENT_LENGTH"] or 0)
