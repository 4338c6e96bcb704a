"""Dossier: the overview of the open space (identity and care team)."""
from flask import Blueprint, g

from ..access.models import Grant
from ..accounts.models import Account
from ..htmx import render
from ..policy import DOSSIER_VIEW, requires

bp = Blueprint("dossier", __name__, url_prefix="/dossier")


@bp.route("/")
@requires(DOSSIER_VIEW)
def home():
    """The record's first page: who the person is and who cares for them."""
    person = g.space
    care_team = (Grant.select(Grant, Account).join(Account, on=(Grant.professional == Account.id))
                 .where(Grant.patient == person.id, Grant.blocked == False)  # noqa: E712
                 .order_by(Grant.treating_doctor.desc(), Grant.created_at))
    return render("dossier/home.html", person=person, care_team=list(care_team))
