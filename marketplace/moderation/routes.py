"""The moderation queue and the review of one submission."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import authz
from marketplace.catalogue.services import is_stale
from marketplace.db import commit
from marketplace.extensions import db
from marketplace.models import Sector, TechnologyRevision
from marketplace.moderation import bp, services
from marketplace.moderation.forms import ReviewForm
from marketplace.pagination import paginate
from marketplace.security import csrf_checked_by_view


@bp.route("/")
@authz.permission(authz.STAFF)
def queue():
    return render_template("moderation/queue.html", page=paginate(services.queue_query(), "moderation.queue"))


@bp.route("/<int:revision_id>", methods=["GET", "POST"])
@authz.permission(authz.STAFF)
@csrf_checked_by_view
def review(revision_id: int):
    revision = db.session.get(TechnologyRevision, revision_id) or abort(404)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            services.decide(revision, current_user, form.scores(), form.decision_value(), form.comment.data)
        except services.ModerationError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            commit()
            flash(_("The decision on “%(title)s” was recorded and the owner notified.",
                    title=revision.technology.title), "success")
            return redirect(url_for("moderation.queue"))
    return render_template(
        "moderation/review.html", revision=revision, technology=revision.technology, form=form,
        changes=services.diff(revision), stale=is_stale(revision.technology),
        sectors_by_slug={sector.slug: sector for sector in db.session.scalars(sa.select(Sector))},
        publish_min=current_app.config["MODERATION_PUBLISH_MIN"],
        reject_below=current_app.config["MODERATION_REJECT_BELOW"],
    )
