"""Operators' pages: the professional directory (never any medical content)."""
from flask import Blueprint, request

from ..accounts.models import ROLE_PROFESSIONAL, Account, Person
from ..htmx import render
from ..policy import DIRECTORY_VIEW, requires

bp = Blueprint("operator", __name__, url_prefix="/annuaire")
PAGE_SIZE = 50


@bp.route("/")
@requires(DIRECTORY_VIEW)
def directory():
    """Health professionals registered in Carnet, searchable by name or RPPS number."""
    q = (request.args.get("q") or "").strip()[:100]
    query = (Account.select(Account, Person).join(Person)
             .where(Account.role == ROLE_PROFESSIONAL, Account.is_active == True)  # noqa: E712
             .order_by(Person.family_name, Person.given_names))
    if q:
        query = query.where(Person.family_name.contains(q) | Person.given_names.contains(q)
                            | (Account.rpps == q))
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    total = query.count()
    rows = list(query.paginate(page, PAGE_SIZE))
    return render("operator/directory.html", rows=rows, q=q, page=page, total=total,
                  pages=max(1, -(-total // PAGE_SIZE)), block="results")
