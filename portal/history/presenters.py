"""How journal entries read in plain French: who, what, which object, how, with what outcome.

The action codes are those written by `audit.record` and by `@requires` (the rule's action name
for automatically journaled reads). Unknown codes fall back on a phrase for their prefix, so a
new action shows up (less precisely) before it gets its own label.
"""
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l

from ..accounts.models import ROLE_MEDIATOR, ROLE_PATIENT, ROLE_PROFESSIONAL
from ..i18n import _n
from ..measures.models import BY_CODE as MEASURE_KINDS
from ..policy import DELEGATION, GRANT, GUARDIAN, MANDATE, SELF

# action code -> what happened, as a noun phrase (reads the same whoever acted, "vous" included).
ACTION_LABELS = {
    "dossier.view": _l("Consultation de la synthèse du dossier"),
    "profile.view": _l("Consultation du profil médical"),
    "measures.view": _l("Consultation des mesures"),
    "documents.view": _l("Consultation des documents"),
    "history.view": _l("Consultation de l’historique d’activité"),
    "history.export": _l("Export de l’historique d’activité"),
    "journal.migrated": _l("Passage du journal aux sceaux signés"),
    "documents.open": _l("Ouverture d’un document"),
    "documents.download": _l("Téléchargement d’un document"),
    "documents.upload": _l("Ajout d’un document"),
    "documents.deposit": _l("Dépôt d’un document par un professionnel"),
    "documents.delete": _l("Suppression d’un document"),
    "documents.mask": _l("Document masqué aux professionnels"),
    "documents.unmask": _l("Document de nouveau visible par les professionnels"),
    "documents.mask_all": _l("Réglage du masquage de tous les documents"),
    "documents.pin": _l("Document épinglé"),
    "documents.unpin": _l("Document désépinglé"),
    "documents.folder": _l("Document classé dans un dossier"),
    "documents.announce": _l("Annonce d’un document"),
    "documents.report": _l("Signalement d’un document"),
    "documents.hidden_notice": _l("Document en attente d’annonce"),
    "documents.released": _l("Document rendu visible"),
    "measures.add": _l("Ajout d’une mesure"),
    "measures.delete": _l("Suppression d’une mesure"),
    "measures.target": _l("Réglage d’un objectif de mesure"),
    "measures.target_removed": _l("Suppression d’un objectif de mesure"),
    "prescriptions.write": _l("Rédaction d’une ordonnance"),
    "prescriptions.verify": _l("Vérification d’une ordonnance"),
    "prescriptions.dispense": _l("Délivrance d’une ordonnance"),
    "space.open": _l("Ouverture de l’espace"),
    "proxies.view": _l("Consultation des proches"),
    "proxies.manage": _l("Gestion des proches"),
    "delegation.invited": _l("Invitation d’un proche aidant"),
    "delegation.accepted": _l("Début d’une délégation (invitation acceptée)"),
    "delegation.attestation": _l("Attestation de délégation enregistrée"),
    "delegation.expired": _l("Invitation de proche aidant expirée"),
    "delegation.ended": _l("Fin d’une délégation"),
    "mandate.requested": _l("Demande de mandat par un aidant numérique"),
    "mandate.code_sent": _l("Envoi du code de confirmation d’un mandat"),
    "mandate.code_failed": _l("Code de confirmation de mandat erroné"),
    "mandate.cancelled": _l("Demande de mandat annulée"),
    "mandate.confirmed": _l("Signature d’un mandat"),
    "mandate.document_stored": _l("Mandat enregistré dans les documents"),
    "mandate.ended": _l("Fin d’un mandat"),
    "reimbursements.view": _l("Consultation de l’histoire de santé (remboursements)"),
    "reimbursements.import": _l("Remboursements transmis par l’Assurance Maladie"),
    "reimbursements.mask": _l("Remboursement masqué aux professionnels"),
    "reimbursements.unmask": _l("Remboursement de nouveau visible par les professionnels"),
    "reimbursements.mask_category": _l("Catégorie de remboursements masquée aux professionnels"),
    "reimbursements.unmask_category": _l("Catégorie de remboursements de nouveau visible par "
                                         "les professionnels"),
    "mandate.revoked": _l("Révocation d’un mandat"),
    "guardianship.invited": _l("Invitation d’un second représentant légal"),
    "guardianship.accepted": _l("Nouveau représentant légal (invitation acceptée)"),
    "guardianship.declined": _l("Invitation de représentant légal refusée"),
    "guardianship.invitation_cancelled": _l("Invitation de représentant légal annulée"),
    "guardianship.invitation_expired": _l("Invitation de représentant légal expirée"),
    "guardianship.attached": _l("Rattachement d’un représentant légal (décision de justice)"),
    "guardianship.ended": _l("Fin d’une représentation légale"),
    "account.activation_invited": _l("Invitation à activer son espace"),
    "account.activation_handed_over": _l("Courrier d’activation remis au guichet"),
    "account.activation_failed": _l("Échec d’activation de l’espace"),
    "account.activated": _l("Activation de l’espace"),
    "entourage.view": _l("Consultation de l’entourage et des volontés"),
    "entourage.emergency.add": _l("Ajout d’une personne à prévenir"),
    "entourage.emergency.edit": _l("Modification d’une personne à prévenir"),
    "entourage.emergency.delete": _l("Suppression d’une personne à prévenir"),
    "entourage.emergency.reorder": _l("Ordre des personnes à prévenir modifié"),
    "entourage.trusted.add": _l("Désignation de la personne de confiance"),
    "entourage.trusted.edit": _l("Modification de la personne de confiance"),
    "entourage.trusted.delete": _l("Retrait de la personne de confiance"),
    "entourage.wishes.edit": _l("Modification du choix sur le don d’organes"),
    "agenda.view": _l("Consultation de l’agenda"),
    "space.closed": _l("Fermeture de l’espace santé"),
    "space.opposed": _l("Opposition à l’ouverture de l’espace santé"),
    "space.reopened": _l("Réouverture de l’espace santé"),
    "space.announced": _l("Annonce de l’espace santé par l’Assurance Maladie"),
    "space.opened": _l("Ouverture de l’espace santé"),
    "activation.code_issued": _l("Envoi d’un code provisoire d’activation par e-mail"),
    "activation.letter_printed": _l("Impression d’un courrier avec un code provisoire"),
    "activation.code_requested": _l("Demande d’un nouveau code provisoire"),
    "activation.counter_identity_checked": _l("Identité vérifiée au guichet pour un nouveau code"),
    "export.request": _l("Consultation de la page Télécharger mes données"),
    "export.requested": _l("Demande d’une copie de toutes les données de l’espace"),
    "export.generated": _l("Copie de toutes les données de l’espace préparée"),
    "export.failed": _l("Échec de la préparation de la copie des données"),
    "export.download": _l("Téléchargement de la copie de toutes les données de l’espace"),
    "export.expired": _l("Copie des données supprimée (délai de 7 jours dépassé)"),
    "space.deletion_requested": _l("Demande de suppression des données de l’espace santé"),
    "space.deletion_cancelled": _l("Suppression prévue annulée par la réouverture de l’espace"),
    "space.deleted": _l("Suppression définitive d’un espace santé fermé"),
    "journal.erased": _l("Action effacée : l’espace santé de la personne qui l’a faite a été "
                         "supprimé"),
    "summary.requested": _l("Demande d’une synthèse ou d’une carte d’urgence à imprimer"),
    "summary.generated": _l("Préparation d’un document à imprimer"),
    "summary.failed": _l("Échec de la préparation d’un document à imprimer"),
    "summary.download": _l("Téléchargement d’un document à imprimer"),
    "summary.saved": _l("Enregistrement d’un document imprimable dans le dossier"),
    "summary.deleted": _l("Suppression d’un document à imprimer"),
    "agenda.add": _l("Ajout d’un rendez-vous"),
    "agenda.edit": _l("Modification d’un rendez-vous"),
    "agenda.cancel": _l("Annulation d’un rendez-vous"),
    "agenda.pro_add": _l("Ajout d’un rendez-vous par un professionnel"),
    "agenda.download": _l("Téléchargement d’un rendez-vous (.ics)"),
    "agenda.export": _l("Export de l’agenda (.ics)"),
    "agenda.feed_create": _l("Création de l’adresse d’abonnement à l’agenda"),
    "agenda.feed_revoke": _l("Révocation de l’adresse d’abonnement à l’agenda"),
    "agenda.feed_fetch": _l("Lecture de l’agenda par une application abonnée"),
    "agenda.reminder": _l("Rappel de rendez-vous envoyé par e-mail"),
    "messaging.read": _l("Consultation de la messagerie"),
    "messaging.send": _l("Envoi d’un message"),
    "messaging.open": _l("Lecture d’une conversation par un professionnel"),
    "messaging.close": _l("Clôture d’une conversation"),
    "messaging.download": _l("Téléchargement d’une pièce jointe"),
    "messaging.file": _l("Pièce jointe ajoutée au dossier"),
    "messaging.trash": _l("Conversation mise à la corbeille"),
    "messaging.restore": _l("Conversation restaurée"),
    "messaging.empty_trash": _l("Corbeille de la messagerie vidée"),
    "messaging.settings": _l("Réglage de la messagerie"),
    "access.authorise": _l("Autorisation d’un professionnel"),
    "access.code_create": _l("Création d’un code d’accès"),
    "access.code_redeem": _l("Utilisation d’un code d’accès"),
    "access.code_revoke": _l("Annulation d’un code d’accès"),
    "access.block": _l("Blocage d’un professionnel"),
    "access.unblock": _l("Déblocage d’un professionnel"),
    "access.make_admin": _l("Professionnel nommé administrateur du dossier"),
    "access.unmake_admin": _l("Professionnel retiré des administrateurs du dossier"),
    "access.set_treating": _l("Déclaration du médecin traitant"),
    "access.revoke": _l("Retrait de l’autorisation d’un professionnel"),
    "emergency.declared": _l("Accès en urgence (bris de glace)"),
    "emergency.summary": _l("Consultation de la synthèse d’urgence"),
    "emergency.ended": _l("Fin d’un accès en urgence"),
    "emergency.acknowledged": _l("Accès en urgence pris en compte"),
    "emergency.settings_changed": _l("Réglages de l’accès en urgence modifiés"),
    "summary.view": _l("Consultation des documents à imprimer"),
    "auth.login": _l("Connexion"),
    "auth.logout": _l("Déconnexion"),
    "auth.login_failed": _l("Échec de connexion (mot de passe)"),
    "auth.code_failed": _l("Échec de connexion (code de vérification)"),
    "auth.recovery_requested": _l("Demande d’un code pour un nouveau mot de passe"),
    "account.password_changed": _l("Changement du mot de passe"),
    "account.recovery_code_printed": _l("Impression au guichet d’un code pour retrouver le "
                                        "compte"),
    "account.counter_recovery_failed": _l("Échec d’un code du guichet pour retrouver le "
                                          "compte"),
    "account.recovered_at_counter": _l("Compte retrouvé avec un code du guichet"),
    "identity.lookup_failed": _l("Recherche d’une personne sans résultat (numéro de sécurité "
                                 "sociale et date de naissance)"),
    "account.second_factor_changed": _l("Changement de la double authentification"),
    "account.reauth": _l("Mot de passe confirmé avant un changement de sécurité du compte"),
    "account.reauth_failed": _l("Échec de la confirmation du mot de passe ou du code avant un "
                                "changement de sécurité du compte"),
    "account.session_ended": _l("Fin d’une session"),
    "account.sessions_ended": _l("Fin des autres sessions"),
    "notifications.preferences_changed": _l("Choix des notifications par e-mail modifiés"),
    "prevention.view": _l("Consultation du calendrier de prévention"),
    "prevention.edit": _l("Mise à jour du calendrier de prévention"),
    "prevention.marked": _l("Suivi de prévention indiqué (fait, à planifier ou pas fait)"),
    "prevention.mark_removed": _l("Suivi de prévention effacé"),
    "services.connect": _l("Connexion d’un service"),
    "services.referenced": _l("Référencement d’un service dans le catalogue"),
    "services.edited": _l("Modification d’un service du catalogue"),
    "services.purposes_changed": _l("Modification des finalités d’un service"),
    "services.active": _l("Réactivation d’un service"),
    "services.suspended": _l("Suspension d’un service"),
    "services.dereferenced": _l("Déréférencement d’un service"),
    "services.consent": _l("Changement des autorisations d’un service connecté"),
    "services.disconnect": _l("Déconnexion d’un service"),
    "services.reapproval_lapsed": _l("Changement d’un service non approuvé à temps : anciennes "
                                     "autorisations gardées"),
    "api.patient.read": _l("Lecture de l’identité par un service connecté"),
    "api.observation.read": _l("Lecture d’une mesure par un service connecté"),
    "api.observation.search": _l("Lecture des mesures par un service connecté"),
    "api.observation.create": _l("Ajout d’une mesure par un service connecté"),
    "api.document.search": _l("Lecture de la liste des documents par un service connecté"),
    "api.document.read": _l("Lecture d’un document par un service connecté"),
    "api.document.content": _l("Téléchargement d’un document par un service connecté"),
    "api.document.create": _l("Ajout d’un document par un service connecté"),
    "api.appointment.search": _l("Lecture de l’agenda par un service connecté"),
    "api.appointment.read": _l("Lecture d’un rendez-vous par un service connecté"),
    "api.appointment.create": _l("Ajout d’un rendez-vous par un service connecté"),
    "api.appointment.update": _l("Modification d’un rendez-vous par un service connecté"),
    "api.appointment.cancel": _l("Annulation d’un rendez-vous par un service connecté"),
}

# profile.<section>.<operation>
PROFILE_OPERATIONS = {
    "add": _l("Ajout"),
    "edit": _l("Modification"),
    "delete": _l("Suppression"),
    "change": _l("Modification"),
    "not_concerned": _l("Indication « pas concerné »"),
    "concerned": _l("Retrait de l’indication « pas concerné »"),
}

# Fallback by prefix for codes without their own label.
PREFIX_LABELS = {
    "dossier": _l("Action sur le dossier"),
    "profile": _l("Action sur le profil médical"),
    "measures": _l("Action sur les mesures"),
    "documents": _l("Action sur les documents"),
    "prescriptions": _l("Action sur les ordonnances"),
    "proxies": _l("Action sur les proches"),
    "delegation": _l("Action sur une délégation"),
    "mandate": _l("Action sur un mandat"),
    "messaging": _l("Action sur la messagerie"),
    "agenda": _l("Action sur l’agenda"),
    "prevention": _l("Action sur le calendrier de prévention"),
    "guardianship": _l("Action sur une représentation légale"),
    "entourage": _l("Action sur l’entourage et les volontés"),
    "access": _l("Action sur l’accès des professionnels"),
    "emergency": _l("Action sur l’accès en urgence"),
    "auth": _l("Connexion au compte"),
    "account": _l("Action sur le compte"),
    "history": _l("Action sur l’historique"),
    "space": _l("Accès à l’espace"),
    "services": _l("Action sur un service connecté"),
    "api": _l("Accès d’un service connecté"),
}

# How the actor reached the space.
VIA_LABELS = {
    SELF: _l("titulaire"),
    GUARDIAN: _l("représentant légal"),
    DELEGATION: _l("délégation"),
    MANDATE: _l("mandat"),
    GRANT: _l("autorisation"),
    "code": _l("code d’ordonnance"),
    "emergency": _l("accès en urgence"),
    "service": _l("service connecté"),
}
ON_BEHALF = frozenset({GUARDIAN, DELEGATION, MANDATE})

# Families for the filter, as SQL-friendly definitions (see views.family_condition).
READ_SUFFIX = ".view"
READ_ACTIONS = ("api.patient.read", "api.observation.read", "api.observation.search",
                "api.document.search", "api.document.read", "api.document.content",
                "api.appointment.search", "api.appointment.read",
                "documents.open", "documents.download", "history.export", "prescriptions.verify",
                "agenda.download", "agenda.export", "agenda.feed_fetch")
LOGIN_PREFIX = "auth."
LOGIN_ACTIONS = ("space.open",)

FAMILIES = (
    ("", _l("Toutes les actions")),
    ("consultations", _l("Consultations")),
    ("modifications", _l("Modifications")),
    ("connexions", _l("Connexions et accès à l’espace")),
    ("refus", _l("Tentatives refusées")),
)
ACTOR_TYPES = (
    ("", _l("Tout le monde")),
    ("moi", _l("Moi-même")),
    ("pros", _l("Professionnels de santé")),
    ("proches", _l("Proches et aidants")),
    ("services", _l("Services connectés")),
)
ACTOR_ROLES = {"pros": (ROLE_PROFESSIONAL,), "proches": (ROLE_PATIENT, ROLE_MEDIATOR)}


def action_label(code):
    """The French phrase for an action code (never the bare code)."""
    if code in ACTION_LABELS:
        return str(ACTION_LABELS[code])
    prefix, _sep, rest = code.partition(".")
    if prefix == "profile" and "." in rest:
        from ..profile.sections import SECTIONS
        key, _sep, operation = rest.rpartition(".")
        titles = {section.key: section.title for section in SECTIONS}
        if key in titles and operation in PROFILE_OPERATIONS:
            return _("%(operation)s dans « %(section)s »",
                     operation=PROFILE_OPERATIONS[operation], section=titles[key])
    if prefix in PREFIX_LABELS:
        return str(PREFIX_LABELS[prefix])
    return _("Autre action")


def object_label(event, document_titles):
    """Which document, section or measure the entry is about, when the patient may know."""
    if event.object_type == "document" and event.object_id:
        title = document_titles.get(event.object_id)
        return _("Document « %(title)s »", title=title) if title else _("Un document")
    if event.action.startswith("measures.") and event.detail in MEASURE_KINDS:
        return str(MEASURE_KINDS[event.detail].label)
    if event.object_type == "prescription":
        return _("Une ordonnance")
    return ""


def how_label(event, space):
    """The relationship used, with "au nom de" when the actor acted for the person."""
    if not event.via:
        return ""
    label = str(VIA_LABELS.get(event.via, _("autre accès")))
    if event.via in ON_BEHALF:
        return _n("%(how)s, au nom de %(name)s", how=label, name=space.full_name)
    return label


def row(event, account, space, document_titles):
    """One entry as displayed (and exported): plain strings, no IP address."""
    actor = event.actor
    if actor is None:
        who = event.actor_name or _("Carnet (traitement automatique)")
        role = ""
    else:
        who = _("Vous") if actor.id == account.id else actor.display_name
        role = str(actor.role_label_as(event.via))
    return {
        "at": event.at,
        "who": who,
        "role": role,
        "what": action_label(event.action),
        "object": object_label(event, document_titles),
        "how": how_label(event, space),
        "denied": event.outcome != "ok",
        "outcome": _("Tentative refusée") if event.outcome != "ok" else _("Effectuée"),
        "sealed_at": _sealed_at(event),
    }


def _sealed_at(event):
    """When the entry was sealed (None while it waits), read from the joined seal: no walk."""
    sealing = getattr(event, "sealing", None)
    return sealing.sealed_at if sealing is not None else None
