""""Mot de passe oublié": the address, the code received by e-mail, the new password
(recovery.py holds the rules; this module the pages and what the browser's session carries)."""
from datetime import datetime

from flask import current_app, flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..htmx import render
from ..i18n import format_datetime
from ..policy import public
from . import bp
from .forms import RecoveryCodeForm, RecoveryPasswordForm, RecoveryRequestForm
from .models import Account, utcnow
from .reauth import change_password
from .recovery import check_code, code_throttle, normalized, request_code, request_throttle

# This browser's recovery in progress: {"email", "at", "attempts"} until the code is right,
# then {"account", "verified_at"} until the new password is saved.
FLOW = "recovery"


def _flow():
    flow = session.get(FLOW)
    if not flow:
        return None
    started = datetime.fromisoformat(flow.get("verified_at") or flow["at"])
    if utcnow() - started > current_app.config["OTP_VALIDITY"] * 2:
        session.pop(FLOW, None)
        return None
    return flow


def _start_again(message):
    session.pop(FLOW, None)
    flash(message, "info")
    return redirect(url_for(".recovery_request"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@public
def recovery_request():
    """Step 1: the address. The same answer whether or not an account has it."""
    if current_user.is_authenticated:
        return redirect(url_for("settings.password"))
    form = RecoveryRequestForm()
    if form.is_submitted():
        attempt = request_throttle(form.email.data)
        if attempt.blocked():
            form.validate()
            form.email.errors = [_(
                "Trop de demandes de code pour cette adresse ou depuis votre connexion. Par "
                "sécurité, réessayez après %(time)s.",
                time=format_datetime(attempt.retry_at(), "HH:mm"))]
            return render("accounts/recovery_request.html", form=form), 429
    if form.validate_on_submit():
        email = normalized(form.email.data)
        attempt.failed()  # each request counts (each may send an e-mail)
        request_code(email)
        session[FLOW] = {"email": email, "at": utcnow().isoformat(), "attempts": 0}
        return redirect(url_for(".recovery_code"))
    return render("accounts/recovery_request.html", form=form)


@bp.route("/mot-de-passe-oublie/code", methods=["GET", "POST"])
@public
def recovery_code():
    """Step 2: the code. Wrong or expired, the page says so and keeps what was typed."""
    flow = _flow()
    if flow is None or "email" not in flow:
        return _start_again(_("Indiquez votre adresse e-mail pour recevoir un code."))
    form = RecoveryCodeForm()
    attempt = code_throttle(flow["email"])
    if attempt.holds_back(form, form.code):
        return render("accounts/recovery_code.html", form=form, email=flow["email"]), 429
    if form.validate_on_submit():
        account, result = check_code(flow["email"], form.code.data,
                                     datetime.fromisoformat(flow["at"]), flow["attempts"])
        if result == "ok":
            session[FLOW] = {"account": account.id, "verified_at": utcnow().isoformat()}
            return redirect(url_for(".recovery_password"))
        attempt.failed()
        flow["attempts"] += 1
        session[FLOW] = flow
        if result == "exhausted":
            return _start_again(_("Trop de codes incorrects. Par sécurité, ce code ne sert "
                                  "plus : demandez-en un nouveau."))
        if result == "expired":
            form.code.errors.append(_("Ce code a expiré. Demandez un nouveau code avec le "
                                      "lien ci-dessous."))
        else:
            form.code.errors.append(_("Code incorrect. Vérifiez les 6 chiffres et réessayez."))
    return render("accounts/recovery_code.html", form=form, email=flow["email"])


@bp.route("/mot-de-passe-oublie/nouveau", methods=["GET", "POST"])
@public
def recovery_password():
    """Step 3: the new password (the rules of every password); then every session ends."""
    flow = _flow()
    account = None
    if flow is not None and "account" in flow:
        account = Account.get_or_none(Account.id == flow["account"],
                                      Account.is_active == True)  # noqa: E712
    if account is None:
        return _start_again(_("Indiquez votre adresse e-mail pour recevoir un code."))
    form = RecoveryPasswordForm()
    if form.validate_on_submit() and form.check_new_password(account):
        change_password(account, form.new_password.data, recovered=True)
        session.pop(FLOW, None)
        session.regenerate()
        flash(_("Votre mot de passe a été changé et toutes vos sessions ont été fermées. "
                "Connectez-vous avec votre nouveau mot de passe."), "success")
        return redirect(url_for(".login"))
    return render("accounts/recovery_password.html", form=form)
