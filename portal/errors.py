"""Error pages in the site's layout: no stack trace ever reaches the browser, and no error
written to the logs carries what a page showed or a person typed (health data): an exception's
message is withheld, only its type and where it was raised are logged."""
import logging
import traceback

from flask import g, request
from .rendering import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .htmx import render
from .i18n import _ln

MESSAGES = {
    400: (_l("Requête incorrecte"),
          _l("La demande n’a pas pu être comprise. Revenez à la page précédente et réessayez.")),
    403: (_l("Accès refusé"),
          _l("Vous n’avez pas le droit d’ouvrir cette page.")),
    404: (_l("Page introuvable"),
          _l("Cette page n’existe pas ou vous n’y avez pas accès. Vérifiez l’adresse ou "
             "revenez à l’accueil.")),
    405: (_l("Action impossible"),
          _l("Cette action n’est pas possible de cette façon. Revenez à la page précédente.")),
    409: (_l("Action non effectuée"),
          _l("Ce formulaire avait été ouvert dans l’espace d’une autre personne que celui qui "
             "est ouvert maintenant (par exemple dans un autre onglet). Rien n’a été modifié. "
             "Vérifiez l’espace indiqué en haut de la page, puis recommencez.")),
    413: (_l("Fichier trop volumineux"),
          _l("Le fichier envoyé dépasse la taille autorisée. Choisissez un fichier plus "
             "petit ; ce que vous avez déjà enregistré n’a pas changé.")),
    429: (_l("Trop de tentatives"),
          _l("Par sécurité, cette action est suspendue pendant quelques minutes. Réessayez "
             "plus tard.")),
    500: (_l("Erreur du service"),
          _l("Une erreur inattendue s’est produite et a été signalée à l’équipe. Réessayez "
             "dans quelques instants : les données déjà enregistrées ne sont pas perdues.")),
}


def redacted_traceback(exc_info):
    """Where an exception was raised (files, lines, functions) and its type, never its message
    or arguments: a message may quote a rendered page, a form's data or a database row."""
    exc = exc_info[1]
    lines = []
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        block = ["Traceback (most recent call last):"]
        for frame in traceback.extract_tb(exc.__traceback__):
            block.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
        kind = type(exc)
        block.append(f"{kind.__module__}.{kind.__qualname__}: (message withheld)")
        lines = block + ([""] if lines else []) + lines
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return "\n".join(lines)


class RedactedExceptions(logging.Filter):
    """Any record logged with an exception shows the redacted traceback only."""

    def filter(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redacted_traceback(record.exc_info)
        return True


def log_exception(app, exc_info):
    """Flask's log of an unhandled exception, without the exception's message."""
    app.logger.error("Exception on %s [%s]\n%s", request.path, request.method,
                     redacted_traceback(exc_info))


def quiet_loggers(app):
    """Loggers that would write data: peewee logs every query with its parameters at DEBUG
    (kept at INFO whatever the root level); Flask's and huey's exception logs are redacted."""
    logging.getLogger("peewee").setLevel(logging.INFO)
    for logger in (app.logger, logging.getLogger("huey"), logging.getLogger("huey.consumer"),
                   logging.getLogger("carnet")):
        if not any(isinstance(f, RedactedExceptions) for f in logger.filters):
            logger.addFilter(RedactedExceptions())


def page(code, detail=None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    return render("errors/error.html", code=code, title=title, message=detail or message), code


def _explain_refusal(action):
    """Why a page of a space was refused: whose space, through which relation, and what the
    page needs that the relation does not give (or that no space is open at all)."""
    from .policy import RULES
    from .proxies.presenters import scope_labels
    rule = RULES[action]
    if not rule.needs_space:
        return None
    relation = getattr(g, "relation", None)
    if relation is None:
        return _l("Cette page concerne l’espace d’une personne, et aucun espace n’est ouvert "
                  "pour vous : votre accès a peut-être pris fin. Choisissez un espace dans la "
                  "liste des espaces que vous pouvez ouvrir.")
    if g.get("space") is None:
        return None
    return _ln("Dans l’espace de %(name)s, votre relation (%(relation)s) ne permet pas cette "
               "action : il faut l’autorisation « %(needed)s ». Demandez au titulaire "
               "d’élargir votre accès si nécessaire.",
               name=relation.person.full_name, relation=relation.label,
               needed=" » ou « ".join(scope_labels(rule.scopes)))


def _too_large_request():
    """A body over the request's limit could not be read at all: restate the limits."""
    from flask import current_app

    from .documents.sniff import format_megabytes
    config = current_app.config
    if getattr(current_app.view_functions.get(request.endpoint), "accepts_upload", False):
        return _l("Le fichier envoyé dépasse de loin la taille maximale de %(max)s Mo : il n’a "
                  "pas pu être reçu. Revenez à la page précédente et choisissez un fichier "
                  "plus petit ; ce que vous avez déjà enregistré n’a pas changé.",
                  max=format_megabytes(config["MAX_UPLOAD_BYTES"]))
    return None


KEPT_MESSAGE = "kept_message"


def _keep_unsent_message():
    """A message posted after the session expired (no JavaScript, so no autosave) is refused
    for its stale CSRF token, but its text is not lost: it is kept in the new session, bound
    to the account whose session expired, and offered again on the same page once that
    account has logged in again (see messaging.compose.offered); anyone else logging in on
    this browser never sees it (accounts.views drops it). Only for a form of this site's
    messaging pages (same-origin Referer), never for a logged-in session, never when no
    expired session names its author. Returns the page to come back to, or None."""
    from urllib.parse import urlsplit

    from flask import session
    from flask_login import current_user

    from .accounts.sessions import ENDED_ACCOUNT
    from .accounts.redirects import safe_next
    if request.blueprint != "messaging" or current_user.is_authenticated:
        return None
    author = session.get(ENDED_ACCOUNT)
    body, subject = request.form.get("body", ""), request.form.get("subject", "")
    referrer = urlsplit(request.referrer or "")
    if author is None or not (body.strip() or subject.strip()) or referrer.netloc != request.host:
        return None
    back = safe_next(referrer.path)
    if back is None:
        return None
    session[KEPT_MESSAGE] = {"path": back, "body": body[:20000], "subject": subject[:200],
                             "account": author}
    return back


def init_app(app):
    """Register one handler for every HTTP error and for CSRF failures."""
    quiet_loggers(app)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        kept = _keep_unsent_message()
        if kept:
            from flask import redirect, url_for
            return redirect(url_for("accounts.login", next=kept, garde=1), 303)
        return page(400, _l("Pour votre sécurité, ce formulaire a expiré. Revenez à la page "
                            "précédente, rechargez-la, puis envoyez-le à nouveau."))

    @app.errorhandler(HTTPException)
    def http_error(error):
        from .throttle import Throttled
        if isinstance(error, Throttled):
            return page(429, error.description)
        if error.code == 429 and request.endpoint == "accounts.login":
            from .accounts.forms import LoginForm
            form = LoginForm(formdata=None, email=request.form.get("email", ""))
            return render("accounts/login.html", form=form, locked=True), 429
        if error.code == 403 and g.get("refusal"):
            return page(403, g.refusal)
        if error.code == 403 and getattr(g, "denied_action", None):
            explained = _explain_refusal(g.denied_action)
            if explained:
                return page(403, explained)
        if error.code == 413:
            return page(413, _too_large_request())
        if error.code in MESSAGES:
            return page(error.code)
        return error

    @app.errorhandler(InternalServerError)
    def server_error(error):
        return page(500)
