"""What waits on the current request's transaction (portal.db.request_transaction keeps its
state on `g`): work to do once it has committed, or if it rolls back. Apart from portal.db so that
the task queue (portal.extensions), which defers a task to the commit, does not import the
database module that imports it (an import cycle otherwise)."""
from flask import g, has_request_context


def in_request_transaction():
    """True while the current request's transaction is open (see request_transaction)."""
    return has_request_context() and g.get("_request_tx") is not None


def after_commit(callback):
    """Run `callback` once the current request's transaction has committed (at once when there
    is none): a queued task must not run before the rows it reads exist, nor for an action that
    rolled back."""
    if in_request_transaction():
        g._request_tx["after_commit"].append(callback)
        return True
    callback()
    return False


def after_rollback(callback):
    """Run `callback` if the current request's transaction rolls back (never otherwise): the
    journal keeps the refusals and failures of an action that did not happen."""
    if in_request_transaction():
        g._request_tx["after_rollback"].append(callback)
