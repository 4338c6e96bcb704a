from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/dossier/documents")
