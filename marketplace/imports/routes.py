"""Staff pages: upload the Academy's list → preview what it would do → confirm; and download the catalogue."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from marketplace import authz
from marketplace.catalogue.services import FIELD_LABELS
from marketplace.catalogue.vocab import TRANSFER_MODE_NAMES
from marketplace.db import commit
from marketplace.extensions import db
from marketplace.imports import bp, pending
from marketplace.imports.columns import COLUMN_BY_KEY, COLUMNS
from marketplace.imports.exporter import CONTENT_TYPES, export_bytes
from marketplace.imports.forms import CancelForm, ConfirmForm, UploadForm
from marketplace.imports.importer import CREATE, UNCHANGED, UPDATE, ImportPlan, apply_import, plan_import
from marketplace.imports.reader import FileRefused, read_table
from marketplace.models import Sector
from marketplace.models.base import utcnow
from marketplace.security import csrf_checked_by_view

#: How many rows of each kind the preview lists (the counts are always complete, the problems always all listed).
PREVIEW_ROWS = 500


def _change_labels() -> dict[str, object]:
    labels: dict[str, object] = {key: FIELD_LABELS.get(key, column.label) for key, column in COLUMN_BY_KEY.items()}
    labels["status"] = _("publication status")
    return labels


@bp.route("/", methods=["GET", "POST"])
@authz.permission(authz.STAFF)
@csrf_checked_by_view
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        pending.store(form.data_bytes, form.table.file_name, form.table.kind)
        return redirect(url_for("imports.preview"))
    sectors = db.session.scalars(sa.select(Sector).order_by(Sector.position))
    return render_template("imports/upload.html", form=form, columns=COLUMNS, waiting=pending.current(),
                           sectors=sectors, transfer_modes=TRANSFER_MODE_NAMES)


def _plan(upload: pending.PendingUpload) -> ImportPlan | None:
    """The plan of a waiting upload, or None (with a message) when its file can no longer be read."""
    try:
        table = read_table(upload.path.read_bytes(), upload.file_name)
    except FileRefused as exc:
        pending.discard()
        flash(str(exc), "danger")
        return None
    return plan_import(table)


def _render_preview(upload: pending.PendingUpload, plan: ImportPlan, confirm_form: ConfirmForm | None = None) -> str:
    confirm_form = confirm_form or ConfirmForm(upload=upload.stored_name)
    confirm_form.upload.data = upload.stored_name
    return render_template(
        "imports/preview.html", upload=upload, plan=plan, confirm_form=confirm_form, cancel_form=CancelForm(),
        created=plan.entries_for(CREATE), updated=plan.entries_for(UPDATE), unchanged=plan.entries_for(UNCHANGED),
        limit=PREVIEW_ROWS, change_labels=_change_labels(),
    )


def _no_upload():  # noqa: ANN202 - a redirect response
    flash(_("No list is waiting to be imported: upload one."), "info")
    return redirect(url_for("imports.upload"))


@bp.route("/preview")
@authz.permission(authz.STAFF)
def preview():
    upload = pending.current()
    if upload is None:
        return _no_upload()
    plan = _plan(upload)
    if plan is None:
        return redirect(url_for("imports.upload"))
    return _render_preview(upload, plan)


@bp.route("/confirm", methods=["POST"])
@authz.permission(authz.STAFF)
@csrf_checked_by_view
def confirm():
    upload = pending.current()
    if upload is None:
        return _no_upload()
    form = ConfirmForm()
    if not form.validate_on_submit():
        plan = _plan(upload)  # the form failed its CSRF check: show the preview again, with the form's message
        return _render_preview(upload, plan, form) if plan is not None else redirect(url_for("imports.upload"))
    if form.upload.data != upload.stored_name:
        flash(_("Another list was uploaded since that preview was shown. Check this preview before importing."),
              "warning")
        return redirect(url_for("imports.preview"))
    # NOTE: the file is checked again, against the catalogue as it is now, before anything is written.
    plan = _plan(upload)
    if plan is None:
        return redirect(url_for("imports.upload"))
    if not plan.ok:
        flash(_("The list no longer passes the checks; nothing was imported."), "danger")
        return _render_preview(upload, plan)
    try:
        apply_import(plan, actor=current_user)
        commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        flash(_("The catalogue changed while the list was being imported; nothing was imported. Check the preview "
                "and confirm again."), "danger")
        return redirect(url_for("imports.preview"))
    pending.discard()
    counts = plan.counts
    flash(_("The list %(file)s has been imported. Technologies created: %(created)d, updated: %(updated)d, "
            "unchanged: %(unchanged)d.", file=plan.file_name, created=counts["created"], updated=counts["updated"],
            unchanged=counts["unchanged"]), "success")
    return redirect(url_for("imports.upload"))


@bp.route("/cancel", methods=["POST"])
@authz.permission(authz.STAFF)
def cancel():
    if CancelForm().validate_on_submit() and pending.current() is not None:
        pending.discard()
        flash(_("The import has been cancelled and the uploaded file deleted."), "info")
    return redirect(url_for("imports.upload"))


@bp.route("/export.<any(csv, xlsx):kind>")
@authz.permission(authz.STAFF)
def export(kind: str):
    """The published catalogue in the import format: edit it in a spreadsheet and import it back."""
    name = f"danh-muc-cong-nghe-{utcnow():%Y%m%d}.{kind}"
    return send_file(io.BytesIO(export_bytes(kind)), mimetype=CONTENT_TYPES[kind], as_attachment=True,
                     download_name=name)
