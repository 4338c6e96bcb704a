"""The layout's chrome (portal/chrome.py): its header and footer are rendered once for each set
of inputs and kept. What keeps that right is checked here: the chrome templates read nothing
but their inputs; each request writes its own CSRF token and address into the kept chrome; a
name cannot forge a slot; what a page shows follows its inputs; the cache is bounded."""
import re

import pytest
from conftest import csrf_from, open_space
from jinja2 import meta, nodes

from portal import chrome

TOKEN_INPUTS = re.compile(rb'name="csrf_token" value="([^"]+)"')

# What a chrome template may name besides its inputs (`c`, `token`, `path`): helpers whose
# output depends on the language and the script root alone, both part of the inputs.
PURE_HELPERS = {"_", "_n", "ngettext", "url_for", "other_languages"}


def plain(env):
    """A stock Jinja environment with `env`'s loader and tags: Carnet's own environment leaves
    its globals (`request`, `session`, `g`…) out of the names a template reads."""
    from jinja2 import Environment

    from portal.forms.post_form import PostFormExtension
    stock = Environment(loader=env.loader, extensions=[PostFormExtension])
    stock.carnet_globals = set(env.globals)
    return stock


def _reads(env, name, given=frozenset()):
    """The variables template `name` and the templates it includes read without setting them
    (`given`: what the including template set before).

    Jinja counts a name set in one branch only (`{% if %}{% set %}`) as read, since elsewhere it
    would come from the context: such names are the template's own here, which the test below
    keeps apart from the environment's globals (so that, unset, they are undefined)."""
    source = env.loader.get_source(env, name)[0]
    tree = env.parse(source)
    assigned = {target.name for node in tree.find_all((nodes.Assign, nodes.For))
                for target in ([node.target] if isinstance(node.target, nodes.Name)
                               else node.target.find_all(nodes.Name))}
    assert not assigned & env.carnet_globals, f"{name} sets a name the environment gives"
    reads = meta.find_undeclared_variables(tree) - given - assigned
    for included in meta.find_referenced_templates(tree):
        assert included is not None, f"{name} includes a template named at run time"
        reads |= _reads(env, included, given | assigned)
    return reads


@pytest.mark.parametrize("name", [chrome.HEADER, chrome.FOOTER])
def test_chrome_templates_read_nothing_but_their_inputs(app, name):
    """Their output must be a function of the key (the inputs and the template): a template
    that read `request`, `account`, `session`… would be kept with one person's data and shown
    to another."""
    reads = _reads(plain(app.jinja_env), name)
    assert reads <= {"c", "token", "path"} | PURE_HELPERS, sorted(reads)
    assert {"c", "token", "path"} & reads


def test_the_check_sees_a_template_that_reads_the_request(app):
    from jinja2 import DictLoader
    env = plain(app.jinja_env)
    env.loader = DictLoader({"a.html": "{{ c.home }}{% include 'b.html' %}",
                             "b.html": "{% if c %}{% set x = 1 %}{% endif %}{{ request.path }}"})
    assert _reads(env, "a.html") == {"c", "request"}


def _tokens(response):
    return set(TOKEN_INPUTS.findall(response.data))


def test_each_session_gets_its_own_token_and_address_in_the_kept_chrome(app, login_as):
    first, second = login_as("camille"), login_as("camille")
    assert first.get("/parametres/").status_code == 200
    kept = dict(app.extensions["carnet_chrome"].kept)
    page = second.get("/parametres/?onglet=1")
    assert app.extensions["carnet_chrome"].kept == kept  # the same chrome, kept
    mine = _tokens(page)
    assert len(mine) == 1 and mine != _tokens(first.get("/parametres/"))
    assert b'name="next" value="/parametres/?onglet=1"' in page.data
    assert b"carnet-slot" not in page.data
    # The token written in the kept chrome is the one this session's forms must send.
    answer = second.post("/langue", data={"csrf_token": mine.pop().decode(), "lang": "en",
                                          "next": "/parametres/"})
    assert answer.status_code == 302
    assert b"Sign out" in second.get("/parametres/").data


def test_the_address_is_escaped_in_its_slot(app, login_as):
    client = login_as("camille")
    page = client.get('/parametres/?a="><b>x')
    assert b'value="/parametres/?a=%22%3E%3Cb%3Ex"' in page.data or \
        b'value="/parametres/?a=&#34;&gt;&lt;b&gt;x"' in page.data
    assert b'"><b>x' not in page.data


def test_a_name_cannot_forge_a_slot(app, login_as, person):
    camille = person("Camille")
    camille.given_names = str(chrome.TOKEN_SLOT)
    camille.save()
    client = login_as("camille")
    page = client.get("/parametres/")
    assert page.status_code == 200
    token = csrf_from(page).encode()
    # The name is shown as text; the token is only where a token goes.
    assert b"&lt;carnet-slot:csrf&gt; Martin" in page.data
    assert page.data.count(token) == len(TOKEN_INPUTS.findall(page.data))


def test_the_header_follows_its_inputs(app, login_as, person):
    """The unread badge, the section and the open space change the kept header."""
    client = login_as("camille")
    page = client.get("/dossier/").get_data(as_text=True)
    assert 'href="/dossier/" aria-current="page">Synthèse' in page
    assert "Votre espace santé" in page
    page = client.get("/dossier/mesures/").get_data(as_text=True)
    assert 'aria-current="page">Mesures' in page and 'aria-current="page">Synthèse' not in page
    assert open_space(client, person("Lina").id).status_code == 302
    page = client.get("/dossier/").get_data(as_text=True)
    assert "Vous agissez pour Lina Martin" in page and "Votre espace santé" not in page


def test_the_badge_follows_the_unread_count(app, login_as):
    """Jean has two unread messages; reading one changes the kept header of the same page."""
    from helpers import BLOOD, conversation
    badge = re.compile(r'<span id="messages-non-lus"[^>]*>(.*?)</span></a>', re.S)
    jean = login_as("jean")
    assert ">2<span class=\"visually-hidden\"> messages non lus" in badge.search(
        jean.get("/agenda/").get_data(as_text=True))[1]
    jean.get(f"/messagerie/{conversation(BLOOD).id}")
    assert ">1<span class=\"visually-hidden\"> message non lu" in badge.search(
        jean.get("/agenda/").get_data(as_text=True))[1]


def test_the_kept_chrome_is_bounded_and_drops_the_oldest(app, login_as, monkeypatch):
    monkeypatch.setattr(chrome, "MAX_KEPT", 4)
    kept = app.extensions["carnet_chrome"].kept
    client = login_as("camille")
    headers = []
    for path in ("/dossier/", "/agenda/", "/parametres/", "/proches", "/imprimer/",
                 "/messagerie/"):
        assert client.get(path).status_code == 200
        assert len(kept) <= 4
        headers.append(next(key for key in reversed(kept) if isinstance(key[1], chrome.Header)))
    # The agenda's header (the second) went first; the latest ones are still kept.
    assert headers[1] not in kept and headers[-1] in kept and headers[-2] in kept


def test_kept_and_fresh_chrome_are_the_same_bytes(app, login_as):
    """A page with its chrome taken from the cache is the page rendered afresh (the stock
    comparison of test_rendering does the same for every role and language)."""
    client = login_as("camille")
    kept = app.extensions["carnet_chrome"]
    pages = {}
    for rendering_fresh in (False, False, True):
        kept.enabled = not rendering_fresh
        try:
            for path in ("/dossier/", "/dossier/documents/", "/agenda/", "/parametres/"):
                body = TOKEN_INPUTS.sub(b"", client.get(path).data)
                pages.setdefault(path, set()).add(body)
        finally:
            kept.enabled = True
    assert all(len(bodies) == 1 for bodies in pages.values())


def test_the_header_follows_the_script_root(app, login_as):
    """The same person and page served under another prefix (SCRIPT_NAME, a reverse proxy's
    sub-path): the kept header's addresses carry it."""
    client = login_as("camille")
    assert b'<a class="brand" href="/dossier/">' in client.get("/parametres/").data
    page = client.get("/parametres/", environ_overrides={"SCRIPT_NAME": "/carnet"})
    assert b'<a class="brand" href="/carnet/dossier/">' in page.data
    assert b'action="/carnet/deconnexion"' in page.data
