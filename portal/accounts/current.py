"""Who is logged in for this request, read once: apart from the policy so that the journal
(portal/audit), which every health-data read goes through, can ask it without importing the
policy back (an import cycle otherwise). The policy re-exports it (`policy.current_account`)."""
from flask import g, has_request_context
from flask_login import current_user


def current_account():
    """The account logged in for this request, or None (outside a request too).

    Code that runs on every page asks this rather than flask_login's `current_user`: each read
    of that proxy goes through the request context, flask_login's loader check and `g` again
    (a page read it ~30 times). The account is the very object flask_login loaded for this
    request (it keeps it in `g`; the first ask here loads it the same way)."""
    if not has_request_context():
        return None
    user = g.get("_login_user")
    if user is None:
        user = current_user._get_current_object()
    return user if user is not None and user.is_authenticated else None
