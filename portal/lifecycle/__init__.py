"""The space's lifecycle: closing one's space, opposing its opening (from the activation
invitation), reopening by an operator, and the proof of each, made by the worker as a PDF and
reachable for a week through a private link (the person is no longer logged in)."""
from flask import Blueprint

bp = Blueprint("lifecycle", __name__)
