"""Login (password, then a one-time code or TOTP), logout and session keep-alive."""
import hashlib
from datetime import datetime, timedelta

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from .. import audit
from ..extensions import limiter
from ..forms.base import EmptyForm
from ..htmx import render
from ..i18n import format_date
from ..policy import ACCOUNT_SELF, current_account, public, requires
from ..throttle import Throttle
from . import bp
from .forms import CodeForm, LoginForm
from .models import (FACTOR_EMAIL, FACTOR_NONE, FACTOR_TOTP, ROLE_OPERATOR, ROLE_PATIENT,
                     Account, utcnow)
from .otp import check_login_code, issue_login_code, open_secret, totp_matches
from .passwords import hash_password, needs_rehash, verify_password
from .redirects import safe_next

PENDING = "pending_login"


def _account_key():
    email = (request.form.get("email") or "").strip().lower()
    return "login:" + hashlib.sha256(email.encode()).hexdigest()


def _pending_key():
    pending = session.get(PENDING) or {}
    return f"code:{pending.get('account', request.remote_addr)}"


def _failed(response):
    return bool(g.get("login_failed"))


def _account_limit():
    return current_app.config["LOGIN_LIMIT_ACCOUNT"]


def _ip_limit():
    return current_app.config["LOGIN_LIMIT_IP"]


def home_url(account):
    """Where each role lands after login."""
    if account.role == ROLE_PATIENT:
        return url_for("dossier.home")
    if account.role == ROLE_OPERATOR:
        return url_for("operator.directory")
    return url_for("proxies.spaces")


def home_address():
    """The header's "Carnet" link: straight to the person's home, not through "/" and its
    redirect (one more round trip, 2 s on a slow mobile network). In an open space it is
    where that space opened (a caregiver for the agenda only has no record to go back to)."""
    relation = g.get("relation")
    account = current_account()
    if account is not None and relation is not None and account.role != ROLE_OPERATOR:
        return url_for(relation.landing)
    if account is not None:
        return home_url(account)
    return url_for("accounts.login")


@bp.route("/")
@public
def index():
    """The site root sends people to their home, or to the login page."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    return redirect(url_for(".login"))


@bp.route("/connexion", methods=["GET", "POST"])
@public
@limiter.limit(_account_limit, key_func=_account_key, methods=["POST"], deduct_when=_failed)
@limiter.limit(_ip_limit, methods=["POST"], deduct_when=_failed)
def login():
    """Step 1: e-mail and password. Failures are counted per account and per address."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        account = Account.get_or_none(Account.email == email)
        right = verify_password(account.password_hash if account else None, form.password.data)
        if right and account.is_active:
            if needs_rehash(account.password_hash):
                Account.update(password_hash=hash_password(form.password.data)).where(
                    Account.id == account.id).execute()
            return _start_second_step(account)
        g.login_failed = True
        audit.record("auth.login_failed", actor=account, outcome="denied")
        closure = _closure_of(account) if right else None
        if closure is not None:  # only whoever knows the password learns that it is closed
            form.password.errors.append(_(
                "Votre espace santé a été fermé le %(date)s. Pour le rouvrir, adressez-vous à "
                "votre caisse d’Assurance Maladie.", date=format_date(closure.closed_at, "long")))
        else:
            form.password.errors.append(_("Adresse e-mail ou mot de passe incorrect."))
    elif request.method == "GET" and request.args.get("garde"):
        flash(_("Votre session avait expiré : votre message n’a pas été envoyé, mais il est "
                "gardé. Reconnectez-vous : il vous sera proposé à nouveau, prêt à envoyer."),
              "info")
    elif request.method == "GET" and request.args.get("expiree"):
        flash(_("Votre session a expiré. Reconnectez-vous pour continuer."), "info")
    return render("accounts/login.html", form=form)


def _start_second_step(account):
    factor = account.second_factor
    if factor == FACTOR_NONE and not account.second_factor_mandatory:
        return _complete_login(account)
    if factor not in (FACTOR_EMAIL, FACTOR_TOTP) or (factor == FACTOR_TOTP
                                                     and not account.totp_secret):
        factor = FACTOR_EMAIL
    session[PENDING] = {"account": account.id, "factor": factor, "at": utcnow().isoformat(),
                        "attempts": 0, "next": safe_next(request.args.get("next"))}
    if factor == FACTOR_EMAIL:
        issue_login_code(account)
    return redirect(url_for(".login_code"))


def _pending_account():
    pending = session.get(PENDING)
    if not pending:
        return None, None
    started = datetime.fromisoformat(pending["at"])
    if utcnow() - started > current_app.config["OTP_VALIDITY"] + timedelta(minutes=5):
        session.pop(PENDING, None)
        return None, None
    account = Account.get_or_none(Account.id == pending["account"], Account.is_active == True)  # noqa: E712
    return account, pending


@bp.route("/connexion/code", methods=["GET", "POST"])
@public
def login_code():
    """Step 2: the 6-digit code (e-mail or authenticator app); few attempts, then start over.
    Wrong codes are counted per account (and per address) across logins: the password again
    gives a new code, never new tries."""
    account, pending = _pending_account()
    if account is None:
        flash(_("Votre connexion a expiré. Saisissez à nouveau votre adresse e-mail et votre "
                "mot de passe."), "info")
        return redirect(url_for(".login"))
    form = CodeForm()
    attempt = Throttle("login-code", account.id)
    if attempt.holds_back(form, form.code):
        return render("accounts/code.html", form=form, factor=pending["factor"],
                      resend_form=EmptyForm(), email=account.email), 429
    if form.validate_on_submit():
        if pending["factor"] == FACTOR_TOTP:
            step = totp_matches(open_secret(account.totp_secret), form.code.data,
                                account.totp_last_counter)
            pending["attempts"] += 1
            session[PENDING] = pending
            if step is not None:
                Account.update(totp_last_counter=step).where(Account.id == account.id).execute()
                return _complete_login(account)
            result = "exhausted" if pending["attempts"] >= current_app.config[
                "OTP_MAX_ATTEMPTS"] else "wrong"
        else:
            result = check_login_code(account, form.code.data)
            if result == "ok":
                return _complete_login(account)
        attempt.failed()
        audit.record("auth.code_failed", actor=account, outcome="denied")
        if result == "exhausted":
            session.pop(PENDING, None)
            flash(_("Trop de codes incorrects. Par sécurité, reconnectez-vous avec votre "
                    "mot de passe."), "error")
            return redirect(url_for(".login"))
        if result == "expired":
            form.code.errors.append(_("Ce code a expiré. Demandez un nouveau code ci-dessous."))
        else:
            form.code.errors.append(_("Code incorrect. Vérifiez les 6 chiffres et réessayez."))
    return render("accounts/code.html", form=form, factor=pending["factor"],
                  resend_form=EmptyForm(), email=account.email)


@bp.route("/connexion/code/nouveau", methods=["POST"])
@public
@limiter.limit("3 per 10 minutes", key_func=_pending_key)
def resend_code():
    """Send a fresh e-mail code (the previous one stops working)."""
    account, pending = _pending_account()
    if account is None or not EmptyForm().validate_on_submit():
        return redirect(url_for(".login"))
    pending["factor"] = FACTOR_EMAIL
    pending["at"] = utcnow().isoformat()
    session[PENDING] = pending
    issue_login_code(account)
    flash(_("Un nouveau code vous a été envoyé par e-mail."), "success")
    return redirect(url_for(".login_code"))


def _keep_only_own_text(account):
    """Text typed in an expired session waits in this browser for its author only: another
    account logging in here drops it, unread (errors._keep_unsent_message)."""
    from ..errors import KEPT_MESSAGE
    from .sessions import ENDED_ACCOUNT
    kept = session.pop(KEPT_MESSAGE, None)
    if kept and kept.get("account") == account.id:
        session[KEPT_MESSAGE] = kept
    session.pop(ENDED_ACCOUNT, None)


def _complete_login(account):
    target = (session.get(PENDING) or {}).get("next")
    session.pop(PENDING, None)
    _keep_only_own_text(account)
    login_user(account)
    session.regenerate()
    if session.pop("lang_chosen", False) and session.get("lang") != account.language:
        # The person chose a language on this browser before logging in: it becomes the
        # account's, for its e-mails too.
        Account.update(language=session["lang"]).where(Account.id == account.id).execute()
        account.language = session["lang"]
    session["lang"] = account.language
    audit.record("auth.login", actor=account)
    # Security notification, always sent: the owner learns of every new session (both factors
    # passed), with what to do if it was not them.
    from ..notifications.events import new_session
    new_session(account)
    return redirect(target or home_url(account))


@bp.route("/deconnexion", methods=["POST"])
@requires(ACCOUNT_SELF)
def logout():
    """End this session on the server: the cookie is worthless afterwards."""
    audit.record("auth.logout")
    logout_user()
    session.end()
    return redirect(url_for(".login", deconnecte=1))


def _closure_of(account):
    from ..lifecycle.models import current_closure
    return current_closure(account.person_id)


@bp.route("/session/prolonger", methods=["POST"])
@requires(ACCOUNT_SELF)
def keep_alive():
    """Reset the idle timer (the warning shown before expiry offers this button)."""
    session["kept_alive_at"] = utcnow().isoformat()
    back = safe_next(request.form.get("next")) or home_url(current_user)
    if request.htmx:
        return render("accounts/keep_alive.html")
    flash(_("Votre session a été prolongée."), "success")
    return redirect(back)
