"""Home page, dashboard, language switch, health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, jsonify, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import authz
from marketplace.db import commit
from marketplace.extensions import db
from marketplace.i18n import SESSION_KEY
from marketplace.main import bp
from marketplace.main.services import dashboard_figures, public_overview
from marketplace.security import csrf_checked_by_view, csrf_token_valid
from marketplace.web import safe_next_url


@bp.route("/")
@authz.permission(authz.PUBLIC)
def index():
    return render_template("main/index.html", overview=public_overview())


@bp.route("/dashboard")
@authz.permission(authz.SIGNED_IN)
def dashboard():
    from marketplace.matches import lifecycle

    recent = []
    if authz.allows(current_user, authz.PARTY):
        recent = list(db.session.scalars(lifecycle.parties_matches(current_user).limit(5)))
    return render_template("main/dashboard.html", figures=dashboard_figures(current_user), recent_matches=recent,
                           can_respond=lifecycle.can_respond)


@bp.route("/language/<lang>", methods=["POST"])
@authz.permission(authz.PUBLIC)
@csrf_checked_by_view
def set_language(lang: str):
    """Switch the interface language: remembered in the session, and on the account when signed in.

    A visitor's switch needs no CSRF token: it changes only the visitor's own session, so pages for visitors carry no
    token and set no cookie (signing one cost ~0.3 ms of a results page). A signed-in user's choice is saved on the
    account: without a valid token (a page shown before signing in, or a forged request) nothing changes, and the
    user is told so on the page they came from.
    """
    target = safe_next_url(request.form.get("next"), "main.index")
    if lang not in current_app.config["LANGUAGES"]:
        return redirect(target)
    if current_user.is_authenticated:
        if not csrf_token_valid():
            flash(_("The language was not changed because the page had expired. Please try again."), "warning")
            return redirect(target)
        if current_user.locale != lang:
            current_user.locale = lang
            commit()
    session[SESSION_KEY] = lang
    return redirect(target)


@bp.route("/healthz")
@authz.permission(authz.PUBLIC)
def healthz():
    """For load balancers and monitoring: 200 when the database answers."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return jsonify(status="error", database=False), 503
    return jsonify(status="ok", database=True)
