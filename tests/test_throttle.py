"""The one throttle of everything typed as a proof (codes, identities), and the client address
it counts by, behind reverse proxies or not."""
from conftest import DEMO_PASSWORD, ROLES, csrf_from


def _login(client, email, password, forwarded=None, peer="10.0.0.2"):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    environ = {"REMOTE_ADDR": peer}
    page = client.get("/connexion", headers=headers, environ_base=environ)
    return client.post("/connexion", headers=headers, environ_base=environ,
                       data={"csrf_token": csrf_from(page), "email": email,
                             "password": password})


def _app_behind(app, proxies):
    """The same database and files, served behind `proxies` trusted reverse proxies."""
    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import limiter
    application = create_app(TestConfig, DATABASE_URL=app.config["DATABASE_URL"],
                             STORAGE_DIR=app.config["STORAGE_DIR"], TRUSTED_PROXIES=proxies)
    application.config["LOGIN_LIMIT_IP"] = "8 per 15 minutes"
    limiter.reset()
    return application


# --- item 5: the client's address behind reverse proxies -----------------------------------------

def test_without_a_trusted_proxy_x_forwarded_for_cannot_dodge_the_ip_limit(app):
    assert app.config["TRUSTED_PROXIES"] == 0  # the default
    app.config["LOGIN_LIMIT_IP"] = "8 per 15 minutes"
    client = app.test_client()
    for i in range(8):
        response = _login(client, f"user{i}@example.org", "wrong-password-123",
                          forwarded=f"198.51.100.{i}")
        assert response.status_code == 200
    assert _login(client, "user99@example.org", "wrong-password-123",
                  forwarded="198.51.100.99").status_code == 429


def test_behind_one_proxy_people_sharing_its_address_are_counted_apart(app):
    proxied = _app_behind(app, 1)
    attacker, neighbour = proxied.test_client(), proxied.test_client()
    for i in range(8):
        # whatever the attacker writes first, the proxy appends the address it saw
        response = _login(attacker, f"user{i}@example.org", "wrong-password-123",
                          forwarded=f"192.0.2.{i}, 203.0.113.7")
        assert response.status_code == 200
    assert _login(attacker, "user99@example.org", "wrong-password-123",
                  forwarded="192.0.2.99, 203.0.113.7").status_code == 429
    # someone else behind the same proxy (same socket peer) is not locked out
    response = _login(neighbour, ROLES["jean"], DEMO_PASSWORD, forwarded="198.51.100.20")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/connexion/code")


def test_behind_one_proxy_the_journal_records_the_clients_address(app, ctx):
    from portal.audit import ActivityEvent
    proxied = _app_behind(app, 1)
    _login(proxied.test_client(), ROLES["amina"], "wrong-password-123",
           forwarded="198.51.100.33")
    event = ActivityEvent.select().where(ActivityEvent.action == "auth.login_failed").order_by(
        ActivityEvent.id.desc()).first()
    assert event.ip == "198.51.100.33"
