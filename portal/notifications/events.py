"""Notifications of account and access events: each new session of an account (security, always
sent) and a professional's first opening of a patient's space each day (pro_access)."""
import ipaddress
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l

from .. import mail
from ..accounts.models import utcnow
from ..i18n import _n, format_datetime
from ..settings.presenters import describe_device
from . import notify


def mask_ip(address):
    """An IP address with its end hidden ("203.0.x.x"): enough to recognise one's own
    network, not enough to locate anyone."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return _("inconnue")
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.version == 4:
        first, second = str(ip).split(".")[:2]
        return f"{first}.{second}.x.x"
    groups = [g.lstrip("0") or "0" for g in ip.exploded.split(":")[:3]]
    return ":".join(groups) + ":x:x:x:x:x"


def new_session(account):
    """Tell the account's owner that someone just logged in to it (second factor passed): when,
    with which browser, from roughly where, and what to do if it was not them. Security: sent
    whatever the preferences. No link in it: people should open Carnet themselves rather than
    learn to follow links in alarming e-mails."""
    with force_locale(account.language or "fr"):
        body = _(
            "Bonjour,\n\nUne nouvelle connexion à votre compte Carnet vient d’avoir lieu.\n\n"
            "Date et heure : %(when)s (heure de Paris)\nNavigateur : %(device)s\n"
            "Adresse IP : %(ip)s (en partie masquée)\n\n"
            "Si c’est vous, vous n’avez rien à faire.\n\n"
            "Si ce n’est pas vous, quelqu’un a pu utiliser votre mot de passe. Connectez-vous à "
            "Carnet en tapant vous-même son adresse, puis changez tout de suite votre mot de "
            "passe (Paramètres › Changer mon mot de passe) : cela ferme toutes vos autres "
            "sessions. Vérifiez ensuite dans Paramètres › Mes sessions qu’aucune session "
            "inconnue ne reste ouverte.\n\n"
            "Par sécurité, ce message ne contient aucune information médicale.\n\nCarnet",
            when=format_datetime(utcnow(), "d MMMM yyyy, HH:mm"),
            device=describe_device(request.user_agent.string),
            ip=mask_ip(request.remote_addr))
        return mail.send(account.email, _("Nouvelle connexion à votre compte Carnet"), body)


def _start_of_today(now):
    """Midnight today in Carnet's time zone (Europe/Paris), as naive UTC like the tables."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    today = now.replace(tzinfo=timezone.utc).astimezone(zone).date()
    return datetime.combine(today, time.min, tzinfo=zone).astimezone(
        timezone.utc).replace(tzinfo=None)


def professional_opened(relation, professional):
    """A professional opens a patient's space through their grant: note it on the grant
    (`last_access_at`, shown to the patient) and, the first time that day, tell the patient
    side (kind pro_access). The grant's previous `last_access_at` is the state: one
    conditional UPDATE claims the day's first opening, so two tabs opening together still
    send one e-mail. Returns the count of e-mails sent."""
    from ..access.models import Grant
    now = utcnow()
    first_today = Grant.update(last_access_at=now).where(
        Grant.id == relation.record_id,
        Grant.last_access_at.is_null() | (Grant.last_access_at < _start_of_today(now))).execute()
    if not first_today:
        Grant.update(last_access_at=now).where(Grant.id == relation.record_id).execute()
        return 0
    pro, name = professional.display_name, relation.person.full_name
    return notify(relation.person.id, "pro_access",
                  _l("Carnet : un professionnel de santé a ouvert un espace santé"),
                  lambda is_self: (
                      _n("%(pro)s a ouvert votre espace santé Carnet aujourd’hui.", pro=pro)
                      if is_self else
                      _n("%(pro)s a ouvert aujourd’hui l’espace santé Carnet de %(name)s.",
                         pro=pro, name=name))
                  + " " + _("L’historique d’activité montre ce qui a été consulté, et la "
                            "rubrique « Professionnels de santé » permet de retirer ou de "
                            "bloquer cet accès. Vous recevez au plus un e-mail par jour et "
                            "par professionnel."))


def account_security(account, sentence, subject=None):
    """Tell an account's owner that what protects their account just changed (password, second
    factor, closing): `sentence` says what, and what to do if it was not them. Security kind
    "account_security": sent whatever the preferences, to this account only, in its language,
    even once the account is closed. Returns the count sent (1)."""
    from . import security_body
    return notify(account.person_id, "account_security",
                  subject or _l("Carnet : la sécurité de votre compte a changé"),
                  lambda _is_self: str(sentence() if callable(sentence) else sentence),
                  account=account, body=security_body)
