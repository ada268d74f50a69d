"""Administration of accounts."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import authz
from marketplace.admin import bp
from marketplace.admin.forms import UserActiveForm, UserFilterForm
from marketplace.auth import services
from marketplace.db import commit
from marketplace.extensions import db
from marketplace.models import Role, User
from marketplace.pagination import paginate


def _list_args() -> dict[str, str]:
    """The account list's own query parameters, to come back to the same page after an action."""
    return {key: request.args[key] for key in ("q", "role", "page") if request.args.get(key)}


@bp.route("/users")
@authz.permission(authz.ADMIN)
def users():
    form = UserFilterForm(formdata=request.args)
    stmt = sa.select(User).order_by(User.created_at.desc(), User.id.desc())
    if form.q.data:
        pattern = f"%{form.q.data.strip().lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(User.full_name).like(pattern), User.email.like(pattern)))
    if form.role.data in {role.value for role in Role}:
        stmt = stmt.where(User.role == Role(form.role.data))
    page = paginate(stmt, "admin.users", keep=("q", "role"))
    return render_template("admin/users.html", form=form, page=page, active_form=UserActiveForm(),
                           list_args=_list_args())


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@authz.permission(authz.ADMIN)
def set_user_active(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    authz.ensure("user.set_active", user)
    active = request.form.get("active") == "1"
    services.set_active(user, active, actor=current_user)
    commit()
    if active:
        flash(_("The account %(email)s has been activated.", email=user.email), "success")
    else:
        flash(_("The account %(email)s has been deactivated.", email=user.email), "success")
    return redirect(url_for("admin.users", **_list_args()))
