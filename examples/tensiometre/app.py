"""« Tensiomètre connecté »: the demo third-party app of Carnet's connected services.

A separate small Flask app (not part of Carnet: it only speaks to it over HTTP, as a real app
would). It finds Carnet's endpoints through SMART discovery (/.well-known/smart-configuration),
connects with the authorization code flow and PKCE S256 (Authlib's OAuth2Session, a public
client: no secret), then reads the person's blood pressure Observations and adds new ones.
When Carnet refuses, its OperationOutcome message is shown as is.

Run it alone:  .venv/bin/gunicorn --bind 127.0.0.1:5001 --chdir examples/tensiometre \
               'app:create_app()'
(`make run` starts it with Carnet). Settings from the environment:
CARNET_URL (default http://127.0.0.1:8000) and TENSIOMETRE_URL (default http://127.0.0.1:5001;
its /callback must be the redirect address Carnet's catalogue holds for the client)."""
import html
import json
import os
import secrets
import threading
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from flask import Flask, abort, redirect, request, session, url_for

CLIENT_ID = "tensiometre-demo"  # as referenced in Carnet's demo catalogue (portal/connect/demo.py)
SCOPE = "launch/patient offline_access patient/Observation.rs patient/Observation.c"
FHIR = "application/fhir+json"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
PANEL, SYSTOLIC, DIASTOLIC = "85354-9", "8480-6", "8462-4"
PARIS = ZoneInfo("Europe/Paris")


def create_app(carnet_url=None, own_url=None, adapter=None):
    """The app. `adapter` (a requests transport adapter) carries its calls to Carnet instead of
    the network: the tests drive Carnet's Flask test client through it."""
    app = Flask(__name__)
    app.config.update(
        CARNET_URL=(carnet_url or os.environ.get("CARNET_URL", "http://127.0.0.1:8000"))
        .rstrip("/"),
        OWN_URL=(own_url or os.environ.get("TENSIOMETRE_URL", "http://127.0.0.1:5001"))
        .rstrip("/"),
        # A fresh key per start: a restart only means connecting again (tokens are in memory).
        SECRET_KEY=secrets.token_hex(32),
        # Carnet runs on the same host (127.0.0.1): cookies do not tell ports apart, so this
        # app's cookie needs a name of its own or it would overwrite Carnet's session.
        SESSION_COOKIE_NAME="tensiometre_session",
        SESSION_COOKIE_SAMESITE="Lax",
    )
    # Tokens stay on the server, keyed by a random id in the cookie: the browser never holds
    # them. One process (gunicorn --workers 1) and a lock for its threads.
    tokens = {}
    lock = threading.Lock()
    discovery = {}

    def http():
        client = requests.Session()
        if adapter is not None:
            client.mount(app.config["CARNET_URL"], adapter)
        return client

    def configuration():
        """Carnet's SMART configuration, read once."""
        if not discovery:
            answer = http().get(f"{app.config['CARNET_URL']}/.well-known/smart-configuration",
                                timeout=10)
            answer.raise_for_status()
            discovery.update(answer.json())
        return discovery

    def redirect_uri():
        return f"{app.config['OWN_URL']}/callback"

    def oauth(token=None, **kwargs):
        config = configuration()
        key = session.get("sid")

        def keep(new_token, refresh_token=None, access_token=None):
            with lock:
                tokens[key] = dict(new_token)

        client = OAuth2Session(CLIENT_ID, redirect_uri=redirect_uri(), scope=SCOPE,
                               code_challenge_method="S256", token=token,
                               token_endpoint=config["token_endpoint"], update_token=keep,
                               **kwargs)
        if adapter is not None:
            client.mount(app.config["CARNET_URL"], adapter)
        return client

    def current_token():
        with lock:
            return tokens.get(session.get("sid"))

    def csrf_token():
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(32)
        return session["csrf"]

    def check_csrf():
        sent = request.form.get("csrf_token", "")
        if not session.get("csrf") or not secrets.compare_digest(sent, session["csrf"]):
            abort(400)

    @app.get("/")
    def home():
        token = current_token()
        if token is None:
            return page("Tensiomètre connecté", f"""
<p>Ce tensiomètre de démonstration envoie vos mesures de tension artérielle dans votre espace
santé Carnet et vous montre les dernières.</p>
<p>Pour commencer, connectez-le à Carnet : vous choisirez, finalité par finalité, ce qu’il peut
lire et ajouter. Vous pourrez le déconnecter à tout moment dans « Services connectés ».</p>
<form method="post" action="{url_for('connect')}">
<input type="hidden" name="csrf_token" value="{csrf_token()}">
<button type="submit">Connecter à mon espace santé Carnet</button>
</form>""", message=session.pop("message", None))
        return readings_page(token)

    @app.post("/connecter")
    def connect():
        check_csrf()
        session.setdefault("sid", secrets.token_urlsafe(24))
        verifier = generate_token(48)
        url, state = oauth().create_authorization_url(
            configuration()["authorization_endpoint"], code_verifier=verifier,
            aud=configuration().get("issuer"))
        session["oauth"] = {"state": state, "verifier": verifier}
        return redirect(url)

    @app.get("/callback")
    def callback():
        pending = session.pop("oauth", None)
        if request.args.get("error"):
            session["message"] = ("Vous n’avez pas autorisé le tensiomètre : rien n’a été "
                                  "connecté." if request.args["error"] == "access_denied"
                                  else "Carnet a refusé la connexion ("
                                  f"{request.args['error']}).")
            return redirect(url_for("home"))
        if pending is None or request.args.get("state") != pending["state"]:
            abort(400)
        client = oauth(state=pending["state"])
        token = client.fetch_token(configuration()["token_endpoint"],
                                   authorization_response=request.url,
                                   code_verifier=pending["verifier"])
        with lock:
            tokens[session["sid"]] = dict(token)
        return redirect(url_for("home"))

    @app.post("/mesures")
    def add_reading():
        check_csrf()
        token = current_token()
        if token is None:
            return redirect(url_for("home"))
        form = {"systolique": request.form.get("systolique", "").strip(),
                "diastolique": request.form.get("diastolique", "").strip()}
        try:
            systolic, diastolic = int(form["systolique"]), int(form["diastolique"])
        except ValueError:
            return readings_page(token, form=form, status=422,
                                 error="Indiquez les deux valeurs en nombres entiers (mmHg).")
        resource = blood_pressure(token["patient"], systolic, diastolic,
                                  datetime.now(timezone.utc))
        answer = oauth(token).post(f"{fhir_base()}/Observation", data=json.dumps(resource),
                                   headers={"Content-Type": FHIR, "Accept": FHIR})
        if answer.status_code != 201:
            return readings_page(token, form=form, status=answer.status_code,
                                 error=outcome_text(answer))
        session["message"] = f"Mesure enregistrée dans Carnet : {systolic}/{diastolic} mmHg."
        return redirect(url_for("home"))

    @app.post("/oublier")
    def forget():
        """Forget the token here (revoking it at Carnet: disconnecting is done there)."""
        check_csrf()
        with lock:
            token = tokens.pop(session.get("sid"), None)
        if token is not None:
            endpoint = configuration().get("revocation_endpoint")
            if endpoint:
                oauth(token).revoke_token(endpoint, token=token["access_token"])
        session["message"] = "Le tensiomètre a oublié sa connexion à Carnet."
        return redirect(url_for("home"))

    def fhir_base():
        return configuration().get("issuer") or f"{app.config['CARNET_URL']}/fhir"

    def readings_page(token, form=None, status=200, error=None):
        form = form or {"systolique": "", "diastolique": ""}
        answer = oauth(token).get(f"{fhir_base()}/Observation",
                                  params={"code": PANEL, "_count": 10},
                                  headers={"Accept": FHIR})
        if answer.status_code != 200:
            listing = f'<p role="alert">{html.escape(outcome_text(answer))}</p>'
        else:
            rows = [reading(entry.get("resource", {}))
                    for entry in answer.json().get("entry", [])]
            listing = ("<p>Aucune mesure de tension dans votre espace santé.</p>" if not rows
                       else "<table><caption>Vos dernières tensions (Carnet)</caption><thead>"
                       "<tr><th scope=\"col\">Date</th><th scope=\"col\">Systolique</th>"
                       "<th scope=\"col\">Diastolique</th></tr></thead><tbody>"
                       + "".join(f"<tr><td>{html.escape(when)}</td><td>{mmhg(s)} mmHg</td>"
                                 f"<td>{mmhg(d)} mmHg</td></tr>" for when, s, d in rows)
                       + "</tbody></table>")
        problem = (f'<p role="alert" id="probleme">Carnet a refusé la mesure : '
                   f"{html.escape(error)}</p>" if error else "")
        described = ' aria-describedby="probleme"' if error else ""
        body = f"""
<h2>Vos mesures</h2>
{listing}
<h2>Nouvelle mesure</h2>
{problem}
<form method="post" action="{url_for('add_reading')}">
<input type="hidden" name="csrf_token" value="{csrf_token()}">
<p><label for="systolique">Pression systolique (mmHg)</label>
<input id="systolique" name="systolique" inputmode="numeric" required
 value="{html.escape(form['systolique'])}"{described}></p>
<p><label for="diastolique">Pression diastolique (mmHg)</label>
<input id="diastolique" name="diastolique" inputmode="numeric" required
 value="{html.escape(form['diastolique'])}"{described}></p>
<p><button type="submit">Envoyer la mesure à Carnet</button></p>
</form>
<form method="post" action="{url_for('forget')}">
<input type="hidden" name="csrf_token" value="{csrf_token()}">
<p><button type="submit">Oublier la connexion à Carnet</button></p>
</form>"""
        return page("Tensiomètre connecté", body, message=session.pop("message", None)), status

    return app


def blood_pressure(patient_id, systolic, diastolic, moment):
    """A blood pressure panel (LOINC 85354-9) with its two components, as Carnet expects."""
    def component(code, value):
        return {"code": {"coding": [{"system": LOINC, "code": code}]},
                "valueQuantity": {"value": value, "unit": "mmHg", "system": UCUM,
                                  "code": "mm[Hg]"}}
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": PANEL}]},
            "subject": {"reference": f"Patient/{patient_id}"},
            "effectiveDateTime": moment.isoformat(timespec="seconds"),
            "component": [component(SYSTOLIC, systolic), component(DIASTOLIC, diastolic)]}


def reading(resource):
    """(date in Paris time, systolic, diastolic) of a blood pressure Observation."""
    values = {}
    for part in resource.get("component", []):
        for coding in part.get("code", {}).get("coding", []):
            values[coding.get("code")] = part.get("valueQuantity", {}).get("value")
    moment = datetime.fromisoformat(resource["effectiveDateTime"].replace("Z", "+00:00"))
    return (moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M"), values.get(SYSTOLIC),
            values.get(DIASTOLIC))


def mmhg(value):
    """143.0 is shown 143 (FHIR quantities are decimals; a tension is a whole number)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return html.escape(str(value))


def outcome_text(answer):
    """The message of Carnet's OperationOutcome (every error of its API is one)."""
    try:
        issues = answer.json().get("issue", [])
        text = " ".join(i.get("diagnostics", "") for i in issues).strip()
    except ValueError:
        text = ""
    return text or f"erreur {answer.status_code}"


def page(title, body, message=None):
    notice = f'<p role="status">{html.escape(message)}</p>' if message else ""
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 0 auto; padding: 1rem;
  line-height: 1.5; color: #1a1a1a; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #767676; padding: .4rem; text-align: start; }}
input, button {{ font: inherit; padding: .4rem; }}
[role=alert] {{ border-inline-start: 4px solid #b00020; padding-inline-start: .6rem; }}
</style>
</head>
<body>
<header><p>Application de démonstration, distincte de Carnet</p></header>
<main>
<h1>{html.escape(title)}</h1>
{notice}
{body}
</main>
</body>
</html>"""
