"""Public pages: accessibility statement, language choice."""
from flask import current_app, redirect, request, session, url_for
from flask_login import current_user

from ..accounts.models import Account
from ..accounts.redirects import safe_next
from ..htmx import render
from ..policy import public
from . import bp


@bp.route("/accessibilite")
@public
def accessibility():
    """The accessibility statement (déclaration d’accessibilité)."""
    return render("pages/accessibility.html")


@bp.route("/langue", methods=["POST"])
@public
def language():
    """Switch to another of the app's languages (French, English, Arabic); remembered on the
    account when logged in."""
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        # Chosen before logging in: the account takes it at login (accounts.views).
        session["lang_chosen"] = True
        if current_user.is_authenticated:
            Account.update(language=lang).where(Account.id == current_user.id).execute()
    return redirect(safe_next(request.form.get("next")) or url_for("accounts.index"))
