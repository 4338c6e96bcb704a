"""Cheap rendering (portal/rendering.py): pages are the same, byte for byte, as with Flask-Babel's
and Flask's own callables and without folded translations; translations follow the locale
inside a request; addresses follow the script root."""
import difflib
import re

import pytest
from conftest import csrf_from, hidden_fields
from markupsafe import Markup
from helpers import ALL_SECTIONS

from portal import rendering
from portal.extensions import babel

# Per-request values: the CSRF token (a new signature each time) and nothing else.
TOKENS = re.compile(r'(name="(?:[\w-]+-)?csrf_token"[^>]*? value=")[^"]+(")')

# Pages each role opens; none of them changes what another one shows (no page listing the
# journal, which every page view feeds).
PAGES = {
    "camille": ["/dossier/", "/dossier/documents/", "/agenda/", "/dossier/mesures/",
                "/dossier/profil/", "/dossier/ordonnances/", "/messagerie/", "/parametres/",
                "/entourage", "/imprimer/", "/proches", "/agenda/prevention", "/accessibilite",
                "/dossier/professionnels/", "/messagerie/ecrire", "/agenda/ajouter"],
    "benali": ["/espaces", "/messagerie/pro/", "/acces/code", "/urgence/", "/agenda/"],
    "operateur": ["/annuaire/", "/operateur/tutelles", "/operateur/espaces-fermes"],
}
FRAGMENTS = ["/dossier/documents/", "/agenda/", "/messagerie/"]
# Error pages are pages too: a refusal (no space open) and an unknown address.
STATUS = {("benali", "/agenda/"): 403}  # /activation without a link: the code form (200)


def snapshot(client, role, pages):
    shots = []
    for path in pages:
        for headers in ({}, {"HX-Request": "true"}) if path in FRAGMENTS else ({},):
            response = client.get(path, headers=headers)
            assert response.status_code == STATUS.get((role, path), 200), path
            page = TOKENS.sub(r"\1…\2", response.get_data(as_text=True))
            shots.append((path, bool(headers), page))
    return shots


def use_language(client, lang):
    page = client.get("/accessibilite")
    client.post("/langue", data={"csrf_token": csrf_from(page), "lang": lang})


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_pages_are_byte_identical_to_stock_flask_babel_and_url_for(app, login_as, lang):
    assert app.jinja_env.globals["url_for"] is not app.url_for  # the shortcuts are on
    clients = {role: login_as(role) for role in PAGES}
    anonymous = app.test_client()
    for client in (*clients.values(), anonymous):
        use_language(client, lang)

    def everything():
        shots = [shot for role, client in clients.items()
                 for shot in snapshot(client, role, PAGES[role])]
        shots += snapshot(anonymous, "anonymous", ["/connexion", "/accessibilite", "/activation"])
        # A form with errors (its fields, the error summary, "Erreur :" in the title).
        camille = clients["camille"]
        form = camille.get("/agenda/ajouter")
        page = camille.post("/agenda/ajouter", data={**hidden_fields(form), "duration": "37",
                                                     "day": "", "reminder": "hours_before"})
        assert page.status_code == 200 and "field--error" in page.get_data(as_text=True)
        shots.append(("/agenda/ajouter", "POST", TOKENS.sub(r"\1…\2", page.get_data(as_text=True))))
        return shots

    fast = everything()
    rendering.stock(app, babel)
    try:
        reference = everything()
    finally:
        rendering.init_app(app, babel)
    assert [(path, hx) for path, hx, _ in fast] == [(path, hx) for path, hx, _ in reference]
    for (path, hx, page), (_, _, expected) in zip(fast, reference):
        if page != expected:
            diff = difflib.unified_diff(expected.splitlines(), page.splitlines(), lineterm="", n=0)
            pytest.fail(f"{path} (htmx: {hx}) differs in {lang}:\n" + "\n".join(list(diff)[:12]))
    # The pages really are in the language asked for.
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in fast[0][2]
    assert ("Se déconnecter" in fast[0][2]) == (lang == "fr")


def _compare(fast, reference, what):
    if fast != reference:
        diff = difflib.unified_diff(reference.splitlines(), fast.splitlines(), lineterm="", n=0)
        pytest.fail(f"{what} differs:\n" + "\n".join(list(diff)[:12]))


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_journal_page_is_identical_without_the_fold(app, login_as, lang):
    """The history page lists the journal that each view feeds: its context is taken once from
    a real request, then rendered with and without folding in the same request state."""
    from flask import template_rendered
    client = login_as("camille")
    use_language(client, lang)
    seen = []

    def keep(sender, template, context, **extra):
        seen.append((template.name, dict(context)))

    with template_rendered.connected_to(keep, app):
        assert client.get("/dossier/historique/").status_code == 200
    name, context = next(shot for shot in seen if shot[0].startswith("history/"))
    with app.test_request_context("/dossier/historique/", headers={"Accept-Language": lang}):
        fast = app.jinja_env.get_template(name).render(context)
        rendering.fold(app, False)
        try:
            reference = app.jinja_env.get_template(name).render(context)
        finally:
            rendering.fold(app, True)
    _compare(TOKENS.sub(r"\1…\2", fast), TOKENS.sub(r"\1…\2", reference), name)
    assert f'<html lang="{lang}"' in fast


@pytest.mark.parametrize("kind", ["carte", "synthese"])
def test_pdf_html_in_another_language_is_identical_without_the_fold(app, kind):
    """A paper is rendered in its reader's language (force_locale) from a request in another
    one: each language gets its own folded templates."""
    from types import SimpleNamespace

    from portal.accounts.models import Account
    from portal.summary.tasks import html_for
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        camille = Account.get(Account.email == "camille.martin@example.org")
        for lang in ("en", "ar", "fr"):
            job = SimpleNamespace(patient=camille.person, requested_by=camille, kind=kind,
                                  language=lang, section_list=ALL_SECTIONS)
            fast = html_for(job, "self")
            rendering.fold(app, False)
            try:
                reference = html_for(job, "self")
            finally:
                rendering.fold(app, True)
            _compare(fast, reference, f"{kind} in {lang}")
            assert f'lang="{lang}"' in fast


def test_translations_are_folded_in_each_language(app):
    """The fold is on: a page's literal translations are constants of its compiled code, one
    compiled template per language."""
    env = app.jinja_env
    name = "components/chrome_header.html"
    source = env.loader.get_source(env, name)[0]
    for lang, text in (("fr", "Aller au contenu"), ("en", "Skip to content")):
        with app.test_request_context("/", headers={"Accept-Language": lang}):
            template = env.get_template(name)
            assert template.environment is not env
            assert template.environment.carnet_catalog is rendering.translations()
            code = template.environment.compile(source, name, raw=True)
            assert f'<a href="#contenu">{text}</a>' in code
    assert len(env.carnet_overlays) == 2


FOLD_CASES = [
    # (template, variables): the shapes a literal translation takes.
    ('<p>{{ _("Mesures") }}</p>', {}),
    ('{{ gettext("Dossier de %(name)s", name=who) }}', {}),
    ('{{ _("Dossier de %(name)s", name="<i>") }}', {}),
    ('{% autoescape false %}{{ _("Dossier de %(name)s", name=who) }}|{{ _("Mesures") }}'
     '{% endautoescape %}', {}),
    ('{{ _("100 %%") }}', {}),
    # Markup or str, as the callable gives (a macro may escape it again, or not).
    ('{{ _("Mesures").__class__.__name__ }}|{{ gettext("Dossier de %(name)s", name=who)'
     '.__class__.__name__ }}|{{ _("Dossier de %(name)s", name=who)|e|e }}', {}),
    ('{% autoescape false %}{{ _("Mesures").__class__.__name__ }}|'
     '{{ _("Dossier de %(name)s", name=who).__class__.__name__ }}{% endautoescape %}', {}),
    ('{{ _("Mesures") ~ who }}|{{ (_("Mesures") if who else "x")|upper }}', {}),
    ('{% set label = _("Mesures") %}{{ label }}{{ label.__class__.__name__ }}', {}),
    ('{% trans %}Mesures{% endtrans %}|{% trans name=who %}Dossier de {{ name }}{% endtrans %}',
     {}),
    # `_` bound by the template: not the global, never folded.
    ('{% set _ = "x" %}{{ _ }}', {}),
    ('{% macro m(_) %}{{ _ }}{% endmacro %}{{ m("y") }}{{ _("Mesures") }}', {}),
    ('{% for _ in [1] %}{{ _ }}{% endfor %}{{ _("Mesures") }}', {}),
    ('{% macro m() %}{% set _ = dict.update %}{{ _ }}{% endmacro %}{{ _("Mesures") }}',
     {"dict": {}}),
    # Bound at the top level: blocks see it through the context.
    ('{% set _ = dict.get %}{% block b %}{{ _("Mesures") }}{% endblock %}',
     {"dict": {"Mesures": "mine"}}),
]


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
@pytest.mark.parametrize("source, variables", FOLD_CASES)
def test_folded_translations_escape_and_format_as_the_callables(app, lang, source, variables):
    env = app.jinja_env
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        folded = env._overlay(rendering.translations())
        context = {"who": "<b>Léa</b> & co", **variables}
        fast = folded.from_string(source).render(context)
        assert fast == env.from_string(source).render(context)
    if source == FOLD_CASES[0][0] and lang == "en":
        assert "Measurements" in fast


def test_a_lone_percent_fails_at_run_time_as_without_the_fold(app):
    env = app.jinja_env
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        folded = env._overlay(rendering.translations())
        template = folded.from_string('{{ _("100 %") }}')  # compiles
        with pytest.raises(ValueError):
            template.render()


def test_a_context_binding_the_translation_callables_is_refused(app):
    from flask import render_template
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        with pytest.raises(RuntimeError, match="rename"):
            render_template("pages/accessibility.html", _=lambda s: s)
        # As htmx.render does for a fragment.
        template = app.jinja_env.get_template("pages/accessibility.html")
        with pytest.raises(RuntimeError, match="rename"):
            template.new_context({"gettext": None})


def _scopes_binding(tree, names):
    """The template's scopes that bind one of `names` and share their variables with another
    template (an include, an import with context, or the layout it extends)."""
    from jinja2 import nodes
    found = []
    for scope in [tree, *tree.find_all((nodes.Macro, nodes.For, nodes.CallBlock, nodes.With,
                                        nodes.Block))]:
        shares = any(True for _ in scope.find_all((nodes.Include, nodes.Extends))) or any(
            n.with_context for n in scope.find_all((nodes.Import, nodes.FromImport)))
        if rendering.bound_names(scope) & names and shares:
            found.append(scope)
    return found


def test_no_template_includes_another_where_it_rebinds_a_translation_callable(app):
    """An included template sees the including scope's variables: a `_` assigned there would
    be the one it calls, not the global the fold assumed. (A template that assigns `_` itself
    is not folded where the assignment is seen; field.html does, for its `attrs.update`.)"""
    env = app.jinja_env
    names = set(rendering.RESERVED)
    offenders = [name for name in env.list_templates(extensions=["html", "txt", "xml"])
                 if _scopes_binding(env.parse(env.loader.get_source(env, name)[0]), names)]
    assert offenders == []
    # It would see one.
    assert _scopes_binding(env.parse('{% for _ in x %}{% include "a.html" %}{% endfor %}'),
                           names)
    assert _scopes_binding(env.parse('{% extends "layout.html" %}{% set gettext = 1 %}'), names)


TEMPLATE = ('{{ _("Dossier de %(name)s", name=who) }}|{{ _("Mesures") }}|'
            '{{ ngettext("%(num)s événement", "%(num)s événements", n) }}|{{ label }}|'
            '{{ gettext("Connexion") }}|'
            '{{ _("%(string)s et %(context)s", string=who, context=n) }}|'
            '{{ ngettext("%(num)s de %(plural)s", "%(num)s de %(plural)s", n, plural=who) }}')


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("n", [1, 2])
def test_template_translations_escape_format_and_pluralize_as_stock(app, lang, n):
    from flask import render_template_string
    from flask_babel import lazy_gettext

    def render():
        with app.test_request_context(headers={"Accept-Language": lang}):
            return render_template_string(TEMPLATE, who="<b>Léa</b> & co", n=n,
                                          label=lazy_gettext("Synthèse"))

    fast = render()
    rendering.stock(app, babel)
    try:
        reference = render()
    finally:
        rendering.init_app(app, babel)
    assert fast == reference
    assert "&lt;b&gt;Léa&lt;/b&gt; &amp; co" in fast
    assert ("événement" in fast) == (lang == "fr")


def test_the_locale_is_followed_inside_a_request(app):
    """force_locale (e-mails in the recipient's language) and refresh() (a language change)
    put another locale in place: the translations kept for the request follow it."""
    from flask import render_template_string, session
    from flask_babel import force_locale, gettext, lazy_gettext, refresh

    label = lazy_gettext("Mesures")
    menu_label = rendering.lazy_gettext("Mesures")  # the menus' labels

    def template():
        return render_template_string('{{ _("Mesures") }}')

    # Templates first, then Python: each must notice the change on its own.
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert template() == "Mesures" == gettext("Mesures") == str(label)
        assert str(menu_label) == rendering.gettext("Mesures") == "Mesures"
        with force_locale("en"):
            assert template() == "Measurements"
            assert gettext("Mesures") == "Measurements" == str(label)
            assert str(menu_label) == rendering.gettext("Mesures") == "Measurements"
        assert template() == "Mesures"
        with force_locale("en"):
            assert gettext("Mesures") == "Measurements" == str(label)
            assert str(menu_label) == rendering.gettext("Mesures") == "Measurements"
        assert gettext("Mesures") == "Mesures" == str(label)
        assert str(menu_label) == rendering.gettext("Mesures") == "Mesures"
        session["lang"] = "en"
        refresh()
        assert template() == "Measurements"
        assert gettext("Mesures") == "Measurements" == str(label)
        assert str(menu_label) == rendering.gettext("Mesures") == "Measurements"


def test_python_gettext_formats_as_flask_babel(app):
    import flask_babel
    with app.test_request_context(headers={"Accept-Language": "en"}):
        for args in (("Dossier de %(name)s",), ("100 %",)):
            variables = {"name": "<Léa>"} if "%(" in args[0] else {}
            assert rendering.gettext(*args, **variables) == flask_babel.gettext(*args, **variables)
        assert rendering.gettext("Dossier de %(name)s", name="Léa").endswith("Léa")
        label = rendering.lazy_gettext("Dossier de %(name)s", name="Léa")
        assert isinstance(label, flask_babel.speaklater.LazyString)
        assert str(label) == flask_babel.gettext("Dossier de %(name)s", name="Léa")


def test_addresses_follow_the_script_root_and_arguments(app):
    from flask import render_template_string
    url_for = app.jinja_env.globals["url_for"]
    with app.test_request_context("/dossier/", base_url="http://localhost/a/"):
        assert url_for("dossier.home") == "/a/dossier/" == url_for(".home")
        assert url_for("dossier.home", _external=True) == "http://localhost/a/dossier/"
        shown = url_for("static", filename="css/carnet.css")
        assert shown.startswith("/a/static/css/carnet.css?v=")
        assert render_template_string("{{ url_for('agenda.home') }}") == "/a/agenda/"
    with app.test_request_context("/dossier/", base_url="http://localhost/b/"):
        assert url_for("dossier.home") == "/b/dossier/"
        assert render_template_string("{{ url_for('agenda.home') }}") == "/b/agenda/"
    with app.test_request_context("/"):
        assert url_for("dossier.home") == "/dossier/"


def test_a_request_dependent_url_defaults_hook_is_refused(app):
    app.url_defaults(lambda endpoint, values: None)
    with pytest.raises(RuntimeError, match="url_defaults"):
        rendering.init_app(app, babel)


def test_static_addresses_are_kept_except_in_debug_mode(app, monkeypatch):
    """Out of debug mode a static file's hash is read once; in debug mode an edited file gets
    its new address on the next page."""
    import portal.wire
    digests = iter(f"{n:012x}" for n in range(100))
    monkeypatch.setattr(portal.wire, "content_hash", lambda path: next(digests))
    for debug, changes in ((False, False), (True, True)):
        app.debug = debug
        rendering.init_app(app, babel)
        url_for = app.jinja_env.globals["url_for"]
        with app.test_request_context("/"):
            first = url_for("static", filename="css/carnet.css")
            assert first.startswith("/static/css/carnet.css?v=")
            assert (url_for("static", filename="css/carnet.css") != first) == changes


def test_the_folded_templates_follow_the_loader_and_reloading(app):
    """A loader put in place (tests add templates so) or reloading turned on (debug mode) after
    the first page: the folded templates see them."""
    from jinja2 import ChoiceLoader, DictLoader

    from portal.chrome import Footer
    env = app.jinja_env
    source = {"probe.html": '{{ _("Mesures") }}'}
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        footer = env.get_template("components/chrome_footer.html")
        assert "Accessibility" in footer.render(c=Footer("en", "", None), token="", path="")
        env.loader = ChoiceLoader([DictLoader(source), env.loader])
        env.auto_reload = True
        assert env.get_template("probe.html").render() == "Measurements"
        source["probe.html"] = '{{ _("Documents") }}|{{ _("Mesures") }}'
        assert env.get_template("probe.html").render() == "Documents|Measurements"


def test_imported_macros_see_the_globals_of_their_importer(app):
    """Imports: `TemplateGlobals.keys()` is what Jinja subtracts to decide whether an imported
    template needs the importer's own globals; a template given extra globals still passes
    them to what it imports, and the keys are those of the whole chain."""
    from jinja2 import DictLoader
    env = app.jinja_env
    loader = env.loader
    env.loader = DictLoader({"macros.html": "{% macro shout() %}{{ extra|upper }}{% endmacro %}",
                             "page.html": '{% from "macros.html" import shout with context %}'
                                          "{{ shout() }}"})
    try:
        with app.test_request_context("/"):
            page = env.get_template("page.html", globals={"extra": "bonjour"})
            assert page.render() == "BONJOUR"
            assert isinstance(page.globals, rendering.TemplateGlobals)
            assert set(page.globals.keys()) == set(env.globals) | {"extra"}
    finally:
        env.loader = loader


def test_hooks_are_looked_up_once_and_a_coroutine_still_takes_flasks_path(app):
    """Carnet.ensure_sync remembers plain functions only: a coroutine function is never given
    back as is (Flask wraps it, or says how to install what it needs)."""
    def plain():
        return "ok"

    async def coroutine():
        return "ok"

    assert app.ensure_sync(plain) is plain and app.ensure_sync(plain) is plain
    try:
        wrapped = app.ensure_sync(coroutine)
    except RuntimeError:  # Flask without its "async" extra
        wrapped = None
    assert wrapped is not coroutine
    assert coroutine not in app.__dict__.get("_carnet_sync", {})


def test_loaded_templates_are_kept_in_a_plain_dict(app, login_as):
    """Jinja's LRU cache searches a deque on every hit (portal/rendering.init_app): the app's
    environment and its folded overlays keep their templates in a dict instead."""
    assert login_as("camille").get("/dossier/").status_code == 200
    overlays = app.jinja_env.__dict__.get("carnet_overlays", {})
    assert overlays and type(app.jinja_env.cache) is dict
    assert all(type(overlay.cache) is dict for overlay in overlays.values())


class _Html:
    def __html__(self):
        return "<b>already safe</b>"


class _Text:
    def __str__(self):
        return 'a <"text"> & \'object\''


OUTPUTS = ["", "plain", '<script>alert("x")</script> & \'q\'', "éàç – عربي ✓", 0, -3, 2.5,
           None, True, False, Markup('<i class="x">ok</i> &amp;'), _Html(), _Text(),
           ["<a>", 1], {"k": "<v>"}]


@pytest.mark.parametrize("value", OUTPUTS, ids=range(len(OUTPUTS)))
def test_output_escape_writes_the_text_of_markupsafe_escape(value):
    from markupsafe import escape
    written = rendering.output_escape(value)
    assert written == str(escape(value))
    # Plain text, or what the value's __html__ gave (a Markup gives itself): never a new Markup.
    assert type(written) is str or hasattr(value, "__html__")


def test_output_escape_writes_lazy_strings_and_undefined_as_markupsafe_does(app):
    from jinja2 import StrictUndefined, Undefined
    from jinja2.exceptions import UndefinedError
    from markupsafe import escape
    with app.test_request_context():
        label = rendering.lazy_gettext("Aller au contenu")
        assert rendering.output_escape(label) == str(escape(label))
    assert rendering.output_escape(Undefined(name="x")) == str(escape(Undefined(name="x"))) == ""
    for write in (rendering.output_escape, escape):
        with pytest.raises(UndefinedError):
            write(StrictUndefined(name="x"))


def test_templates_write_their_output_through_output_escape(app):
    """The folded templates (every page's) call output_escape for each {{ }}; a block where a
    template switches autoescaping off writes str() as Jinja does."""
    with app.test_request_context():
        overlay = app.jinja_env._overlay(rendering.translations())
        code = overlay.compile("<p>{{ x }}{{ y|upper }}</p>"
                               "{% autoescape false %}{{ z }}{% endautoescape %}", raw=True)
    assert code.count("environment.carnet_escape(") == 2
    assert "yield escape(" not in code and "yield str(" in code
