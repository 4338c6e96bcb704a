"""Connected services: the operator's catalogue of health apps, people's consent per purpose,
and the apps' side (OAuth2 with Authlib, a SMART on FHIR R4 API). Domain code lives in
models.py, rights.py, oauth.py and fhir.py; views.py (people), operator.py and api.py hold the
routes."""
from flask import Blueprint

bp = Blueprint("connect", __name__)
