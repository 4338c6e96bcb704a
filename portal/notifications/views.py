"""Paramètres › Notifications: the logged-in person's own e-mail preferences, whatever space is
open (they also apply to e-mails about the people they legally represent)."""
from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..accounts.models import Person
from ..db import write_tx
from ..htmx import render
from ..policy import NOTIFICATIONS_SETTINGS, requires
from ..proxies.models import Guardianship
from . import bp
from . import KINDS, kinds_for, optional, preferences, save_preferences
from .forms import WHY_ALWAYS, choices_from, preferences_form, theme_fields, what_it_says


def _represented(account):
    """The people this account's owner legally represents (their e-mails follow these
    choices too)."""
    return list(Person.select().join(Guardianship, on=(Guardianship.ward == Person.id)).where(
        Guardianship.guardian == account.person_id, Guardianship.accepted_at.is_null(False),
        Guardianship.ended_at.is_null()).order_by(Person.given_names))


@bp.route("/parametres/notifications", methods=["GET", "POST"])
@requires(NOTIFICATIONS_SETTINGS)
def settings():
    """Choose which optional e-mails to receive; the security ones are shown as always sent."""
    account = current_user._get_current_object()
    form = preferences_form(account, preferences(account))
    if form.validate_on_submit():
        choices = choices_from(form)
        with write_tx():
            changed = save_preferences(account, choices)
        if changed:
            audit.record("notifications.preferences_changed", detail=", ".join(
                f"{kind}={'on' if choices[kind] else 'off'}" for kind in changed))
        flash(_("Vos choix de notifications sont enregistrés."), "success")
        return redirect(url_for(".settings"), 303)
    security = [(kind, KINDS[kind][0], what_it_says(kind, account.role), WHY_ALWAYS[kind])
                for kind in kinds_for(account) if not optional(kind)]
    return render("notifications/settings.html", form=form, security=security,
                  themes=theme_fields(form),
                  represented=_represented(account) if account.role == "patient" else [])
