"""The demo third-party app (examples/tensiometre) against Carnet: both driven by Flask test
clients, the app's HTTP calls to Carnet carried by the requests adapter of test_connect. The
person's browser goes from the app to Carnet's consent screen and back; the app then reads the
blood pressures and writes a new one, or shows Carnet's refusal."""
import importlib.util
import os
import re
from urllib.parse import urlsplit

from conftest import ROOT_DIR
from test_connect import BASE, FlaskAdapter, back_to_app, consent, purposes

APP_FILE = os.path.join(ROOT_DIR, "examples", "tensiometre", "app.py")


def demo_app(app):
    spec = importlib.util.spec_from_file_location("tensiometre_demo", APP_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    demo = module.create_app(carnet_url=BASE, own_url="http://127.0.0.1:5001",
                             adapter=FlaskAdapter(app.test_client()))
    demo.config["TESTING"] = True
    return demo


def csrf(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def connect_through_the_app(app, login_as, chosen):
    """The person clicks "Connecter" in the app, consents in Carnet, comes back to the app."""
    phone = demo_app(app).test_client()
    home = phone.get("/")
    assert "Connecter à mon espace santé Carnet" in home.get_data(as_text=True)
    sent = phone.post("/connecter", data={"csrf_token": csrf(home)})
    assert sent.status_code == 302
    authorize = urlsplit(sent.headers["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}" == BASE  # found through discovery
    assert "code_challenge_method=S256" in authorize.query
    browser = login_as("camille")
    back = urlsplit(back_to_app(consent(browser, f"{authorize.path}?{authorize.query}",
                                        chosen)))
    assert (back.netloc, back.path) == ("127.0.0.1:5001", "/callback")
    landed = phone.get(f"{back.path}?{back.query}")
    assert landed.status_code == 302, landed.get_data(as_text=True)[:800]
    return phone


def rows(page):
    return re.findall(r"<tr><td>([^<]+)</td><td>(\d+) mmHg</td><td>(\d+) mmHg</td></tr>",
                      page.get_data(as_text=True))


def test_the_demo_app_connects_reads_and_writes_a_blood_pressure(app, login_as, person, ctx):
    from portal.measures.models import Measure
    camille = person("Camille")
    before = Measure.select().where(Measure.patient == camille.id,
                                    Measure.kind == "blood_pressure").count()
    phone = connect_through_the_app(app, login_as, purposes("tensiometre-connecte"))
    home = phone.get("/")
    assert home.status_code == 200
    shown = rows(home)
    assert len(shown) == min(before, 10)
    answer = phone.post("/mesures", data={"csrf_token": csrf(home), "systolique": "143",
                                          "diastolique": "92"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:800]
    after = phone.get("/")
    text = after.get_data(as_text=True)
    assert "Mesure enregistrée dans Carnet : 143/92 mmHg." in text
    # The newest reading comes first, read back from Carnet.
    assert rows(after)[0][1:] == ("143", "92")
    added = Measure.select().where(Measure.patient == camille.id,
                                   Measure.kind == "blood_pressure").order_by(
        Measure.id.desc()).first()
    assert (added.value, added.value2) == (143, 92)


def test_the_demo_app_shows_carnets_refusal_without_the_write_purpose(app, login_as, person,
                                                                      ctx):
    from portal.measures.models import Measure
    read, _write = purposes("tensiometre-connecte")
    phone = connect_through_the_app(app, login_as, [read])
    home = phone.get("/")
    count = Measure.select().count()
    refused = phone.post("/mesures", data={"csrf_token": csrf(home), "systolique": "150",
                                           "diastolique": "95"})
    assert refused.status_code == 403
    text = refused.get_data(as_text=True)
    assert "Carnet a refusé la mesure : Consentement" in text
    assert 'value="150"' in text  # what the person typed is kept
    assert Measure.select().count() == count


def test_the_demo_app_refuses_a_post_without_its_csrf_token(app):
    phone = demo_app(app).test_client()
    assert phone.post("/connecter").status_code == 400
