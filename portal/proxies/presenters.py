"""Plain-French names for scopes and tasks."""
from flask_babel import lazy_gettext as _l

SCOPE_LABELS = {
    "dossier_read": _l("consulter le dossier"),
    "dossier_write": _l("ajouter au dossier"),
    "dossier_deposit": _l("déposer des documents"),
    "dossier_manage": _l("gérer le dossier (masquer, supprimer, historique)"),
    "emergency": _l("accès en urgence"),
    "entourage": _l("modifier l’entourage et les volontés"),
    "messaging": _l("messagerie"),
    "messaging_read": _l("lire les messages"),
    "agenda": _l("agenda"),
    "summaries": _l("imprimer des synthèses"),
    "proxies": _l("gérer les proches"),
    "account_settings": _l("paramètres du compte"),
    "documents": _l("documents"),
    "messages_read": _l("lire les messages"),
}


def scope_labels(scopes):
    """Sorted, readable list of scope names."""
    return sorted(str(SCOPE_LABELS.get(s, s)) for s in scopes)
