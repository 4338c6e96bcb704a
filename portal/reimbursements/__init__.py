"""Mon histoire de santé: the care the insurer reimbursed, fed by an operator's bulk import
(FHIR ExplanationOfBenefit or CSV), shown to the person as a timeline."""
from flask import Blueprint

bp = Blueprint("reimbursements", __name__, url_prefix="/dossier/histoire")
