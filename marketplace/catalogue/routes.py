"""The public catalogue, and researchers' own listings."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import authz
from marketplace.catalogue import attachments, bp, services
from marketplace.catalogue.browse import related_technologies
from marketplace.catalogue.forms import FACET_LABELS, SORT_LABELS, ActionForm, AttachmentForm, TechnologyForm
from marketplace.catalogue.urls import technology_url
from marketplace.db import commit
from marketplace.extensions import db
from marketplace.models import Technology, TechnologyAttachment, TechnologyStatus
from marketplace.pagination import paginate
from marketplace.searching.service import SEARCH_PARAMS, query_from_args, search_catalogue, spelling_suggestion
from marketplace.security import csrf_checked_by_view


def _technology_by_code(code: str) -> Technology:
    technology = db.session.scalar(sa.select(Technology).where(Technology.code == code))
    if technology is None or not authz.can(current_user, "technology.view", technology):
        abort(404)
    return technology


def _own_technology(technology_id: int) -> Technology:
    technology = db.session.get(Technology, technology_id)
    if technology is None or not authz.can(current_user, "technology.view", technology):
        abort(404)
    return technology


@bp.route("/technologies")
@authz.permission(authz.PUBLIC)
def index():
    """The catalogue and its search: text, facets, sort and page all in the URL, so results can be shared."""
    result = search_catalogue(query_from_args(request.args))
    # Only the search's own parameters go back into the page links (never url_for's keywords such as _external).
    args = {key: values for key, values in request.args.to_dict(flat=False).items() if key in SEARCH_PARAMS}

    def page_url(number: int) -> str:
        return url_for("catalogue.index", page=number, **args)

    prev_url = page_url(result.query.page - 1) if result.query.page > 1 else None
    next_url = page_url(result.query.page + 1) if result.query.page < result.pages else None
    did_you_mean = spelling_suggestion(result.query) if not result.total and result.query.text else None
    return render_template("catalogue/index.html", result=result, query=result.query, prev_url=prev_url,
                           next_url=next_url, facet_labels=FACET_LABELS, sort_labels=SORT_LABELS,
                           did_you_mean=did_you_mean)


@bp.route("/technologies/<code>/<slug>")
@authz.permission(authz.PUBLIC)
def detail(code: str, slug: str):
    technology = _technology_by_code(code)
    if slug != technology.slug:
        # Titles change; old links keep working and land on the current address.
        return redirect(technology_url(technology), code=301)
    can_edit = authz.can(current_user, "technology.edit", technology)
    return render_template(
        "catalogue/detail.html",
        technology=technology,
        related=related_technologies(technology),
        can_see_confidential=authz.can(current_user, "technology.view_confidential", technology),
        owner_view=authz.can(current_user, "technology.submit", technology),
        can_manage=authz.can(current_user, "technology.manage", technology),
        pending=services.pending_revision(technology),
        open_revision=services.open_revision(technology),
        decision=services.last_decision(technology),
        stale=services.is_stale(technology),
        due=services.confirmation_due(technology),
        # Only for someone who may act (a form signs a CSRF token into the session: visitors get no cookie).
        action_form=ActionForm() if current_user.is_authenticated else None,
        can_edit=can_edit,
        can_attach=authz.can(current_user, "technology.attach", technology),
        attachment_form=AttachmentForm() if authz.can(current_user, "technology.attach", technology) else None,
    )


@bp.route("/technologies/<code>/<slug>/print")
@authz.permission(authz.PUBLIC)
def print_view(code: str, slug: str):
    technology = _technology_by_code(code)
    return render_template(
        "catalogue/print.html", technology=technology,
        can_see_confidential=authz.can(current_user, "technology.view_confidential", technology),
    )


@bp.route("/technologies/<code>/files/<int:attachment_id>")
@authz.permission(authz.PUBLIC)
def attachment(code: str, attachment_id: int):
    technology = _technology_by_code(code)
    item = db.session.get(TechnologyAttachment, attachment_id)
    if item is None or item.technology_id != technology.id:
        abort(404)
    path = attachments.stored_path(item)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=item.content_type, download_name=item.original_name,
                         as_attachment=item.content_type == "application/pdf" and request.args.get("download") == "1")
    # Files of unpublished listings must never sit in a shared cache.
    published = technology.status == TechnologyStatus.PUBLISHED
    response.headers["Cache-Control"] = "public, max-age=3600" if published else "private, no-store"
    return response


@bp.route("/my/technologies")
@authz.permission(authz.RESEARCHER)
def mine():
    stmt = (sa.select(Technology).where(Technology.owner_id == current_user.id)
            .order_by(Technology.updated_at.desc(), Technology.id.desc()))
    return render_template("catalogue/mine.html", page=paginate(stmt, "catalogue.mine"))


def _save(technology: Technology | None, form: TechnologyForm):  # noqa: ANN202
    """Save the form (creating the listing if needed) and submit it when asked; the response on success."""
    try:
        if technology is None:
            technology = services.create_technology(current_user, form.content(), code=form.code.data)
        else:
            services.save_content(technology, current_user, form.content())
        submitting = form.save_and_submit.data
        if submitting:
            services.submit_technology(technology, current_user)
    except services.CatalogueError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return None
    commit()
    if submitting:
        flash(_("Your technology was submitted. The Department's staff will review it."), "success")
    elif technology.status == TechnologyStatus.PUBLISHED:
        flash(_("Your changes were saved. The published version stays online until you submit them and they are "
                "approved."), "success")
    else:
        flash(_("The draft was saved."), "success")
    return redirect(technology_url(technology))


@bp.route("/my/technologies/new", methods=["GET", "POST"])
@authz.permission(authz.RESEARCHER)
@csrf_checked_by_view
def create():
    form = TechnologyForm(with_code=True)
    if form.validate_on_submit():
        response = _save(None, form)
        if response is not None:
            return response
    return render_template("catalogue/edit.html", form=form, technology=None)


@bp.route("/my/technologies/<int:technology_id>/edit", methods=["GET", "POST"])
@authz.permission(authz.RESEARCHER)
@csrf_checked_by_view
def edit(technology_id: int):
    technology = _own_technology(technology_id)
    authz.ensure("technology.edit", technology)
    form = TechnologyForm() if request.method == "POST" else TechnologyForm.from_content(
        services.working_content(technology))
    if form.validate_on_submit():
        response = _save(technology, form)
        if response is not None:
            return response
    return render_template("catalogue/edit.html", form=form, technology=technology)


@bp.route("/my/technologies/<int:technology_id>/submit", methods=["POST"])
@authz.permission(authz.RESEARCHER)
def submit(technology_id: int):
    technology = _own_technology(technology_id)
    authz.ensure("technology.submit", technology)
    try:
        services.submit_technology(technology, current_user)
    except services.CatalogueError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        commit()
        flash(_("Your technology was submitted. The Department's staff will review it."), "success")
    return redirect(technology_url(technology))


@bp.route("/technologies/<int:technology_id>/archive", methods=["POST"])
@authz.permission(authz.SIGNED_IN)
def archive(technology_id: int):
    technology = _own_technology(technology_id)
    authz.ensure("technology.manage", technology)
    try:
        services.archive_technology(technology, current_user)
    except services.CatalogueError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(technology_url(technology))
    commit()
    flash(_("The technology was archived and no longer appears in the catalogue."), "success")
    return redirect(url_for("catalogue.mine") if technology.owner_id == current_user.id else url_for("catalogue.index"))


@bp.route("/technologies/<int:technology_id>/confirm", methods=["POST"])
@authz.permission(authz.SIGNED_IN)
def confirm(technology_id: int):
    technology = _own_technology(technology_id)
    authz.ensure("technology.manage", technology)
    try:
        services.confirm_technology(technology, current_user)
    except services.CatalogueError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        commit()
        flash(_("Thank you: the technology is confirmed as available for another %(months)d months.",
                months=current_app.config["TECHNOLOGY_CONFIRM_MONTHS"]), "success")
    return redirect(technology_url(technology))


@bp.route("/my/technologies/<int:technology_id>/attachments", methods=["POST"])
@authz.permission(authz.RESEARCHER)
@csrf_checked_by_view
def upload(technology_id: int):
    technology = _own_technology(technology_id)
    authz.ensure("technology.attach", technology)
    form = AttachmentForm()
    if form.validate_on_submit():
        try:
            item = attachments.add_attachment(technology, current_user, form.file.data.stream,
                                              form.file.data.filename or "")
        except services.CatalogueError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            try:
                commit()
            except Exception:
                attachments.stored_path(item).unlink(missing_ok=True)
                raise
            flash(_("The file %(name)s was attached.", name=item.original_name), "success")
    else:
        # The page with the upload form is elsewhere: say what went wrong there.
        for error in form.file.errors or [_("The upload form has expired; please reload the page and try again.")]:
            flash(str(error), "danger")
    return redirect(technology_url(technology) + "#attachments")


@bp.route("/my/technologies/<int:technology_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@authz.permission(authz.RESEARCHER)
def delete_attachment(technology_id: int, attachment_id: int):
    technology = _own_technology(technology_id)
    authz.ensure("technology.attach", technology)
    item = db.session.get(TechnologyAttachment, attachment_id)
    if item is None or item.technology_id != technology.id:
        abort(404)
    path = attachments.remove_attachment(item, current_user)
    commit()
    path.unlink(missing_ok=True)
    flash(_("The file was removed."), "success")
    return redirect(technology_url(technology) + "#attachments")
