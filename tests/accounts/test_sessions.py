"""Server-side sessions: logout really ends them, timeouts, rotation, Mes sessions."""
from datetime import timedelta

import pytest
from conftest import ROLES, csrf_from


def session_cookie(client):
    cookie = client.get_cookie("carnet_session")
    return cookie.value if cookie else None


def test_cookie_holds_only_a_random_token_and_the_row_holds_a_hash(login_as, ctx):
    from portal.accounts.models import UserSession
    client = login_as("camille")
    token = session_cookie(client)
    assert token and "_user_id" not in token and "." not in token  # not a signed data blob
    keys = [row.key for row in UserSession.select()]
    assert token not in keys  # the database never stores the token itself


def test_session_id_changes_at_login(app, client):
    from helpers import start_login, submit_code
    from conftest import latest_code
    start_login(client, ROLES["camille"])
    before = session_cookie(client)
    submit_code(client, latest_code(app, ROLES["camille"]))
    assert before and session_cookie(client) != before


def test_copy_of_cookie_taken_before_logout_is_refused_afterwards(app, login_as):
    client = login_as("camille")
    stolen = session_cookie(client)
    assert client.get("/dossier/").status_code == 200
    client.post("/deconnexion", data={"csrf_token": csrf_from(client.get("/parametres/"))})
    thief = app.test_client()
    thief.set_cookie("carnet_session", stolen)
    response = thief.get("/dossier/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_logout_requires_post_with_csrf(login_as):
    client = login_as("camille")
    assert client.get("/deconnexion").status_code == 405
    assert client.post("/deconnexion").status_code == 400
    assert client.get("/dossier/").status_code == 200


def test_idle_timeout_ends_the_session(login_as, ctx):
    from portal.accounts.models import UserSession, utcnow
    client = login_as("jean")
    UserSession.update(last_seen_at=utcnow() - timedelta(minutes=31)).execute()
    response = client.get("/dossier/")
    assert response.status_code == 302 and "expiree=1" in response.headers["Location"]
    assert UserSession.select().where(UserSession.account.is_null(False)).count() == 0


def test_absolute_timeout_ends_an_active_session(login_as, ctx):
    from portal.accounts.models import UserSession, utcnow
    client = login_as("jean")
    UserSession.update(created_at=utcnow() - timedelta(hours=12, minutes=1)).execute()
    assert client.get("/dossier/").status_code == 302


def test_expiry_message_is_shown_after_timeout(login_as, ctx):
    from portal.accounts.models import UserSession, utcnow
    client = login_as("jean")
    UserSession.update(last_seen_at=utcnow() - timedelta(hours=1)).execute()
    page = client.get("/dossier/", follow_redirects=True).get_data(as_text=True)
    assert "Votre session a expiré" in page


def test_warning_before_expiry_is_in_every_authenticated_page(login_as):
    page = login_as("jean").get("/dossier/").get_data(as_text=True)
    assert 'data-session-idle="1800"' in page and 'id="session-warning"' in page
    assert "30 minutes sans activité" in page and "Prolonger ma session" in page


def test_keep_alive_resets_idle_time(login_as, ctx):
    from portal.accounts.models import UserSession, utcnow
    client = login_as("jean")
    UserSession.update(last_seen_at=utcnow() - timedelta(minutes=25)).execute()
    page = client.get("/parametres/")
    client.post("/session/prolonger", data={"csrf_token": csrf_from(page)})
    row = UserSession.get(UserSession.account.is_null(False))
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_password_change_ends_the_other_sessions(app, login_as, ctx):
    laptop = login_as("amina")
    phone = login_as("amina")
    page = laptop.get("/parametres/mot-de-passe")
    response = laptop.post("/parametres/mot-de-passe", data={
        "csrf_token": csrf_from(page), "current_password": "demo-carnet-2026",
        "new_password": "un jardin plein de tomates", "confirm": "un jardin plein de tomates"})
    assert response.status_code == 302
    assert laptop.get("/dossier/").status_code == 200
    assert phone.get("/dossier/").status_code == 302


def test_password_change_refuses_a_common_password_and_keeps_the_session(login_as):
    client = login_as("amina")
    page = client.get("/parametres/mot-de-passe")
    response = client.post("/parametres/mot-de-passe", data={
        "csrf_token": csrf_from(page), "current_password": "demo-carnet-2026",
        "new_password": "azertyuiop12", "confirm": "azertyuiop12"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "trop courant" in text and "<title>Erreur :" in text
    assert 'href="#new_password"' in text  # the error summary links to the field


def test_my_sessions_lists_and_ends_other_sessions(app, login_as):
    laptop = login_as("camille")
    phone = login_as("camille")
    page = laptop.get("/parametres/sessions")
    text = page.get_data(as_text=True)
    assert "cet appareil" in text and text.count("Fermer cette session") == 1
    laptop.post("/parametres/sessions/fin-autres", data={"csrf_token": csrf_from(page)})
    assert phone.get("/dossier/").status_code == 302
    assert laptop.get("/dossier/").status_code == 200


def test_ending_one_session_is_scoped_to_the_account(app, login_as, ctx):
    from portal.accounts.models import Account, UserSession
    camille = login_as("camille")
    login_as("jean")
    jean_key = UserSession.select().join(Account).where(Account.email == ROLES["jean"]).get().key
    page = camille.get("/parametres/sessions")
    response = camille.post(f"/parametres/sessions/{jean_key[:16]}/fin",
                            data={"csrf_token": csrf_from(page)})
    assert response.status_code == 404
    assert UserSession.get_or_none(UserSession.key == jean_key) is not None


def test_anonymous_visits_do_not_fill_the_session_table(client, ctx):
    from portal.accounts.models import UserSession
    client.get("/accessibilite")
    client.get("/nexiste-pas")
    assert UserSession.select().count() == 0


EXPIRED_FORM = "Pour votre sécurité, ce formulaire a expiré."


def test_reading_the_login_page_writes_nothing(client, ctx):
    """An anonymous GET writes no row: the login form's CSRF secret rides in a signed cookie,
    set once, and no session cookie is set."""
    from portal.accounts.models import UserSession
    responses = [client.get(url) for url in ["/connexion"] * 20 + ["/accessibilite"]]
    assert all(r.status_code == 200 for r in responses)
    assert UserSession.select().count() == 0
    cookies = [c for r in responses for c in r.headers.getlist("Set-Cookie")]
    assert len(cookies) == 1 and cookies[0].startswith("carnet_csrf=")
    assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]
    assert client.get_cookie("carnet_session") is None


def test_over_https_the_csrf_cookie_is_host_only(app, ctx):
    app.config["SESSION_COOKIE_SECURE"] = True
    cookie = app.test_client().get("/connexion").headers["Set-Cookie"]
    assert cookie.startswith("__Host-carnet_csrf=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie


def test_logging_in_after_anonymous_pages_starts_one_session_and_drops_the_csrf_cookie(
        app, client, login_as, ctx):
    from portal.accounts.models import UserSession
    client.get("/accessibilite")
    assert client.get_cookie("carnet_csrf") is not None
    login_as("camille", client=client)
    assert client.get_cookie("carnet_csrf") is None  # the secret now lives in the row
    assert client.get_cookie("carnet_session") is not None
    assert UserSession.select().count() == 1
    assert client.get("/dossier/").status_code == 200
    # the forms of the logged-in pages still pass the CSRF check
    page = client.get("/parametres/")
    response = client.post("/deconnexion", data={"csrf_token": csrf_from(page)})
    assert response.status_code in (302, 303)
    assert UserSession.select().count() == 0


@pytest.mark.parametrize("case", ["missing", "other visitor's token", "forged cookie",
                                  "no cookie"])
def test_anonymous_posts_still_need_their_own_csrf_token(app, client, ctx, case):
    from portal.accounts.models import UserSession
    token = csrf_from(client.get("/connexion"))
    data = {"email": ROLES["camille"], "password": "demo-carnet-2026", "csrf_token": token}
    if case == "missing":
        del data["csrf_token"]
    elif case == "other visitor's token":
        data["csrf_token"] = csrf_from(app.test_client().get("/connexion"))
    elif case == "forged cookie":
        value = client.get_cookie("carnet_csrf").value
        secret, _dot, signature = value.rpartition(".")
        client.set_cookie("carnet_csrf", "0" * len(secret) + "." + signature)
    else:
        client.delete_cookie("carnet_csrf")
    response = client.post("/connexion", data=data)
    assert response.status_code == 400
    assert EXPIRED_FORM in response.get_data(as_text=True)
    assert UserSession.select().count() == 0
    assert client.get_cookie("carnet_session") is None


def test_cookie_flags(app, login_as):
    client = login_as("camille")
    cookie = client.get_cookie("carnet_session")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False  # development/test over http only
    from portal.config import Config
    assert Config.SESSION_COOKIE_SECURE is True


def test_who_is_asking_is_one_statement(login_as, ctx):
    """The session's row brings its account and person (sessions.SESSION_ROW): a page reads
    no account on its own to know who is logged in."""
    from querycount import count_queries
    client = login_as("camille")
    assert client.get("/dossier/").status_code == 200
    with count_queries() as statements:
        assert client.get("/dossier/").status_code == 200
    sessions = [sql for sql in statements if 'FROM "user_session"' in sql]
    assert len(sessions) == 1 and 'JOIN "account"' in sessions[0]
    assert not [sql for sql in statements if 'FROM "account"' in sql]


def test_a_deactivated_accounts_session_opens_nothing(login_as, ctx):
    """The account comes with the session only while it is active: once deactivated, its
    session is a stranger's (to the login page), as when the account was read on its own."""
    from portal.accounts.models import Account
    client = login_as("camille")
    assert client.get("/dossier/").status_code == 200
    Account.update(is_active=False).where(Account.email == ROLES["camille"]).execute()
    response = client.get("/dossier/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
