"""Administration: accounts and the audit log."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import authz
from marketplace.admin import audit_log, bp
from marketplace.admin.forms import AuditFilterForm, UserActiveForm, UserFilterForm
from marketplace.auth import services
from marketplace.db import commit
from marketplace.extensions import db
from marketplace.i18n import city_zone
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
        needle = form.q.data.strip().lower()  # "%" and "_" taken literally
        stmt = stmt.where(sa.or_(sa.func.lower(User.full_name).contains(needle, autoescape=True),
                                 User.email.contains(needle, autoescape=True)))
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


@bp.route("/users/<int:user_id>/membership", methods=["POST"])
@authz.permission(authz.ADMIN)
def decide_membership(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    approve = request.form.get("approve") == "1"
    requested = user.requested_organization
    try:
        services.decide_membership(user, approve, actor=current_user)
    except services.AccountError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return redirect(url_for("admin.users", **_list_args()))
    commit()
    if approve:
        flash(_("%(email)s is now a member of %(organization)s.", email=user.email,
                organization=requested.display_name), "success")
    else:
        flash(_("The request of %(email)s to join %(organization)s was declined.", email=user.email,
                organization=requested.display_name), "success")
    return redirect(url_for("admin.users", **_list_args()))


AUDIT_ARGS = ("actor", "action", "object_type", "object_id", "date_from", "date_to", "q")


def _audit_args() -> dict[str, str]:
    """The audit log's own query parameters (only those: other keys could be url_for's own)."""
    return {key: request.args[key] for key in AUDIT_ARGS if request.args.get(key)}


def _audit_filter() -> tuple[AuditFilterForm, audit_log.AuditFilter | None]:
    """The audit log's filter form from the GET parameters, and what it selects (None when a value is wrong)."""
    form = AuditFilterForm(formdata=request.args, actions=audit_log.recorded_actions(),
                           object_types=audit_log.recorded_object_types())
    if not form.validate():
        return form, None
    return form, audit_log.AuditFilter(
        actor=(form.actor.data or "").strip() or None, action=form.action.data or None,
        object_type=form.object_type.data or None, object_id=form.object_id.data,
        date_from=form.date_from.data, date_to=form.date_to.data, text=(form.q.data or "").strip() or None)


@bp.route("/audit")
@authz.permission(authz.ADMIN)
def audit():
    """The audit events, newest first, filtered; above them, the check of the whole hash chain."""
    form, criteria = _audit_filter()
    # NOTE: a wrong filter lists nothing rather than everything, so that no one reads an unfiltered list as the
    # answer to the question they asked.
    page = None
    if criteria is not None:
        page = paginate(audit_log.events(criteria, city_zone()), "admin.audit", per_page=50, keep=AUDIT_ARGS)
    return render_template("admin/audit.html", form=form, page=page, chain=audit_log.check_chain(),
                           filter_args=_audit_args(), state_label=audit_log.state_label,
                           details_text=audit_log.details_text, hash_prefix=audit_log.HASH_PREFIX)


@bp.route("/audit.csv")
@authz.permission(authz.ADMIN)
def audit_csv():
    """The filtered audit events as CSV (all pages)."""
    _, criteria = _audit_filter()
    if criteria is None:
        # The page shows what is wrong with the filters.
        return redirect(url_for("admin.audit", **_audit_args()))
    zone = city_zone()
    lines = audit_log.csv_lines(audit_log.events(criteria, zone), zone)
    return Response(stream_with_context(lines), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=audit-log.csv"})
