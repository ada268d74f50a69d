"""Matches: the staff review queue, a match's page (need and technology side by side), the parties' list."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import authz
from marketplace.db import commit
from marketplace.extensions import db
from marketplace.matches import bp, lifecycle, review
from marketplace.matches.forms import DecideForm, MoveForm, RespondForm
from marketplace.models import AuditEvent, Match, MatchOrigin, MatchStatus, Organization, Round, Sector, Technology
from marketplace.pagination import paginate
from marketplace.security import csrf_checked_by_view
from marketplace.web import posted_ids, safe_next_url

QUEUE_ARGS = ("status", "origin", "sector", "institute", "round", "min_score")


def _queue_filter() -> tuple[review.QueueFilter, list[str]]:
    """The queue's filters from the GET parameters; values that name nothing are ignored and reported."""
    args, unknown = request.args, []

    def enum(name: str, kind: type, default: object) -> object:
        value = args.get(name)
        if value is None:
            return default
        if value in ("", "all"):
            return None
        try:
            return kind(value)
        except ValueError:
            unknown.append(name)
            return default

    def row(name: str, model: type, column: sa.Column, numeric: bool = True) -> object:
        value = args.get(name, "").strip()
        if not value:
            return None
        if numeric:  # an id: ASCII digits within PostgreSQL's integer range, else no such row
            if not (value.isascii() and value.isdigit() and len(value) <= 9):
                unknown.append(name)
                return None
            value = int(value)
        found = db.session.scalar(sa.select(model).where(column == value))
        if found is None:
            unknown.append(name)
        return found

    min_score = None
    if args.get("min_score", "").strip():
        try:
            min_score = float(args["min_score"].replace(",", "."))
        except ValueError:
            unknown.append("min_score")
    criteria = review.QueueFilter(
        status=enum("status", MatchStatus, MatchStatus.SUGGESTED), origin=enum("origin", MatchOrigin, None),
        sector=row("sector", Sector, Sector.slug, numeric=False),
        institute=row("institute", Organization, Organization.id), round=row("round", Round, Round.id),
        min_score=min_score)
    return criteria, unknown


@bp.route("/review")
@authz.permission(authz.STAFF)
def queue():
    criteria, unknown = _queue_filter()
    if unknown:
        flash(_("Some filters named nothing known and were left out."), "warning")
    page = paginate(review.queue(criteria), "matches.queue", per_page=30, keep=QUEUE_ARGS)
    return render_template("matches/queue.html", page=page, criteria=criteria, form=DecideForm(formdata=None),
                           choices=review.filter_choices(), args=request.args)


@bp.route("/review/decide", methods=["POST"])
@authz.permission(authz.STAFF)
@csrf_checked_by_view
def decide():
    form = DecideForm()
    back = safe_next_url(request.form.get("next"), "matches.queue")
    if not form.validate():
        flash(_("The form expired or was incomplete; nothing was changed. Please try again."), "danger")
        return redirect(back)
    ids = posted_ids("match")
    try:
        decided = review.decide(ids, approve=bool(form.approve.data), actor=current_user,
                                reason=(form.reason.data or "").strip() or None)
    except lifecycle.TransitionError as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
        return redirect(back)
    commit()
    if form.approve.data:
        flash(_("%(count)d matches approved: both parties were introduced.", count=len(decided)), "success")
    else:
        flash(_("%(count)d matches will not be pursued.", count=len(decided)), "success")
    return redirect(back)


def _match(match_id: int) -> Match:
    match = db.session.get(Match, match_id)
    if match is None or not authz.can(current_user, "match.view", match):
        abort(404)
    return match


def _history(match: Match) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "match",
                                                               AuditEvent.object_id == match.id)
                                   .options(so.joinedload(AuditEvent.actor)).order_by(AuditEvent.id)))


def _detail_page(match: Match, move_form: MoveForm | None = None, respond_form: RespondForm | None = None,
                 status: int = 200):  # noqa: ANN202
    moves = lifecycle.staff_moves(match) if lifecycle.is_staff(current_user) else ()
    return render_template(
        "matches/detail.html", match=match, need=match.need, technology=match.technology,
        history=_history(match) if lifecycle.is_staff(current_user) or lifecycle.party_of(current_user, match)
        else [],
        move_form=(move_form or MoveForm(moves, formdata=None)) if moves else None,
        respond_form=(respond_form or RespondForm(formdata=None))
        if authz.can(current_user, "match.respond", match) else None,
        party=lifecycle.party_of(current_user, match),
        show_firm=authz.can(current_user, "need.view_firm", match.need),
    ), status


@bp.route("/matches/<int:match_id>")
@authz.permission(authz.SIGNED_IN)
def detail(match_id: int):
    return _detail_page(_match(match_id))


@bp.route("/matches/<int:match_id>/move", methods=["POST"])
@authz.permission(authz.STAFF)
@csrf_checked_by_view
def move(match_id: int):
    match = _match(match_id)
    moves = lifecycle.staff_moves(match)
    if not moves:  # a final stage (a page left open since, say): the page has no form to show an error in
        flash(_("The match is at the stage “%(stage)s”, from which it moves no further.", stage=_stage(match.status)),
              "warning")
        return redirect(url_for("matches.detail", match_id=match.id))
    form = MoveForm(moves)
    if not form.validate():
        return _detail_page(match, move_form=form, status=400)
    try:
        lifecycle.move(match, form.target(), current_user, form.outcome())
    except lifecycle.TransitionError as exc:
        db.session.rollback()
        match = _match(match_id)
        if not lifecycle.staff_moves(match):
            flash(str(exc.message), "danger")
            return redirect(url_for("matches.detail", match_id=match.id))
        form.to.errors = [str(exc.message)]
        return _detail_page(match, move_form=form, status=400)
    commit()
    flash(_("The match is now at the stage “%(stage)s”.", stage=_stage(match.status)), "success")
    return redirect(url_for("matches.detail", match_id=match.id))


@bp.route("/matches/<int:match_id>/respond", methods=["POST"])
@authz.permission(authz.PARTY)
@csrf_checked_by_view
def respond(match_id: int):
    match = _match(match_id)
    form = RespondForm()
    if not form.validate() or not (form.accept.data or form.decline.data):
        return _detail_page(match, respond_form=form, status=400)
    try:
        lifecycle.respond(match, current_user, accept=bool(form.accept.data), reason=form.decline_reason(),
                          comment=form.comment.data)
    except lifecycle.TransitionError as exc:
        db.session.rollback()
        match = _match(match_id)
        if not authz.can(current_user, "match.respond", match):  # answered already, or too late to answer
            flash(str(exc.message), "danger")
            return redirect(url_for("matches.detail", match_id=match.id))
        form.reason.errors = [str(exc.message)]
        return _detail_page(match, respond_form=form, status=400)
    commit()
    if form.accept.data:
        flash(_("You accepted the introduction. The Department will help you get in touch."), "success")
    else:
        flash(_("You declined the introduction. Thank you for telling us why."), "info")
    return redirect(url_for("matches.detail", match_id=match.id))


@bp.route("/my/matches")
@authz.permission(authz.PARTY)
def mine():
    stmt = lifecycle.parties_matches(current_user).options(
        so.joinedload(Match.need), so.joinedload(Match.technology).joinedload(Technology.institute))
    return render_template("matches/mine.html", page=paginate(stmt, "matches.mine"),
                           can_respond=lifecycle.can_respond)


def _stage(status: MatchStatus) -> str:
    from marketplace.i18n_labels import MATCH_STATUS_LABELS

    return str(MATCH_STATUS_LABELS[status])
