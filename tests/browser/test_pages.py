"""Every page, as each demo account sees it, in a real Chromium: axe-core, the Nu HTML Checker,
one h1 and a matching title, keyboard use, no JavaScript, 320 px and 200 % zoom, htmx settings.

Each role logs in once; its pages are crawled once (``crawl``) and the tests below assert on
what was recorded. The HTML of every page is validated in one batched vnu run.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from .conftest import ACCOUNTS, CONTEXT_OPTIONS, PASSWORD, login
from .tools import (axe_violations, format_violations, format_vnu_errors,
                                 screenshot, vnu_errors)

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots"
# (Pairing an app and switching the second factor off follow a confirmed identity: those pages
# are checked in test_settings.py, through the forms that lead to them.)
SETTINGS_PAGES = ["/parametres/sessions", "/parametres/mot-de-passe",
                  "/parametres/verification"]
# Pages of one's own space that no main-menu link leads to (the record's sub-menu does), for
# the roles that have them.
# Camille represents Lina (person 2 of the demo): closing her space, from Mes proches.
OWN_PAGES = {"jean": ["/dossier/histoire/"],
             "camille": ["/dossier/histoire/", "/proches/2/fermer-son-espace"],
             "amina": ["/dossier/histoire/"],
             "operateur": ["/operateur/annonces/nouvelle", "/guichet/nouveau-code"]}
# The catalogue of connected services, for the patients (its other pages: test_connect.py), and
# Télécharger mes données (linked from the settings page).
PATIENT_PAGES = ["/services/", "/services/tensiometre-connecte", "/services/connectes",
                 "/mes-donnees/"]
PATIENTS = ("camille", "jean", "amina")
OPEN_OTHER_SPACE = "Ouvrir l’espace de "


@dataclass
class Visit:
    """What one page looked like: enough to assert on after the crawl."""

    name: str
    url: str
    status: int | None
    title: str
    h1s: list[str]
    shows_errors: bool
    banner: str
    violations: list = field(repr=False)
    console_errors: list[str]
    html: str = field(repr=False)
    # POST forms (their action) that send no CSRF token: the post_form macro writes it.
    forms_without_token: list[str] = field(default_factory=list)


def squash(text: str) -> str:
    """Collapse all whitespace (no-break spaces included) to single spaces."""
    return " ".join(text.split())


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "accueil"


def inspect(page, name: str, status: int | None, console: list[str]) -> Visit:
    """Record the current document of ``page`` (axe, headings, title, HTML) and screenshot it."""
    page.wait_for_load_state("load")
    visit = Visit(
        name=name,
        url=page.url,
        status=status,
        title=squash(page.title()),
        h1s=[squash(t) for t in page.locator("h1").all_inner_texts()],
        shows_errors=page.locator(".error-summary").count() > 0,
        banner=squash(" ".join(page.locator(".space-banner p").all_inner_texts())),
        violations=axe_violations(page),
        console_errors=list(console),
        html=page.content(),
        forms_without_token=page.locator("form[method=post]").evaluate_all(
            "els => els.filter(f => !f.querySelector('input[name=csrf_token][value]'))"
            ".map(f => f.getAttribute('action') || '(this page)')"),
    )
    console.clear()
    # caret="initial": hiding the caret leaves style="" on inputs, which htmx's settling then
    # copies onto the swapped-in inputs, a CSP violation of the test's own making.
    screenshot(page, f"{SHOTS}/{name}.png", caret="initial")
    return visit


def watch_console(page) -> list[str]:
    """Collect console errors (CSP violations are reported there) and uncaught exceptions.

    One "failed to load" error is not the page's fault and is left out: the document's own
    error status (a 404 page; statuses are checked separately).
    """
    errors: list[str] = []

    def on_console(message):
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource") and url == page.url:
            return
        errors.append(f"{message.text} ({url})" if url else message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    return errors


def visit_path(page, server, path: str, name: str, console: list[str]) -> Visit:
    response = page.goto(server.url(path))
    return inspect(page, name, response.status if response else None, console)


def linked_pages(page) -> list[str]:
    """Paths of the main menu's links, then the footer's accessibility page."""
    hrefs = page.locator("nav#navigation a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))")
    hrefs += page.locator("footer a[href*='accessibilite']").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))")
    return [urlparse(h).path for h in hrefs]


def dedupe(paths):
    seen, out = set(), []
    for p in paths:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


@pytest.fixture(scope="session")
def crawl(logged_in, server):
    """``crawl(role)`` → the role's visits, recorded once per session.

    Own pages: the main menu, the footer's accessibility page and the settings pages. Then
    every other space listed on /espaces is opened with its button (as a person would) and
    the page it lands on is recorded; in the first one, the menu's pages are visited too.
    Finally the role's own space is reopened so later tests start from it.
    """
    done: dict[str, list[Visit]] = {}

    def run(role: str) -> list[Visit]:
        if role in done:
            return done[role]
        page = logged_in(role)
        console = watch_console(page)
        visits: list[Visit] = []
        page.goto(server.url("/"))
        extra = OWN_PAGES.get(role, []) + (PATIENT_PAGES if role in PATIENTS else [])
        for path in dedupe(linked_pages(page) + SETTINGS_PAGES + extra):
            visits.append(visit_path(page, server, path, f"{role}-{slug(path)}", console))

        page.goto(server.url("/espaces"))
        if page.url.endswith("/espaces"):
            buttons = page.get_by_role("button", name=re.compile("^" + OPEN_OTHER_SPACE))
            names = [b.inner_text()[len(OPEN_OTHER_SPACE):] for b in buttons.all()]
            for index, person in enumerate(names):
                if index:
                    page.goto(server.url("/espaces"))
                page.get_by_role("button", name=OPEN_OTHER_SPACE + person, exact=True).click()
                expect(page.locator(".space-banner p")).to_contain_text(person)
                prefix = f"{role}-{slug(person)}"
                visits.append(inspect(page, f"{prefix}-ouverture", None, console))
                if index == 0:
                    for path in dedupe(linked_pages(page)):
                        visits.append(visit_path(page, server, path, f"{prefix}-{slug(path)}",
                                                 console))
            page.goto(server.url("/espaces"))
            own = page.get_by_role("button", name="Ouvrir mon espace")
            if own.count():
                with page.expect_response(lambda r: r.request.method == "POST"
                                          and "/espaces/" in r.url):
                    own.click()
                page.wait_for_load_state("load")
        done[role] = visits
        return visits

    return run


@pytest.fixture(scope="session")
def anonymous_visits(browser, server):
    """The pages seen before logging in, including both forms showing their errors."""
    context = browser.new_context(**CONTEXT_OPTIONS)
    page = context.new_page()
    console = watch_console(page)
    visits = [visit_path(page, server, "/connexion", "anonyme-connexion", console),
              visit_path(page, server, "/accessibilite", "anonyme-accessibilite", console)]
    visits.append(visit_path(page, server, "/nexiste-pas", "anonyme-404", console))

    page.goto(server.url("/connexion"))
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator(".error-summary")).to_be_visible()
    visits.append(inspect(page, "anonyme-connexion-erreurs", None, console))

    page.goto(server.url("/connexion"))
    page.get_by_label("Adresse e-mail").fill(ACCOUNTS["amina"])
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/connexion/code")
    visits.append(inspect(page, "anonyme-connexion-code", None, console))
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator(".error-summary")).to_be_visible()
    visits.append(inspect(page, "anonyme-connexion-code-erreurs", None, console))
    visits.extend(recovery_visits(page, server, console))
    visits.extend(activation_visits(page, server, console))
    yield visits
    context.close()


def activation_visits(page, server, console):
    """Activating with a letter's code, opposing, asking a new code: each page, and each
    showing its errors."""
    visits = []
    for path, button, name in (
            ("/activation", "Activer mon espace", "anonyme-activation"),
            ("/activation/opposition", "Je m’oppose à l’ouverture de mon espace",
             "anonyme-opposition"),
            ("/activation/nouveau-code", "Recevoir un nouveau code", "anonyme-nouveau-code")):
        visits.append(visit_path(page, server, path, name, console))
        page.get_by_role("button", name=button).click()
        expect(page.locator(".error-summary")).to_be_visible()
        visits.append(inspect(page, f"{name}-erreurs", None, console))
    return visits


def recovery_visits(page, server, console):
    """"Mot de passe oublié": each step, and each showing its errors (the new password is not
    saved: the session's accounts keep theirs)."""
    visits = [visit_path(page, server, "/mot-de-passe-oublie", "anonyme-oubli", console)]
    page.get_by_role("button", name="Recevoir un code").click()
    expect(page.locator(".error-summary")).to_be_visible()
    visits.append(inspect(page, "anonyme-oubli-erreurs", None, console))
    page.get_by_label("Adresse e-mail").fill(ACCOUNTS["amina"])
    page.get_by_role("button", name="Recevoir un code").click()
    page.wait_for_url("**/mot-de-passe-oublie/code")
    visits.append(inspect(page, "anonyme-oubli-code", None, console))
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator(".error-summary")).to_be_visible()
    visits.append(inspect(page, "anonyme-oubli-code-erreurs", None, console))
    page.get_by_label("Code reçu par e-mail").fill(server.login_code(ACCOUNTS["amina"]))
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/mot-de-passe-oublie/nouveau")
    visits.append(inspect(page, "anonyme-oubli-nouveau", None, console))
    page.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
    expect(page.locator(".error-summary")).to_be_visible()
    visits.append(inspect(page, "anonyme-oubli-nouveau-erreurs", None, console))
    # Without access to the mailbox: the page of a code printed at a counter, linked from
    # "Mot de passe oublié".
    page.goto(server.url("/mot-de-passe-oublie"))
    page.get_by_role("link", name="J’ai un code remis au guichet").click()
    page.wait_for_url("**/mot-de-passe-oublie/guichet")
    visits.append(inspect(page, "anonyme-oubli-guichet", None, console))
    page.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
    expect(page.locator(".error-summary")).to_be_visible()
    visits.append(inspect(page, "anonyme-oubli-guichet-erreurs", None, console))
    return visits


def page_problems(visit: Visit, expected_status: int = 200) -> list[str]:
    """Everything wrong with one recorded page, as readable lines."""
    problems = []
    if visit.status is not None and visit.status != expected_status:
        problems.append(f"HTTP status {visit.status}, expected {expected_status}")
    if visit.violations:
        problems.append(format_violations(visit.violations))
    if len(visit.h1s) != 1:
        problems.append(f"expected exactly one h1, found {visit.h1s!r}")
    else:
        # The layout writes both from the page's one title.
        expected = ("Erreur : " if visit.shows_errors else "") + visit.h1s[0] + " – Carnet"
        if visit.title != expected:
            problems.append(f"title {visit.title!r} is not {expected!r}")
    if visit.forms_without_token:
        problems.append(f"POST forms without a CSRF token: {visit.forms_without_token!r}")
    if visit.console_errors:
        problems.append(f"console errors: {visit.console_errors!r}")
    return problems


def assert_pages_ok(visits: list[Visit], statuses: dict[str, int] | None = None) -> None:
    statuses = statuses or {}
    report = []
    for visit in visits:
        problems = page_problems(visit, statuses.get(visit.name, 200))
        if problems:
            report.append(f"== {visit.name} ({visit.url})\n" + "\n".join(problems))
    assert not report, "\n".join(report)


# ---------------------------------------------------------------------------- 1. every page


@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_every_page_of_each_role_is_accessible(crawl, role):
    visits = crawl(role)
    paths = {urlparse(v.url).path for v in visits}
    assert set(SETTINGS_PAGES) <= paths and "/accessibilite" in paths, sorted(paths)
    assert_pages_ok(visits)


def test_anonymous_pages_are_accessible(anonymous_visits):
    by_name = {v.name: v for v in anonymous_visits}
    assert by_name["anonyme-connexion-erreurs"].shows_errors
    assert by_name["anonyme-connexion-erreurs"].title.startswith("Erreur : ")
    assert by_name["anonyme-connexion-code-erreurs"].shows_errors
    assert_pages_ok(anonymous_visits, {"anonyme-404": 404})


def test_every_page_is_valid_html(crawl, anonymous_visits):
    visits = [v for role in ACCOUNTS for v in crawl(role)] + anonymous_visits
    errors = vnu_errors({f"{v.name} ({v.url})": v.html for v in visits})
    assert not any(errors.values()), format_vnu_errors(errors)


# ------------------------------------------------------------------ 2. acting for a relative


@pytest.mark.parametrize("person", ["Lina", "Jean"])
def test_camille_opens_a_relatives_space_from_espaces(crawl, person):
    opened = [v for v in crawl("camille")
              if v.name.endswith("-ouverture") and person in v.banner]
    assert len(opened) == 1, [v.banner for v in crawl("camille") if v.name.endswith("ouverture")]
    visit = opened[0]
    assert urlparse(visit.url).path.startswith("/dossier")
    assert "Vous agissez pour" in visit.banner
    assert not visit.violations, format_violations(visit.violations)
    assert len(visit.h1s) == 1 and person in visit.h1s[0]


# --------------------------------------------------------------------------- 3. no JavaScript


def test_login_dossier_and_logout_work_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False, **CONTEXT_OPTIONS)
    try:
        page = context.new_page()
        login(page, server, ACCOUNTS["camille"])
        assert urlparse(page.url).path == "/dossier/"
        expect(page.locator("h1")).to_have_text("Mon dossier médical")
        assert page.evaluate("1 + 1") == 2  # evaluate works; page scripts do not
        assert not page.evaluate("typeof window.htmx !== 'undefined'")
        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_url("**/connexion**")
        assert urlparse(page.url).path == "/connexion"
        expect(page.locator(".notice--success[role=status]")).to_be_visible()
        page.goto(server.url("/dossier/"))
        assert urlparse(page.url).path == "/connexion", "the session must really be closed"
    finally:
        context.close()


def test_forgotten_password_works_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False, **CONTEXT_OPTIONS)
    try:
        page = context.new_page()
        page.goto(server.url("/connexion"))
        page.get_by_role("link", name="Mot de passe oublié ?").click()
        page.get_by_label("Adresse e-mail").fill(ACCOUNTS["camille"])
        page.get_by_role("button", name="Recevoir un code").click()
        page.wait_for_url("**/mot-de-passe-oublie/code")
        expect(page.locator("main")).to_contain_text("Si un compte existe pour l’adresse")
        page.get_by_label("Code reçu par e-mail").fill("000000")
        page.get_by_role("button", name="Continuer").click()
        expect(page.locator(".error-summary")).to_be_visible()
        page.get_by_label("Code reçu par e-mail").fill(server.login_code(ACCOUNTS["camille"]))
        page.get_by_role("button", name="Continuer").click()
        page.wait_for_url("**/mot-de-passe-oublie/nouveau")
        expect(page.locator("h1")).to_have_text("Choisissez un nouveau mot de passe")
        # Without the mailbox: the counter's code, refused with the form kept, without JS too.
        page.goto(server.url("/mot-de-passe-oublie"))
        page.get_by_role("link", name="J’ai un code remis au guichet").click()
        page.get_by_label("Code provisoire").fill("ACDE-FGHJ-KMNP")
        page.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
        expect(page.locator(".error-summary")).to_contain_text(
            "Saisissez le numéro de sécurité sociale.")
        expect(page.get_by_label("Code provisoire")).to_have_value("ACDE-FGHJ-KMNP")
    finally:
        context.close()


# ------------------------------------------------------------------------------ 4. keyboard


def test_keyboard_only_login(browser, server):
    context = browser.new_context(**CONTEXT_OPTIONS)
    try:
        page = context.new_page()
        page.goto(server.url("/connexion"))
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        assert focused == "Aller au contenu"
        assert page.locator(".skip-links a").first.is_visible(), "the skip link must show on focus"

        def tab_to(selector: str, limit: int = 15) -> None:
            for _ in range(limit):
                if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                    return
                page.keyboard.press("Tab")
            pytest.fail(f"{selector} not reached with Tab")

        tab_to("#email")
        page.keyboard.type(ACCOUNTS["camille"])
        tab_to("#password")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url("**/connexion/code")
        code = server.login_code(ACCOUNTS["camille"])
        tab_to("#code")
        page.keyboard.type(code)
        page.keyboard.press("Enter")
        page.wait_for_url("**/dossier/")
        expect(page.locator("h1")).to_have_text("Mon dossier médical")
    finally:
        context.close()


# ------------------------------------------------------------------- 5. reflow (320 px, 200 %)


@pytest.mark.parametrize("width", [320, 640], ids=["320px", "1280px-at-200pc"])
def test_no_horizontal_scrolling(browser, server, logged_in, crawl, width):
    crawl("camille")  # so that the crawl's space switching is over
    anonymous = browser.new_context(**CONTEXT_OPTIONS)
    try:
        pages = {"connexion": (anonymous.new_page(), "/connexion"),
                 "mot-de-passe-oublie": (anonymous.new_page(), "/mot-de-passe-oublie"),
                 "guichet": (anonymous.new_page(), "/mot-de-passe-oublie/guichet"),
                 "dossier": (logged_in("camille"), "/dossier/")}
        overflowing = []
        for name, (page, path) in pages.items():
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(server.url(path))
            sizes = page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]")
            screenshot(page, f"{SHOTS}/reflow-{name}-{width}px.png", caret="initial")
            if sizes[0] > sizes[1]:
                wide = page.evaluate("""(w) => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > w)
                    .slice(0, 5).map(e => e.outerHTML.slice(0, 120))""", width)
                overflowing.append(f"{name}: scrollWidth {sizes[0]} > {sizes[1]}: {wide}")
        assert not overflowing, "\n".join(overflowing)
    finally:
        logged_in("camille").set_viewport_size(CONTEXT_OPTIONS["viewport"])
        anonymous.close()


# Pages whose tables hold long cells (buttons, names, codes) beside short ones.
TABLE_PAGES = ["/dossier/histoire/", "/dossier/mesures/pas/", "/dossier/historique/",
               "/parametres/sessions"]

# Every word (2 characters or more) of a table cell whose characters lie on more than one line.
CUT_WORDS = """() => {
    const cut = [];
    for (const cell of document.querySelectorAll('main td, main th')) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const word of node.data.matchAll(/\\S{2,}/g)) {
                const range = document.createRange();
                range.setStart(node, word.index);
                range.setEnd(node, word.index + word[0].length);
                const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                if (tops.size > 1) cut.push(word[0]);
            }
        }
    }
    return cut;
}"""


@pytest.mark.parametrize("width", [1280, 640], ids=["1280px", "1280px-at-200pc"])
def test_table_cells_never_cut_a_word(logged_in, server, crawl, width):
    """A table gives each column at least its longest word: a wide cell (the reimbursement
    history's masking buttons) once squeezed the others to "Catégori/e" and "Rem/bour/sé"."""
    crawl("camille")
    page = logged_in("camille")
    page.set_viewport_size({"width": width, "height": 900})
    try:
        cut = {}
        for path in TABLE_PAGES:
            page.goto(server.url(path))
            assert page.locator("main table").count(), path
            words = page.evaluate(CUT_WORDS)
            if words:
                cut[path] = words[:8]
        assert not cut, cut
    finally:
        page.set_viewport_size(CONTEXT_OPTIONS["viewport"])


# ------------------------------------------------------------- 6. the README's screenshot


def test_readme_screenshot_of_the_dossier(server, logged_in, crawl):
    crawl("camille")
    page = logged_in("camille")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server.url("/dossier/"))
    expect(page.locator("h1")).to_have_text("Mon dossier médical")
    path = screenshot(page, "docs/screenshot-dossier.png", full_page=False, caret="initial")
    assert path.stat().st_size < 250_000


# --------------------------------------------------------------------------------- 7. htmx


def test_htmx_is_configured_safely_and_the_dossier_logs_no_error(server, logged_in, crawl):
    crawl("camille")
    page = logged_in("camille")
    console = watch_console(page)
    page.goto(server.url("/dossier/"))
    page.wait_for_function("() => window.htmx !== undefined")
    config = page.evaluate("""() => ({
        historyCacheSize: htmx.config.historyCacheSize, allowEval: htmx.config.allowEval,
        allowScriptTags: htmx.config.allowScriptTags,
        selfRequestsOnly: htmx.config.selfRequestsOnly})""")
    assert config == {"historyCacheSize": 0, "allowEval": False, "allowScriptTags": False,
                      "selfRequestsOnly": True}
    # A boosted round trip through the menu must not log anything either.
    page.locator("nav#navigation").get_by_role("link", name="Paramètres").click()
    expect(page.locator("h1")).to_have_text("Paramètres")
    page.go_back()
    expect(page.locator("h1")).to_have_text("Mon dossier médical")
    assert not console, f"console errors on the dossier page: {console}"
