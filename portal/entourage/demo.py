"""Demo entourage, consistent with the demo people (see portal/seed.py).

Jean Dupont (82, Corrèze) would have his neighbour and caregiver Camille Martin called first,
then his son Pierre, who is also his trusted person; he does not object to organ donation.
Camille's sister is her emergency contact; Lina's is her mother, Camille.
"""
from datetime import date, datetime

from . import phones
from .models import DONATION_AGREES, EMERGENCY, TRUSTED, Contact, Wishes


def _contact(patient, author, kind, name, position, when, **values):
    """Create the contact unless this patient has one of this kind and name; 1 if created."""
    if Contact.select().where(Contact.patient == patient.id, Contact.kind == kind,
                              Contact.name == name).exists():
        return 0
    values["phone"] = phones.normalise(values["phone"])
    Contact.create(patient=patient, kind=kind, name=name, position=position, created_by=author,
                   created_at=when, updated_at=when, **values)
    return 1


def seed(people, accounts):
    """Create the demo contacts and wishes that are missing; returns how many were created."""
    jean, camille, lina = people["jean"], people["camille"], people["lina"]
    me_jean, me_camille = accounts["jean"], accounts["camille"]
    when = datetime(2026, 1, 12, 10, 0)
    n = 0
    n += _contact(jean, me_jean, EMERGENCY, camille.full_name, 1, when,
                  relationship="voisine, aidante", phone=camille.phone, email=me_camille.email,
                  note="Habite la maison d’à côté, passe tous les jours.")
    n += _contact(jean, me_jean, EMERGENCY, "Pierre Dupont", 2, when, relationship="fils",
                  phone="06 71 82 45 19", email="pierre.dupont@example.net",
                  note="Vit à Limoges, joignable le soir.")
    n += _contact(jean, me_jean, TRUSTED, "Pierre Dupont", 1, when, relationship="fils",
                  phone="06 71 82 45 19", email="pierre.dupont@example.net", accepted=True,
                  designated_on=date(2024, 3, 12))
    n += _contact(camille, me_camille, EMERGENCY, "Julie Rivière", 1, when, relationship="sœur",
                  phone="06 58 21 47 93", note="Habite Brive-la-Gaillarde.")
    n += _contact(lina, me_camille, EMERGENCY, camille.full_name, 1, when, relationship="mère",
                  phone=camille.phone, email=me_camille.email)
    if not Wishes.select().where(Wishes.patient == jean.id).exists():
        Wishes.create(patient=jean, organ_donation=DONATION_AGREES, updated_at=when,
                      updated_by=me_jean, comment="Mes enfants connaissent ma position.")
        n += 1
    return n
