"""Security headers, CSRF, caching, error pages and production start-up checks."""

import re
from html import unescape

import pytest
from conftest import csrf_from
from helpers import PRODUCTION_KEYS, run_app_in_production

PAGES = {
    None: ["/connexion", "/accessibilite", "/nexiste-pas"],
    "camille": ["/dossier/", "/proches", "/espaces", "/parametres/", "/parametres/sessions",
                "/parametres/mot-de-passe", "/parametres/verification",
                "/parametres/verification/application"],
    "benali": ["/espaces", "/annuaire/"],
    "operateur": ["/annuaire/", "/dossier/"],
}


def all_pages(app, login_as):
    for role, urls in PAGES.items():
        client = login_as(role) if role else app.test_client()
        for url in urls:
            yield role, url, client.get(url)


def test_security_headers_on_every_page(app, login_as):
    for role, url, response in all_pages(app, login_as):
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
        assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp, url
        assert "script-src 'self'" in csp and "style-src 'self'" in csp, url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        assert response.headers["Referrer-Policy"] == "same-origin", url
        assert response.headers["X-Frame-Options"] == "DENY", url
        assert "HX-Request" in response.headers.get("Vary", ""), url
        assert response.headers["Cache-Control"] == "no-store", (role, url)


def test_every_page_has_one_h1_that_is_its_title(app, login_as):
    """The layout writes the h1 from the page's title: the <title> is that text (prefixed
    "Erreur : " when a form shows errors) followed by the site's name."""
    for role, url, response in all_pages(app, login_as):
        if response.status_code in (302, 303):
            continue
        html = response.get_data(as_text=True)
        h1s = re.findall(r"<h1>(.*?)</h1>", html, re.S)
        assert len(h1s) == 1, (role, url, h1s)
        title = unescape(re.search(r"<title>(.*?)</title>", html, re.S).group(1))
        prefix = "Erreur : " if 'class="error-summary"' in html else ""
        assert title == f"{prefix}{unescape(h1s[0])} – Carnet", (role, url, title, h1s)


def test_every_post_form_carries_the_csrf_token(app, login_as):
    """Every POST form on every page sends the CSRF token (the post_form macro writes it)."""
    for role, url, response in all_pages(app, login_as):
        if response.status_code in (302, 303):
            continue
        forms = re.findall(r"<form\b[^>]*>.*?</form>", response.get_data(as_text=True), re.S)
        posts = [f for f in forms if 'method="post"' in f[:f.index(">")]]
        assert posts, (role, url)  # at least the language form of the header
        for form in posts:
            assert re.search(r'<input [^>]*name="csrf_token" [^>]*value="[^"]+"', form), \
                (role, url, form[:200])


def test_hsts_only_outside_local_development(app):
    assert "Strict-Transport-Security" not in app.test_client().get("/connexion").headers
    app.config["HSTS"] = True
    assert "max-age=" in app.test_client().get("/connexion").headers["Strict-Transport-Security"]


def test_static_files_are_cacheable_and_have_no_session(client):
    response = client.get("/static/css/carnet.css")
    assert response.status_code == 200 and "max-age" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers


def test_no_inline_script_or_style_in_pages(app, login_as):
    for role, url, response in all_pages(app, login_as):
        html = response.get_data(as_text=True)
        assert " style=" not in html, url
        assert "<script>" not in html and "<script >" not in html, url
        assert " hx-" not in html, url  # htmx attributes are written data-hx-*


@pytest.mark.parametrize("url, data", [
    ("/connexion", {"email": "camille.martin@example.org", "password": "demo-carnet-2026"}),
    ("/langue", {"lang": "en"}),
])
def test_post_without_csrf_token_is_refused(client, url, data):
    client.get("/connexion")
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "formulaire a expiré" in response.get_data(as_text=True)


def test_post_with_a_token_from_another_session_is_refused(app, login_as):
    victim = login_as("camille")
    attacker = app.test_client()
    foreign_token = csrf_from(attacker.get("/connexion"))
    response = victim.post("/parametres/sessions/fin-autres", data={"csrf_token": foreign_token})
    assert response.status_code == 400


def test_a_kept_signed_token_stays_the_sessions_own(app, login_as):
    """The signed CSRF token is kept per session's token (rendering.csrf_token_for): a session
    gets its own again and again, never another session's, and a new session (after logging
    in again) gets a new one that the old one's pages cannot use."""
    first = login_as("camille")
    token = csrf_from(first.get("/dossier/"))
    assert csrf_from(first.get("/agenda/")) == token
    other = login_as("jean")
    assert csrf_from(other.get("/dossier/")) != token
    response = other.post("/parametres/sessions/fin-autres", data={"csrf_token": token})
    assert response.status_code == 400
    assert first.post("/parametres/sessions/fin-autres", data={"csrf_token": token}).status_code \
        in (302, 303)


def test_with_a_time_limit_each_request_signs_its_token_anew(app, login_as, monkeypatch):
    """Only tokens without an age are kept signed: with WTF_CSRF_TIME_LIMIT the signature's
    timestamp matters, and each request signs again, as Flask-WTF does."""
    import time
    client = login_as("camille")
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    token = csrf_from(client.get("/dossier/"))
    monkeypatch.setattr(time, "time", lambda real=time.time: real() + 5)
    assert csrf_from(client.get("/dossier/")) != token


def test_error_pages_use_the_layout_and_never_show_a_traceback(app):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")
    boom._policy_action = "public"
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Erreur du service" in text and "Traceback" not in text and "secret" not in text
    assert '<main id="contenu"' in text


def test_not_found_page(client):
    response = client.get("/nexiste-pas")
    assert response.status_code == 404 and "Page introuvable" in response.get_data(as_text=True)


def test_too_large_request_gets_a_clear_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    token = csrf_from(client.get("/connexion"))
    response = client.post("/connexion", data={"csrf_token": token, "email": "x" * 5000})
    assert response.status_code == 413
    assert "dépasse la taille autorisée" in response.get_data(as_text=True)


def login_with_next(app, client, target):
    """Log Jean in from /connexion?next=TARGET; returns the response to the code step."""
    from conftest import latest_code
    page = client.get(f"/connexion?next={target}")
    client.post(f"/connexion?next={target}", data={
        "csrf_token": csrf_from(page), "email": "jean.dupont@example.org",
        "password": "demo-carnet-2026"})
    page = client.get("/connexion/code")
    return client.post("/connexion/code", data={
        "csrf_token": csrf_from(page), "code": latest_code(app, "jean.dupont@example.org")})


def test_open_redirect_after_login_is_refused(app, client):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = login_with_next(app, app.test_client(), target)
        assert response.headers["Location"] == "/dossier/", target


def test_next_page_is_honoured_after_login(app, client):
    assert client.get("/parametres/sessions").headers["Location"].startswith(
        "/connexion?next=/parametres/sessions")
    response = login_with_next(app, client, "/parametres/sessions")
    assert response.headers["Location"] == "/parametres/sessions"


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = run_app_in_production(production_env(tmp_path, SECRET_KEY=None))
    assert result.returncode == 2
    assert "SECRET_KEY must be set" in result.stderr


def production_env(tmp_path, **overrides):
    env = {"CARNET_INSTANCE": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
           "HUEY_URL": f"sqlite:///{tmp_path}/h.db", **PRODUCTION_KEYS, **overrides}
    return {k: v for k, v in env.items() if v is not None}


def test_production_starts_with_its_keys_and_without_debug(tmp_path):
    result = run_app_in_production(production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "debug False" in result.stdout


@pytest.mark.parametrize("missing, message", [
    ("DOCUMENT_KEY", "DOCUMENT_KEY must be set"),
    ("PRESCRIPTION_SIGNING_KEY", "PRESCRIPTION_SIGNING_KEY must be set"),
    ("JOURNAL_SIGNING_KEY", "JOURNAL_SIGNING_KEY must be set"),
    ("PUBLIC_URL", "PUBLIC_URL must be set"),
])
def test_production_refuses_to_start_without_each_key(tmp_path, missing, message):
    result = run_app_in_production(production_env(tmp_path, **{missing: None}))
    assert result.returncode == 2 and message in result.stderr
