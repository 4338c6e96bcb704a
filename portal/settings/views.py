"""Paramètres: the account's own settings (password, second factor, sessions, language)."""
from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..accounts.forms import EmptyForm, PasswordChangeForm, SecondFactorForm, TotpConfirmForm
from ..accounts.models import FACTOR_NONE, FACTOR_TOTP, Account, UserSession, utcnow
from ..accounts.otp import (new_totp_secret, provisioning_uri, seal_secret, totp_matches)
from ..accounts.passwords import hash_password, verify_password
from ..accounts.sessions import alive, end_sessions
from ..htmx import render
from ..policy import ACCOUNT_SELF, requires
from .presenters import describe_device

bp = Blueprint("settings", __name__, url_prefix="/parametres")


@bp.route("/")
@requires(ACCOUNT_SELF)
def index():
    """Overview of the account's settings."""
    return render("settings/index.html")


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@requires(ACCOUNT_SELF)
def password():
    """Change the password; every other session of the account ends at once."""
    form = PasswordChangeForm()
    account = current_user._get_current_object()
    if form.validate_on_submit():
        if not verify_password(account.password_hash, form.current_password.data):
            form.current_password.errors.append(_("Le mot de passe actuel est incorrect."))
        elif form.check_new_password(account):
            Account.update(password_hash=hash_password(form.new_password.data),
                           password_changed_at=utcnow()).where(Account.id == account.id).execute()
            ended = end_sessions(account, keep_key=session.row.key if session.row else None)
            audit.record("account.password_changed", detail=f"sessions_ended={ended}")
            flash(_("Votre mot de passe a été modifié. Vos autres sessions ont été fermées."),
                  "success")
            return redirect(url_for(".index"))
    return render("settings/password.html", form=form)


@bp.route("/verification", methods=["GET", "POST"])
@requires(ACCOUNT_SELF)
def second_factor():
    """Choose how logins are confirmed: e-mail code, authenticator app, or (patients) nothing."""
    account = current_user._get_current_object()
    form = SecondFactorForm(method=account.second_factor)
    if account.second_factor_mandatory:
        form.method.choices = [c for c in form.method.choices if c.value != FACTOR_NONE]
    if form.validate_on_submit():
        method = form.method.data
        if method == FACTOR_TOTP:
            return redirect(url_for(".totp_setup"))
        Account.update(second_factor=method, totp_secret=None, totp_last_counter=None).where(
            Account.id == account.id).execute()
        audit.record("account.second_factor_changed", detail=method)
        flash(_("Votre méthode de vérification a été enregistrée."), "success")
        return redirect(url_for(".index"))
    return render("settings/second_factor.html", form=form)


@bp.route("/verification/application", methods=["GET", "POST"])
@requires(ACCOUNT_SELF)
def totp_setup():
    """Pair an authenticator app: show the key, confirm with one code before switching."""
    account = current_user._get_current_object()
    form = TotpConfirmForm()
    if request.method == "GET" or not form.secret.data:
        secret = session.get("totp_setup") or new_totp_secret()
        session["totp_setup"] = secret
    else:
        secret = session.get("totp_setup")
        if not secret:
            return redirect(url_for(".totp_setup"))
    if form.validate_on_submit():
        step = totp_matches(secret, form.code.data)
        if step is None:
            form.code.errors.append(_("Ce code ne correspond pas. Vérifiez l’heure de votre "
                                      "téléphone et saisissez le code affiché maintenant."))
        else:
            Account.update(second_factor=FACTOR_TOTP, totp_secret=seal_secret(secret),
                           totp_last_counter=step).where(Account.id == account.id).execute()
            session.pop("totp_setup", None)
            audit.record("account.second_factor_changed", detail=FACTOR_TOTP)
            flash(_("L’application d’authentification est activée."), "success")
            return redirect(url_for(".index"))
    form.secret.data = "1"
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render("settings/totp.html", form=form, secret=grouped,
                  uri=provisioning_uri(secret, account.email))


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
