"""Télécharger mes données: the page (what the ZIP holds, the latest export and its state,
polled by htmx while the worker builds it, with a refresh link without JavaScript), asking for
one, and downloading it (streamed, decrypted part after part, journaled as a reading)."""
from flask import Response, abort, flash, g, redirect, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..documents.store import iter_file
from ..forms.base import EmptyForm
from ..htmx import poll_unchanged, render
from ..i18n import format_datetime
from ..policy import EXPORT_DOWNLOAD, EXPORT_REQUEST, requires, scoped_or_404, shows
from . import bp
from .models import KEPT_FOR, ExportJob
from .service import latest, refusal, request_export

POLL_EVERY = "3s"


@bp.route("/")
@requires(EXPORT_REQUEST)
def index():
    """What an export holds, the latest one's state (polled while it is built), and the
    button to ask for one when none is running or recent."""
    job = latest(g.space.id, current_user.id)
    state = job.status if job else "none"
    if poll_unchanged(state):
        return "", 204
    return render("export/index.html", block="status", job=job, form=EmptyForm(),
                  refused=refusal(g.space.id, current_user.id), poll_every=POLL_EVERY,
                  kept_days=KEPT_FOR.days)


@bp.route("/demander", methods=["POST"])
@requires(EXPORT_REQUEST)
def start():
    """Ask for an export of the open space (one at a time, one a day)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    job, refused = request_export(g.space, current_user._get_current_object())
    if refused and refused[0] == "running":
        flash(_("Un export de ces données est déjà en préparation : attendez qu’il soit prêt "
                "(vous recevrez un e-mail)."), "error")
    elif refused:
        flash(_("Un export a déjà été demandé récemment. Vous pourrez en demander un nouveau "
                "à partir du %(date)s.", date=format_datetime(refused[1], "d MMMM yyyy à HH:mm")),
              "error")
    return redirect(url_for(".index"), 303)


@bp.route("/<int:job_id>/fichier")
@requires(EXPORT_DOWNLOAD)
def download(job_id):
    """The ZIP itself, while it is kept (7 days); an export of another space, or asked by
    another account, is a 404."""
    job = scoped_or_404(ExportJob.of_requester(g.space.id, current_user.id).where(
        ExportJob.id == job_id))
    if not job.kept():
        flash(_("Ce fichier n’est plus disponible : il n’est gardé que %(days)d jours. Vous "
                "pouvez demander un nouvel export.", days=KEPT_FOR.days), "error")
        return redirect(url_for(".index"), 303)
    shows("export", job.id)
    name = f"carnet-donnees-{format_datetime(job.created_at, 'yyyy-MM-dd')}.zip"
    response = Response(stream_with_context(iter_file(job.storage_key, job.parts)),
                        mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Content-Length"] = str(job.size)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
