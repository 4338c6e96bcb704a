"""People's side: the catalogue, a service's page, the OAuth authorization (login, then the
consent screen) and "Services connectés" (what each service may do, its last use, changing
the consent, disconnecting)."""
from authlib.oauth2 import OAuth2Error
from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..forms.base import EmptyForm
from ..htmx import render
from ..policy import SERVICES_BROWSE, SERVICES_CONNECT, requires, scoped_or_404
from . import bp, rights
from .forms import ConsentForm
from .models import Consent, Service
from .oauth import Grantee, server


def _service_or_404(slug):
    return scoped_or_404(Service.listed().where(Service.slug == slug))


@bp.route("/services/")
@requires(SERVICES_BROWSE)
def catalogue():
    """The referenced services, searchable by name, publisher or words, by category."""
    q = (request.args.get("q") or "").strip()[:100]
    category = request.args.get("categorie") or ""
    query = Service.listed()
    if q:
        query = query.where(Service.name.contains(q) | Service.publisher.contains(q)
                            | Service.description.contains(q))
    if category in rights.SERVICE_CATEGORIES:
        query = query.where(Service.categories.contains(category))
    else:
        category = ""
    return render("connect/catalogue.html", services=list(query), q=q, category=category,
                  categories=rights.SERVICE_CATEGORIES, block="results")


@bp.route("/services/<slug>")
@requires(SERVICES_BROWSE)
def service_page(slug):
    """What the service does, and what each of its purposes allows, in plain French."""
    service = _service_or_404(slug)
    return render("connect/service.html", service=service,
                  purposes=rights.purposes_of(service))


def _grantee():
    return Grantee(current_user._get_current_object(), g.space)


@bp.route("/oauth/authorize", methods=["GET", "POST"])
@requires(SERVICES_CONNECT)
def authorize():
    """An app asks to connect to the open space: the consent screen, one choice per purpose
    (none ticked in advance); accepting records the consent and sends the app its code."""
    try:
        grant = server.get_consent_grant(end_user=_grantee())
    except OAuth2Error as error:
        return render("connect/authorize_error.html", error=error.error), 400
    service = grant.client.service
    purposes = rights.purposes_of(service)
    form = ConsentForm(purposes)
    consent = rights.consent_of(g.space.id, service)
    if request.method == "POST":
        if "refuser" in request.form and form.validate_on_submit():
            return _hand_back(server.create_authorization_response(grant_user=None, grant=grant),
                              service, accepted=False)
        if form.validate_on_submit():
            if not form.chosen:
                form.purposes.errors = [_("Cochez au moins une finalité, ou refusez.")]
            else:
                rights.give_consent(g.space, service, form.chosen,
                                    current_user._get_current_object())
                return _hand_back(server.create_authorization_response(
                    grant_user=_grantee(), grant=grant), service, accepted=True)
    return render("connect/authorize.html", service=service, purposes=purposes, form=form,
                  consent=consent, reapproval=rights.needs_reapproval(consent, service),
                  action=request.full_path)


def _hand_back(response, service, accepted):
    """The way back to the app, as a link on a page of ours rather than a redirect: the CSP's
    form-action 'self' rightly forbids a form of ours to land on another site, and a link
    followed by the person is no form submission (the code stays out of any Referer: the
    Referrer-Policy is same-origin)."""
    location = response.headers.get("Location")
    if response.status_code != 302 or not location:
        return response
    return render("connect/authorized.html", service=service, back=location,
                  accepted=accepted)


def _connected(person_id):
    return (Consent.select(Consent, Service).join(Service)
            .where(Consent.person == person_id, Consent.withdrawn_at.is_null())
            .order_by(Service.name))


@bp.route("/services/connectes")
@requires(SERVICES_CONNECT)
def connected():
    """The services connected to the open space, what each may do now, and its last use."""
    rows = []
    for consent in _connected(g.space.id):
        service = consent.service
        purposes = rights.purposes_of(service)
        rows.append({"consent": consent, "service": service,
                     "purposes": [p for p in purposes if p.id in consent.purpose_ids],
                     "rights": sorted(rights.consented_rights(consent, service, purposes)),
                     "reapproval": rights.needs_reapproval(consent, service),
                     "lapsed": rights.reapproval_lapsed(consent, service)})
    return render("connect/connected.html", rows=rows, form=EmptyForm())


def _consent_or_404(slug):
    return scoped_or_404(_connected(g.space.id).where(Service.slug == slug))


@bp.route("/services/connectes/<slug>", methods=["GET", "POST"])
@requires(SERVICES_CONNECT)
def change(slug):
    """Change which purposes a connected service may pursue (also: approve a new version)."""
    consent = _consent_or_404(slug)
    service = consent.service
    purposes = rights.purposes_of(service)
    form = ConsentForm(purposes)
    if request.method == "GET":
        form.purposes.data = [str(p) for p in sorted(consent.purpose_ids)]
    elif form.validate_on_submit():
        if not form.chosen:
            form.purposes.errors = [_("Cochez au moins une finalité, ou déconnectez le "
                                      "service.")]
        else:
            rights.give_consent(g.space, service, form.chosen, current_user._get_current_object())
            flash(_("Vos choix pour « %(name)s » sont enregistrés.", name=service.name),
                  "success")
            return redirect(url_for(".connected"), 303)
    return render("connect/change.html", service=service, purposes=purposes, form=form,
                  reapproval=rights.needs_reapproval(consent, service))


@bp.route("/services/connectes/<slug>/deconnecter", methods=["POST"])
@requires(SERVICES_CONNECT)
def disconnect(slug):
    """Disconnect a service: consent withdrawn, its tokens revoked at once."""
    consent = _consent_or_404(slug)
    form = EmptyForm()
    if form.validate_on_submit():
        rights.withdraw(g.space, consent.service)
        flash(_("« %(name)s » est déconnecté : il n’a plus accès à l’espace santé.",
                name=consent.service.name), "success")
    return redirect(url_for(".connected"), 303)
