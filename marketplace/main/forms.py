from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField


class LanguageForm(FlaskForm):
    """The language switch in the page header (one button per language)."""

    next = HiddenField()
