"""Registration, sign-in, sign-out and password reset."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from marketplace import authz
from marketplace.auth import bp, services
from marketplace.auth.forms import NEW_ORGANIZATION, LoginForm, RegistrationForm, ResetPasswordForm, ResetRequestForm
from marketplace.db import commit
from marketplace.extensions import db, limiter
from marketplace.i18n import select_locale
from marketplace.models import Role
from marketplace.security import csrf_checked_by_view
from marketplace.web import next_from_request


def _failed(response) -> bool:  # noqa: ANN001
    """Only failed sign-ins count against the limits, so that nobody can lock an account by signing in to it."""
    return response.status_code != 302


def _login_email_key() -> str:
    return "login:" + services.normalize_email(request.form.get("email", ""))


@bp.route("/register", methods=["GET", "POST"])
@authz.permission(authz.GUEST)
@csrf_checked_by_view
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"], methods=["POST"])
def register():
    form = RegistrationForm()
    if form.validate_on_submit():
        new_org = None
        if form.organization.data == NEW_ORGANIZATION:
            new_org = services.NewOrganization(
                name=form.org_name.data, short_name=form.org_short_name.data, tax_code=form.tax_code.data,
                address=form.org_address.data,
            )
        try:
            user = services.register_user(
                email=form.email.data, password=form.password.data, full_name=form.full_name.data,
                role=Role(form.role.data), locale=select_locale(), phone=form.phone.data,
                organization_id=form.organization.data or None, new_organization=new_org,
            )
        except services.EmailTaken as exc:
            db.session.rollback()
            form.email.errors.append(str(exc))
        except services.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            commit()
            login_user(user)
            flash(_("Welcome, %(name)s! Your account has been created.", name=user.full_name), "success")
            if user.requested_organization is not None:
                flash(_("Your membership of %(organization)s awaits the Department's approval: until then you can "
                        "browse the site, but not act for the organization.",
                        organization=user.requested_organization.display_name), "info")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@authz.permission(authz.GUEST)
@csrf_checked_by_view
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], methods=["POST"], key_func=_login_email_key,
               deduct_when=_failed)
def login():
    form = LoginForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"]
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash(_("Wrong email or password, or the account is deactivated."), "danger")
        else:
            commit()
            login_user(user, remember=form.remember_me.data)
            flash(_("You are signed in."), "success")
            return redirect(next_from_request())
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@authz.permission(authz.SIGNED_IN)
def logout():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/reset", methods=["GET", "POST"])
@authz.permission(authz.PUBLIC)
@csrf_checked_by_view
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"], methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        commit()
        flash(_("If an account uses this address, we have sent it a link to reset the password. "
                "The link works once and expires in %(minutes)d minutes.",
                minutes=int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds() // 60)), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@authz.permission(authz.PUBLIC)
@csrf_checked_by_view
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"], methods=["POST"])
def reset_password(token: str):
    try:
        record = services.check_reset_token(token)
    except services.AccountError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("auth.reset_request"))
    form = ResetPasswordForm()
    form.account_email = record.user.email
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except services.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("auth.reset_request"))
        commit()
        if current_user.is_authenticated:
            logout_user()
        flash(_("Your password has been changed. Please sign in with the new password."), "success")
        return redirect(url_for("auth.login", email=user.email))
    return render_template("auth/reset_password.html", form=form)
