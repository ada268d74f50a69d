"""Needs pages: the public list and detail, firms' own needs with the coaching form, proposals of technologies."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import authz
from marketplace.catalogue.forms import ActionForm
from marketplace.db import commit
from marketplace.extensions import db
from marketplace.models import Need, NeedStatus, Sector, Technology
from marketplace.needs import bp, services
from marketplace.needs.forms import CloseNeedForm, NeedForm, ProposalForm
from marketplace.pagination import paginate
from marketplace.security import csrf_checked_by_view
from marketplace.suggestions import services as suggestions
from marketplace.suggestions.wording import describe, strength


def _need(need_id: int) -> Need:
    need = db.session.get(Need, need_id)
    if need is None or not authz.can(current_user, "need.view", need):
        abort(404)
    return need


@bp.app_template_global()
def match_reasons(match_or_suggestion: object) -> list[str]:
    """The explanation of a stored match or a preview suggestion, in sentences."""
    explanation = getattr(match_or_suggestion, "explanation", None)
    if explanation is not None and not isinstance(explanation, dict):
        from dataclasses import asdict

        explanation = asdict(explanation)
    return describe(explanation)


@bp.app_template_global()
def match_strength(score: float | None) -> str:
    return strength(score)


@bp.route("/needs")
@authz.permission(authz.PUBLIC)
def index():
    """Needs other users may see, newest first; ``?sector=`` narrows them; closed ones only when asked."""
    stmt = services.visible_needs(current_user).options(so.selectinload(Need.sectors), so.joinedload(Need.firm))
    sector = db.session.scalar(sa.select(Sector).where(Sector.slug == request.args.get("sector", "")))
    if sector is not None:
        stmt = stmt.where(Need.sectors.contains(sector))
    show_closed = request.args.get("closed") == "1"
    if not show_closed:
        stmt = stmt.where(Need.status != NeedStatus.CLOSED)
    stmt = stmt.order_by(Need.created_at.desc(), Need.id.desc())
    sectors = db.session.scalars(sa.select(Sector).order_by(Sector.is_priority.desc(), Sector.position)).all()
    return render_template("needs/index.html", page=paginate(stmt, "needs.index", keep=("sector", "closed")),
                           sectors=sectors, sector=sector, show_closed=show_closed)


@bp.route("/needs/<int:need_id>")
@authz.permission(authz.PUBLIC)
def detail(need_id: int):
    return _detail_page(_need(need_id))


def _detail_page(need: Need, close_form: CloseNeedForm | None = None, status: int = 200):  # noqa: ANN202
    can_manage = authz.can(current_user, "need.manage", need)
    return render_template(
        "needs/detail.html", need=need,
        show_firm=authz.can(current_user, "need.view_firm", need),
        can_edit=authz.can(current_user, "need.edit", need),
        can_manage=can_manage,
        matches=services.matches_for(current_user, need) if authz.can(current_user, "need.view_matches", need)
        else None,
        # The forms only for who may use them (a form signs a CSRF token into the session: visitors get no cookie).
        action_form=ActionForm() if can_manage else None,
        close_form=close_form or (CloseNeedForm(formdata=None) if can_manage else None),
    ), status


@bp.route("/my/needs")
@authz.permission(authz.FIRM)
def mine():
    stmt = (sa.select(Need).where(Need.author_id == current_user.id)
            .order_by(Need.updated_at.desc(), Need.id.desc()))
    return render_template("needs/mine.html", page=paginate(stmt, "needs.mine"),
                           counts=services.suggestion_counts(current_user))


def _editor(form: NeedForm, need: Need | None):  # noqa: ANN202
    """The form page, with the coaching panel filled when the firm asked for a preview."""
    coach = _coach_context(form) if form.preview.data else None
    return render_template("needs/edit.html", form=form, need=need, coach=coach)


def _coach_context(form: NeedForm) -> dict[str, object]:
    data = form.content()
    count, best = suggestions.preview(data)
    return {"hints": services.coaching_hints(data), "count": count, "best": best}


def _save(need: Need | None, form: NeedForm):  # noqa: ANN202
    publish = bool(form.publish.data)
    try:
        if need is None:
            need = services.create_need(current_user, form.content(), publish=publish)
        else:
            services.update_need(need, current_user, form.content(), publish=publish)
        found = suggestions.match_needs([need])
    except services.NeedError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return None
    commit()
    if need.status == NeedStatus.DRAFT:
        flash(_("The draft was saved. Post it when it is ready: it will then be matched with the catalogue."),
              "success")
    elif found:
        flash(_("The need is posted. The matcher found %(count)d technologies; the Department reviews them before "
                "introducing you to the institutes.", count=found), "success")
    else:
        flash(_("The need is posted. No technology of the catalogue fits it well yet; the Department is told of "
                "needs the catalogue does not cover."), "info")
    return redirect(url_for("needs.detail", need_id=need.id))


@bp.route("/my/needs/new", methods=["GET", "POST"])
@authz.permission(authz.FIRM)
@csrf_checked_by_view
def create():
    if request.method == "GET":
        user = current_user
        form = NeedForm(data={"contact_name": user.full_name, "contact_email": user.email,
                              "contact_phone": user.phone, "round": request.args.get("round", 0, type=int)})
    else:
        form = NeedForm()
    if form.is_submitted() and not form.preview.data and form.validate():
        response = _save(None, form)
        if response is not None:
            return response
    return _editor(form, None)


@bp.route("/my/needs/<int:need_id>/edit", methods=["GET", "POST"])
@authz.permission(authz.FIRM)
@csrf_checked_by_view
def edit(need_id: int):
    need = _need(need_id)
    authz.ensure("need.edit", need)
    form = NeedForm(current_round=need.round) if request.method == "POST" else NeedForm.for_need(need)
    if form.is_submitted() and not form.preview.data and form.validate():
        response = _save(need, form)
        if response is not None:
            return response
    return _editor(form, need)


@bp.route("/my/needs/coach", methods=["POST"])
@authz.permission(authz.FIRM)
def coach():
    """The coaching panel for the form as typed so far (an HTML fragment the page swaps in); nothing is saved."""
    return render_template("needs/_coach.html", coach=_coach_context(NeedForm()))


@bp.route("/needs/<int:need_id>/open", methods=["POST"])
@authz.permission(authz.SIGNED_IN)
def reopen(need_id: int):
    need = _need(need_id)
    authz.ensure("need.manage", need)
    try:
        services.open_need(need, current_user)
        found = suggestions.match_needs([need])
    except services.NeedError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        commit()
        flash(_("The need is open. The matcher found %(count)d technologies.", count=found), "success")
    return redirect(url_for("needs.detail", need_id=need.id))


@bp.route("/needs/<int:need_id>/close", methods=["POST"])
@authz.permission(authz.SIGNED_IN)
@csrf_checked_by_view
def close(need_id: int):
    need = _need(need_id)
    authz.ensure("need.manage", need)
    form = CloseNeedForm()
    if form.validate_on_submit():
        try:
            services.close_need(need, current_user, (form.note.data or "").strip() or None)
        except services.NeedError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            commit()
            flash(_("The need is closed."), "success")
    else:  # the page again, the form open with its errors and the note as typed
        return _detail_page(need, close_form=form, status=400)
    return redirect(url_for("needs.detail", need_id=need.id))


@bp.route("/technologies/<int:technology_id>/propose", methods=["GET", "POST"])
@authz.permission(authz.FIRM)
@csrf_checked_by_view
def propose(technology_id: int):
    """A firm proposes the technology for one of its needs ("đề xuất lựa chọn công nghệ")."""
    technology = db.session.get(Technology, technology_id)
    if technology is None or not authz.can(current_user, "technology.view", technology):
        abort(404)
    needs = services.proposable_needs(current_user)
    form = ProposalForm(needs)
    if request.method == "GET" and request.args.get("need", type=int) in {need.id for need in needs}:
        form.need.data = request.args.get("need", type=int)
    if form.validate_on_submit():
        need = db.session.get(Need, form.need.data)
        try:
            services.propose_technology(need, technology, current_user, (form.note.data or "").strip() or None)
            suggestions.score_proposals(need)
        except services.NeedError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            commit()
            flash(_("Your proposal was sent to the Department, which reviews it with the matcher's suggestions."),
                  "success")
            return redirect(url_for("needs.detail", need_id=need.id))
    return render_template("needs/propose.html", form=form, technology=technology, needs=needs)
