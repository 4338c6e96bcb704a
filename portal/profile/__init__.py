"""Profil médical: the patient's health background, section by section (issue 3)."""
from flask import Blueprint

bp = Blueprint("profile", __name__, url_prefix="/dossier/profil")
