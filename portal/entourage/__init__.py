"""Entourage et volontés: persons to contact in an emergency, the trusted person (personne de
confiance), the caregivers' contact details, organ-donation wishes and a pointer to the advance
directives. Professionals in an emergency see this first (emergency summary)."""
from flask import Blueprint

bp = Blueprint("entourage", __name__, url_prefix="/entourage")
