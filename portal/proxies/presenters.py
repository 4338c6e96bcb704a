"""Plain-French names for scopes and tasks."""
from ..rendering import lazy_gettext as _l

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


# A scope that includes another: the smaller one is not named again.
IMPLIED = {"messaging": "messaging_read"}


def scope_labels(scopes):
    """Sorted, readable list of scope names (without those another one already includes)."""
    hidden = {IMPLIED[s] for s in scopes if s in IMPLIED}
    return sorted(str(SCOPE_LABELS.get(s, s)) for s in set(scopes) - hidden)


def scope_summary(relation):
    """What a relation allows, in one short line (a legal representative may do everything)."""
    if relation.kind == "guardian":
        return str(_l("tout, sauf les documents masqués aux représentants légaux"))
    return ", ".join(scope_labels(relation.scopes))
