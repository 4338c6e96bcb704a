"""Mesures: the patient's measurements (weight, blood pressure, HbA1c…), charts and targets."""
from flask import Blueprint

bp = Blueprint("measures", __name__, url_prefix="/dossier/mesures")
