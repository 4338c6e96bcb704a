"""The patient's "Professionnels de santé" page, and a professional typing an access code."""
from datetime import timedelta

from flask import abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from flask_login import current_user
from peewee import fn

from .. import audit
from ..forms.base import EmptyForm
from ..accounts.models import ROLE_PROFESSIONAL, Account, Person, utcnow
from ..db import write_tx
from ..htmx import render
from ..i18n import _n, feminine
from ..notifications import notify
from ..policy import (ACCESS_MANAGE, ACCESS_REDEEM, ACCESS_VIEW, CLOSED_SPACE, open_space,
                      requires, scoped_or_404, space_is_open, token_holds)
from ..throttle import Throttle
from . import bp
from . import matrix
from .codes import code_hash, new_code
from .forms import CodeForm, ProfessionalForm, RedeemForm, SearchForm
from .models import AccessCode, Grant


VALIDITY = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7j": timedelta(days=7)}
NEW_CODE_KEY = "access_new_code"
SEARCH_LIMIT = 20
CODES_SHOWN = 10


def _grants(patient_id):
    """The professionals who may open this space now (expired code grants left aside)."""
    return list(Grant.select(Grant, Account, Person)
                .join(Account, on=(Grant.professional == Account.id)).join(Person)
                .where(Grant.patient == patient_id,
                       Grant.expires_at.is_null() | (Grant.expires_at > utcnow()))
                .order_by(Grant.treating_doctor.desc(), Grant.created_at))


def _search(text):
    """Registered, active professionals whose name or RPPS number matches."""
    text = text.strip()
    name = fn.LOWER(Person.given_names.concat(" ").concat(Person.family_name))
    return list(Account.select(Account, Person).join(Person)
                .where(Account.role == ROLE_PROFESSIONAL, Account.is_active == True,  # noqa: E712
                       (Account.rpps == text) | name.contains(text.lower())
                       | fn.LOWER(Person.family_name).contains(text.lower()))
                .order_by(Person.family_name, Person.given_names).limit(SEARCH_LIMIT))


@bp.route("/dossier/professionnels/")
@requires(ACCESS_VIEW)
def index():
    """Authorised professionals, the directory search, the profession matrix, access codes."""
    search = SearchForm(request.args)
    results = None
    if "q" in request.args and search.validate():
        results = _search(search.q.data)
    grants = _grants(g.space.id)
    granted = {gr.professional_id for gr in grants}
    codes = list(AccessCode.select().where(AccessCode.patient == g.space.id)
                 .order_by(AccessCode.created_at.desc()).limit(CODES_SHOWN))
    return render("access/index.html", block="results", search=search, results=results,
                  granted=granted, grants=grants, codes=codes, matrix_rows=matrix.rows(),
                  form=EmptyForm(), code_form=CodeForm(),
                  new_code=session.pop(NEW_CODE_KEY, None), now=utcnow())


def _back():
    return redirect(url_for(".index"), 303)


@bp.route("/dossier/professionnels/autoriser", methods=["POST"])
@requires(ACCESS_MANAGE)
def authorise():
    """Authorise a professional found in the directory (or make a code's access lasting)."""
    form = ProfessionalForm()
    if not form.validate_on_submit() or not form.professional_id.data.isdigit():
        abort(400)
    professional = scoped_or_404(Account.select().where(
        Account.id == int(form.professional_id.data), Account.role == ROLE_PROFESSIONAL,
        Account.is_active == True))  # noqa: E712
    with write_tx():
        grant = Grant.get_or_none(Grant.patient == g.space.id,
                                  Grant.professional == professional.id)
        if grant is not None and grant.blocked:
            flash(_n("%(name)s est bloqué pour cet espace : débloquez ce professionnel pour lui "
                     "rendre l’accès.", name=professional.display_name), "error")
            return _back()
        if grant is not None and grant.expires_at is None:
            flash(_n("%(name)s est déjà autorisé.", name=professional.display_name), "info")
            return _back()
        if grant is None:
            grant = Grant.create(patient=g.space.id, professional=professional.id)
        else:
            Grant.update(expires_at=None).where(Grant.id == grant.id).execute()
    audit.record("access.authorise", obj_type="grant", obj_id=grant.id)
    flash(_n("%(name)s peut désormais ouvrir cet espace.", name=professional.display_name),
          "success")
    return _back()


def _is_doctor(account):
    return (account.profession or "").startswith("medecin")


def _change(grant, verb):
    """Apply one change to a grant; returns (ok, message), agreed with the professional."""
    name = grant.professional.display_name
    she = feminine(grant.professional)
    if verb in ("bloquer", "retirer") and grant.treating_doctor:
        return False, _n("%(name)s est votre médecin traitant : désignez d’abord un autre médecin "
                         "traitant.", name=name)
    if verb == "bloquer":
        Grant.update(blocked=True).where(Grant.id == grant.id).execute()
        if she:
            return True, _n("%(name)s est bloquée : elle ne peut plus ouvrir cet espace.",
                            name=name)
        return True, _n("%(name)s est bloqué : il ne peut plus ouvrir cet espace.", name=name)
    if verb == "debloquer":
        Grant.update(blocked=False).where(Grant.id == grant.id).execute()
        return True, (_n("%(name)s est débloquée.", name=name) if she else
                      _n("%(name)s est débloqué.", name=name))
    if verb == "administrateur":
        Grant.update(administrator=True).where(Grant.id == grant.id).execute()
        if she:
            return True, _n("%(name)s est administratrice : elle voit aussi les documents "
                            "masqués.", name=name)
        return True, _n("%(name)s est administrateur : il voit aussi les documents masqués.",
                        name=name)
    if verb == "retirer-administrateur":
        Grant.update(administrator=False).where(Grant.id == grant.id).execute()
        return True, (_n("%(name)s n’est plus administratrice.", name=name) if she else
                      _n("%(name)s n’est plus administrateur.", name=name))
    if verb == "medecin-traitant":
        if not _is_doctor(grant.professional):
            return False, _("Seul un médecin peut être médecin traitant.")
        if grant.blocked or grant.expires_at is not None:
            return False, _n("Autorisez d’abord durablement %(name)s (sans blocage ni code "
                             "temporaire).", name=name)
        Grant.update(treating_doctor=False).where(Grant.patient == grant.patient_id).execute()
        Grant.update(treating_doctor=True).where(Grant.id == grant.id).execute()
        return True, _n("%(name)s est votre médecin traitant.", name=name)
    # "retirer": the authorisation ends
    Grant.delete().where(Grant.id == grant.id).execute()
    return True, _n("L’autorisation de %(name)s est retirée.", name=name)


VERBS = {"bloquer": "block", "debloquer": "unblock", "administrateur": "make_admin",
         "retirer-administrateur": "unmake_admin", "medecin-traitant": "set_treating",
         "retirer": "revoke"}


@bp.route("/dossier/professionnels/<int:grant_id>/<verb>", methods=["POST"])
@requires(ACCESS_MANAGE)
def change(grant_id, verb):
    """Block, unblock, name administrator, set the médecin traitant, revoke."""
    if verb not in VERBS:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with write_tx():
        grant = scoped_or_404(Grant.select(Grant, Account, Person)
                              .join(Account, on=(Grant.professional == Account.id)).join(Person)
                              .where(Grant.id == grant_id, Grant.patient == g.space.id))
        ok, message = _change(grant, verb)
    if ok:
        audit.record(f"access.{VERBS[verb]}", obj_type="grant", obj_id=grant.id)
    flash(message, "success" if ok else "error")
    return _back()


@bp.route("/dossier/professionnels/codes", methods=["POST"])
@requires(ACCESS_MANAGE)
def create_code():
    """A new one-time code; shown once (kept in the server-side session until displayed)."""
    form = CodeForm()
    if not form.validate_on_submit():
        flash(_("Choisissez une durée de validité."), "error")
        return _back()
    code = new_code()
    row = AccessCode.create(patient=g.space.id, created_by=current_user.id,
                            code_hash=code_hash(code),
                            expires_at=utcnow() + VALIDITY[form.validity.data])
    audit.record("access.code_create", obj_type="access_code", obj_id=row.id,
                 detail=f"validity={form.validity.data}")
    session[NEW_CODE_KEY] = code
    return _back()


@bp.route("/dossier/professionnels/codes/<int:code_id>/revoquer", methods=["POST"])
@requires(ACCESS_MANAGE)
def revoke_code(code_id):
    """Revoke an unused code; the access it gave ends too (on the professional's next request)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    with write_tx():
        row = scoped_or_404(AccessCode.select().where(AccessCode.id == code_id,
                                                      AccessCode.patient == g.space.id,
                                                      AccessCode.revoked_at.is_null()))
        AccessCode.update(revoked_at=utcnow()).where(AccessCode.id == row.id).execute()
        if row.used_by_id is not None:
            Grant.update(expires_at=utcnow()).where(
                Grant.patient == g.space.id, Grant.professional == row.used_by_id,
                Grant.expires_at.is_null(False)).execute()
    audit.record("access.code_revoke", obj_type="access_code", obj_id=row.id)
    flash(_("Le code est révoqué."), "success")
    return _back()


# --- the professional's side ---------------------------------------------------------------

def _refusal(reason):
    return {
        "unknown": _("Ce code n’existe pas. Vérifiez-le auprès du patient ou de la patiente."),
        "expired": _("Ce code a expiré. Demandez un nouveau code au patient ou à la patiente."),
        "used": _("Ce code a déjà été utilisé : un code ne sert qu’une fois."),
        "revoked": _("Ce code a été révoqué par le patient ou la patiente."),
        "blocked": _("Le patient ou la patiente ne vous autorise pas à ouvrir son espace."),
        "lapsed": _("Ce code ne vaut plus : la personne qui l’a créé n’agit plus pour ce "
                    "patient ou cette patiente. Demandez un nouveau code."),
        "closed": str(CLOSED_SPACE),
    }[reason]


def _notify(patient, professional):
    """Tell the patient and their legal representatives (kind "pro_access", as each one's
    preferences say)."""
    pro = professional.display_name
    notify(patient.id, "pro_access", _l("Carnet : un code d’accès a été utilisé"),
           lambda is_self: (
               _n("%(pro)s a utilisé un code d’accès à votre espace santé.", pro=pro) if is_self
               else _n("%(pro)s a utilisé un code d’accès à l’espace santé de %(name)s.",
                       pro=pro, name=patient.full_name))
           + " " + _("Vous pouvez voir et retirer cet accès dans Carnet, rubrique "
                     "« Professionnels de santé »."))


def _redeem(code_text, professional):
    """Use a code once; returns (AccessCode, None) or (row or None, reason). Like every token,
    a code holds only while the space is open and its maker still manages its professionals
    (policy.token_holds): nothing is written otherwise."""
    now = utcnow()
    with write_tx():
        row = AccessCode.get_or_none(AccessCode.code_hash == code_hash(code_text))
        if row is None:
            return None, "unknown"
        status = row.status(now)
        if status != "valid":
            return row, status
        if not token_holds(row.patient_id, row.created_by_id, ACCESS_MANAGE):
            return row, "lapsed" if space_is_open(row.patient_id) else "closed"
        grant = Grant.get_or_none(Grant.patient == row.patient_id,
                                  Grant.professional == professional.id)
        if grant is not None and grant.blocked:
            return row, "blocked"
        AccessCode.update(used_at=now, used_by=professional.id).where(
            AccessCode.id == row.id).execute()
        if grant is None:
            Grant.create(patient=row.patient_id, professional=professional.id,
                         expires_at=row.expires_at)
        elif grant.expires_at is not None:
            Grant.update(expires_at=max(grant.expires_at, row.expires_at)).where(
                Grant.id == grant.id).execute()
    return row, None


@bp.route("/acces/code", methods=["GET", "POST"])
@requires(ACCESS_REDEEM)
def redeem():
    """A professional types a patient's code: the space opens until the code's end. Wrong or
    malformed codes count in the shared throttle (per professional and per address)."""
    form = RedeemForm()
    attempt = Throttle("access-code", current_user.get_id(), limit="ACCESS_CODE_LIMIT")
    if attempt.holds_back(form, form.code):
        return render("access/redeem.html", form=form), 429
    if form.validate_on_submit():
        professional = current_user._get_current_object()
        row, reason = _redeem(form.code.data, professional)
        if reason is None:
            relation = open_space(professional, row.patient_id)
            g.space, g.relation = relation.person, relation
            Grant.update(last_access_at=utcnow()).where(Grant.id == relation.record_id).execute()
            audit.record("access.code_redeem", obj_type="access_code", obj_id=row.id,
                         via="code")
            _notify(relation.person, professional)
            flash(_n("Vous êtes dans l’espace de %(name)s jusqu’au %(until)s.",
                     name=relation.person.full_name,
                     until=_format_until(row.expires_at)), "success")
            return redirect(url_for("dossier.home"), 303)
        attempt.failed()
        audit.record("access.code_redeem", patient=row.patient if row else None,
                     obj_type="access_code", obj_id=row.id if row else "", via="code",
                     outcome="refused", detail=reason)
        form.code.errors.append(_refusal(reason))
    elif form.errors:
        attempt.failed()
    return render("access/redeem.html", form=form)


def _format_until(moment):
    from ..i18n import format_datetime
    return format_datetime(moment, "d MMMM yyyy, HH:mm")
