"""Télécharger mes données: the holder (or a legal representative) asks for a ZIP of the whole
space (documents in their own format, Ma synthèse, messages, agenda, measures, journal, a FHIR
R4 Bundle, a manifest and checksums); the worker builds it, it is kept encrypted for 7 days
behind the logged-in page, then deleted."""
from flask import Blueprint

bp = Blueprint("export", __name__, url_prefix="/mes-donnees")
