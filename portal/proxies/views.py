"""Spaces one may open ("acting for"), and Mes proches: who acts for whom."""
from flask import abort, flash, g, redirect, url_for
from flask_login import current_user

from .. import audit
from ..forms.base import EmptyForm
from ..htmx import render
from ..i18n import _n
from ..policy import PROXIES_VIEW, SPACES_LIST, open_space, relations_for, requires
from . import bp, delegation_routes, guardian_routes, mandate_routes
from .presenters import scope_labels


@bp.route("/espaces")
@requires(SPACES_LIST)
def spaces():
    """Every space this person may open, with the relationship and what it allows."""
    relations = relations_for(current_user._get_current_object())
    return render("proxies/spaces.html", relations=relations, form=EmptyForm(),
                  scope_labels=scope_labels)


@bp.route("/espaces/<int:person_id>", methods=["POST"])
@requires(SPACES_LIST)
def switch(person_id):
    """Open another space; outside one's relationships it is a 404 (nothing is revealed)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    relation = open_space(current_user._get_current_object(), person_id)
    if relation is None:
        abort(404)
    g.space, g.relation = relation.person, relation
    if relation.kind == "grant":  # the patient's page shows each professional's last access;
        # the day's first opening is e-mailed to the patient side (pro_access)
        from ..notifications.events import professional_opened
        professional_opened(relation, current_user._get_current_object())
    audit.record("space.open", obj_type="person", obj_id=person_id)
    flash(_n("Vous êtes dans l’espace de %(name)s.", name=relation.person.full_name), "info")
    return redirect(url_for(relation.landing))


@bp.route("/proches")
@requires(PROXIES_VIEW)
def relatives():
    """Who may act in this space, and (in one's own space) whose spaces one may open. Each kind
    of relationship supplies its part of the page (`relatives_context` of its route module)."""
    person = g.space
    context = {"person": person, "form": EmptyForm(), "scope_labels": scope_labels}
    for module in (guardian_routes, delegation_routes, mandate_routes):
        context.update(module.relatives_context(person))
    return render("proxies/relatives.html", **context)
