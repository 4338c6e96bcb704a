"""Demo history: three years of Jean's reimbursed care (diabetes, hypertension and atrial
fibrillation under ALD: monthly medicines, quarterly visits and blood tests, a yearly flu
vaccine), Camille's asthma and allergy care, Lina's childhood visits and vaccines. Dates are
relative to today, so the newest lines are always recent; identifiers are stable, so seeding
again creates only what is missing."""
from datetime import timedelta

from ..accounts.models import utcnow
from .models import Reimbursement

BENALI = "Dr Nadia Benali, médecin généraliste, Tulle"
PHARMACY = "Pharmacie du Trech, Tulle"
LAB = "Laboratoire Bio Corrèze, Tulle"


def _jean(today):
    rows = []
    for month in range(36, -1, -1):
        day = today - timedelta(days=round(month * 30.4) + 3)
        for cip, name, dose, paid in (
                ("3400935955838", "Metformine 1000 mg", "1 comprimé matin et soir", 476),
                ("3400934998331", "Ramipril 5 mg", "1 comprimé le matin", 562),
                ("3400927653902", "Apixaban 5 mg", "1 comprimé matin et soir", 5291)):
            rows.append((day, "medicaments", name, PHARMACY, {"cip13": cip, "dose": dose},
                         paid, paid))
        if month % 3 == 0:
            rows.append((day - timedelta(days=5), "consultation", "Consultation de suivi",
                         BENALI, {}, 3000, 3000))
            rows.append((day - timedelta(days=8), "biologie", "Hémoglobine glyquée (HbA1c)",
                         LAB, {"nabm": "1577"}, 945, 945))
        if month % 12 == 1:
            rows.append((day - timedelta(days=2), "vaccins", "Vaccin grippe saisonnière",
                         PHARMACY, {"cip13": "3400930253414"}, 1120, 1120))
            rows.append((day, "ald", "Protocole de soins ALD : diabète de type 2 (ALD 8)",
                         BENALI, {}, None, None))
        if month in (4, 19):
            rows.append((day - timedelta(days=12), "medicaments", "Paracétamol 1 g", PHARMACY,
                         {"cip13": "3400936403116", "dose": "1 comprimé jusqu’à 3 fois par jour"},
                         218, 142))
    rows.append((today - timedelta(days=200), "imagerie", "Échocardiographie transthoracique",
                 "Centre hospitalier de Tulle, cardiologie", {"ccam": "DZQM006"}, 9576, 9576))
    rows.append((today - timedelta(days=420), "dispositifs", "Bandelettes d’autosurveillance "
                 "glycémique (50)", PHARMACY, {}, 2498, 2498))
    rows.append((today - timedelta(days=700), "hospitalisation", "Hospitalisation de jour, "
                 "cardiologie (bilan)", "Centre hospitalier de Tulle", {}, 68000, 68000))
    return rows


def _camille(today):
    rows = []
    for month in (1, 5, 11, 14, 23):
        day = today - timedelta(days=round(month * 30.4) + 6)
        rows.append((day, "consultation", "Consultation", BENALI, {}, 3000, 1900))
        rows.append((day, "medicaments", "Salbutamol 100 µg", PHARMACY,
                     {"cip13": "3400933958794", "dose": "2 bouffées en cas de gêne"}, 446, 290))
    rows.append((today - timedelta(days=40), "medicaments", "Cétirizine 10 mg", PHARMACY,
                 {"cip13": "3400934513282"}, 195, 127))
    rows.append((today - timedelta(days=40), "medicaments", "Fluticasone 50 µg, spray nasal",
                 PHARMACY, {"cip13": "3400936079601", "dose": "2 pulvérisations le matin"},
                 563, 366))
    rows.append((today - timedelta(days=300), "biologie", "IgE spécifiques (pollens)", LAB,
                 {"nabm": "1806"}, 1620, 1053))
    rows.append((today - timedelta(days=70), "vaccins", "Vaccin grippe saisonnière", PHARMACY,
                 {"cip13": "3400930253414"}, 1120, 1120))
    return rows


def _lina(today):
    rows = []
    for month in (2, 8, 14, 26):
        day = today - timedelta(days=round(month * 30.4) + 10)
        rows.append((day, "consultation", "Consultation pédiatrique", BENALI, {}, 3000, 3000))
    rows.append((today - timedelta(days=250), "vaccins", "Vaccin ROR, rappel", PHARMACY,
                 {"cip13": "3400935640277"}, 1380, 1380))
    rows.append((today - timedelta(days=95), "medicaments", "Amoxicilline 250 mg/5 ml",
                 PHARMACY, {"cip13": "3400933345685", "dose": "5 ml matin, midi et soir"},
                 312, 203))
    return rows


def seed(people, accounts):
    """Create the demo lines that do not exist yet; returns how many were created."""
    today = utcnow().date()
    rows = []
    for key, lines in (("jean", _jean(today)), ("camille", _camille(today)),
                       ("lina", _lina(today))):
        for number, (day, category, label, provider, codes, charged, paid) in enumerate(lines):
            rows.append({"patient": people[key].id, "external_id": f"DEMO-{key}-{number:04d}",
                         "care_date": day, "category": category, "label": label,
                         "provider": provider, "charged_cents": charged,
                         "reimbursed_cents": paid, "cip13": "", "nabm": "", "ccam": "",
                         "dose": "", "masked_from_pros": False, "imported_at": utcnow(),
                         **codes})
    known = {r.external_id for r in Reimbursement.select(Reimbursement.external_id).where(
        Reimbursement.external_id.startswith("DEMO-"))}
    missing = [row for row in rows if row["external_id"] not in known]
    for start in range(0, len(missing), 200):
        Reimbursement.insert_many(missing[start:start + 200]).execute()
    return len(missing)
