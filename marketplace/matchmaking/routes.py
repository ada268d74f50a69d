"""Matchmaking sessions: staff create events, invite matches, plan and adjust meetings, print schedules, record
outcomes."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace import authz
from marketplace.db import commit
from marketplace.extensions import db
from marketplace.i18n import format_clock, format_moment
from marketplace.i18n_labels import MATCH_STATUS_LABELS
from marketplace.imports.importer import guard_formula
from marketplace.matchmaking import bp, services
from marketplace.matchmaking.forms import EventForm, InviteForm, OutcomeForm, PlaceForm, PlanForm
from marketplace.models import MatchmakingEvent, Meeting
from marketplace.security import csrf_checked_by_view
from marketplace.web import posted_ids

#: Why the scheduler left a meeting out, in words (its reason codes).
UNSCHEDULED_REASONS = {
    "no_slot_for_parties": _l("the firm or the researcher has no free time slot left"),
    "no_table": _l("no table is free when both parties are"),
    "party_busy": _l("a party meets at another session at every free time"),
}


def _event(event_id: int) -> MatchmakingEvent:
    return db.session.get(MatchmakingEvent, event_id) or abort(404)


def _slot_choices(event: MatchmakingEvent) -> list[tuple[int, str]]:
    return [(slot.id, f"{format_clock(slot.starts_at)} – {format_clock(slot.ends_at)}") for slot in event.slots]


def _table_choices(event: MatchmakingEvent) -> list[tuple[int, str]]:
    return [(table.id, _("Table %(label)s", label=table.label)) for table in event.tables]


@bp.route("/sessions")
@authz.permission(authz.STAFF)
def index():
    events = db.session.scalars(sa.select(MatchmakingEvent).order_by(MatchmakingEvent.held_on.desc(),
                                                                     MatchmakingEvent.id.desc())).all()
    return render_template("matchmaking/index.html", events=events)


@bp.route("/sessions/new", methods=["GET", "POST"])
@authz.permission(authz.STAFF)
@csrf_checked_by_view
def create():
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = services.create_event(form.plan(), current_user)
        except services.SessionError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
        else:
            commit()
            flash(_("The session is created. Invite approved matches, then plan the meetings."), "success")
            return redirect(url_for("matchmaking.detail", event_id=event.id))
    return render_template("matchmaking/edit.html", form=form), 400 if form.is_submitted() else 200


def _detail_page(event: MatchmakingEvent, status: int = 200, left_out: list | None = None):  # noqa: ANN202
    slots, tables = _slot_choices(event), _table_choices(event)
    grid = {(m.slot_id, m.table_id): m for m in event.meetings if m.slot_id is not None}
    unplaced = [m for m in event.meetings if m.slot_id is None]
    place_forms = {m.id: PlaceForm(slots, tables, formdata=None, data={"slot": m.slot_id or 0,
                                                                       "table": m.table_id or 0})
                   for m in event.meetings}
    return render_template(
        "matchmaking/detail.html", event=event, grid=grid, unplaced=unplaced, place_forms=place_forms,
        invitable=services.invitable_matches(event), invite_form=InviteForm(formdata=None),
        plan_form=PlanForm(formdata=None), outcome_form=OutcomeForm(formdata=None), clashes=services.clashes(event),
        describe_clash=services.describe_clash, party_name=services.party_name, parties=services.parties,
        left_out=left_out or [], reasons=UNSCHEDULED_REASONS, stage_labels=MATCH_STATUS_LABELS,
    ), status


@bp.route("/sessions/<int:event_id>")
@authz.permission(authz.STAFF)
def detail(event_id: int):
    return _detail_page(_event(event_id))


@bp.route("/sessions/<int:event_id>/invite", methods=["POST"])
@authz.permission(authz.STAFF)
def invite(event_id: int):
    event = _event(event_id)
    ids = posted_ids("match")
    try:
        count = services.invite(event, ids, current_user)
    except services.SessionError as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
    else:
        commit()
        flash(_("%(count)d matches invited.", count=count), "success")
    return redirect(url_for("matchmaking.detail", event_id=event.id))


@bp.route("/sessions/<int:event_id>/plan", methods=["POST"])
@authz.permission(authz.STAFF)
def plan(event_id: int):
    event = _event(event_id)
    placed, left_out = services.plan(event, current_user)
    commit()
    if left_out:
        flash(_("%(placed)d meetings are planned; %(left)d could not be placed (see below).", placed=placed,
                left=len(left_out)), "warning")
        return _detail_page(event, left_out=left_out)
    flash(_("%(placed)d meetings are planned without any double booking.", placed=placed), "success")
    return redirect(url_for("matchmaking.detail", event_id=event.id))


def _meeting(event: MatchmakingEvent, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.event_id != event.id:
        abort(404)
    return meeting


@bp.route("/sessions/<int:event_id>/meetings/<int:meeting_id>/place", methods=["POST"])
@authz.permission(authz.STAFF)
@csrf_checked_by_view
def place(event_id: int, meeting_id: int):
    event = _event(event_id)
    meeting = _meeting(event, meeting_id)
    form = PlaceForm(_slot_choices(event), _table_choices(event))
    if not form.validate():
        flash(_("Choose a time slot and a table of this session."), "danger")
        return _detail_page(event, status=400)
    try:
        services.place(meeting, form.slot.data or None, form.table.data or None, current_user)
    except services.SessionError as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
        return _detail_page(_event(event_id), status=400)
    commit()
    flash(_("The meeting is moved; it stays there when the plan is made again."), "success")
    return redirect(url_for("matchmaking.detail", event_id=event.id))


@bp.route("/sessions/<int:event_id>/meetings/<int:meeting_id>/remove", methods=["POST"])
@authz.permission(authz.STAFF)
def remove(event_id: int, meeting_id: int):
    event = _event(event_id)
    services.remove(_meeting(event, meeting_id), current_user)
    commit()
    flash(_("The match is withdrawn from the session."), "success")
    return redirect(url_for("matchmaking.detail", event_id=event.id))


@bp.route("/sessions/<int:event_id>/meetings/<int:meeting_id>/outcome", methods=["POST"])
@authz.permission(authz.STAFF)
@csrf_checked_by_view
def outcome(event_id: int, meeting_id: int):
    event = _event(event_id)
    meeting = _meeting(event, meeting_id)
    form = OutcomeForm()
    if not form.validate():
        flash(_("Check the outcome's fields: %(errors)s", errors="; ".join(
            str(error) for errors in form.errors.values() for error in errors)), "danger")
        return _detail_page(event, status=400)
    result, details = form.outcome()
    try:
        services.record_outcome(meeting, result, details, current_user)
    except services.SessionError as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
        return _detail_page(_event(event_id), status=400)
    commit()
    flash(_("The outcome is recorded and the match moved on."), "success")
    return redirect(url_for("matchmaking.detail", event_id=event.id))


@bp.route("/sessions/<int:event_id>/schedule")
@authz.permission(authz.STAFF)
def schedule(event_id: int):
    """Each participant's meetings, one per printed page."""
    event = _event(event_id)
    return render_template("matchmaking/schedule.html", event=event, schedules=services.schedules(event))


@bp.route("/sessions/<int:event_id>/schedule.csv")
@authz.permission(authz.STAFF)
def schedule_csv(event_id: int):
    event = _event(event_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Participant"), _("Start"), _("End"), _("Table"), _("Need"), _("Technology"), _("With"),
                     _("Firm"), _("Institute")])
    for name, meetings in services.schedules(event).items():
        for meeting, others in meetings:
            match = meeting.match
            writer.writerow([guard_formula(value) for value in (
                name, format_moment(meeting.slot.starts_at), format_moment(meeting.slot.ends_at), meeting.table.label,
                match.need.title, match.technology.title, others, match.need.firm.display_name,
                match.technology.institute.display_name)])
    # A byte-order mark, so that spreadsheet programs read Vietnamese correctly.
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=session-{event.id}-schedule.csv"})
