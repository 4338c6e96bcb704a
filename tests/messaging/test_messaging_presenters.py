"""The plain-text filter: everything escaped, only http(s) addresses become links."""
import pytest
from markupsafe import Markup

from portal.messaging.presenters import linkify

REL = 'rel="noopener noreferrer nofollow"'


def link(url, text=None):
    return f'<a href="{url}" {REL}>{text or url}</a>'


@pytest.mark.parametrize("text, expected", [
    ("Bonjour", "Bonjour"),
    ("<b>gras</b>", "&lt;b&gt;gras&lt;/b&gt;"),
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("a & b", "a &amp; b"),
    ("Voir https://www.ameli.fr.", "Voir " + link("https://www.ameli.fr") + "."),
    ("(http://exemple.fr/page)", "(" + link("http://exemple.fr/page") + ")"),
    ("https://fr.wikipedia.org/wiki/Diab%C3%A8te_(maladie) !",
     link("https://fr.wikipedia.org/wiki/Diab%C3%A8te_(maladie)") + " !"),
    ("https://a.fr/?x=1&y=2", link("https://a.fr/?x=1&amp;y=2")),
    ('https://a.fr/"onmouseover="alert(1)',
     link("https://a.fr/") + "&#34;onmouseover=&#34;alert(1)"),
    ("https://a.fr/<script>", link("https://a.fr/") + "&lt;script&gt;"),
    ("javascript:alert(1)", "javascript:alert(1)"),
    ("JAVASCRIPT://%0aalert(1)", "JAVASCRIPT://%0aalert(1)"),
    ("data:text/html,<b>x</b>", "data:text/html,&lt;b&gt;x&lt;/b&gt;"),
    ("https://", "https://"),
    ("https://?x", "https://?x"),
    ("xhttps://a.fr", "xhttps://a.fr"),
    ("ligne 1\nligne 2", "ligne 1\nligne 2"),
    ("HTTPS://A.FR", link("HTTPS://A.FR")),
    ("", ""),
])
def test_linkify(text, expected):
    result = linkify(text)
    assert isinstance(result, Markup)
    assert str(result) == expected


def test_linkify_never_trusts_markup_given_to_it():
    assert str(linkify(Markup("<b>déjà marqué</b>"))) == "&lt;b&gt;déjà marqué&lt;/b&gt;"
    assert str(linkify(None)) == ""


def test_linkify_leaves_very_long_addresses_as_text():
    url = "https://a.fr/" + "x" * 3000
    assert "<a" not in str(linkify(url))
