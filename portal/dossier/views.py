"""Dossier: the overview of the open space (identity, care team, the essentials at a glance)."""
from flask import g
from flask_login import current_user

from ..access.models import Grant
from ..accounts.models import Account, Person
from ..htmx import render
from ..policy import (AGENDA_PRO_ADD, DOSSIER_VIEW, PRESCRIPTION_WRITE, allowed,
                      pending_documents, requires)
from ..profile.essentials import essentials
from . import bp


@bp.route("/")
@requires(DOSSIER_VIEW)
def home():
    """The record's first page: who the person is, who cares for them, and what matters most
    in an emergency or a consultation (blood group, allergies, treatments, conditions)."""
    person = g.space
    # The professional's person is joined too: the page names each one (no query per card).
    care_team = (Grant.select(Grant, Account, Person)
                 .join(Account, on=(Grant.professional == Account.id))
                 .join(Person, on=(Account.person == Person.id))
                 .where(Grant.patient == person.id, Grant.blocked == False)  # noqa: E712
                 .order_by(Grant.treating_doctor.desc(), Grant.created_at))
    pending = pending_documents(g.relation)
    return render("dossier/home.html", person=person, care_team=list(care_team),
                  essentials=essentials(person.id), pending_count=pending.count() if pending else 0,
                  can_prescribe=allowed(current_user, PRESCRIPTION_WRITE, g.relation),
                  can_add_appointment=allowed(current_user, AGENDA_PRO_ADD, g.relation))
