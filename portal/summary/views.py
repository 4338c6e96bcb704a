"""Imprimer: ask for Ma synthèse (chosen sections) or the emergency card, follow its
preparation by the worker (an htmx poll that stops once done; a refresh link without
JavaScript), then download it, keep it in the dossier, or delete it. Generated files expire
after a day. Every request, download and saving is journaled."""
from flask import abort, current_app, flash, g, redirect, url_for
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from flask_login import current_user

from .. import audit
from ..forms.base import EmptyForm
from ..accounts.models import Account, utcnow
from ..db import write_tx
from ..documents.download import content_response
from ..documents.store import Rejected, delete_blob, read_blob, store_document
from ..htmx import poll_unchanged, render
from ..i18n import format_datetime
from ..policy import (DOCUMENTS_VIEW, SUMMARY_DOWNLOAD, SUMMARY_PRINT, SUMMARY_SAVE, allowed,
                      refuse, requires, scoped_or_404)
from . import bp
from .forms import CardForm, SummaryForm
from .models import (CARD, DONE, EXPIRED, FAILED, KEPT_FOR, MAX_ACTIVE, QUEUED, RUNNING,
                     SECTIONS, SUMMARY, PrintJob)
from .tasks import interrupted, render_job


RECENT = 10
POLL_EVERY = "2s"
ERRORS = {
    "timeout": _l("La mise en page a pris trop de temps et a été arrêtée. Essayez avec moins "
                  "de rubriques, ou réessayez plus tard."),
    "memory": _l("Le document était trop volumineux pour être préparé. Essayez avec moins de "
                 "rubriques."),
    "too_big": _l("Le document était trop volumineux pour être préparé. Essayez avec moins de "
                  "rubriques."),
    "access": _l("Votre accès à cet espace ne permet plus d’imprimer ce document."),
    "failed": _l("La préparation du document a échoué. Réessayez ; si le problème continue, "
                 "signalez-le à l’assistance de Carnet."),
    "interrupted": _l("L’impression a été interrompue : le service qui préparait le "
                      "document s’est arrêté avant la fin. Rien n’a été modifié dans le "
                      "dossier ; vous pouvez relancer la même demande."),
}
STATUS_LABELS = {QUEUED: _l("En attente"), RUNNING: _l("En préparation"), DONE: _l("Prêt"),
                 FAILED: _l("Échec"), EXPIRED: _l("Supprimé (délai dépassé)")}


def status_label(job):
    return STATUS_LABELS.get(job.status, job.status)


def error_text(job):
    return ERRORS.get(job.error, ERRORS["failed"])


def _actor():
    return current_user._get_current_object()


def _default_language():
    """The person's language: the space holder's account, else the one acting's."""
    holder = Account.get_or_none(Account.person == g.space.id)
    language = (holder.language if holder else None) or _actor().language
    return language if language in current_app.config["LANGUAGES"] else "fr"


def _forms(posted=None):
    """Both forms of the page; the one not posted (`posted`: "summary" or "card") shows its
    defaults, so that an error in one keeps the other as it was offered."""
    summary_form = SummaryForm(formdata=None) if posted == "card" else SummaryForm()
    card_form = CardForm(prefix="carte", formdata=None) if posted == "summary" else \
        CardForm(prefix="carte")
    language = _default_language()
    if posted != "summary":
        summary_form.sections.data = list(SECTIONS)
        summary_form.language.data = language
    if posted != "card":
        card_form.language.data = language
    return summary_form, card_form


def _recent():
    return list(PrintJob.of(g.space.id, _actor().id).order_by(PrintJob.created_at.desc(),
                                                               PrintJob.id.desc()).limit(RECENT))


def _page(summary_form, card_form, failed=None, busy=None):
    """The page; `failed` is the form whose errors are shown (the title says "Erreur")."""
    return render("summary/index.html", summary_form=summary_form, card_form=card_form,
                  jobs=_recent(), form=failed or EmptyForm(), busy=busy)


@bp.route("/")
@requires(SUMMARY_PRINT)
def index():
    """What can be printed, the choice of sections and language, and the recent prints."""
    return _page(*_forms())


def _start(kind, sections, language):
    """Record the job and hand it to the worker; the person follows it on its page."""
    account = _actor()
    with write_tx():
        active = PrintJob.of(g.space.id, account.id).where(
            PrintJob.status.in_((QUEUED, RUNNING))).count()
        if active >= MAX_ACTIVE:
            return None
        job = PrintJob.create(patient=g.space.id, requested_by=account.id, kind=kind,
                              sections=",".join(sections), language=language)
    audit.record("summary.requested", obj_type="print_job", obj_id=job.id,
                 detail=f"{kind} {language} {job.sections}")
    render_job(job.id)
    return job


def _busy(summary_form, card_form):
    return _page(summary_form, card_form, busy=_(
        "Vous avez déjà %(num)d documents en préparation. Attendez qu’ils soient prêts avant "
        "d’en demander un autre : vos choix sont gardés ci-dessous.", num=MAX_ACTIVE))


@bp.route("/synthese", methods=["POST"])
@requires(SUMMARY_PRINT)
def print_summary():
    """Ask for Ma synthèse with the chosen sections."""
    summary_form, card_form = _forms("summary")
    if not summary_form.validate_on_submit():
        return _page(summary_form, card_form, failed=summary_form)
    chosen = [s for s in SECTIONS if s in summary_form.sections.data]
    job = _start(SUMMARY, chosen, summary_form.language.data)
    if job is None:
        return _busy(summary_form, card_form)
    return redirect(url_for(".job", job_id=job.id), 303)


@bp.route("/carte", methods=["POST"])
@requires(SUMMARY_PRINT)
def print_card():
    """Ask for the wallet-size emergency card."""
    summary_form, card_form = _forms("card")
    if not card_form.validate_on_submit():
        return _page(summary_form, card_form, failed=card_form)
    job = _start(CARD, [], card_form.language.data)
    if job is None:
        return _busy(summary_form, card_form)
    return redirect(url_for(".job", job_id=job.id), 303)


def _load(job_id):
    """A job this account asked for in the open space; any other id is a 404."""
    return scoped_or_404(PrintJob.of(g.space.id, _actor().id).where(PrintJob.id == job_id))


@bp.route("/<int:job_id>")
@requires(SUMMARY_PRINT)
def job(job_id):
    """A print's progress and, once ready, its download. htmx polls this page every 2 s while
    the job waits or runs; the poll gets 204 (nothing to swap, nothing announced) until the
    status changes, and the finished fragment has no poll."""
    found = interrupted(_load(job_id))
    if poll_unchanged(found.status):
        return "", 204
    return render("summary/job.html", block="status", job=found, form=EmptyForm(),
                  can_save=allowed(_actor(), SUMMARY_SAVE, g.relation),
                  can_see_documents=allowed(_actor(), DOCUMENTS_VIEW, g.relation),
                  poll_every=POLL_EVERY, kept_hours=int(KEPT_FOR.total_seconds() // 3600))


@bp.route("/<int:job_id>/relancer", methods=["POST"])
@requires(SUMMARY_PRINT)
def retry(job_id):
    """Ask again for the same document (same kind, sections and language) after a failure."""
    found = _load(job_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if found.status != FAILED:
        return redirect(url_for(".job", job_id=found.id), 303)
    job = _start(found.kind, found.section_list, found.language)
    if job is None:
        flash(_("Vous avez déjà %(num)d documents en préparation. Attendez qu’ils soient "
                "prêts avant d’en demander un autre.", num=MAX_ACTIVE), "error")
        return redirect(url_for(".job", job_id=found.id), 303)
    return redirect(url_for(".job", job_id=job.id), 303)


def _filename(found):
    stem = "carte-urgence" if found.kind == CARD else "synthese"
    return f"{stem}-{format_datetime(found.created_at, 'yyyy-MM-dd')}.pdf"


@bp.route("/<int:job_id>/fichier")
@requires(SUMMARY_DOWNLOAD)
def download(job_id):
    """The PDF itself (decrypted); a job not ready (or expired) shows its page instead."""
    found = _load(job_id)
    if found.status != DONE or not found.storage_key:
        return redirect(url_for(".job", job_id=found.id), 303)
    return content_response(read_blob(found.storage_key), "application/pdf",
                            f'attachment; filename="{_filename(found)}"')


def _posted(found):
    if not EmptyForm().validate_on_submit():
        abort(400)
    if found.status != DONE or not found.storage_key:
        flash(_("Ce document n’est plus disponible."), "error")
        return False
    return True


@bp.route("/<int:job_id>/enregistrer", methods=["POST"])
@requires(SUMMARY_PRINT)
def save(job_id):
    """Keep the PDF in the dossier's documents (category Synthèse): it then no longer expires."""
    found = _load(job_id)
    if not allowed(_actor(), SUMMARY_SAVE, g.relation):
        refuse(_("Votre accès à cet espace ne permet pas d’ajouter des documents au dossier."))
    if not _posted(found):
        return redirect(url_for(".job", job_id=found.id), 303)
    if found.saved_document_id:
        flash(_("Ce document est déjà enregistré dans le dossier."), "info")
        return redirect(url_for(".job", job_id=found.id), 303)
    title = _("%(title)s du %(date)s", title=found.title,
              date=format_datetime(found.created_at, "d MMMM yyyy"))
    try:
        document = store_document(g.space, _actor(), read_blob(found.storage_key),
                                  filename=_filename(found), title=title, category="synthese",
                                  document_date=utcnow().date(), author_is_professional=False)
    except Rejected as exc:
        flash(str(exc), "error")
        return redirect(url_for(".job", job_id=found.id), 303)
    PrintJob.update(saved_document=document.id).where(PrintJob.id == found.id).execute()
    audit.record("summary.saved", obj_type="document", obj_id=document.id,
                 detail=f"print_job={found.id}")
    flash(_("Le document est enregistré dans le dossier, rubrique Documents."), "success")
    return redirect(url_for(".job", job_id=found.id), 303)


@bp.route("/<int:job_id>/supprimer", methods=["POST"])
@requires(SUMMARY_PRINT)
def delete(job_id):
    """Delete a generated file now (a copy saved in the dossier stays there)."""
    found = _load(job_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if found.storage_key:
        delete_blob(found.storage_key)
    PrintJob.delete().where(PrintJob.id == found.id).execute()
    audit.record("summary.deleted", obj_type="print_job", obj_id=found.id)
    flash(_("Le fichier a été supprimé."), "success")
    return redirect(url_for(".index"), 303)
