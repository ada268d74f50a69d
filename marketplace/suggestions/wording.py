"""The matcher's explanations in words a firm understands, in the reader's language."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.extensions import db
from marketplace.i18n import select_locale
from marketplace.models import Sector
from marketplace.suggestions.services import weights_from_config

#: How well a technology fits, by score (the thresholds are the matcher's typical ranges on the demo catalogue).
STRENGTHS = ((0.45, _l("Strong fit")), (0.25, _l("Good fit")), (0.0, _l("Possible fit")))


def strength(score: float | None) -> str:
    if score is None:
        return ""
    return next(str(label) for threshold, label in STRENGTHS if score >= threshold)


def _sector_names(slugs: list[str]) -> str:
    if not slugs:
        return ""
    locale = select_locale()
    sectors = db.session.scalars(sa.select(Sector).where(Sector.slug.in_(slugs)).order_by(Sector.position))
    return ", ".join(sector.name(locale) for sector in sectors)


def _readiness(trl: int) -> str:
    if trl >= 7:
        return _("Ready to deploy: demonstrated in operation (TRL %(trl)d of 9).", trl=trl)
    if trl >= 4:
        return _("Needs a pilot before deployment: validated in the laboratory or a relevant environment (TRL "
                 "%(trl)d of 9).", trl=trl)
    return _("Still at the research stage (TRL %(trl)d of 9).", trl=trl)


def describe(explanation: dict[str, Any] | None) -> list[str]:
    """Sentences saying why a technology was suggested: shared terms, sector boosts (as configured), readiness."""
    if not explanation:
        return []
    weights = weights_from_config()
    lines = []
    terms = [term for term in explanation.get("shared_terms") or [] if term]
    if terms:
        lines.append(_("Both speak of: %(terms)s.", terms=", ".join(f"“{term}”" for term in terms)))
    shared = _sector_names(list(explanation.get("shared_sectors") or []))
    if shared:
        lines.append(_("Same sector as the need (%(sectors)s): score raised by %(boost)s.", sectors=shared,
                       boost=format_percent(weights.shared_sector_boost)))
    priority = _sector_names(list(explanation.get("priority_sectors") or []))
    if priority:
        lines.append(_("In a priority sector of the city (%(sectors)s): score raised by %(boost)s.",
                       sectors=priority, boost=format_percent(weights.priority_boost)))
    if explanation.get("trl"):
        factor = explanation.get("readiness_factor")
        line = _readiness(int(explanation["trl"]))
        if factor is not None and factor < 1:
            line += " " + _("Readiness factor %(factor)s.", factor=format_decimal(factor, format="0.00"))
        lines.append(line)
    return lines
