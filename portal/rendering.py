"""Cheap rendering: what every page asks many times per request is worked out once.

A page asks for ~40 translations and ~40 addresses. Through Flask-Babel 4 each translation walks
`get_domain` → `get_translations` → `get_locale`, each of which looks the request state up again
through `flask.g` (nine context-local lookups and a `str(Locale)` per string); each `url_for`
runs the whole werkzeug builder. Here:

- translations: the catalog of the request's locale and domain is kept on `g` the first time it
  is asked for, and reused while they stay the same object (`force_locale` and `refresh()` put
  another locale in place, so they are followed). The templates' `_`/`gettext`/`ngettext` are
  Jinja's newstyle callables line for line (autoescaping, %-formatting, plurals) reading that
  catalog directly. `RequestDomain` gives Flask-Babel's `gettext`/`lazy_gettext` (Python code,
  lazy labels) the same shortcut; `lazy_gettext` here skips Flask-Babel's domain lookup too.
- addresses: `url_for(endpoint)` without arguments, and `url_for('static', filename=…)` out of
  debug mode (the file's hash is read once), are built once per app and script root; any other
  argument (an id, `_external`…) takes Flask's full path.
- folded translations: a template is compiled once per catalog (one Jinja overlay environment
  per language, see `Environment`), and each `_("literal")` / `gettext("literal")` that reaches
  the global callable is replaced, at compile time, by what that callable would return with this
  catalog: `MarkSafeIfAutoescape(Const(text % {}))`, or, with keyword arguments,
  `MarkSafeIfAutoescape(Const(text)) % {…}` (the values are still escaped by Markup's `%` at
  run time). Jinja's optimizer then merges the constant with the template data around it.
- the CSRF token: Flask-WTF keeps the request's signed token on `g` but looks four settings up
  on each of the page's ~6 `csrf_token()`; here the kept token is read first.
- imports: at every `{% from … import %}` Jinja subtracts the imported template's global names
  from the importing context's (`ctx.globals_keys - template.globals.keys()`). Over Jinja's
  `ChainMap` of globals that is the abstract `KeysView`, which tests the ~50 names one by one
  in Python; `TemplateGlobals.keys()` gives a real dict view, subtracted in C.
"""
from collections import ChainMap

from babel import support
from flask import templating
from flask.globals import _cv_app, _cv_request
from flask_babel import Domain, get_locale, get_translations
from flask_babel.speaklater import LazyString
from jinja2 import Template, nodes, pass_context
from jinja2.compiler import CodeGenerator
from jinja2.idtracking import VAR_LOAD_RESOLVE
from jinja2.utils import LRUCache
from markupsafe import Markup
# markupsafe's own C escaper (what markupsafe.escape calls before wrapping its result in a
# Markup): output_escape returns its text as is.
from markupsafe import _escape_inner

# Name of the per-request entry on `g`: (locale, domain, translations).
_CACHE = "_carnet_translations"


def _state(app_ctx):
    """Flask-Babel's per-request namespace (`g._flask_babel`), or None before its first use."""
    state = app_ctx.g.__dict__.get("_flask_babel")
    return state.__dict__ if state is not None else None


def _remember(app_ctx, domain, translations):
    state = _state(app_ctx) or {}
    app_ctx.g.__dict__[_CACHE] = (state.get("babel_locale"), domain, translations)
    return translations


def translations():
    """`flask_babel.get_translations()`, looked up once per request, locale and domain."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return get_translations()
    cached = app_ctx.g.__dict__.get(_CACHE)
    if cached is not None:
        state = _state(app_ctx)
        if state is not None and cached[0] is state.get("babel_locale") and \
                cached[1] is state.get("babel_domain"):
            return cached[2]
    found = get_translations()  # sets the request's babel_locale and babel_domain
    state = _state(app_ctx) or {}
    return _remember(app_ctx, state.get("babel_domain"), found)


def current_locale():
    """`flask_babel.get_locale()`, read straight from the request's Flask-Babel state once the
    request has one (its first translation sets it; `force_locale` and `refresh()` change it
    there, so it is followed)."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        state = _state(app_ctx)
        if state is not None:
            found = state.get("babel_locale")
            if found is not None:
                return found
    return get_locale()


def gettext(string, **variables):
    """`flask_babel.gettext` (same formatting) through the request's kept catalog."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string, **variables):
    """`flask_babel.lazy_gettext` (the same LazyString) translated through `gettext` above: for
    labels every page shows (the menus)."""
    return LazyString(gettext, string, **variables)


# Jinja's newstyle callables (jinja2.ext._make_new_gettext/_make_new_ngettext: autoescaping,
# always %-formatting, `num` for plurals), line for line, with the catalog taken directly rather
# than through a second Context.call and a lambda. Positional-only, as Jinja's `__` names: a
# placeholder may be called `string` or `num`.
@pass_context
def template_gettext(context, string, /, **variables):
    rv = translations().ugettext(string)
    if context.eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


@pass_context
def template_ngettext(context, singular, plural, num, /, **variables):
    variables.setdefault("num", num)
    rv = translations().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


# The names whose literal calls are folded; a render context must not bind them (it would take
# the place of the global the fold assumed).
FOLDED = ("_", "gettext")
RESERVED = frozenset(FOLDED)

# A few catalogs per domain and language at most: beyond this, templates are rendered unfolded
# rather than compiled again for an unexpected catalog object.
MAX_FOLDED_CATALOGS = 16


def output_escape(value):
    """What a template writes for `{{ value }}` under autoescaping: the text of
    `markupsafe.escape(value)` (the same C escaper, the same `__html__` rule), as a plain str
    (or as what the value's own `__html__` gives).

    Jinja writes `escape(value)` for each `{{ }}`, which makes a Markup of every piece (a
    Python-level `Markup.__new__`, after a Python-level `escape`) only for the template to join
    the pieces into one string at once, where that type is dropped: every template, block,
    macro, include and `{% set %}` block joins its output before anything else sees it. Writing
    the text alone takes 2-3 % off every page (in-process, medians of 3 alternating rounds:
    dossier 1.67 -> 1.65 ms, settings 1.11 -> 1.07, agenda 2.08 -> 2.04, documents
    2.77 -> 2.72; the same bytes). `tests/house/test_rendering.py` compares whole pages with
    Jinja's own output, and `test_output_escape_*` this function with markupsafe.escape on
    every kind of value."""
    if type(value) is str:
        return _escape_inner(value)
    html = getattr(value, "__html__", None)
    if html is not None:
        return html()
    return _escape_inner(str(value))


class FoldingCodeGenerator(CodeGenerator):
    """Jinja's code generator, which replaces the calls of the global `_`/`gettext` with a
    literal message by their result for the environment's catalog (see module), and writes
    each `{{ }}` through `output_escape` (see there)."""

    def _output_child_pre(self, node, frame, finalize):
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            return super()._output_child_pre(node, frame, finalize)
        # `environment` is the overlay, bound in every function Jinja generates.
        self.write("environment.carnet_escape(")
        if finalize.src is not None:
            self.write(finalize.src)

    def visit_Template(self, node, frame=None):
        # A name the template binds at its top level reaches its blocks through the context, not
        # through the scopes `_from_context` reads: never folded in it.
        self.carnet_bound = bound_names(node)
        super().visit_Template(node, frame)

    def visit_Output(self, node, frame):
        if self.environment.carnet_catalog is not None:
            folded = [self._fold(child, frame) for child in node.nodes]
            if any(a is not b for a, b in zip(folded, node.nodes)):
                node = nodes.Output(folded, lineno=node.lineno)
                node.set_environment(self.environment)
        super().visit_Output(node, frame)

    def visit_Call(self, node, frame, **kwargs):
        folded = node if kwargs.get("forward_caller") else self._fold(node, frame)
        if folded is not node:
            self.visit(folded, frame)
        else:
            super().visit_Call(node, frame, **kwargs)

    def _fold(self, node, frame):
        catalog = self.environment.carnet_catalog
        if catalog is None or not isinstance(node, nodes.Call) or \
                not isinstance(node.node, nodes.Name) or node.node.name not in FOLDED:
            return node
        name = node.node.name
        if len(node.args) != 1 or node.dyn_args is not None or node.dyn_kwargs is not None:
            return node
        message = node.args[0]
        if not isinstance(message, nodes.Const) or type(message.value) is not str:
            return node
        keys = [keyword.key for keyword in node.kwargs]
        if len(set(keys)) != len(keys) or name in self.carnet_bound or \
                self.environment.globals.get(name) is not template_gettext or \
                not _from_context(name, frame):
            return node
        text = catalog.ugettext(message.value)
        lineno = node.lineno
        if not keys:
            try:
                text = text % {}  # as the callable does: "%%" is "%", a lone "%" an error
            except (KeyError, TypeError, ValueError):
                return node  # the error is raised at run time, as without the fold
            return nodes.MarkSafeIfAutoescape(nodes.Const(text, lineno=lineno), lineno=lineno)
        values = nodes.Dict([nodes.Pair(nodes.Const(keyword.key, lineno=lineno), keyword.value,
                                        lineno=lineno) for keyword in node.kwargs], lineno=lineno)
        folded = nodes.Mod(nodes.MarkSafeIfAutoescape(nodes.Const(text, lineno=lineno),
                                                      lineno=lineno), values, lineno=lineno)
        folded.set_environment(self.environment)
        return folded


# The nodes whose variables are their own (Jinja 3 scoping): what they bind stays inside.
SCOPES = (nodes.Macro, nodes.For, nodes.Block, nodes.CallBlock, nodes.With, nodes.FilterBlock)


def bound_names(scope):
    """The names a scope binds for itself and what it includes (a template: its top level,
    which its blocks and the layout it extends see through the context): assignments, its own
    loop targets and parameters, imports, macro names; not what its inner scopes bind."""
    own = []
    if isinstance(scope, nodes.For):
        own.append(scope.target)
    elif isinstance(scope, (nodes.Macro, nodes.CallBlock)):
        own.extend(scope.args)
    elif isinstance(scope, nodes.With):
        own.extend(scope.targets)
    bound = {n.name for target in own for n in (
        [target] if isinstance(target, nodes.Name) else target.find_all(nodes.Name))}
    pending = [child for child in scope.iter_child_nodes()
               if not any(child is target for target in own)]
    while pending:
        node = pending.pop()
        if isinstance(node, nodes.Macro):
            bound.add(node.name)
            continue
        if isinstance(node, SCOPES):
            continue
        if isinstance(node, nodes.Name) and node.ctx in ("store", "param"):
            bound.add(node.name)
        elif isinstance(node, nodes.Import):
            bound.add(node.target)
        elif isinstance(node, nodes.FromImport):
            bound.update(name if isinstance(name, str) else name[-1] for name in node.names)
        pending.extend(node.iter_child_nodes())
    return bound


def _from_context(name, frame):
    """Is `name` looked up in the context here (hence the global), not a variable of the
    template: neither assigned nor a parameter in this scope or one around it?"""
    symbols = frame.symbols
    while symbols is not None:
        if name in symbols.stores:
            return False
        symbols = symbols.parent
    ref = frame.symbols.find_ref(name)
    return ref is not None and frame.symbols.find_load(ref) == (VAR_LOAD_RESOLVE, name)


class TemplateGlobals(ChainMap):
    """A template's globals over the environment's, as Jinja makes them, whose `keys()` is a
    dict view of the same names (see module: imports)."""

    def keys(self):
        merged = {}
        for mapping in reversed(self.maps):
            merged.update(mapping)
        return merged.keys()


class Environment(templating.Environment):
    """Flask's template environment whose templates are compiled once per catalog, with the
    literal translations folded in (see module). `folding` (set by init_app, cleared by stock)
    turns it on; the overlays, one per catalog, are made on first use and share the globals and
    filters of this one."""

    folding = False
    carnet_catalog = None  # the catalog an overlay folds; None: this is not an overlay
    carnet_escape = staticmethod(output_escape)  # what FoldingCodeGenerator's output calls

    def make_globals(self, d):
        return TemplateGlobals({} if d is None else d, self.globals)

    def _load_template(self, name, globals):
        if self.folding and _cv_app.get(None) is not None:
            folded = self._overlay(translations())
            if folded is not None:
                # Settings that may change after the overlay was made: Flask turns reloading on
                # with debug mode, a test adds templates through another loader.
                folded.auto_reload = self.auto_reload
                folded.loader = self.loader
                return folded._load_template(name, globals)
        return super()._load_template(name, globals)

    def _overlay(self, catalog):
        overlays = self.__dict__.setdefault("carnet_overlays", {})
        try:
            return overlays[catalog]
        except KeyError:
            pass
        if len(overlays) >= MAX_FOLDED_CATALOGS:
            return None
        # An empty cache of the same size: `overlay()` would copy this one's unfolded templates.
        cache = self.cache
        size = 0 if cache is None else cache.capacity if isinstance(cache, LRUCache) else -1
        overlay = self.overlay(cache_size=size)
        overlay.code_generator_class = FoldingCodeGenerator
        overlay.template_class = FoldedTemplate
        overlay.bytecode_cache = None  # its entries are the unfolded templates' code
        overlay.folding = False
        overlay.carnet_catalog = catalog
        overlay.__dict__.pop("carnet_overlays", None)
        return overlays.setdefault(catalog, overlay)


class FoldedTemplate(Template):
    """A template compiled with folded translations. A render's variables that bind `_` or
    `gettext` would replace the callable the fold assumed: refused (no view does
    it; rename the variable). Includes and imports share the context (`shared`): checked once,
    at the top."""

    def new_context(self, vars=None, shared=False, locals=None):
        if vars and not shared and not RESERVED.isdisjoint(vars):
            raise RuntimeError("a template context binds " + ", ".join(sorted(
                RESERVED.intersection(vars))) + ": rename it (rendering folds translations)")
        return super().new_context(vars, shared, locals)


SIGNED_TOKENS_KEPT = 10000  # signed CSRF tokens kept per process (then it starts again empty)


def csrf_token_for(app):
    """Flask-WTF's `generate_csrf()` (the templates' `csrf_token()`), which reads the token it
    keeps on `g` for the request before looking its settings up.

    generate_csrf signs the session's token again on each request (an HMAC and a timestamp:
    3 % of a dossier page). Its signature only matters for the token's age, and Carnet's tokens
    have none (WTF_CSRF_TIME_LIMIT = None: a token lives as long as its server-side session),
    so the signed token made for a session's token is kept and given again. With a time limit
    each request signs anew, as Flask-WTF does."""
    from flask_wtf.csrf import generate_csrf
    field_name = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    signed = {}  # (secret, the session's token) -> its signed form

    def csrf_token():
        app_ctx = _cv_app.get(None)
        if app_ctx is None:
            return generate_csrf()
        token = app_ctx.g.__dict__.get(field_name)
        if token is not None:
            return token
        config = app_ctx.app.config
        if config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
            return generate_csrf()
        request_ctx = _cv_request.get(None)
        raw = request_ctx.session.get(field_name) if request_ctx is not None else None
        key = (config.get("WTF_CSRF_SECRET_KEY") or app_ctx.app.secret_key, raw)
        token = signed.get(key) if raw else None
        if token is None:
            token = generate_csrf()
            raw = request_ctx.session.get(field_name) if request_ctx is not None else None
            if raw:
                if len(signed) >= SIGNED_TOKENS_KEPT:
                    signed.clear()
                signed[(key[0], raw)] = token
        else:
            setattr(app_ctx.g, field_name, token)
        return token

    return csrf_token


class RequestDomain(Domain):
    """Flask-Babel's default domain whose catalog lookup is kept for the request (see module)."""

    def get_translations(self):
        app_ctx = _cv_app.get(None)
        if app_ctx is None:
            return support.NullTranslations()  # as Domain.get_translations outside a context
        cached = app_ctx.g.__dict__.get(_CACHE)
        if cached is not None and cached[1] is self:
            state = _state(app_ctx)
            if state is not None and cached[0] is state.get("babel_locale"):
                return cached[2]
        return _remember(app_ctx, self, super().get_translations())


# One domain for every app, as Flask-Babel's own `domain_instance` (its catalog cache is kept
# across the apps a test run builds).
_domains = {}

# A client can choose some of what makes a script root (SCRIPT_NAME): never keep more than this
# many addresses, whatever arrives.
MAX_ADDRESSES = 2000


def cached_url_for(app):
    """`app.url_for` whose argument-free addresses (and, out of debug mode, static files'
    addresses) are built once per script root.

    Only the app's own url_defaults hook (static files' version, which needs a filename) may
    change an address: another hook that depends on the request would make this cache wrong,
    hence the check when it is installed."""
    build = app.url_for
    built = {}
    # A static file's address carries its content hash (wire.add_static_version): in debug
    # mode files are edited while the server runs, so it is worked out each time.
    keep_static = not app.debug

    def url_for(endpoint, **values):
        if values:
            if not (keep_static and endpoint == "static" and len(values) == 1
                    and "filename" in values):
                return build(endpoint, **values)
            key_values = values["filename"]
        elif endpoint[:1] == ".":  # relative endpoints depend on the blueprint
            return build(endpoint)
        else:
            key_values = None
        req_ctx = _cv_request.get(None)
        if req_ctx is None:  # outside a request: external addresses from SERVER_NAME
            return build(endpoint, **values)
        key = (endpoint, key_values, req_ctx.request.script_root)
        try:
            return built[key]
        except KeyError:
            address = build(endpoint, **values)
            if len(built) < MAX_ADDRESSES:
                built[key] = address
            return address

    return url_for


def init_app(app, babel):
    """Give the app's templates and Flask-Babel the shortcuts above (after every blueprint is
    registered, so that their url_defaults hooks are known)."""
    from .wire import add_static_version
    hooks = [f for functions in app.url_default_functions.values() for f in functions]
    if any(f is not add_static_version for f in hooks):
        raise RuntimeError("rendering.cached_url_for assumes no url_defaults hook but "
                           "wire.add_static_version: review it before adding one")
    name = app.config.get("BABEL_DOMAIN", "messages")
    babel.domain_instance = _domains.setdefault(name, RequestDomain(domain=name))
    # Flask-Babel installs the same four callables, each going through get_translations().
    _install_callables(app, translations)
    # `_` is `gettext` itself: Jinja's alias would look `gettext` up in the context again on
    # every call, for templates that rebind that name (none does here).
    app.jinja_env.globals.update(gettext=template_gettext, ngettext=template_ngettext,
                                 _=template_gettext)
    app.jinja_env.globals["url_for"] = app.extensions["carnet_url_for"] = cached_url_for(app)
    app.jinja_env.globals["csrf_token"] = csrf_token_for(app)
    _keep_chrome(app, True)
    # Loaded templates in a plain dict rather than Jinja's LRU cache (400 entries), whose every
    # hit takes a lock and moves its key to the end of a deque, by a linear search comparing
    # (weakref to loader, name) pairs: ~10 µs per include or import, 9 of them on a dossier
    # page. The app's templates are a fixed set of files (a few hundred), so the dict is
    # bounded by them; the overlays copy this choice (Environment._overlay).
    app.jinja_env.cache = {}
    fold(app, True)


def fold(app, on):
    """Turn the folded translations on or off (afresh: the overlays are made again)."""
    env = app.jinja_env
    env.__dict__.pop("carnet_overlays", None)
    env.folding = on and isinstance(env, Environment)


def _install_callables(app, catalog):
    """Jinja's newstyle gettext callables, reading the catalog `catalog()` returns."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalog().ugettext(s),
        ngettext=lambda s, p, n: catalog().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalog().unpgettext(c, s, p, n),
    )


def _keep_chrome(app, keep):
    """Whether the layout's chrome is rendered once and kept (portal/chrome.py), or each time
    (the reference)."""
    kept = app.extensions.get("carnet_chrome")
    if kept is not None:
        kept.enabled = keep
        kept.kept.clear()


def stock(app, babel):
    """Put Flask-Babel's and Flask's own callables back (as Flask-Babel's init_app installs
    them): the reference that tests/house/test_rendering.py and the benchmarks compare with."""
    from flask_babel import get_translations as stock_translations
    _install_callables(app, stock_translations)
    from jinja2 import Environment
    app.jinja_env.globals["_"] = Environment(extensions=["jinja2.ext.i18n"]).globals["_"]
    babel.domain_instance = Domain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    app.jinja_env.globals["url_for"] = app.extensions["carnet_url_for"] = app.url_for
    from flask_wtf.csrf import generate_csrf
    app.jinja_env.globals["csrf_token"] = generate_csrf
    _keep_chrome(app, False)
    fold(app, False)
