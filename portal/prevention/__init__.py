"""Prevention calendar (Agenda › Prévention): the vaccinations, organised cancer screenings,
"Mon bilan prévention" and M'T dents checks due for a person, computed from the rules in
rules.py, their birth date, sex and record; marked done, to plan or not done; reminded once by
e-mail (tasks.py)."""
from flask import Blueprint

bp = Blueprint("prevention", __name__, url_prefix="/agenda/prevention")
