"""The profession matrix: which document categories each profession sees (data, not code).

Shown to patients in plain French on their "Professionnels de santé" page; applied by
policy.visible_documents. Codes are those of accounts.models.PROFESSIONS and
documents.models.CATEGORIES.
"""
from ..documents.models import CATEGORIES

ALL = frozenset(CATEGORIES)
# Documents the patient did not classify ("Autres") stay visible to every profession: the matrix
# decides on known categories only; the patient masks what no professional should see.
UNCLASSIFIED = frozenset({"autres"})

MATRIX = {
    "medecin_generaliste": ALL,
    "medecin_specialiste": ALL,
    "medecin_regulateur": ALL,
    "sage_femme": UNCLASSIFIED | {"synthese", "ordonnances", "imagerie", "biologie",
                                  "comptes_rendus", "prevention", "certificats"},
    "infirmier": UNCLASSIFIED | {"synthese", "ordonnances", "biologie", "comptes_rendus",
                                 "prevention"},
    "pharmacien": UNCLASSIFIED | {"synthese", "ordonnances", "prevention"},
    "chirurgien_dentiste": UNCLASSIFIED | {"synthese", "ordonnances", "imagerie", "prevention"},
    "kinesitherapeute": UNCLASSIFIED | {"synthese", "ordonnances", "imagerie", "comptes_rendus"},
}


def categories_for(profession):
    """The categories a profession may see; an unknown profession sees none."""
    return MATRIX.get(profession, frozenset())


def rows():
    """(profession label, labels seen, labels not seen) for the plain-French table."""
    from ..accounts.models import PROFESSIONS
    table = []
    for code, label in PROFESSIONS.items():
        seen = categories_for(code)
        table.append((label, [CATEGORIES[c] for c in CATEGORIES if c in seen],
                      [CATEGORIES[c] for c in CATEGORIES if c not in seen]))
    return table
