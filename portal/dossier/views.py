"""Dossier: the overview of the open space (identity, care team, the essentials at a glance)."""
from flask import g
from flask_login import current_user

from ..access.models import Grant
from ..accounts.models import Account, Person
from ..htmx import render
from ..db import Prepared
from ..policy import (AGENDA_PRO_ADD, DOSSIER_VIEW, PRESCRIPTION_WRITE, allowed, pending_count,
                      requires)
from ..profile.essentials import essentials
from . import bp


def _care_team_query(patient_id):
    # The professional's person is joined too: the page names each one (no query per card).
    return (Grant.select(Grant, Account, Person)
            .join(Account, on=(Grant.professional == Account.id))
            .join(Person, on=(Account.person == Person.id))
            .where(Grant.patient == patient_id, Grant.blocked == False)  # noqa: E712
            .order_by(Grant.treating_doctor.desc(), Grant.created_at))


# The page most opened: built once (see db.Prepared).
_CARE_TEAM = Prepared(_care_team_query, 0)


@bp.route("/")
@requires(DOSSIER_VIEW)
def home():
    """The record's first page: who the person is, who cares for them, and what matters most
    in an emergency or a consultation (blood group, allergies, treatments, conditions)."""
    person = g.space
    return render("dossier/home.html", person=person, care_team=list(_CARE_TEAM(person.id)),
                  essentials=essentials(person.id), pending_count=pending_count(g.relation),
                  can_prescribe=allowed(current_user, PRESCRIPTION_WRITE, g.relation),
                  can_add_appointment=allowed(current_user, AGENDA_PRO_ADD, g.relation))
