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
