"""portal/forms/widgets.py: WTForms' widgets write their attributes through a faster
html_params whose output is WTForms' own, for every kind of key and value and for every field
of every form in portal/."""
import itertools

import pytest
import wtforms.widgets.core as core
from markupsafe import Markup

from portal.forms.widgets import html_params, wtforms_html_params

KEYS = ["id", "name", "class_", "for_", "data_hx_get", "aria_describedby", "aria_invalid",
        "dir", "value", "type", "required", "autocomplete", "data-already-dashed", "x_"]
VALUES = ["", "plain", 'a "quoted" <b>tag</b> & \'apostrophe\'', "éàç – ✓ عربي", 0, 7, -1.5,
          None, True, False, Markup('<i class="x">ok</i> &amp;'), Markup(""),
          "/dossier/?page=2&q=a%20b"]


def test_the_same_text_as_wtforms_for_every_key_and_value():
    for key, value in itertools.product(KEYS, VALUES):
        ours, theirs = html_params(**{key: value}), wtforms_html_params(**{key: value})
        assert ours == theirs, (key, value)
        assert isinstance(ours, Markup)


def test_the_same_text_as_wtforms_for_many_attributes_at_once():
    for size in (0, 2, 5, len(KEYS)):
        for start in range(len(VALUES)):
            attrs = {key: VALUES[(start + i) % len(VALUES)] for i, key in enumerate(KEYS[:size])}
            assert html_params(**attrs) == wtforms_html_params(**attrs), attrs


def test_a_lazy_translation_is_written_as_wtforms_writes_it(app):
    from portal.rendering import lazy_gettext
    label = lazy_gettext("Aller au contenu")
    with app.test_request_context():
        assert html_params(title=label) == wtforms_html_params(title=label)


def test_create_app_puts_it_where_every_widget_looks_it_up(app):
    from wtforms import widgets
    assert core.html_params is html_params
    assert widgets.html_params is html_params
    for widget in (widgets.TextInput(), widgets.PasswordInput(), widgets.HiddenInput(),
                   widgets.FileInput(), widgets.SubmitInput(), widgets.Button()):
        assert widget.html_params is html_params, type(widget)


@pytest.fixture
def with_wtforms_own(monkeypatch):
    """Render with WTForms' own html_params inside the block."""
    from contextlib import contextmanager

    from portal.forms import fields

    @contextmanager
    def block():
        with monkeypatch.context() as patch:
            patch.setattr(core, "html_params", wtforms_html_params)
            patch.setattr(core.Input, "html_params", staticmethod(wtforms_html_params))
            patch.setattr(core.Button, "html_params", staticmethod(wtforms_html_params))
            patch.setattr(fields, "html_params", wtforms_html_params)
            yield
    return block


def test_every_field_of_every_form_renders_as_with_wtforms_own(app, with_wtforms_own):
    """Each form of portal/ made empty and filled with awkward data, each field rendered as
    components/field.html renders it (class, aria-describedby, aria-invalid, dir)."""
    from test_form_order import every_form_class
    from werkzeug.datastructures import MultiDict
    awkward = 'x" onmouseover="alert(1)" <script>&amp;'
    rendered = 0
    with app.test_request_context():
        for form_class in every_form_class():
            for data in (None, MultiDict()):
                try:
                    form = form_class(formdata=data, meta={"csrf": False})
                except TypeError:
                    continue  # a form that needs arguments of its own; its fields are shared
                for field in form:
                    if data is not None:
                        field.process(MultiDict({field.name: awkward}))
                    attrs = {"class": "wide", "aria-describedby": f"{field.id}-hint",
                             "aria-invalid": "true", "dir": "ltr"}
                    try:
                        ours = field(**attrs)
                    except (TypeError, ValueError, AttributeError):
                        continue  # a select whose choices its view sets
                    with with_wtforms_own():
                        theirs = field(**attrs)
                    assert ours == theirs, (form_class.__qualname__, field.name)
                    rendered += 1
    assert rendered > 150
