"""Activity history: every access to and change of a space, shown to its holder."""
from flask import Blueprint

bp = Blueprint("history", __name__)
