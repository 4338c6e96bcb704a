"""Demo: Dr Benali's prescription for Jean Dupont (type 2 diabetes, hypertension, atrial
fibrillation), stored in his record with its signed PDF, dispensed once by Paul Girard."""
from datetime import datetime, time, timedelta

from .models import Dispensation, Prescription, issue, local_today

LINES = [
    {"medicine": "Metformine 850 mg, comprimé pelliculé",
     "dosage": "1 comprimé matin et soir, au milieu du repas", "duration": "1 mois",
     "renewals": 3, "instructions": ""},
    {"medicine": "Ramipril 5 mg, comprimé", "dosage": "1 comprimé le matin",
     "duration": "1 mois", "renewals": 3,
     "instructions": "Contrôle de la kaliémie et de la créatinine dans 3 mois."},
    {"medicine": "Apixaban 2,5 mg, comprimé pelliculé",
     "dosage": "1 comprimé matin et soir, à 12 heures d’intervalle", "duration": "1 mois",
     "renewals": 3, "instructions": "Ne pas interrompre sans avis médical."},
]
WRITTEN_DAYS_AGO = 12
DISPENSED_DAYS_AGO = 11


def seed(people, accounts):
    """Create the prescription (and its first dispensation) unless Jean already has one."""
    jean, benali, girard = people["jean"], accounts["benali"], accounts["girard"]
    if Prescription.select().where(Prescription.patient == jean,
                                   Prescription.prescriber == benali).exists():
        return 0
    written_on = local_today() - timedelta(days=WRITTEN_DAYS_AGO)
    prescription = issue(jean, benali, LINES, prescribed_on=written_on, notify=False)
    dispensed_on = local_today() - timedelta(days=DISPENSED_DAYS_AGO)
    Dispensation.create(prescription=prescription, pharmacist=girard, renewal_number=0,
                        dispensed_at=datetime.combine(dispensed_on, time(9, 40)))
    return 2
