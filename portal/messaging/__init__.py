"""Secure messaging (messagerie sécurisée) between patients and their care team."""
from flask import Blueprint

bp = Blueprint("messaging", __name__, url_prefix="/messagerie")
