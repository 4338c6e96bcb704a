"""Emergency access ("bris de glace"): a professional opens a patient's space without consent."""
from flask import Blueprint

bp = Blueprint("emergency", __name__)
