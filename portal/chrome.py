"""The layout's header and footer (its chrome), rendered once for each set of what they show and
written again from then on.

Every page has them: the skip links, the brand, who is logged in and as what, the language and
logout forms, the open space's banner, the main menu with its unread badge, the space switcher
(one form per space, with what each allows), the record's sections, and the footer's session
form. They change with the person, the space and the section, not from one page view to the
next, yet rendering them took ~0.2 ms of each page (uncached header 0.18 ms, kept 0.01 ms;
in-process, settings page 1.18 -> 0.94 ms, dossier 1.76 -> 1.53 ms with this module).

How the bytes stay right:
- The chrome templates (components/chrome_header.html and chrome_footer.html) see `c`, a tuple
  of plain values (strings, numbers, booleans, tuples of them) that this module builds for the
  request, two slots, and the environment's helpers that depend on nothing but the language and
  the script root (`_`, `url_for`…). They see nothing of the request, the session, the account or
  the database: tests/house/test_chrome.py reads their source, and their includes', and fails on
  any other name. Their output is therefore a function of `c` and of the template (one per
  language: rendering.Environment's overlays), which together are the key: two requests with
  the same `c`, whoever makes them, get the same bytes.
- What the same `c` still leaves to each request are the slots: the session's CSRF token and the
  page's own address (the language and session forms send it back as `next`). The chrome is
  rendered with a marker in their place, which no escaped text can contain (it has a `<`), and
  each request writes its own escaped values there.
- At most MAX_KEPT renderings per process (~4 KB each, ~10 MB); past that the oldest quarter
  goes.
"""
import threading
from itertools import islice
from typing import NamedTuple

from flask import current_app, request
from flask_babel import get_locale
from markupsafe import Markup, escape

TOKEN_SLOT = Markup("<carnet-slot:csrf>")
PATH_SLOT = Markup("<carnet-slot:path>")
SLOTS = {"token": TOKEN_SLOT, "path": PATH_SLOT}

HEADER = "components/chrome_header.html"
FOOTER = "components/chrome_footer.html"

MAX_KEPT = 2000

class Header(NamedTuple):
    """Everything the header shows (see module)."""

    locale: str  # the texts, and the direction user text is isolated in
    script_root: str  # every address
    home: str  # the "Carnet" link
    who: tuple | None  # (name, role as shown) of the logged-in account
    banner: tuple | None  # the open space: (relation kind, person's name, label, end time)
    nav: tuple  # the main menu: ((endpoint, label, unread count on this entry or None), …)
    nav_current: str | None  # its entry for this page
    switcher: tuple  # ((person id, kind, name, label, what it allows, is open), …)
    more_spaces: bool  # more spaces than the switcher lists
    record_menu: tuple  # the record's sections: ((endpoint, label, is this page's), …)


class Footer(NamedTuple):
    """Everything the footer shows."""

    locale: str
    script_root: str
    idle_minutes: int | None  # the session's idle limit, when someone is logged in


class Chrome:
    """The rendered chrome of one app, by (template, inputs)."""

    def __init__(self, app):
        self.app = app
        self.kept = {}
        self.enabled = True  # rendering.stock turns it off: the reference renders each time
        self._lock = threading.Lock()

    def render(self, name, inputs):
        """The chrome template `name` for `inputs`, with this request's slots filled in."""
        template = self.app.jinja_env.get_or_select_template(name)
        key = (template, inputs)
        html = self.kept.get(key) if self.enabled else None
        if html is None:
            html = template.render(c=inputs, **SLOTS)
            if self.enabled:
                with self._lock:
                    if len(self.kept) >= MAX_KEPT:
                        # The oldest quarter goes (a dict keeps its insertion order), rather
                        # than everything: the people browsing now keep theirs.
                        for old in list(islice(self.kept, max(1, MAX_KEPT // 4))):
                            del self.kept[old]
                    self.kept[key] = html
        if TOKEN_SLOT in html:
            # The templates' own `csrf_token` (rendering's, or Flask-WTF's in the reference).
            html = html.replace(TOKEN_SLOT, escape(template.globals["csrf_token"]()))
        if PATH_SLOT in html:
            html = html.replace(PATH_SLOT, escape(request.full_path.rstrip("?")))
        return Markup(html)


def install(app):
    app.extensions["carnet_chrome"] = Chrome(app)


class Layout(NamedTuple):
    """The layout's `layout`: what portal.layout_context worked out for this page's chrome,
    rendered by the layout through `header()` and `footer()`."""

    account: object  # the logged-in account, or None
    relation: object  # the open space's policy.Relation, or None
    nav: list  # the main menu: [(endpoint, label)]
    nav_current: str | None
    dossier_nav: list  # the record's sections: [(endpoint, label, is this page's)]
    spaces: list  # the relations the switcher lists
    can_switch: bool
    switcher_size: int
    expires_at: object  # the session's end, None without one

    def header(self, record_menu=False):
        """The skip links and the <header>; `record_menu`: the page is one of the record's
        (dossier/record.html), whose sections the header then lists."""
        return current_app.extensions["carnet_chrome"].render(HEADER, self.header_inputs(
            record_menu))

    def footer(self):
        return current_app.extensions["carnet_chrome"].render(FOOTER, Footer(
            str(get_locale()), request.script_root, self._idle_minutes()))

    def _idle_minutes(self):
        if not self.expires_at:
            return None
        return int(current_app.config["SESSION_IDLE"].total_seconds() // 60)

    def header_inputs(self, record_menu=False):
        from .accounts.views import home_address
        from .emergency.views import emergency_time
        from .messaging.views import unread_here
        from .proxies.presenters import scope_summary
        account, relation = self.account, self.relation
        who = banner = None
        if account is not None:
            who = (account.display_name,
                   str(account.role_label_as(relation.kind if relation else "self")))
        if relation is not None:
            banner = (relation.kind,) if relation.kind == "self" else (
                relation.kind, relation.person.full_name, str(relation.label),
                emergency_time(relation.until) if relation.kind == "emergency" else None)
        # The unread count goes on the inbox entry that unread_here names (the rule that puts
        # that entry in the menu is the one unread_here checks).
        found = unread_here(account, relation)
        badge = {found[1]: found[0]} if found else {}
        nav = tuple((endpoint, str(label), badge.get(endpoint)) for endpoint, label in self.nav)
        switcher = ()
        if self.can_switch and relation is not None:
            switcher = tuple(
                (r.person.id, r.kind) + ((None, None, None) if r.kind == "self" else (
                    r.person.full_name, str(r.label), scope_summary(r)))
                + (relation.person.id == r.person.id,)
                for r in self.spaces[:self.switcher_size])
        sections = tuple((endpoint, str(label), current)
                         for endpoint, label, current in self.dossier_nav) if record_menu else ()
        return Header(
            locale=str(get_locale()), script_root=request.script_root, home=home_address(),
            who=who, banner=banner, nav=nav, nav_current=self.nav_current,
            switcher=switcher, more_spaces=bool(switcher) and len(self.spaces) > self.switcher_size,
            record_menu=sections)
