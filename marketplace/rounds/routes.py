"""Rounds: the public list with the time left, and staff opening and changing them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import authz
from marketplace.db import commit
from marketplace.extensions import db
from marketplace.models import Round
from marketplace.models.base import utcnow
from marketplace.rounds import bp, services
from marketplace.rounds.forms import RoundForm
from marketplace.security import csrf_checked_by_view


@bp.app_template_global("round_time_left")
def _round_time_left(proposal_round: Round):  # noqa: ANN202
    return services.time_left(proposal_round)


@bp.route("/rounds")
@authz.permission(authz.PUBLIC)
def index():
    return render_template("rounds/index.html", rounds=services.all_rounds(), now=utcnow(), is_open=services.is_open)


@bp.route("/rounds/<int:round_id>")
@authz.permission(authz.PUBLIC)
def detail(round_id: int):
    proposal_round = db.session.get(Round, round_id) or abort(404)
    return render_template("rounds/detail.html", round=proposal_round, is_open=services.is_open(proposal_round),
                           counts=services.submission_counts(proposal_round))


def _editor(form: RoundForm, proposal_round: Round | None):  # noqa: ANN202
    if form.is_submitted() and form.validate():
        try:
            if proposal_round is None:
                proposal_round = services.create_round(form.content(), current_user)
            else:
                services.update_round(proposal_round, form.content(), current_user)
        except services.RoundError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
        else:
            commit()
            flash(_("The round “%(name)s” is saved.", name=proposal_round.name), "success")
            return redirect(url_for("rounds.detail", round_id=proposal_round.id))
    status = 400 if form.is_submitted() else 200
    return render_template("rounds/edit.html", form=form, round=proposal_round), status


@bp.route("/rounds/new", methods=["GET", "POST"])
@authz.permission(authz.STAFF)
@csrf_checked_by_view
def create():
    return _editor(RoundForm(), None)


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@authz.permission(authz.STAFF)
@csrf_checked_by_view
def edit(round_id: int):
    proposal_round = db.session.get(Round, round_id) or abort(404)
    form = RoundForm() if request.method == "POST" else RoundForm.for_round(proposal_round)
    return _editor(form, proposal_round)
