"""Forms of the import: the upload, and the buttons that confirm or cancel a previewed import."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SubmitField, ValidationError

from marketplace.imports.reader import FileRefused, Table, file_kind, read_table

#: The largest list accepted from the upload page, unless ``IMPORT_MAX_BYTES`` says otherwise (the command line
#: has no limit). Keep it under ``MAX_CONTENT_LENGTH``, which refuses bigger requests before they are read.
DEFAULT_MAX_BYTES = 16 * 1024 * 1024


def max_upload_bytes() -> int:
    return int(current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.3g}"


class UploadForm(FlaskForm):
    """A list to preview. Validating it reads the file, so that an unreadable one is refused on the form."""

    file = FileField(_l("The list of technologies"), validators=[FileRequired(message=_l("Choose a file to upload."))],
                     render_kw={"accept": ".csv,.xlsx"})
    submit = SubmitField(_l("Check the file"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.file.description = _l("A CSV file saved as “CSV UTF-8”, or an Excel workbook (.xlsx); at most "
                                   "%(size)s MB. Nothing is written before you confirm.",
                                   size=_megabytes(max_upload_bytes()))
        self.data_bytes: bytes = b""
        self.table: Table | None = None

    def validate_file(self, field: FileField) -> None:
        upload = field.data
        limit = max_upload_bytes()
        try:
            file_kind(upload.filename or "")
        except FileRefused as exc:
            raise ValidationError(str(exc)) from None
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            raise ValidationError(_l("The file is larger than %(size)s MB.", size=_megabytes(limit)))
        try:
            self.table = read_table(data, upload.filename)
        except FileRefused as exc:
            raise ValidationError(str(exc)) from None
        self.data_bytes = data


class ConfirmForm(FlaskForm):
    """Applies the previewed upload; ``upload`` names it, so that a preview in another tab cannot be confirmed."""

    upload = HiddenField()
    submit = SubmitField(_l("Import into the catalogue"))


class CancelForm(FlaskForm):
    submit = SubmitField(_l("Cancel this import"))
