"""E-prescriptions: written by a prescriber, signed, verified and dispensed by a pharmacist."""
from flask import Blueprint

bp = Blueprint("prescriptions", __name__)
