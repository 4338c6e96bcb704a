"""Cheap rendering (portal/rendering.py): pages are the same, byte for byte, as with Flask-Babel's
and Flask's own callables; translations follow the locale inside a request; addresses follow
the script root."""
import difflib
import re

import pytest
from conftest import csrf_from

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
STATUS = {("benali", "/agenda/"): 403, ("anonymous", "/activation"): 404}


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
        return shots + snapshot(anonymous, "anonymous",
                                ["/connexion", "/accessibilite", "/activation"])

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
