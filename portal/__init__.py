"""Carnet: the application factory."""
import os
import sys

from flask import Flask, g, request, session
from flask_babel import get_locale
from htmx_flask import Htmx

from . import db as database
from . import chrome, errors, formatting, htmx, rendering, security, storage, turn, uploads, wire
from .config import DEV_SECRET, pick_config
from .extensions import babel, csrf, huey, limiter, login_manager
# The menus' labels are translated on every page: through the request's kept catalog.
from . import policy
from .rendering import lazy_gettext as _l

NAVIGATION = [
    # (endpoint, label, action)
    ("dossier.home", _l("Dossier"), policy.DOSSIER_VIEW),
    ("messaging.inbox", _l("Messagerie"), policy.MESSAGING_READ),
    ("messaging.pro_inbox", _l("Messagerie"), policy.MESSAGING_PRO),
    ("agenda.home", _l("Agenda"), policy.AGENDA_VIEW),
    ("summary.index", _l("Imprimer"), policy.SUMMARY_PRINT),
    ("proxies.relatives", _l("Mes proches"), policy.PROXIES_VIEW),
    # "Mes patients" / "Mes mandats"; patients use the header
    ("proxies.spaces", None, policy.SPACES_LIST),
    ("operator.directory", _l("Annuaire"), policy.DIRECTORY_VIEW),
    ("connect.services", _l("Catalogue des services"), policy.SERVICES_MANAGE),
    ("operator.guardianships", _l("Tutelles"), policy.GUARDIANSHIP_ATTACH),
    ("operator.announcements", _l("Annonces"), policy.SPACE_ANNOUNCE),
    ("operator.counter_code", _l("Nouveau code"), policy.COUNTER_CODE),
    ("lifecycle.closed_spaces", _l("Espaces fermés"), policy.LIFECYCLE_REOPEN),
    ("prescriptions.verify", _l("Vérifier une ordonnance"), policy.PRESCRIPTION_VERIFY),
    ("access.redeem", _l("Saisir un code d’accès"), policy.ACCESS_REDEEM),
    ("emergency.declare", _l("Accès en urgence"), policy.EMERGENCY_DECLARE),
    ("history.audit_status", _l("Journal"), policy.AUDIT_STATUS),
    ("settings.index", _l("Paramètres"), policy.ACCOUNT_SELF),
]


# The record's sections (sub-menu of the dossier area): (endpoint, label, action).
DOSSIER_SECTIONS = [
    ("dossier.home", _l("Synthèse"), policy.DOSSIER_VIEW),
    ("profile.overview", _l("Profil médical"), policy.PROFILE_VIEW),
    ("measures.index", _l("Mesures"), policy.MEASURES_VIEW),
    ("documents.index", _l("Documents"), policy.DOCUMENTS_VIEW),
    ("prescriptions.index", _l("Ordonnances"), policy.DOCUMENTS_VIEW),
    ("reimbursements.index", _l("Histoire de santé"), policy.REIMBURSEMENTS_VIEW),
    ("entourage.index", _l("Entourage et volontés"), policy.ENTOURAGE_VIEW),
    ("access.index", _l("Professionnels de santé"), policy.ACCESS_VIEW),
    ("history.index", _l("Historique"), policy.HISTORY_VIEW),
]

# The header's switcher lists this many spaces; "Tous les espaces" lists them all.
SWITCHER_SIZE = 6

SPACES_LABELS = {"professional": _l("Mes patients"), "mediator": _l("Mes mandats")}


def select_locale():
    """The person's chosen language, else the browser's, else French."""
    from flask import current_app
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang") if request else None
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages, default="fr") if request else "fr"


class Carnet(Flask):
    """Flask, with one transaction around each view that may write (see db.request_transaction)
    and exception logs that never quote a message (see errors.log_exception). Its templates are
    compiled once per language with their literal translations folded in (rendering.Environment)."""

    jinja_environment = rendering.Environment

    def dispatch_request(self):
        if request.method in database.SAFE_METHODS:
            return super().dispatch_request()
        with database.request_transaction():
            return super().dispatch_request()

    def log_exception(self, exc_info):
        errors.log_exception(self, exc_info)

    def ensure_sync(self, func):
        """Flask's, asked for each hook and context processor of every request (~18): whether
        `func` is a coroutine function is looked up once per function, not through `inspect`
        each time. No hook of Carnet's is one; a coroutine one still takes Flask's path."""
        known = self.__dict__.setdefault("_carnet_sync", {})
        try:
            return known[func]
        except (KeyError, TypeError):  # TypeError: an unhashable callable
            pass
        sync = super().ensure_sync(func)
        if sync is func and len(known) < 1000:  # bounded, should a caller pass fresh closures
            try:
                known[func] = func
            except TypeError:
                pass
        return sync


def create_app(config=None, **overrides):
    """Build the app: config, extensions, blueprints, headers, errors, CLI."""
    app = Carnet(__name__, template_folder="../templates", static_folder="../static",
                instance_path=os.environ.get("CARNET_INSTANCE") or None)
    app.config.from_object(config or pick_config())
    app.config.update(overrides)
    _check_production(app)
    _trust_proxies(app)

    wire.init_app(app)  # first: its after_request hook (compression) must run last
    Htmx(app)
    htmx.init_app(app)
    database.init_app(app)
    turn.init_app(app, database.is_sqlite())  # on by default with SQLite
    from .accounts.sessions import ServerSideSessionInterface
    app.session_interface = ServerSideSessionInterface()
    uploads.init_app(app)  # before CSRF, which reads the body
    csrf.init_app(app)
    from .forms import widgets
    widgets.install()  # WTForms' widgets write their attributes faster (same output)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    if app.config.get("HUEY_IMMEDIATE"):
        huey.immediate = True
    _init_login(app)
    security.init_app(app)
    errors.init_app(app)
    storage.init_app(app)
    _register_blueprints(app)
    from .connect import oauth
    oauth.init_app(app)
    check_menus(app)
    formatting.init_app(app, layout_context_processor(app))
    chrome.install(app)
    rendering.init_app(app, babel)
    from . import cli
    cli.init_app(app)
    drop_idle_limit_check(app)
    return app


def drop_idle_limit_check(app):
    """Flask-Limiter checks, before every request, the limits that apply to the whole app (its
    application and default limits) and to a blueprint; a route's own limits (`@limiter.limit`)
    are checked by the route's wrapper. Carnet has only routes' own limits, so that check found
    nothing on every request, at 4 % of a dossier page: it is left out while there is nothing
    for it to find, and kept as soon as an application, default or blueprint limit exists."""
    manager = limiter.limit_manager
    if manager.application_limits or manager.default_limits or manager._blueprint_limits:
        return
    checks = app.before_request_funcs.get(None, [])
    app.before_request_funcs[None] = [f for f in checks if f != limiter._check_request_limit]


def _check_production(app):
    """Refuse to start in production without real secrets (each with a clear message); DEBUG is
    never on by default."""
    if app.config["ENV_NAME"] != "production":
        return
    from .documents.store import decode_key
    from .prescriptions.signing import parse_key

    def secret_key(value):
        if not value or value == DEV_SECRET or len(value) < 32:
            raise ValueError

    def public_url(value):
        if not value or not value.startswith("https://"):
            raise ValueError

    generate_bytes = ("python -c 'import base64, os; "
                      "print(base64.urlsafe_b64encode(os.urandom(32)).decode())'")
    checks = [
        ("SECRET_KEY", secret_key,
         "SECRET_KEY must be set (at least 32 random characters) to run in production.\n"
         "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'\n"
         "For local development use CARNET_ENV=development (as `make run` does)."),
        ("DOCUMENT_KEY", decode_key,
         "DOCUMENT_KEY must be set to run in production: it encrypts the documents at rest "
         f"(32 random bytes, urlsafe base64).\nGenerate one with: {generate_bytes}\n"
         "Keep it safe: without it the stored documents cannot be read."),
        ("PRESCRIPTION_SIGNING_KEY", parse_key,
         "PRESCRIPTION_SIGNING_KEY must be set to run in production: it signs the "
         "prescriptions' QR codes (Ed25519 seed: 32 random bytes, urlsafe base64).\n"
         f"Generate one with: {generate_bytes}\nKeep it safe and keep it: prescriptions "
         "signed with a lost key can no longer be verified."),
        ("JOURNAL_SIGNING_KEY", lambda value: parse_key(value, "JOURNAL_SIGNING_KEY"),
         "JOURNAL_SIGNING_KEY must be set to run in production: it signs the activity "
         "journal's seals (Ed25519 seed: 32 random bytes, urlsafe base64).\n"
         f"Generate one with: {generate_bytes}\nKeep it out of the database and keep it: "
         "seals signed with a lost key can no longer be verified."),
        ("PUBLIC_URL", public_url,
         "PUBLIC_URL must be set to run in production: the https address of the service, used "
         "for the links in e-mails (for example https://carnet.example.org)."),
    ]
    for name, check, message in checks:
        try:
            check(app.config.get(name))
        except ValueError:
            sys.stderr.write(f"Carnet: {message}\n")
            raise SystemExit(2)


def _trust_proxies(app):
    """Behind TRUSTED_PROXIES reverse proxies, take the client's address and scheme from the
    headers they add (the rightmost N values), so that throttles, sessions and the journal see
    each person rather than the proxy; with none, those headers are ignored."""
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def _init_login(app):
    from flask import redirect, url_for
    from htmx_flask import make_response

    from .accounts.models import Account, Person
    from .accounts.sessions import account_of

    login_manager.init_app(app)
    login_manager.session_protection = None  # sessions are server-side; rotation on login
    login_manager.login_view = "accounts.login"

    # Asked on every request: its SQL is built once (see db.Prepared).
    active_account = database.Prepared(
        lambda account_id: Account.select(Account, Person).join(Person)
        .where(Account.id == account_id, Account.is_active == True).limit(1), 0)  # noqa: E712

    @login_manager.user_loader
    def load_account(account_id):
        # Usually read with the session's row already (sessions.SESSION_ROW).
        return account_of(session, account_id) or active_account.first(int(account_id))

    @login_manager.unauthorized_handler
    def unauthorized():
        expired = getattr(session, "expired", False)
        params = {"next": request.full_path.rstrip("?")} if request.method == "GET" else {}
        if expired:
            params["expiree"] = 1
        target = url_for("accounts.login", **params)
        if request.htmx:
            return make_response("", 204, redirect=target)
        return redirect(target)


# One package per area, each with its blueprint `bp` made in the package's __init__
# (registered in this order).
AREAS = ("accounts", "dossier", "profile", "measures", "documents", "prescriptions", "proxies",
         "access", "settings", "operator", "history", "pages",
         "emergency", "entourage", "messaging", "notifications", "agenda", "prevention", "summary",
         "lifecycle", "reimbursements", "connect", "export")

# The modules whose routes go on an area's blueprint, when there are more than `views`. The
# factory imports them (not the package's __init__, which the route modules import `bp` from:
# that would be a cycle), and before registering, since a blueprint takes its routes then.
ROUTE_MODULES = {
    "accounts": ("views", "activation", "recovery_routes", "counter_recovery_routes"),
    "agenda": ("views", "feed", "pro"),
    "operator": ("views", "announcements"),
    "connect": ("views", "operator", "api", "api_records"),
    "documents": ("views", "actions"),
    "messaging": ("views", "files", "pharmacy", "pro", "trash"),
    "proxies": ("views", "delegation_routes", "guardian_routes", "mandate_routes"),
}


def check_menus(app, menus=None):
    """Fail at start-up, not on some page, when a menu names an endpoint that does not exist or
    an action policy.py does not know (a typo would otherwise hide the entry, or show it to
    everyone)."""
    for endpoint, _label, action in menus or (NAVIGATION + DOSSIER_SECTIONS):
        if endpoint not in app.view_functions:
            raise ValueError(f"menu entry {endpoint!r}: no such endpoint")
        if action not in policy.RULES:
            raise ValueError(f"menu entry {endpoint!r}: no policy rule {action!r}")


def _register_blueprints(app):
    import importlib
    for area in AREAS:
        package = importlib.import_module(f"{__name__}.{area}")
        for module in ROUTE_MODULES.get(area, ("views",)):
            importlib.import_module(f"{package.__name__}.{module}")
        app.register_blueprint(package.bp)


def _current_menu_item(nav, url_for):
    """The menu entry of this page: the one whose address is the longest prefix of the page's,
    else the first one of the page's area (blueprint)."""
    here = request.endpoint or ""
    by_path = sorted(((len(url_for(e)), e) for e, _label in nav
                      if request.path.startswith(url_for(e))), reverse=True)
    if by_path:
        return by_path[0][1]
    return next((e for e, _label in nav if e.split(".")[0] == here.split(".")[0]), None)


def layout_context_processor(app):
    """The layout's context (account, open space, menus…) for every page: registered by
    formatting.init_app with the other template helpers."""
    from . import policy

    def layout_context():
        account = policy.current_account()
        relation = None
        nav = []
        if account is not None:
            relation = g.relation if "relation" in g else policy.current_relation(account)
        if htmx.in_fragment():
            # A fragment is swapped into a page that already has its header and menu.
            return {"account": account, "relation": relation, "get_locale": get_locale}
        if account is not None:
            for endpoint, label, action in NAVIGATION:
                if endpoint == "proxies.spaces":
                    label = SPACES_LABELS.get(account.role)
                # `is not None`: truth-testing a lazy label would translate it.
                if label is not None and endpoint in app.view_functions and \
                        action in policy.RULES and \
                        policy.allowed(account, action, relation):
                    nav.append((endpoint, label))
        nav_current = _current_menu_item(nav, app.extensions["carnet_url_for"])
        expires_at = session.expires_at(app) if account is not None and hasattr(
            session, "expires_at") else None
        # (endpoint, label, whether this page is in that section: same area, i.e. blueprint)
        area = (request.endpoint or "").split(".")[0]
        dossier_nav = [(endpoint, label, endpoint.split(".")[0] == area)
                       for endpoint, label, action in DOSSIER_SECTIONS
                       if account is not None and endpoint in app.view_functions
                       and policy.allowed(account, action, relation)]
        spaces = policy.relations_for(account) if account is not None and \
            account.role != "operator" else []
        can_switch = bool(spaces) and (
            (relation is not None and relation.kind != policy.SELF) or len(spaces) > 1)
        return {"account": account, "relation": relation,
                "layout": chrome.Layout(account, relation, nav, nav_current, dossier_nav, spaces,
                                        can_switch, SWITCHER_SIZE, expires_at),
                "session_expires_at": expires_at, "get_locale": get_locale}

    return layout_context
