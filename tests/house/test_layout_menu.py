"""Phone-first header (layout.html): one <details> menu holds the main menu, the space switcher
and, on the record's pages only, the record's sections; the page's h1 comes right after it."""


def header_and_main(html):
    return html[html.index("<header"):html.index("</header>")], html[html.index("<main"):]


def test_a_record_page_has_its_sections_in_the_header_menu(login_as):
    header, main = header_and_main(login_as("camille").get("/dossier/mesures/")
                                   .get_data(as_text=True))
    menu = header[header.index('<details class="menu">'):]
    assert menu.index('<nav id="navigation"') < menu.index('<details class="switcher">') \
        < menu.index('<nav class="subnav"')
    assert 'href="/dossier/documents/"' in menu[menu.index('<nav class="subnav"'):]
    assert 'class="subnav"' not in main  # the page starts with its title, not with menus
    assert main.index("<h1>") < 200


def test_other_pages_have_no_record_sections(login_as):
    html = login_as("camille").get("/agenda/").get_data(as_text=True)
    assert '<details class="menu">' in html and 'class="subnav"' not in html


def test_a_menu_typo_fails_at_start_up(app):
    """A menu entry naming an unknown endpoint or an action policy.py does not know stops the
    app from starting, instead of hiding the entry (or showing it to everyone)."""
    import pytest

    from portal import DOSSIER_SECTIONS, NAVIGATION, check_menus
    check_menus(app)  # the real menus are sound
    assert all(isinstance(action, str) for _e, _l, action in NAVIGATION + DOSSIER_SECTIONS)
    with pytest.raises(ValueError, match="no such endpoint"):
        check_menus(app, [("dossier.hom", "Dossier", "dossier.view")])
    with pytest.raises(ValueError, match="no policy rule"):
        check_menus(app, [("dossier.home", "Dossier", "dossier.veiw")])


def test_the_layout_writes_the_one_h1_from_the_pages_title(login_as):
    """Pages set `page_title` and write no h1: the layout's h1 is the title, at the top of
    <main> (after the flashed notices and any back link), and the <title> starts with it."""
    import os
    from html import unescape
    templates = os.path.join(os.path.dirname(__file__), "..", "templates")
    for folder, _dirs, files in os.walk(templates):
        if os.path.basename(folder) == "pdf":
            continue  # printed papers have their own h1, they do not extend the layout
        for name in files:
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                assert "<h1" not in f.read() or name == "layout.html", name
    _header, main = header_and_main(login_as("camille").get("/agenda/").get_data(as_text=True))
    assert unescape(main[main.index("<h1>") + 4:main.index("</h1>")]) == "Mon agenda"


def test_a_page_without_a_title_fails_instead_of_showing_an_empty_h1(app):
    import pytest
    from flask import render_template_string
    with app.test_request_context("/"):
        app.preprocess_request()
        with pytest.raises(LookupError, match="page_title"):
            render_template_string('{% extends "layout.html" %}{% block content %}x{% endblock %}')
        html = render_template_string('{% extends "layout.html" %}{% set page_title = "Essai" %}'
                                      '{% block content %}x{% endblock %}')
    assert "<h1>Essai</h1>" in html and "<title>Essai – Carnet</title>" in html


def _render_with_errors(app, source, **context):
    from flask import render_template_string
    from flask_wtf import FlaskForm
    from wtforms import StringField
    from wtforms.validators import DataRequired

    class Form(FlaskForm):
        name = StringField("Nom", validators=[DataRequired("Saisissez le nom.")])

    with app.test_request_context("/", method="POST", data={}):
        app.preprocess_request()
        form, other = Form(meta={"csrf": False}), Form(meta={"csrf": False})
        form.validate()
        return render_template_string('{% extends "layout.html" %}{% set page_title = "Essai" %}'
                                      + source, form=form, other=other, **context)


def test_the_layout_sums_up_the_forms_errors_under_the_h1(app):
    """One error summary, right under the h1 (and a `below_title` notice), for the page's
    `form`; `error_forms` names other forms; `error_summary_in_page` leaves it to the page."""
    html = _render_with_errors(app, '{% block below_title %}<p>avis</p>{% endblock %}'
                                    '{% block content %}<p>corps</p>{% endblock %}')
    main = html[html.index("<main"):]
    assert main.index("<h1>Essai</h1>") < main.index("<p>avis</p>") \
        < main.index('<div class="error-summary"') < main.index("<p>corps</p>")
    assert main.count('class="error-summary"') == 1 and 'href="#name"' in main
    assert "<title>Erreur : Essai – Carnet</title>" in html
    clean = _render_with_errors(app, '{% set error_forms = [other] %}'
                                     '{% block content %}{% endblock %}')
    assert "error-summary" not in clean and "<title>Essai – Carnet</title>" in clean
    own = _render_with_errors(app, '{% set error_summary_in_page = true %}'
                                   '{% block content %}{% endblock %}')
    assert "error-summary" not in own and "<title>Erreur : Essai – Carnet</title>" in own
