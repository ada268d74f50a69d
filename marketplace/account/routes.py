"""The signed-in user's profile and password."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_user

from marketplace import authz
from marketplace.account import bp
from marketplace.account.forms import PasswordChangeForm, ProfileForm
from marketplace.auth import services
from marketplace.db import commit
from marketplace.extensions import db
from marketplace.i18n import SESSION_KEY
from marketplace.security import csrf_checked_by_view


@bp.route("/profile", methods=["GET", "POST"])
@authz.permission(authz.SIGNED_IN)
@csrf_checked_by_view
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(current_user, full_name=form.full_name.data, phone=form.phone.data,
                                locale=form.locale.data)
        commit()
        session[SESSION_KEY] = current_user.locale
        refresh()  # the confirmation below is in the newly chosen language
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("account.profile"))
    return render_template("account/profile.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@authz.permission(authz.SIGNED_IN)
@csrf_checked_by_view
def password():
    form = PasswordChangeForm()
    form.account_email = current_user.email
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.AccountError as exc:
            db.session.rollback()
            form.current_password.errors.append(str(exc))
        else:
            commit()
            # The password change rotated the login token; sign this session in again with the new one.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            login_user(current_user._get_current_object(), remember=remembered)
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("account.profile"))
    return render_template("account/password.html", form=form)
