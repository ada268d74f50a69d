"""A firm's subscription to new technologies, and every user's in-app notifications."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, g, has_request_context, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import authz
from marketplace.db import commit
from marketplace.extensions import db
from marketplace.forms import split_list
from marketplace.models import Notification, Sector
from marketplace.notifications import mark_read as mark_notifications_read
from marketplace.notifications import render as render_notification
from marketplace.notifications import unread_count
from marketplace.pagination import paginate
from marketplace.security import csrf_checked_by_view
from marketplace.subscriptions import bp, services
from marketplace.subscriptions.forms import MarkReadForm, SubscriptionForm
from marketplace.web import safe_next_url


@bp.app_context_processor
def _unread_notifications() -> dict[str, int]:
    # For the bell in the header: one COUNT per request, only for signed-in users (mail rendered outside a
    # request, e.g. by the CLI, has no user). NOTE: keyed by the request, because a test that holds an app
    # context shares ``g`` between its requests.
    if not has_request_context() or not current_user.is_authenticated:
        return {"unread_notifications": 0}
    key = id(request._get_current_object())  # type: ignore[attr-defined]
    cached = g.get("_unread_notifications")
    if cached is None or cached[0] != key:
        cached = g._unread_notifications = (key, unread_count(current_user))
    return {"unread_notifications": cached[1]}


@bp.route("/subscriptions", methods=["GET", "POST"])
@authz.permission(authz.FIRM)
@csrf_checked_by_view
def edit():
    """What the firm follows: sectors and keywords."""
    subscription = services.find_subscription(current_user)
    form = SubscriptionForm()
    if form.validate_on_submit():
        sectors = db.session.scalars(sa.select(Sector).where(Sector.id.in_(form.sectors.data or []))).all()
        try:
            subscription = services.update_subscription(current_user, sectors, split_list(form.keywords.data))
        except services.SubscriptionError as exc:
            db.session.rollback()
            form.keywords.errors.append(str(exc))
        else:
            commit()
            if subscription is None:
                flash(_("You no longer follow any sector or keyword."), "info")
            else:
                flash(_("Saved. You will be notified of new technologies that match what you follow."), "success")
            return redirect(url_for("subscriptions.edit"))
    elif request.method == "GET" and subscription is not None:
        form.sectors.data = [sector.id for sector in subscription.sectors]
        form.keywords.data = "\n".join(subscription.keywords)
    return render_template("subscriptions/edit.html", form=form, subscription=subscription)


@bp.route("/notifications")
@authz.permission(authz.SIGNED_IN)
def notifications():
    """The user's notifications, newest first."""
    page = paginate(
        sa.select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        "subscriptions.notifications",
    )
    here = request.full_path if request.query_string else request.path
    return render_template("subscriptions/notifications.html", page=page, form=MarkReadForm(next=here),
                           render_notification=render_notification)


@bp.route("/notifications/read", methods=["POST"])
@authz.permission(authz.SIGNED_IN)
@csrf_checked_by_view
def mark_read():
    """Mark one notification (``notification_id``) or all of them read, then go back."""
    form = MarkReadForm()
    back = safe_next_url(form.next.data, "subscriptions.notifications")
    if not form.validate_on_submit():
        csrf_token = getattr(form, "csrf_token", None)  # absent when CSRF is switched off (tests)
        if csrf_token is not None and csrf_token.errors:
            # A stale page: say so rather than fail; nothing was changed.
            flash(_("Your session has expired. Please try again."), "warning")
            return redirect(back)
        abort(400)
    only = None if form.notification_id.data is None else [form.notification_id.data]
    mark_notifications_read(current_user, only)
    commit()
    if only is None:
        flash(_("All notifications are marked as read."), "success")
    return redirect(back)
