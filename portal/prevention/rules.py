"""The prevention calendar as data: every rule, with its official source and year.

Nothing here computes anything (see engine.py). Ages are counted in months from the birth
date (`Y(65)` is the 65th birthday, `M(2)` two months after birth), so that every boundary is
a date: a rule is due from `at` (that day included), "en retard" from `late` (included), and no
longer proposed from `until` (included). `since` is the day a recommendation took effect: nobody
is told they were due before it existed.

Kinds of rules:
- ONCE: one dose or one act at an age (a vaccine dose, a booster);
- SEASONAL: every season from an age (flu, Covid-19), season from mid-October to the end of
  February;
- RECURRING: a screening repeated at an interval while in an age range, counted from the last
  one done (the interval restarts from the date the person gives);
- WINDOW: one act during an age window (Mon bilan prévention, M'T dents).

What the record already holds counts as done: a vaccination of the medical profile counts for a
rule of the same vaccine family (FAMILIES: recognised from its name, conservatively), and a
person's "fait le …" counts for the item it was given for.
"""
from dataclasses import dataclass
from datetime import date

from ..rendering import lazy_gettext as _l

ONCE = "once"
SEASONAL = "seasonal"
RECURRING = "recurring"
WINDOW = "window"

# Themes: the page's groups and the per-theme switches of the reminders (Paramètres ›
# Notifications).
VACCINATION = "vaccination"
SCREENING = "screening"
CHECKUP = "checkup"
DENTAL = "dental"
THEMES = {
    VACCINATION: _l("Vaccinations"),
    SCREENING: _l("Dépistages des cancers"),
    CHECKUP: _l("Bilan prévention"),
    DENTAL: _l("Santé bucco-dentaire"),
}


def Y(years):
    """An age in whole years, in months."""
    return years * 12


def M(months):
    """An age in months."""
    return months


@dataclass(frozen=True)
class Source:
    """Where a rule comes from: the official text, who published it, and its year."""

    title: str
    publisher: str
    year: int
    url: str = ""


@dataclass(frozen=True)
class After:
    """A dose due some months after another item was done (the next dose of a course).
    `catch_up_age`/`catch_up_months`: a shorter interval when the first dose was given at or
    after that age; `only_from_age`: the dose exists only when the first dose was given at or
    after that age (the third dose of a catch-up course)."""

    code: str
    months: int
    catch_up_age: int | None = None
    catch_up_months: int | None = None
    only_from_age: int | None = None


@dataclass(frozen=True)
class Rule:
    code: str            # stable: the CLI prints it, reminders and marks are keyed by it
    theme: str
    kind: str
    label: object
    explanation: object  # plain French, for the person (never shown in an e-mail)
    sources: tuple
    at: int = 0          # age (months) from which it is due
    late: int | None = None    # age from which it is "en retard" (None: never)
    until: int | None = None   # age from which it is no longer proposed (None: never)
    sex: str | None = None     # "F" or "M" when it concerns one sex only
    since: date | None = None  # the day the recommendation took effect
    every: int | None = None   # RECURRING: months between two
    after: After | None = None
    family: str | None = None  # vaccines: which recorded vaccinations count (FAMILIES)
    course: str | None = None  # doses of one course are counted in order (COURSES)
    mandatory: bool = False    # an obligation (infants), else a recommendation
    dose_type: str = "unique"  # written in the profile: primo, rappel, unique, saison
    profile_name: object = ""  # the vaccine's name written in the profile when marked done

    @property
    def is_vaccine(self):
        return self.theme == VACCINATION


# --- sources ------------------------------------------------------------------------------

CALENDAR_2025 = Source("Calendrier des vaccinations et recommandations vaccinales 2025",
                       "Ministère chargé de la santé", 2025)
HAS_ZONA_2024 = Source(
    "Recommandations vaccinales contre le zona : place du vaccin Shingrix",
    "Haute Autorité de santé", 2024,
    "https://www.has-sante.fr/jcms/p_3498915/fr/recommandations-vaccinales-contre-le-zona-"
    "place-du-vaccin-shingrix")
HAS_VRS_2024 = Source(
    "Stratégie vaccinale de prévention des infections par le VRS chez l’adulte âgé de 60 ans "
    "et plus", "Haute Autorité de santé", 2024)
HAS_PNEUMO_2025 = Source(
    "Stratégie de vaccination contre les infections à pneumocoque : élargissement à toutes les "
    "personnes de 65 ans et plus", "Haute Autorité de santé", 2025)
HAS_HPV_2025 = Source(
    "Vaccination contre les papillomavirus : élargissement du rattrapage vaccinal jusqu’à "
    "26 ans révolus", "Haute Autorité de santé", 2025,
    "https://www.service-public.fr/particuliers/actualites/A18252")
INCA_BREAST = Source("Programme de dépistage organisé du cancer du sein (généralisé en 2004)",
                     "Institut national du cancer et Assurance Maladie", 2004)
INCA_COLORECTAL = Source(
    "Programme de dépistage organisé du cancer colorectal (généralisé en 2009, test "
    "immunologique depuis 2015)", "Institut national du cancer et Assurance Maladie", 2015)
INCA_CERVICAL = Source(
    "Programme national de dépistage organisé du cancer du col de l’utérus",
    "Institut national du cancer", 2018,
    "https://www.e-cancer.fr/Professionnels-de-sante/Depistage-et-detection-precoce/"
    "Depistage-du-cancer-du-col-de-l-uterus/Le-programme-de-depistage-organise")
HAS_CERVICAL_2019 = Source(
    "Réévaluation de la place des tests HPV dans le dépistage des cancers du col de l’utérus",
    "Haute Autorité de santé", 2019)
BILAN_2024 = Source("Mon bilan prévention (18-25, 45-50, 60-65 et 70-75 ans)",
                    "Ministère chargé de la santé et Assurance Maladie", 2024)
MT_DENTS = Source("M’T dents : examens de prévention bucco-dentaire (examen annuel de 3 à "
                  "24 ans depuis le 1er avril 2025)", "Assurance Maladie", 2025,
                  "https://www.service-public.fr/particuliers/vosdroits/F243")

# --- vaccine families: how a recorded vaccination's name is recognised ----------------------
# Patterns are matched on the name in lower case without accents. Conservative on purpose: a
# name that does not clearly say which vaccine it is counts for nothing (the person can still
# mark the item done). `exclude`: names that look alike but are another vaccine.

FAMILIES = {
    "hexa": {"match": r"hexa|hexyon|vaxelis|hib.*hep|hep.*hib"},
    "dtp": {"match": r"diphter|tetano|polio|\bdt ?c?a?p|\bdtpca|revaxis|boostrix|repevax|"
                     r"tetravac|infanrix"},
    "pneumo": {"match": r"pneumo|prevenar|vaxneuvance|capvaxive|\bpcv ?\d"},
    "menb": {"match": r"meningocoques? b\b|\bmen ?b\b|bexsero|trumenba"},
    "menacwy": {"match": r"acwy|nimenrix|menveo|menquadfi"},
    "ror": {"match": r"\bror\b|rougeole|priorix|\bm-?m-?r"},
    "rota": {"match": r"rotavirus|rotarix|rotateq"},
    "hpv": {"match": r"papillomavirus|\bhpv\b|gardasil|cervarix"},
    "flu": {"match": r"grippe|influenza|vaxigrip|efluelda|influvac|fluarix|flucelvax"},
    "covid": {"match": r"covid|comirnaty|spikevax|nuvaxovid|sars-cov"},
    "zona": {"match": r"shingrix|\bzona\b", "exclude": r"zostavax"},
    "vrs": {"match": r"\bvrs\b|\brsv\b|arexvy|abrysvo|mresvia|syncytial"},
}

# Courses: doses of one family given in an age range (months) count in order for the course's
# rules (dose 1, dose 2…), whenever they were given.
COURSES = {
    "hexa": ("hexa", 0, M(24)),
    "pneumo_infant": ("pneumo", 0, M(24)),
    "menb_infant": ("menb", 0, M(24)),
    "menacwy_infant": ("menacwy", 0, M(24)),
    "ror": ("ror", 0, Y(18)),
    "rota": ("rota", 0, M(8)),
    "hpv": ("hpv", Y(9), Y(27)),
    "zona": ("zona", Y(18), None),
}

# Rules of a family outside courses each take a dose given in their window: from one year
# before their age (WINDOW_EARLY) to the start of the next rule's window.
WINDOW_EARLY = Y(1)

# The flu and Covid-19 season: due from mid-October (campaign opening), proposed until the end
# of February; a dose given from September counts for the season.
SEASON_START = (10, 15)
SEASON_END = (3, 1)        # first day after the season, the next year
SEASON_DOSES_FROM = (9, 1)

# --- the vaccination calendar ---------------------------------------------------------------

INFANT_OBLIGATION = _l("Vaccination obligatoire du nourrisson (sauf contre-indication "
                       "médicale) : elle est exigée pour l’entrée en crèche ou à l’école.")
OBLIGATIONS_2025 = date(2025, 1, 1)  # MenB and MenACWY mandatory for infants


def _infant(code, family, course, months, label, explanation, profile_name, late_months=1,
            mandatory=True, since=None, until=M(24), dose_type="primo"):
    return Rule(code, VACCINATION, ONCE, label, explanation, (CALENDAR_2025,), at=M(months),
                late=M(months + late_months), until=until, since=since, family=family,
                course=course, mandatory=mandatory, dose_type=dose_type,
                profile_name=profile_name)


HEXA_TEXT = _l("Le vaccin hexavalent protège contre la diphtérie, le tétanos, la coqueluche, la "
               "poliomyélite, l’Haemophilus influenzae de type b et l’hépatite B : 3 injections, "
               "à 2 mois, 4 mois et 11 mois.")
PNEUMO_INFANT_TEXT = _l("Le vaccin contre le pneumocoque protège des méningites et des "
                        "pneumonies graves du jeune enfant : 3 injections, à 2, 4 et 11 mois.")
MENB_TEXT = _l("Le vaccin contre le méningocoque B protège des méningites à méningocoque B : "
               "3 injections, à 3 mois, 5 mois et 12 mois. Obligatoire pour les enfants nés "
               "depuis le 1er janvier 2025.")
MENACWY_TEXT = _l("Le vaccin contre les méningocoques A, C, W et Y : une injection à 6 mois "
                  "et un rappel à 12 mois. Obligatoire pour les enfants nés depuis le "
                  "1er janvier 2025.")
ROR_TEXT = _l("Le vaccin ROR protège contre la rougeole, les oreillons et la rubéole : "
              "2 injections, à 12 mois et entre 16 et 18 mois.")
ROTA_TEXT = _l("Le vaccin contre le rotavirus protège des gastro-entérites graves du "
               "nourrisson. Il se boit : 2 doses à 2 et 3 mois (Rotarix), ou 3 doses à 2, 3 et "
               "4 mois (RotaTeq). Il doit être terminé avant 6 mois (Rotarix) ou 8 mois "
               "(RotaTeq).")

VACCINES = [
    _infant("VAC_HEXA_2M", "hexa", "hexa", 2,
            _l("Vaccin hexavalent (DTCaP-Hib-HepB), 1re injection à 2 mois"), HEXA_TEXT,
            _l("DTCaP-Hib-HepB (hexavalent), 2 mois")),
    _infant("VAC_HEXA_4M", "hexa", "hexa", 4,
            _l("Vaccin hexavalent (DTCaP-Hib-HepB), 2e injection à 4 mois"), HEXA_TEXT,
            _l("DTCaP-Hib-HepB (hexavalent), 4 mois")),
    _infant("VAC_HEXA_11M", "hexa", "hexa", 11,
            _l("Vaccin hexavalent (DTCaP-Hib-HepB), rappel à 11 mois"), HEXA_TEXT,
            _l("DTCaP-Hib-HepB (hexavalent), 11 mois"), dose_type="rappel"),
    _infant("VAC_PNEUMO_2M", "pneumo", "pneumo_infant", 2,
            _l("Pneumocoque, 1re injection à 2 mois"), PNEUMO_INFANT_TEXT,
            _l("Pneumocoque, 2 mois")),
    _infant("VAC_PNEUMO_4M", "pneumo", "pneumo_infant", 4,
            _l("Pneumocoque, 2e injection à 4 mois"), PNEUMO_INFANT_TEXT,
            _l("Pneumocoque, 4 mois")),
    _infant("VAC_PNEUMO_11M", "pneumo", "pneumo_infant", 11,
            _l("Pneumocoque, rappel à 11 mois"), PNEUMO_INFANT_TEXT,
            _l("Pneumocoque, 11 mois"), dose_type="rappel"),
    _infant("VAC_MENB_3M", "menb", "menb_infant", 3,
            _l("Méningocoque B, 1re injection à 3 mois"), MENB_TEXT,
            _l("Méningocoque B, 3 mois"), since=OBLIGATIONS_2025),
    _infant("VAC_MENB_5M", "menb", "menb_infant", 5,
            _l("Méningocoque B, 2e injection à 5 mois"), MENB_TEXT,
            _l("Méningocoque B, 5 mois"), since=OBLIGATIONS_2025),
    _infant("VAC_MENB_12M", "menb", "menb_infant", 12,
            _l("Méningocoque B, rappel à 12 mois"), MENB_TEXT,
            _l("Méningocoque B, 12 mois"), since=OBLIGATIONS_2025, dose_type="rappel"),
    _infant("VAC_MENACWY_6M", "menacwy", "menacwy_infant", 6,
            _l("Méningocoques ACWY, injection à 6 mois"), MENACWY_TEXT,
            _l("Méningocoques ACWY, 6 mois"), since=OBLIGATIONS_2025),
    _infant("VAC_MENACWY_12M", "menacwy", "menacwy_infant", 12,
            _l("Méningocoques ACWY, rappel à 12 mois"), MENACWY_TEXT,
            _l("Méningocoques ACWY, 12 mois"), since=OBLIGATIONS_2025, dose_type="rappel"),
    _infant("VAC_ROR_12M", "ror", "ror", 12,
            _l("Rougeole, oreillons, rubéole (ROR), 1re injection à 12 mois"), ROR_TEXT,
            _l("ROR (rougeole, oreillons, rubéole), 12 mois")),
    _infant("VAC_ROR_16M", "ror", "ror", 16,
            _l("Rougeole, oreillons, rubéole (ROR), 2e injection entre 16 et 18 mois"),
            ROR_TEXT, _l("ROR (rougeole, oreillons, rubéole), 2e dose"), late_months=3),
    _infant("VAC_ROTA_2M", "rota", "rota", 2, _l("Rotavirus, 1re dose à 2 mois"), ROTA_TEXT,
            _l("Rotavirus, 1re dose"), mandatory=False, until=M(4)),
    _infant("VAC_ROTA_3M", "rota", "rota", 3, _l("Rotavirus, 2e dose à 3 mois"), ROTA_TEXT,
            _l("Rotavirus, 2e dose"), mandatory=False, until=M(6)),
    # Children and teenagers.
    Rule("VAC_DTCAP_6", VACCINATION, ONCE,
         _l("Rappel diphtérie, tétanos, coqueluche, poliomyélite à 6 ans"),
         _l("Rappel DTCaP de l’enfant, à 6 ans, après les injections du nourrisson."),
         (CALENDAR_2025,), at=Y(6), late=Y(7), until=Y(11), family="dtp", dose_type="rappel",
         profile_name=_l("DTCaP (diphtérie, tétanos, coqueluche, poliomyélite), rappel de "
                         "6 ans")),
    Rule("VAC_DTCAP_11", VACCINATION, ONCE,
         _l("Rappel diphtérie, tétanos, coqueluche, poliomyélite entre 11 et 13 ans"),
         _l("Rappel dTcaP de l’adolescent, entre 11 et 13 ans. Il peut être fait le même jour "
            "que les vaccins contre les papillomavirus et les méningocoques ACWY."),
         (CALENDAR_2025,), at=Y(11), late=Y(14), until=Y(25), family="dtp", dose_type="rappel",
         profile_name=_l("dTcaP (diphtérie, tétanos, coqueluche, poliomyélite), rappel de "
                         "11-13 ans")),
    Rule("VAC_HPV_1", VACCINATION, ONCE, _l("Papillomavirus (HPV), 1re injection"),
         _l("Le vaccin contre les papillomavirus protège des cancers du col de l’utérus, de "
            "l’anus, de la gorge et des verrues génitales, chez les filles comme chez les "
            "garçons. Recommandé de 11 à 14 ans (2 injections à 6 mois d’écart) ; en rattrapage "
            "jusqu’à 26 ans révolus (3 injections)."),
         (CALENDAR_2025, HAS_HPV_2025), at=Y(11), late=Y(15), until=Y(27), family="hpv",
         course="hpv", dose_type="primo", profile_name=_l("Papillomavirus (HPV), 1re dose")),
    Rule("VAC_HPV_2", VACCINATION, ONCE, _l("Papillomavirus (HPV), 2e injection"),
         _l("Deuxième injection contre les papillomavirus : 6 mois après la première (de 11 à "
            "14 ans), ou 2 mois après en rattrapage à partir de 15 ans."),
         (CALENDAR_2025, HAS_HPV_2025), family="hpv", course="hpv",
         after=After("VAC_HPV_1", 6, catch_up_age=Y(15), catch_up_months=2), dose_type="primo",
         profile_name=_l("Papillomavirus (HPV), 2e dose")),
    Rule("VAC_HPV_3", VACCINATION, ONCE, _l("Papillomavirus (HPV), 3e injection"),
         _l("En rattrapage (vaccination commencée à 15 ans ou plus), une troisième injection "
            "6 mois après la première."),
         (CALENDAR_2025, HAS_HPV_2025), family="hpv", course="hpv",
         after=After("VAC_HPV_1", 6, only_from_age=Y(15)), dose_type="primo",
         profile_name=_l("Papillomavirus (HPV), 3e dose")),
    Rule("VAC_MENACWY_11", VACCINATION, ONCE,
         _l("Méningocoques ACWY à l’adolescence (11-14 ans)"),
         _l("Une injection contre les méningocoques A, C, W et Y pour tous les adolescents de "
            "11 à 14 ans, même vaccinés petits ; en rattrapage de 15 à 24 ans révolus."),
         (CALENDAR_2025,), at=Y(11), late=Y(15), until=Y(25), since=date(2025, 4, 28),
         family="menacwy", profile_name=_l("Méningocoques ACWY, dose de l’adolescence")),
    # Adults: boosters at fixed ages, every 10 years from 65.
    Rule("VAC_DTCAP_25", VACCINATION, ONCE,
         _l("Rappel diphtérie, tétanos, coqueluche, poliomyélite à 25 ans"),
         _l("Rappel de l’adulte à 25 ans, avec la coqueluche pour protéger les futurs bébés de "
            "l’entourage. Les rappels suivants sont à 45 ans, 65 ans, puis tous les 10 ans."),
         (CALENDAR_2025,), at=Y(25), late=Y(26), until=Y(45), family="dtp", dose_type="rappel",
         profile_name=_l("dTcaP (diphtérie, tétanos, coqueluche, poliomyélite), rappel de "
                         "25 ans")),
    Rule("VAC_DTP_45", VACCINATION, ONCE,
         _l("Rappel diphtérie, tétanos, poliomyélite à 45 ans"),
         _l("Rappel de l’adulte à 45 ans. Le suivant est à 65 ans."),
         (CALENDAR_2025,), at=Y(45), late=Y(46), until=Y(65), family="dtp", dose_type="rappel",
         profile_name=_l("dTP (diphtérie, tétanos, poliomyélite), rappel de 45 ans")),
] + [
    Rule(f"VAC_DTP_{age}", VACCINATION, ONCE,
         _l("Rappel diphtérie, tétanos, poliomyélite à %(age)d ans", age=age),
         _l("À partir de 65 ans, le rappel diphtérie, tétanos, poliomyélite revient tous les "
            "10 ans (65, 75, 85 ans…) : avec l’âge, le vaccin protège moins longtemps."),
         (CALENDAR_2025,), at=Y(age), late=Y(age + 1), until=Y(age + 10), family="dtp",
         dose_type="rappel",
         profile_name=_l("dTP (diphtérie, tétanos, poliomyélite), rappel de %(age)d ans",
                         age=age))
    for age in range(65, 125, 10)
] + [
    Rule("VAC_FLU", VACCINATION, SEASONAL, _l("Vaccination contre la grippe"),
         _l("Chaque automne à partir de 65 ans : le virus change tous les ans, le vaccin aussi. "
            "La campagne va de mi-octobre à fin février ; le vaccin est pris en charge à "
            "100 %."),
         (CALENDAR_2025,), at=Y(65), family="flu", dose_type="saison",
         profile_name=_l("Grippe saisonnière")),
    Rule("VAC_COVID", VACCINATION, SEASONAL, _l("Vaccination contre le Covid-19"),
         _l("Chaque automne à partir de 65 ans, en même temps que la grippe si vous le "
            "souhaitez."),
         (CALENDAR_2025,), at=Y(65), family="covid", dose_type="saison",
         profile_name=_l("Covid-19")),
    Rule("VAC_ZONA_1", VACCINATION, ONCE, _l("Vaccination contre le zona, 1re injection"),
         _l("À partir de 65 ans, le vaccin Shingrix protège du zona et de ses douleurs qui "
            "peuvent durer des mois : 2 injections à 2 mois d’écart, même après un zona."),
         (HAS_ZONA_2024, CALENDAR_2025), at=Y(65), since=date(2024, 3, 7), family="zona",
         course="zona", dose_type="primo", profile_name=_l("Zona (Shingrix), 1re dose")),
    Rule("VAC_ZONA_2", VACCINATION, ONCE, _l("Vaccination contre le zona, 2e injection"),
         _l("Deuxième injection du vaccin Shingrix, 2 mois après la première."),
         (HAS_ZONA_2024, CALENDAR_2025), family="zona", course="zona",
         after=After("VAC_ZONA_1", 2), dose_type="primo",
         profile_name=_l("Zona (Shingrix), 2e dose")),
    Rule("VAC_PNEUMO_65", VACCINATION, ONCE, _l("Vaccination contre le pneumocoque"),
         _l("Depuis 2025, une injection unique du vaccin Prevenar 20 est recommandée à toutes "
            "les personnes de 65 ans et plus : le pneumocoque cause des pneumonies graves."),
         (HAS_PNEUMO_2025, CALENDAR_2025), at=Y(65), since=date(2025, 1, 28), family="pneumo",
         profile_name=_l("Pneumocoque (Prevenar 20)")),
    Rule("VAC_VRS_75", VACCINATION, ONCE,
         _l("Vaccination contre le virus respiratoire syncytial (VRS)"),
         _l("À partir de 75 ans (ou de 65 ans avec une maladie chronique du cœur ou des "
            "poumons : parlez-en à votre médecin), une injection contre le VRS, de préférence "
            "avant l’hiver : ce virus de la bronchiolite cause aussi des infections graves chez "
            "les personnes âgées."),
         (HAS_VRS_2024, CALENDAR_2025), at=Y(75), since=date(2024, 7, 4), family="vrs",
         profile_name=_l("VRS (virus respiratoire syncytial)")),
]

# --- organised cancer screenings -------------------------------------------------------------

SCREENINGS = [
    Rule("SCREEN_BREAST", SCREENING, RECURRING, _l("Dépistage du cancer du sein"),
         _l("De 50 à 74 ans, une mammographie tous les 2 ans, avec un examen des seins, chez un "
            "radiologue agréé. L’Assurance Maladie envoie une invitation ; l’examen est pris en "
            "charge à 100 %, sans avance de frais."),
         (INCA_BREAST,), at=Y(50), until=Y(75), every=24, sex="F"),
    Rule("SCREEN_COLORECTAL", SCREENING, RECURRING, _l("Dépistage du cancer colorectal"),
         _l("De 50 à 74 ans, un test à faire chez soi tous les 2 ans (recherche de sang dans "
            "les selles). Il se commande en ligne, ou se demande au médecin ou au pharmacien ; "
            "il est gratuit."),
         (INCA_COLORECTAL,), at=Y(50), until=Y(75), every=24),
    # Cervical: cytology at 25 and 26, then 3 years later; from 30 an HPV test every 5 years,
    # starting 3 years after the last cytology (at 30 without one). See engine.cervical_next.
    Rule("SCREEN_CERVICAL", SCREENING, RECURRING,
         _l("Dépistage du cancer du col de l’utérus"),
         _l("De 25 à 65 ans : de 25 à 29 ans, un examen cytologique (frottis), deux à un an "
            "d’écart puis trois ans plus tard ; à partir de 30 ans, un test HPV tous les 5 ans. "
            "Il se fait chez un médecin, une sage-femme ou au laboratoire, même après la "
            "vaccination contre les papillomavirus."),
         (INCA_CERVICAL, HAS_CERVICAL_2019), at=Y(25), until=Y(66), every=60, sex="F"),
]
CERVICAL_HPV_AGE = Y(30)
CERVICAL_FIRST_INTERVAL = 12   # months between the first two cytologies
CERVICAL_CYTOLOGY_INTERVAL = 36

# --- Mon bilan prévention and M'T dents --------------------------------------------------------

BILAN_TEXT = _l("Un rendez-vous de prévention avec le médecin, l’infirmier, le pharmacien ou la "
                "sage-femme de votre choix, pour faire le point sur votre santé et vos habitudes "
                "(alimentation, activité, sommeil, tabac, santé mentale, dépistages, vaccins). "
                "Un seul bilan par tranche d’âge, pris en charge à 100 %.")
CHECKUPS = [
    Rule(f"CHECKUP_{start}_{end}", CHECKUP, WINDOW,
         _l("Mon bilan prévention (%(start)d-%(end)d ans)", start=start, end=end), BILAN_TEXT,
         (BILAN_2024,), at=Y(start), until=Y(end + 1), since=date(2024, 1, 1))
    for start, end in ((18, 25), (45, 50), (60, 65), (70, 75))
]

DENTAL_TEXT = _l("Un examen de prévention chez le chirurgien-dentiste, sans avance de frais, "
                 "ainsi que les soins qui suivent dans les 6 mois. L’invitation arrive au mois "
                 "de l’anniversaire ; depuis avril 2025, cet examen est aussi pris en charge "
                 "chaque année de 3 à 24 ans.")
DENTAL = [
    Rule(f"DENTAL_{age}", DENTAL, WINDOW, _l("Examen bucco-dentaire M’T dents à %(age)d ans",
                                             age=age),
         DENTAL_TEXT, (MT_DENTS,), at=Y(age), until=Y(age + 1))
    for age in (3, 6, 9, 12, 15, 18, 21, 24)
]

RULES = VACCINES + SCREENINGS + CHECKUPS + DENTAL
BY_CODE = {rule.code: rule for rule in RULES}
assert len(BY_CODE) == len(RULES), "rule codes must be unique"
