"""The operator's side of the catalogue: reference a service (and its OAuth client), edit it,
edit its purposes (each change bumps the service's version), suspend, reactivate or
dereference it (its tokens are refused at once)."""
import secrets

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l

from .. import audit
from ..accounts.models import utcnow
from ..forms.base import EmptyForm
from ..htmx import render
from ..policy import SERVICES_MANAGE, requires, scoped_or_404
from . import bp, rights
from .forms import PurposeForm, ServiceForm
from .models import ACTIVE, DEREFERENCED, STATUSES, SUSPENDED, Purpose, Service, ServiceClient

STATUS_LABELS = {ACTIVE: _l("Actif"), SUSPENDED: _l("Suspendu"),
                 DEREFERENCED: _l("Déréférencé")}


def _slug(name):
    import re
    import unicodedata
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:50] or "service"
    slug, n = base, 2
    while Service.select().where(Service.slug == slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@bp.route("/operateur/services/")
@requires(SERVICES_MANAGE)
def services():
    """Every referenced service, whatever its status."""
    rows = list(Service.select().order_by(Service.name))
    return render("connect/operator_list.html", rows=rows, labels=STATUS_LABELS)


@bp.route("/operateur/services/nouveau", methods=["GET", "POST"])
@requires(SERVICES_MANAGE)
def new_service():
    """Reference a service and make its OAuth client; a confidential client's secret is shown
    once, here, and stored hashed."""
    form = ServiceForm()
    if form.validate_on_submit():
        service = Service.create(slug=_slug(form.name.data), name=form.name.data,
                                 publisher=form.publisher.data,
                                 description=form.description.data,
                                 categories=",".join(form.categories.data or []))
        client = ServiceClient(service=service.id, client_id=secrets.token_urlsafe(16),
                               redirect_uris="\n".join(form.uris))
        secret = secrets.token_urlsafe(32) if form.confidential.data else None
        client.set_secret(secret)
        client.save()
        audit.record("services.referenced", obj_type="service", obj_id=service.id,
                     detail=service.name)
        return render("connect/operator_created.html", service=service, client=client,
                      secret=secret)
    return render("connect/operator_form.html", form=form, service=None)


def _service(service_id):
    return scoped_or_404(Service.select().where(Service.id == service_id))


@bp.route("/operateur/services/<int:service_id>", methods=["GET", "POST"])
@requires(SERVICES_MANAGE)
def edit_service(service_id):
    """Edit a service's description and client; its purposes and status below."""
    service = _service(service_id)
    client = ServiceClient.get(ServiceClient.service == service.id)
    form = ServiceForm(obj=service if request.method == "GET" else None)
    if request.method == "GET":
        form.categories.data = service.category_set
        form.redirect_uris.data = client.redirect_uris
        form.confidential.data = not client.is_public
    elif form.validate_on_submit():
        Service.update(name=form.name.data, publisher=form.publisher.data,
                       description=form.description.data,
                       categories=",".join(form.categories.data or []),
                       updated_at=utcnow()).where(Service.id == service.id).execute()
        ServiceClient.update(redirect_uris="\n".join(form.uris)).where(
            ServiceClient.id == client.id).execute()
        audit.record("services.edited", obj_type="service", obj_id=service.id,
                     detail=service.name)
        flash(_("Service enregistré."), "success")
        return redirect(url_for(".edit_service", service_id=service.id), 303)
    return render("connect/operator_form.html", form=form, service=service, client=client,
                  purposes=rights.purposes_of(service), purpose_form=PurposeForm(),
                  labels=STATUS_LABELS, status_form=EmptyForm())


@bp.route("/operateur/services/<int:service_id>/finalites", methods=["POST"],
          defaults={"purpose_id": None})
@bp.route("/operateur/services/<int:service_id>/finalites/<int:purpose_id>",
          methods=["GET", "POST"])
@requires(SERVICES_MANAGE)
def purpose(service_id, purpose_id):
    """Add or change a purpose: the service's version goes up, so people connected keep what
    they approved and must approve the change before it applies to them."""
    service = _service(service_id)
    existing = None
    if purpose_id is not None:
        existing = scoped_or_404(Purpose.select().where(Purpose.id == purpose_id,
                                                        Purpose.service == service.id))
    form = PurposeForm(obj=existing if request.method == "GET" else None)
    if request.method == "GET":
        form.rights.data = sorted(existing.right_set)
    elif form.validate_on_submit():
        values = {"label": form.label.data, "explanation": form.explanation.data,
                  "rights": ",".join(sorted(form.rights.data))}
        if existing is None:
            position = Purpose.select().where(Purpose.service == service.id).count()
            existing = Purpose.create(service=service.id, position=position, **values)
        else:
            Purpose.update(**values).where(Purpose.id == existing.id).execute()
        service = rights.bump_version(service)
        audit.record("services.purposes_changed", obj_type="service", obj_id=service.id,
                     detail=f"{service.name} v{service.version}")
        flash(_("Finalité enregistrée : le service passe en version %(version)s. Les "
                "personnes connectées devront l’approuver.", version=service.version),
              "success")
        return redirect(url_for(".edit_service", service_id=service.id), 303)
    return render("connect/operator_purpose.html", service=service, form=form,
                  purpose=existing)


@bp.route("/operateur/services/<int:service_id>/statut", methods=["POST"])
@requires(SERVICES_MANAGE)
def set_status(service_id):
    """Suspend, reactivate or dereference a service (leaving "active" revokes its tokens)."""
    service = _service(service_id)
    status = request.form.get("status")
    if status not in STATUSES:
        abort(400)
    if EmptyForm().validate_on_submit():
        rights.set_status(service, status)
        flash(_("Statut du service : %(status)s.", status=STATUS_LABELS[status]), "success")
    return redirect(url_for(".edit_service", service_id=service.id), 303)
