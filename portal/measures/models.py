"""Measurements of a patient's record, the kinds of measurement (unit, plausible range) and the
patient's personal targets. BMI is never stored: it is computed from weight and height."""
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime

from ..rendering import lazy_gettext as _l
from peewee import BooleanField, CharField, DateTimeField, DoubleField, ForeignKeyField, fn

from ..accounts.models import ROLE_PROFESSIONAL, Account, Person, utcnow
from ..db import BaseModel


@dataclass(frozen=True)
class Kind:
    """One kind of measurement: how it is named, entered, checked, drawn and compared."""

    code: str                   # stored in the database
    slug: str                   # in the URL (/dossier/mesures/<slug>/)
    label: object               # "Poids"
    unit: str                   # after the value: "kg", "mmHg", "/10"…
    low: float = 0              # plausible range of the (first) value
    high: float = 0
    decimals: int = 0           # at most this many decimals are accepted and shown
    out_of_range: object = ""   # message with %(low)s and %(high)s
    missing: object = ""        # "Saisissez le poids."
    example: str = ""           # a typical value, as typed in French
    stable: float = 0           # a change smaller than this reads as "stable"
    growth: str | None = None   # children's reference curves (see growth.py)
    entered: bool = True        # BMI is computed, never entered
    axis_floor: float | None = None   # the chart's value axis starts here (steps, pain)
    axis_ceiling: float | None = None
    # blood pressure only: the second (diastolic) value
    label2: object = ""
    low2: float = 0
    high2: float = 0
    out_of_range2: object = ""
    missing2: object = ""
    example2: str = ""
    # a value typed in another usual unit: (from, to, message with %(typed)s and %(converted)s,
    # factor to convert it) — "14/9" for 140/90 mmHg, 105 mg/dL for 1,05 g/L…
    other_unit: tuple | None = None
    short: object = ""          # in form labels, when the label is long: "HbA1c"

    @property
    def paired(self):
        return bool(self.label2)

    def typed_example(self, second=False):
        """The typical value, written the way the page's language writes numbers."""
        from flask_babel import format_decimal
        text = self.example2 if second else self.example
        return format_decimal(float(text.replace(" ", "").replace(",", ".")))

    @property
    def name(self):
        return self.short or self.label


KINDS = [
    Kind("weight", "poids", _l("Poids"), "kg", 0.5, 350, 2,
         _l("Le poids doit être compris entre %(low)s et %(high)s kg. Vérifiez la valeur "
            "saisie."),
         _l("Saisissez le poids."), "72,5", stable=0.5, growth="weight"),
    Kind("height", "taille", _l("Taille"), "cm", 20, 250, 1,
         _l("La taille doit être comprise entre %(low)s et %(high)s cm. Vérifiez la valeur "
            "saisie."),
         _l("Saisissez la taille."), "168", stable=0.5, growth="height",
         other_unit=(0.2, 2.5, _l("La taille se saisit en centimètres : %(typed)s m s’écrit "
                                  "%(converted)s."), 100)),
    Kind("bmi", "imc", _l("IMC (indice de masse corporelle)"), "kg/m²", decimals=1,
         stable=0.3, entered=False, short=_l("IMC")),
    Kind("blood_pressure", "tension", _l("Tension artérielle"), "mmHg", 60, 260, 0,
         _l("La tension systolique doit être comprise entre %(low)s et %(high)s mmHg. "
            "Vérifiez la valeur saisie."),
         _l("Saisissez la tension systolique (le chiffre le plus haut)."), "132", stable=3,
         label2=_l("Diastolique"), low2=30, high2=160,
         out_of_range2=_l("La tension diastolique doit être comprise entre %(low)s et "
                          "%(high)s mmHg. Vérifiez la valeur saisie."),
         missing2=_l("Saisissez la tension diastolique (le chiffre le plus bas)."),
         example2="80",
         other_unit=(3, 30, _l("La tension se saisit en mmHg : %(typed)s s’écrit "
                               "%(converted)s."), 10)),
    Kind("heart_rate", "frequence-cardiaque", _l("Fréquence cardiaque"), "bpm", 25, 250, 0,
         _l("La fréquence cardiaque doit être comprise entre %(low)s et %(high)s battements "
            "par minute. Vérifiez la valeur saisie."),
         _l("Saisissez la fréquence cardiaque."), "72", stable=3),
    Kind("temperature", "temperature", _l("Température"), "°C", 32, 44, 1,
         _l("La température doit être comprise entre %(low)s et %(high)s °C. Vérifiez la "
            "valeur saisie."),
         _l("Saisissez la température."), "37,2", stable=0.3),
    Kind("glucose", "glycemie", _l("Glycémie capillaire"), "g/L", 0.2, 6, 2,
         _l("La glycémie capillaire doit être comprise entre %(low)s et %(high)s g/L. "
            "Vérifiez la valeur saisie."),
         _l("Saisissez la glycémie capillaire."), "1,05", stable=0.1,
         other_unit=(20, 600, _l("La glycémie capillaire se saisit en g/L : %(typed)s mg/dL "
                                 "s’écrit %(converted)s."), 0.01)),
    Kind("hba1c", "hba1c", _l("HbA1c (hémoglobine glyquée)"), "%", 3, 20, 1,
         _l("L’HbA1c doit être comprise entre %(low)s et %(high)s %%. Vérifiez la valeur "
            "saisie."),
         _l("Saisissez l’HbA1c."), "7,2", stable=0.2, short=_l("HbA1c")),
    Kind("pain", "douleur", _l("Douleur"), "/10", 0, 10, 0,
         _l("La douleur se note de %(low)s (aucune douleur) à %(high)s (douleur maximale)."),
         _l("Saisissez la douleur, de 0 à 10."), "3", stable=1, axis_floor=0,
         axis_ceiling=10),
    Kind("steps", "pas", _l("Nombre de pas"), _l("pas/jour"), 0, 100000, 0,
         _l("Le nombre de pas doit être compris entre %(low)s et %(high)s par jour. Vérifiez "
            "la valeur saisie."),
         _l("Saisissez le nombre de pas."), "8 000", stable=500, axis_floor=0),
    Kind("waist", "tour-de-taille", _l("Tour de taille"), "cm", 30, 250, 1,
         _l("Le tour de taille doit être compris entre %(low)s et %(high)s cm. Vérifiez la "
            "valeur saisie."),
         _l("Saisissez le tour de taille."), "94", stable=1),
    Kind("head", "perimetre-cranien", _l("Périmètre crânien"), "cm", 20, 70, 1,
         _l("Le périmètre crânien doit être compris entre %(low)s et %(high)s cm. Vérifiez la "
            "valeur saisie."),
         _l("Saisissez le périmètre crânien."), "45,5", stable=0.3, growth="head"),
]
BY_CODE = {k.code: k for k in KINDS}
BY_SLUG = {k.slug: k for k in KINDS}
BMI = BY_CODE["bmi"]

TRENDS = {"up": _l("en hausse"), "down": _l("en baisse"), "stable": _l("stable")}

# BMI categories for adults (WHO; as published by the Assurance Maladie): (below, label).
BMI_CATEGORIES = [
    (18.5, _l("maigreur (insuffisance pondérale)")),
    (25, _l("corpulence normale")),
    (30, _l("surpoids")),
    (35, _l("obésité modérée")),
    (40, _l("obésité sévère")),
    (float("inf"), _l("obésité massive")),
]
BMI_NORMAL = (18.5, 25)


class Measure(BaseModel):
    """One measurement of the patient, entered by the patient's side or by a professional."""

    patient = ForeignKeyField(Person, backref="measures", on_delete="CASCADE", index=False)
    kind = CharField(max_length=30)
    value = DoubleField()
    value2 = DoubleField(null=True)  # diastolic blood pressure
    measured_at = DateTimeField()  # naive UTC, like every timestamp
    author = ForeignKeyField(Account, backref="+", on_delete="RESTRICT")
    author_is_professional = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        # value and value2 in the index: a kind's values are grouped by period reading the
        # index alone (periods.py; migration 0020)
        indexes = ((("patient", "kind", "measured_at", "value", "value2"), False),)

    @classmethod
    def of(cls, patient_id, kind_code=None):
        """The patient's measures (of one kind), oldest first, with their authors."""
        query = (cls.select(cls, Account, Person).join(Account, on=(cls.author == Account.id))
                 .join(Person, on=(Account.person == Person.id))
                 .where(cls.patient == patient_id))
        if kind_code is not None:
            query = query.where(cls.kind == kind_code)
        return query.order_by(cls.measured_at, cls.id)

    @classmethod
    def latest_of(cls, patient_id):
        """({kind: the latest TREND_WINDOW measures, oldest first}, {kind: how many}) in one
        query, however many values there are (a window function ranks them per kind)."""
        ranked = (cls.select(cls.kind, cls.measured_at, cls.value, cls.value2,
                             fn.ROW_NUMBER().over(partition_by=[cls.kind],
                                                  order_by=[cls.measured_at.desc(),
                                                            cls.id.desc()]).alias("rank"),
                             fn.COUNT(cls.id).over(partition_by=[cls.kind]).alias("total"))
                  .where(cls.patient == patient_id))
        rows = (cls.select(ranked.c.kind, ranked.c.measured_at, ranked.c.value, ranked.c.value2,
                           ranked.c.total)
                .from_(ranked).where(ranked.c.rank <= TREND_WINDOW)
                .order_by(ranked.c.kind, ranked.c.rank.desc()).tuples())
        latest, counts = {}, {}
        for kind, measured_at, value, value2, total in rows:
            latest.setdefault(kind, []).append(
                cls(kind=kind, measured_at=cls.measured_at.python_value(measured_at),
                    value=value, value2=value2))
            counts[kind] = total
        return latest, counts

    def removable_by(self, account):
        """The patient's side removes what the patient's side entered; a professional only
        what they entered themselves. A professional's entry stays."""
        if account.role == ROLE_PROFESSIONAL:
            return self.author_id == account.id
        return not self.author_is_professional


class MeasureTarget(BaseModel):
    """A personal target for one kind of measurement (a ceiling, a floor or a range)."""

    patient = ForeignKeyField(Person, backref="+", on_delete="CASCADE", index=False)
    kind = CharField(max_length=30)
    low = DoubleField(null=True)
    high = DoubleField(null=True)
    high2 = DoubleField(null=True)  # diastolic ceiling for blood pressure
    set_by = ForeignKeyField(Account, backref="+", on_delete="RESTRICT")
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("patient", "kind"), True),)

    @classmethod
    def of(cls, patient_id, kind_code):
        return cls.get_or_none(cls.patient == patient_id, cls.kind == kind_code)


# --- computations -----------------------------------------------------------------------------

TREND_WINDOW = 6  # the latest measures that make the trend
EPOCH = datetime(1970, 1, 1)


def trend(points, stable):
    """"up", "down" or "stable" from the latest measures: the change over their period along
    their least-squares line, against the kind's "stable" margin; None below two measures.
    `points` are (time in days, value), oldest first."""
    points = points[-TREND_WINDOW:]
    if len(points) < 2:
        return None
    count = len(points)
    mean_t = sum(t for t, _v in points) / count
    mean_v = sum(v for _t, v in points) / count
    spread = sum((t - mean_t) ** 2 for t, _v in points)
    if spread == 0:
        return "stable"
    slope = sum((t - mean_t) * (v - mean_v) for t, v in points) / spread
    change = slope * (points[-1][0] - points[0][0])
    if abs(change) < stable:
        return "stable"
    return "up" if change > 0 else "down"


def days_since_epoch(moment):
    """A naive datetime as a number of days since 1970 (the x of trends and charts)."""
    return (moment - EPOCH).total_seconds() / 86400


def trend_points(measures):
    """(days, value) of measures, for `trend`."""
    return [(days_since_epoch(m.measured_at), m.value) for m in measures]


def bmi(weight_kg, height_cm):
    """Body-mass index, kg/m², to one decimal."""
    return round(weight_kg / (height_cm / 100) ** 2, 1)


def bmi_category(value):
    """The adult category of a BMI value."""
    for below, label in BMI_CATEGORIES:
        if value < below:
            return label
    return BMI_CATEGORIES[-1][1]


def bmi_series(weights, heights):
    """(weight measure, height measure, BMI) for each weight, with the latest height measured
    at or before it (else the first one after it); empty without any height."""
    if not heights:
        return []
    times = [h.measured_at for h in heights]
    out = []
    for w in weights:
        index = bisect_right(times, w.measured_at) - 1
        h = heights[max(index, 0)]
        out.append((w, h, bmi(w.value, h.value)))
    return out


def latest_bmi(patient_id):
    """(BMI, weight measure, height measure) from the latest weight and the latest height."""
    weight = Measure.of(patient_id, "weight").order_by(Measure.measured_at.desc()).first()
    height = Measure.of(patient_id, "height").order_by(Measure.measured_at.desc()).first()
    if weight is None or height is None:
        return None
    return bmi(weight.value, height.value), weight, height
