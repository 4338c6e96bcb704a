"""Historique d'activité: who accessed or changed the open space, what, when and how; its CSV
export; and the operator's view of the journal's integrity."""
import csv
import io

from flask import Response, g, request
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from flask_login import current_user

from .. import audit, spreadsheet
from ..audit import ActivityEvent
from ..audit.verify import ALERT_ACTION, last_result
from ..documents.models import Document
from ..htmx import render
from ..i18n import format_datetime
from ..pages_of import page_of
from ..policy import AUDIT_STATUS, HISTORY_VIEW, requires, visible_documents
from . import bp
from . import presenters
from .queries import space_events
from .forms import HistoryFilterForm

PAGE_SIZE = 50
REASONS = {
    "entry_hash": _l("Le contenu d’une entrée a été modifié après son scellement."),
    "patient_chain": _l("Une entrée ne suit pas la précédente du même patient "
                        "(entrée supprimée, insérée ou déplacée)."),
    "count": _l("Un sceau ne compte plus le même nombre d’entrées (entrée supprimée)."),
    "merkle": _l("Les entrées d’un sceau ne correspondent plus à sa racine de Merkle."),
    "seal_gap": _l("Un sceau manque dans la suite des sceaux."),
    "seal_chain": _l("Un sceau ne suit pas le précédent (chaîne des sceaux bifurquée)."),
    "tree_size": _l("Le nombre cumulé d’entrées d’un sceau est faux."),
    "seal_hash": _l("Le contenu d’un sceau a été modifié."),
    "signature": _l("La signature d’un sceau n’est pas valide (sceau refait sans la clé)."),
    "orphan": _l("Une entrée renvoie à un sceau qui n’existe plus."),
    "truncated": _l("Le journal ne contient plus un point de contrôle déjà constaté "
                    "(fin du journal tronquée ou réécrite)."),
}


def _events(space, account, filters):
    return space_events(space, g.relation, account, filters)


def _document_titles():
    """Titles of the documents this actor may see in the space (others stay "un document")."""
    query = visible_documents(g.relation, current_user._get_current_object())
    return {str(d.id): d.title for d in query.select(Document.id, Document.title)}


def _filter_form():
    form = HistoryFilterForm(request.args)
    if request.args:
        form.validate()
    return form


@bp.route("/dossier/historique/")
@requires(HISTORY_VIEW)
def index():
    """The space's activity, 50 entries a page, filtered, each with its seal status; the journal
    is never verified here: the notice comes from the background verifier's last result."""
    account = current_user._get_current_object()
    form = _filter_form()
    query = _events(g.space, account, form.filters())
    events, page, pages, total = page_of(query, size=PAGE_SIZE)
    titles = _document_titles()
    rows = [presenters.row(e, account, g.space, titles) for e in events]
    state = last_result()
    return render("history/index.html", block="history", form=form, rows=rows, total=total,
                  page=page, pages=pages, params=form.params(),
                  chain_ok=state is None or state.intact, person=g.space)


@bp.route("/dossier/historique/export.csv")
@requires(HISTORY_VIEW)
def export():
    """The filtered history as CSV for French Excel (UTF-8 with BOM, ";"; no cell a formula),
    journaled."""
    account = current_user._get_current_object()
    form = _filter_form()
    titles = _document_titles()
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Date"), _("Qui"), _("Rôle"), _("Action"), _("Objet"), _("Comment"),
                     _("Résultat")])
    for event in _events(g.space, account, form.filters()).iterator():
        r = presenters.row(event, account, g.space, titles)
        writer.writerow(spreadsheet.row([format_datetime(r["at"], "dd/MM/yyyy HH:mm"), r["who"],
                                         r["role"], r["what"], r["object"], r["how"],
                                         r["outcome"]]))
    audit.record("history.export", detail=request.full_path.rstrip("?"))
    name = f"historique-{g.space.family_name}-{g.space.given_names}".lower().replace(" ", "-")
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{_ascii(name)}.csv"'})


def _ascii(text):
    import unicodedata
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded if c.isalnum() or c == "-") or "historique"


@bp.route("/operateur/journal")
@requires(AUDIT_STATUS)
def audit_status():
    """The journal's integrity for the operator: the background verifier's last result, what
    waits for its seal, and the anomalies reported; nothing is verified in the request."""
    state = last_result()
    incidents = list(ActivityEvent.select().where(ActivityEvent.action == ALERT_ACTION)
                     .order_by(ActivityEvent.id.desc()).limit(20))
    return render("history/audit_status.html", state=state, incidents=incidents,
                  reason=REASONS.get(state.problem, state.problem) if state and not state.intact
                  else "")
