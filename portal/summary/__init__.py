"""Printed summaries: "Ma synthèse" (sections chosen by the person) and the wallet-size emergency
card, rendered as tagged PDF by the huey worker (never in a web request), kept encrypted for a
day unless saved to the dossier."""
from flask import Blueprint

bp = Blueprint("summary", __name__, url_prefix="/imprimer")
