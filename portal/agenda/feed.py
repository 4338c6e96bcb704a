"""The private subscription URL of a space's agenda, for the person's calendar application.

The URL carries a random token (32 bytes, urlsafe); only its SHA-256 is stored, so the address
is shown once, when it is made. Revoking it (or making a new one) stops it at the next fetch:
the token is looked up on every request. What the feed shows is minimal by default
("Rendez-vous de santé" and the time), more only where the person chose it per appointment.
Each fetch is journaled, without the token.
"""
import secrets
from datetime import timedelta

from flask import abort, flash, g, redirect, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import audit
from ..forms.base import EmptyForm
from ..accounts.models import utcnow
from ..db import write_tx
from ..extensions import limiter
from ..htmx import render
from ..links import public_url
from ..policy import AGENDA_FEED_MANAGE, public, requires, token_holds
from . import ics, presenters
from .models import Appointment, CalendarFeed, token_hash
from . import bp
from .views import acting_account, ics_response

SHOWN_ONCE = "agenda_feed_url"
FEED_HISTORY = timedelta(days=365)  # past appointments older than this leave the feed
REFRESH = timedelta(hours=1)

def feed_url(token):
    """The absolute feed address (it carries a secret), on PUBLIC_URL."""
    return public_url("agenda.feed", token=token)

@bp.route("/abonnement")
@requires(AGENDA_FEED_MANAGE)
def subscription():
    """The subscription URL: make one (shown once), see when it was last used, revoke it."""
    active = CalendarFeed.active_for(g.space.id)
    shown = session.pop(SHOWN_ONCE, None)
    if not shown or active is None or shown.get("feed") != active.id:
        shown = None
    return render("agenda/subscription.html", active=active, form=EmptyForm(),
                  url=shown and shown["url"],
                  webcal=shown and "webcal://" + shown["url"].split("://", 1)[1])

@bp.route("/abonnement/creer", methods=["POST"])
@requires(AGENDA_FEED_MANAGE)
def subscription_create():
    """Make a new subscription URL; the previous one, if any, stops working at once."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with write_tx():
        revoked = CalendarFeed.update(revoked_at=now, revoked_by=acting_account()).where(
            CalendarFeed.patient == g.space.id, CalendarFeed.revoked_at.is_null()).execute()
        created = CalendarFeed.create(patient=g.space.id, token_hash=token_hash(token),
                                      created_by=acting_account())
        audit.record("agenda.feed_create", obj_type="calendar_feed", obj_id=created.id,
                     detail="replaces the previous address" if revoked else "")
    session[SHOWN_ONCE] = {"feed": created.id, "url": feed_url(token)}
    flash(_("Une nouvelle adresse d’abonnement est prête. Copiez-la maintenant : elle ne sera "
            "plus affichée.") + (" " + _("L’ancienne adresse ne fonctionne plus.")
                                 if revoked else ""), "success")
    return redirect(url_for(".subscription"), 303)

@bp.route("/abonnement/revoquer", methods=["POST"])
@requires(AGENDA_FEED_MANAGE)
def subscription_revoke():
    """Stop the subscription URL now: the calendar application gets nothing more."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    with write_tx():
        active = CalendarFeed.active_for(g.space.id)
        if active is not None:
            CalendarFeed.update(revoked_at=utcnow(), revoked_by=acting_account()).where(
                CalendarFeed.id == active.id).execute()
            audit.record("agenda.feed_revoke", obj_type="calendar_feed", obj_id=active.id)
    if active is not None:
        flash(_("L’adresse d’abonnement est révoquée : elle ne fonctionne plus. Les rendez-vous "
                "déjà copiés dans votre application d’agenda peuvent y rester : supprimez "
                "l’abonnement dans l’application."), "success")
    return redirect(url_for(".subscription"), 303)

def _token_key():
    return "agenda-feed:" + token_hash((request.view_args or {}).get("token", ""))

def _not_found(response):
    return response.status_code == 404

@bp.route("/flux/<token>.ics")
@public
@limiter.limit("60 per hour", key_func=_token_key)
@limiter.limit("30 per 10 minutes", deduct_when=_not_found)
def feed(token):
    """The calendar application's fetch: no login, the token is the key. Unknown or revoked,
    or made through an access that has ended since, or for a closed space (policy.token_holds):
    404 at once. Only what the person chose to show leaves Carnet."""
    found = CalendarFeed.by_token(token[:100])
    if found is None or not token_holds(found.patient_id, found.created_by_id,
                                        AGENDA_FEED_MANAGE):
        abort(404)
    now = utcnow()
    CalendarFeed.update(last_fetched_at=now, fetch_count=CalendarFeed.fetch_count + 1).where(
        CalendarFeed.id == found.id).execute()
    audit.record("agenda.feed_fetch", patient=found.patient, obj_type="calendar_feed",
                 obj_id=found.id)
    rows = Appointment.of_patient(found.patient_id).where(
        Appointment.starts_at >= now - FEED_HISTORY).order_by(Appointment.starts_at)
    language = found.created_by.language if found.created_by_id else "fr"
    with force_locale(language or "fr"):
        events = []
        for appointment in rows:
            _name, place = presenters.outside(appointment)
            events.append(ics.event_lines(appointment, presenters.outside_title(appointment),
                                          place))
        text = ics.calendar(events, _("Carnet – rendez-vous"), refresh=REFRESH)
    response = ics_response(text, "carnet.ics", attachment=False)
    response.headers["X-Robots-Tag"] = "noindex"
    return response
