"""Paramètres: the account's own settings (password, second factor, sessions, language).
Every change of what protects the account goes through accounts.reauth."""
from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..accounts.forms import (FactorOffForm, PasswordChangeForm, SecondFactorForm,
                              TotpConfirmForm)
from ..accounts.models import FACTOR_EMAIL, FACTOR_NONE, FACTOR_TOTP, UserSession
from ..accounts.otp import (PURPOSE_REAUTH, issue_login_code, new_totp_secret,
                            provisioning_uri, totp_matches)
from ..accounts.reauth import (change_password, close_step, confirm_identity, open_step,
                               reauth_status, set_second_factor, step_open)
from ..accounts.sessions import alive, end_sessions
from ..extensions import limiter
from ..forms.base import EmptyForm
from ..htmx import render
from ..policy import ACCOUNT_SELF, requires
from ..throttle import Throttle
from . import bp
from .presenters import describe_device


@bp.route("/")
@requires(ACCOUNT_SELF)
def index():
    """Overview of the account's settings."""
    return render("settings/index.html")


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@requires(ACCOUNT_SELF)
def password():
    """Change the password (the current one asked again); every other session ends at once."""
    form = PasswordChangeForm()
    account = current_user._get_current_object()
    if form.validate_on_submit():
        new_ok = form.check_new_password(account)
        if confirm_identity(account, "password", form.current_password) and new_ok:
            change_password(account, form.new_password.data,
                            keep_key=session.row.key if session.row else None)
            flash(_("Votre mot de passe a été modifié. Vos autres sessions ont été fermées."),
                  "success")
            return redirect(url_for(".index"))
    return render("settings/password.html", form=form), reauth_status()


def _factor_form(account):
    """The second-factor form for this account: no "none" for a mandatory second factor, and
    the current factor's code asked for (a method named in ?methode= is kept selected)."""
    chosen = request.args.get("methode")
    form = SecondFactorForm(method=chosen if chosen in (FACTOR_EMAIL, FACTOR_TOTP, FACTOR_NONE)
                            else account.second_factor)
    if account.second_factor_mandatory:
        form.method.choices = [c for c in form.method.choices if c.value != FACTOR_NONE]
    form.ask_current_factor(account)
    return form


@bp.route("/verification", methods=["GET", "POST"])
@requires(ACCOUNT_SELF)
def second_factor():
    """Choose how logins are confirmed: e-mail code, authenticator app, or (patients, after a
    warning) nothing; the current password and the current factor's code are asked first."""
    account = current_user._get_current_object()
    form = _factor_form(account)
    if form.validate_on_submit():
        method = form.method.data
        if method == account.second_factor and method != FACTOR_TOTP:
            flash(_("Rien n’a changé : c’est déjà votre méthode de vérification."), "info")
            return redirect(url_for(".index"))
        if confirm_identity(account, "second_factor", form.current_password,
                            getattr(form, "current_code", None)):
            if method == FACTOR_TOTP:
                open_step(FACTOR_TOTP)
                return redirect(url_for(".totp_setup"))
            if method == FACTOR_NONE:
                open_step(FACTOR_NONE)
                return redirect(url_for(".factor_off"))
            set_second_factor(account, method)
            flash(_("Votre méthode de vérification a été enregistrée."), "success")
            return redirect(url_for(".index"))
    return render("settings/second_factor.html", form=form, send_form=EmptyForm()), \
        reauth_status()


def _send_key():
    return f"reauth-code:{current_user.get_id()}"


@bp.route("/verification/code", methods=["POST"])
@requires(ACCOUNT_SELF)
@limiter.limit("3 per 10 minutes", key_func=_send_key)
def send_reauth_code():
    """E-mail a code that confirms a change of the second factor (the previous one stops
    working)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    account = current_user._get_current_object()
    if account.second_factor != FACTOR_EMAIL:
        return redirect(url_for(".second_factor"))
    issue_login_code(account, PURPOSE_REAUTH)
    flash(_("Un code vous a été envoyé par e-mail, à %(email)s.", email=account.email),
          "success")
    method = request.form.get("method")
    return redirect(url_for(".second_factor", methode=method) if method in (
        FACTOR_EMAIL, FACTOR_TOTP, FACTOR_NONE) else url_for(".second_factor"))


@bp.route("/verification/desactiver", methods=["GET", "POST"])
@requires(ACCOUNT_SELF)
def factor_off():
    """A patient's last step before switching the second factor off: what it exposes, and a
    clear yes (identity already confirmed on the previous page, a few minutes ago)."""
    account = current_user._get_current_object()
    if account.second_factor_mandatory:
        abort(403)
    if not step_open(FACTOR_NONE):
        flash(_("Pour désactiver la vérification en deux étapes, confirmez d’abord votre "
                "mot de passe et votre code."), "info")
        return redirect(url_for(".second_factor", methode=FACTOR_NONE))
    form = FactorOffForm()
    if form.validate_on_submit():
        set_second_factor(account, FACTOR_NONE)
        close_step()
        flash(_("La vérification en deux étapes est désactivée. Vous pouvez la réactiver à "
                "tout moment ici."), "success")
        return redirect(url_for(".index"))
    return render("settings/factor_off.html", form=form)


@bp.route("/verification/application", methods=["GET", "POST"])
@requires(ACCOUNT_SELF)
def totp_setup():
    """Pair an authenticator app (identity confirmed first): show the key, confirm with one
    code before switching. Wrong codes count in the shared throttle."""
    account = current_user._get_current_object()
    if not step_open(FACTOR_TOTP):
        flash(_("Pour activer une application d’authentification, confirmez d’abord votre "
                "mot de passe et votre code."), "info")
        return redirect(url_for(".second_factor", methode=FACTOR_TOTP))
    form = TotpConfirmForm()
    if request.method == "GET" or not form.secret.data:
        secret = session.get("totp_setup") or new_totp_secret()
        session["totp_setup"] = secret
    else:
        secret = session.get("totp_setup")
        if not secret:
            return redirect(url_for(".totp_setup"))
    attempt = Throttle("totp-setup", account.id)
    status = 200
    if attempt.holds_back(form, form.code):
        status = 429
    elif form.validate_on_submit():
        step = totp_matches(secret, form.code.data)
        if step is None:
            attempt.failed()
            form.code.errors.append(_("Ce code ne correspond pas. Vérifiez l’heure de votre "
                                      "téléphone et saisissez le code affiché maintenant."))
        else:
            set_second_factor(account, FACTOR_TOTP, secret=secret, step=step)
            session.pop("totp_setup", None)
            close_step()
            flash(_("L’application d’authentification est activée."), "success")
            return redirect(url_for(".index"))
    form.secret.data = "1"
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render("settings/totp.html", form=form, secret=grouped,
                  uri=provisioning_uri(secret, account.email)), status


@bp.route("/sessions")
@requires(ACCOUNT_SELF)
def sessions():
    """Active sessions of the account, this device first."""
    rows = (UserSession.select().where(UserSession.account == current_user.id,
                                       alive(current_app))
            .order_by(UserSession.last_seen_at.desc()))
    current_key = session.row.key if session.row else None
    items = sorted(({"handle": r.key[:16], "current": r.key == current_key,
                     "device": describe_device(r.user_agent), "ip": r.ip,
                     "created_at": r.created_at, "last_seen_at": r.last_seen_at} for r in rows),
                   key=lambda i: not i["current"])
    return render("settings/sessions.html", items=items, form=EmptyForm())


@bp.route("/sessions/<handle>/fin", methods=["POST"])
@requires(ACCOUNT_SELF)
def end_session(handle):
    """End one other session of the account (scoped: another account's session is a 404)."""
    if not EmptyForm().validate_on_submit() or len(handle) != 16:
        abort(400)
    row = UserSession.get_or_none(UserSession.account == current_user.id,
                                  UserSession.key.startswith(handle))
    if row is None:
        abort(404)
    row.delete_instance()
    audit.record("account.session_ended")
    flash(_("La session a été fermée."), "success")
    return redirect(url_for(".sessions"))


@bp.route("/sessions/fin-autres", methods=["POST"])
@requires(ACCOUNT_SELF)
def end_other_sessions():
    """End every session of the account except this one."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    ended = end_sessions(current_user._get_current_object(),
                         keep_key=session.row.key if session.row else None)
    audit.record("account.sessions_ended", detail=str(ended))
    flash(_("Vos autres sessions ont été fermées."), "success")
    return redirect(url_for(".sessions"))
