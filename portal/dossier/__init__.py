from flask import Blueprint

bp = Blueprint("dossier", __name__, url_prefix="/dossier")
