"""Demo medical profiles, consistent with the demo people (see portal/seed.py).

Jean Dupont (82): hypertension, type 2 diabetes, atrial fibrillation, followed by Dr Benali,
vaccinated against flu at Paul Girard's pharmacy. Camille Martin: asthma and hay fever. Lina
(born 2 September 2015): the childhood vaccinations of the French calendar, entered by her
mother from the carnet de santé. Amina Diallo: almost nothing yet, so the overview shows what
is missing.
"""
from datetime import date, datetime

from ..accounts.models import ROLE_PROFESSIONAL
from .models import (AdvanceDirectives, Allergy, BloodGroup, Condition, Disability,
                     FamilyHistory, Hospitalization, Lifestyle, NotConcerned, Treatment,
                     Vaccination)


def _ensure(model, patient, author, added_on, key, **values):
    """Create the entry unless one with the same `key` fields exists; returns 1 if created."""
    query = model.select().where(model.patient == patient.id,
                                 *[getattr(model, name) == value for name, value in key.items()])
    if query.exists():
        return 0
    when = datetime.combine(added_on, datetime.min.time()).replace(hour=10)
    model.create(patient=patient, author=author,
                 author_is_professional=author.role == ROLE_PROFESSIONAL,
                 created_at=when, updated_at=when, **key, **values)
    return 1


def _condition_id(patient, name):
    row = Condition.get_or_none(Condition.patient == patient.id, Condition.name == name)
    return row.id if row else None


def seed(people, accounts):
    """Create the demo profiles' missing entries; returns how many were created."""
    jean, camille, lina, amina = (people[k] for k in ("jean", "camille", "lina", "amina"))
    me_jean, me_camille, me_amina = (accounts[k] for k in ("jean", "camille", "amina"))
    benali, girard = accounts["benali"], accounts["girard"]
    n = 0

    # --- Jean Dupont -------------------------------------------------------------------------
    for name, start, end, comment, author, added in (
            ("Hypertension artérielle", date(2004, 3, 15), None,
             "Tension suivie à domicile, carnet de relevés.", benali, date(2024, 1, 18)),
            ("Diabète de type 2", date(2011, 6, 7), None,
             "HbA1c autour de 7 %. Fond d’œil annuel.", benali, date(2024, 1, 18)),
            ("Fibrillation atriale", date(2019, 4, 2), None,
             "Découverte lors d’une hospitalisation pour malaise.", benali, date(2024, 1, 18)),
            ("Cataracte de l’œil droit, opérée", date(2021, 9, 1), date(2021, 10, 12), "",
             me_jean, date(2024, 2, 3))):
        n += _ensure(Condition, jean, author, added, {"name": name}, started_on=start,
                     ended_on=end, comment=comment)
    for name, dose, duration, condition, author, added in (
            ("Metformine 1000 mg", "1 comprimé matin et soir, au milieu du repas", "Au long cours",
             "Diabète de type 2", me_jean, date(2024, 2, 3)),
            ("Ramipril 5 mg", "1 comprimé le matin", "Au long cours",
             "Hypertension artérielle", benali, date(2024, 1, 18)),
            ("Apixaban 5 mg", "1 comprimé matin et soir (×2 par jour)", "Au long cours",
             "Fibrillation atriale", benali, date(2024, 1, 18))):
        n += _ensure(Treatment, jean, author, added, {"name": name}, dose=dose,
                     duration=duration, condition=_condition_id(jean, condition),
                     comment="Ne pas arrêter sans avis médical." if name.startswith("Apixaban")
                     else "")
    n += _ensure(Hospitalization, jean, benali, date(2024, 1, 18),
                 {"admitted_on": date(2019, 4, 2)}, length_days=4,
                 reason="Malaise à domicile, découverte d’une fibrillation atriale",
                 place="Centre hospitalier de Tulle, cardiologie")
    n += _ensure(Hospitalization, jean, me_jean, date(2024, 2, 3),
                 {"admitted_on": date(2021, 10, 12)}, length_days=0,
                 reason="Opération de la cataracte de l’œil droit",
                 place="Clinique ophtalmologique de Brive")
    n += _ensure(Allergy, jean, benali, date(2024, 1, 18), {"substance": "Pénicilline"},
                 kind="allergie", reaction="Urticaire géante et gonflement des lèvres (1978)",
                 severity="severe", comment="Éviter toutes les pénicillines (amoxicilline…).")
    for relative, condition in (("pere", "Infarctus du myocarde à 68 ans"),
                                ("mere", "Diabète de type 2")):
        n += _ensure(FamilyHistory, jean, me_jean, date(2024, 2, 3),
                     {"relative": relative, "condition": condition})
    for vaccine, given, dose_type, lot, vaccinator, author, added in (
            ("Grippe saisonnière (Efluelda)", date(2025, 10, 21), "saison", "X5J42",
             "Paul Girard, pharmacien, Pharmacie du Trech", girard, date(2025, 10, 21)),
            ("COVID-19 (Comirnaty LP.8.1)", date(2025, 10, 21), "saison", "HK7301",
             "Paul Girard, pharmacien, Pharmacie du Trech", girard, date(2025, 10, 21)),
            ("Zona (Shingrix), 1re dose", date(2024, 3, 12), "primo", "A1234BC",
             "Dr Nadia Benali", benali, date(2024, 3, 12)),
            ("Zona (Shingrix), 2e dose", date(2024, 5, 14), "primo", "A1391BD",
             "Dr Nadia Benali", benali, date(2024, 5, 14)),
            ("Pneumocoque (Prevenar 20)", date(2024, 11, 5), "unique", "LT0934",
             "Dr Nadia Benali", benali, date(2024, 11, 5)),
            ("Diphtérie, tétanos, poliomyélite (Revaxis), rappel de 75 ans",
             date(2019, 5, 20), "rappel", "S4521", "Dr Nadia Benali", me_jean, date(2024, 2, 3)),
            ("Diphtérie, tétanos, poliomyélite (Revaxis), rappel de 65 ans",
             date(2009, 4, 16), "rappel", "", "Dr Marcel Roux", me_jean, date(2024, 2, 3))):
        n += _ensure(Vaccination, jean, author, added, {"vaccine": vaccine, "given_on": given},
                     dose_type=dose_type, lot_number=lot, vaccinator=vaccinator,
                     requirement="recommande")
    n += _ensure(Disability, jean, me_jean, date(2024, 2, 3), {"kind": "auditif"},
                 rate_band="", human_help=False,
                 comment="Presbyacousie, appareillé des deux oreilles depuis 2022.")
    n += _ensure(BloodGroup, jean, benali, date(2024, 1, 18), {}, value="A+")
    n += _ensure(Lifestyle, jean, me_jean, date(2024, 2, 3), {}, tobacco="ancien",
                 alcohol="regulier", activity="moderee",
                 sleep="Environ 6 heures, se lève une fois la nuit",
                 food="Pauvre en sel et en sucres rapides", screens="Télévision le soir")
    n += _ensure(AdvanceDirectives, jean, me_jean, date(2024, 6, 12), {},
                 written_on=date(2024, 6, 12),
                 life_support="Si je suis dans un coma dont je ne me réveillerai pas, je ne "
                              "veux pas être maintenu en vie par des machines (réanimation, "
                              "respiration artificielle, dialyse).",
                 sedation="Je veux être soulagé de toute douleur, même si cela peut abréger "
                          "ma vie, et je demande une sédation profonde si mes souffrances "
                          "ne peuvent pas être apaisées.",
                 place="À mon domicile, à Corrèze, si c’est possible.",
                 other="Camille Martin, qui m’aide au quotidien, connaît mes souhaits.")

    # --- Camille Martin ----------------------------------------------------------------------
    n += _ensure(Condition, camille, me_camille, date(2023, 3, 4), {"name": "Asthme"},
                 started_on=date(1988, 4, 1), comment="Asthme allergique, bien contrôlé.")
    n += _ensure(Treatment, camille, benali, date(2025, 4, 2), {"name": "Salbutamol 100 µg"},
                 dose="2 bouffées en cas de gêne respiratoire", duration="Au long cours",
                 condition=_condition_id(camille, "Asthme"))
    n += _ensure(Treatment, camille, me_camille, date(2025, 4, 2), {"name": "Cétirizine 10 mg"},
                 dose="1 comprimé le soir", duration="D’avril à juin, pendant les pollens")
    n += _ensure(Allergy, camille, me_camille, date(2023, 3, 4),
                 {"substance": "Pollens de graminées"}, kind="allergie",
                 reaction="Rhinite, yeux qui piquent, gêne respiratoire", severity="moderee",
                 comment="Allergie saisonnière, de mai à juillet.")
    for vaccine, given, dose_type, author, added, vaccinator in (
            ("Diphtérie, tétanos, coqueluche, poliomyélite (Boostrix Tetra), rappel de 25 ans",
             date(2005, 9, 12), "rappel", me_camille, date(2023, 3, 4), ""),
            ("Diphtérie, tétanos, poliomyélite (Revaxis), rappel de 45 ans",
             date(2025, 6, 10), "rappel", benali, date(2025, 6, 10), "Dr Nadia Benali"),
            ("Grippe saisonnière (Vaxigrip Tetra)", date(2025, 10, 28), "saison", benali,
             date(2025, 10, 28), "Dr Nadia Benali")):
        n += _ensure(Vaccination, camille, author, added, {"vaccine": vaccine, "given_on": given},
                     dose_type=dose_type, vaccinator=vaccinator, requirement="recommande")

    # --- Lina Martin, entered by her mother from the carnet de santé -------------------------
    entered = date(2023, 3, 5)
    for vaccine, given, dose_type, lot, requirement in (
            ("DTCaP-Hib-HepB-VPI (Infanrix Hexa), 2 mois", date(2015, 11, 3), "primo",
             "A21CD542A", "obligatoire"),
            ("Pneumocoque (Prevenar 13), 2 mois", date(2015, 11, 3), "primo", "P87422",
             "recommande"),
            ("DTCaP-Hib-HepB-VPI (Infanrix Hexa), 4 mois", date(2016, 1, 5), "primo",
             "A21CD601B", "obligatoire"),
            ("Pneumocoque (Prevenar 13), 4 mois", date(2016, 1, 5), "primo", "P87901",
             "recommande"),
            ("DTCaP-Hib-HepB-VPI (Infanrix Hexa), 11 mois", date(2016, 8, 4), "rappel",
             "A21CE113C", "obligatoire"),
            ("Pneumocoque (Prevenar 13), 11 mois", date(2016, 8, 4), "rappel", "P90112",
             "recommande"),
            ("Méningocoque C (Neisvac), 12 mois", date(2016, 9, 6), "unique", "VNC2204",
             "recommande"),
            ("ROR (Priorix), 12 mois", date(2016, 9, 6), "primo", "A69CB714A", "recommande"),
            ("ROR (Priorix), 2e dose à 17 mois", date(2017, 2, 7), "primo", "A69CB802B",
             "recommande"),
            ("DTCaP-VPI (Tetravac), rappel de 6 ans", date(2021, 9, 14), "rappel", "U1C441V",
             "obligatoire"),
            ("Papillomavirus (Gardasil 9), 1re dose", date(2026, 10, 13), "primo", "U031245",
             "recommande")):
        n += _ensure(Vaccination, lina, me_camille, entered if given < entered else given,
                     {"vaccine": vaccine, "given_on": given}, dose_type=dose_type,
                     lot_number=lot, vaccinator="Dr Nadia Benali" if given.year > 2020
                     else "PMI de Tulle", requirement=requirement)
    n += _ensure(Condition, lina, me_camille, entered, {"name": "Varicelle"},
                 started_on=date(2019, 2, 11), ended_on=date(2019, 2, 25))
    n += _ensure(BloodGroup, lina, me_camille, entered, {}, value="O+")
    for key in ("treatments", "hospitalizations", "allergies", "disabilities"):
        if not NotConcerned.select().where(NotConcerned.patient == lina.id,
                                           NotConcerned.section == key).exists():
            NotConcerned.create(patient=lina, section=key, marked_by=me_camille)
            n += 1

    # --- Amina Diallo: a start ---------------------------------------------------------------
    n += _ensure(Vaccination, amina, me_amina, date(2026, 2, 9),
                 {"vaccine": "Diphtérie, tétanos, coqueluche, poliomyélite (Repevax), rappel "
                             "de 25 ans", "given_on": date(2017, 3, 20)},
                 dose_type="rappel", vaccinator="Centre de vaccination de Paris 19e",
                 requirement="recommande")
    n += _ensure(BloodGroup, amina, me_amina, date(2026, 2, 9), {}, value="B+")
    return n
