"""Agenda: the appointments of a space (added by the patient's side or by an authorised
professional), a month view, iCalendar export and a private subscription URL, and e-mail
reminders sent once by a periodic task."""
from flask import Blueprint

bp = Blueprint("agenda", __name__, url_prefix="/agenda")
