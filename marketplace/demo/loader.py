"""Loading the demo content idempotently: every record is found by its natural key before it is created."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from marketplace.auth import services as accounts
from marketplace.extensions import db
from marketplace.models import (
    Need,
    NeedStatus,
    NeedVisibility,
    Organization,
    OrganizationKind,
    Role,
    Sector,
    Technology,
    TechnologyStatus,
    User,
)
from marketplace.models.base import utcnow
from matching.text import slugify

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass
class DemoAccount:
    role: Role
    email: str
    full_name: str
    organization: str | None  # short name in organizations.json


DEMO_ACCOUNTS = [
    DemoAccount(Role.FIRM, "doanhnghiep@demo.example", "Trần Thị Thu Hà", "firm:0"),
    DemoAccount(Role.RESEARCHER, "nhakhoahoc@demo.example", "TS. Phạm Minh Đức", "institute:IMER"),
    DemoAccount(Role.STAFF, "canbo@demo.example", "Nguyễn Văn Hùng", "department"),
    DemoAccount(Role.ADMIN, "quantri@demo.example", "Lê Thị Mai Anh", "department"),
]


@dataclass
class DemoReport:
    created: dict[str, int] = field(default_factory=dict)
    accounts: list[tuple[Role, str]] = field(default_factory=list)

    def count(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1


class DemoDataError(Exception):
    pass


def _read(name: str) -> Any:
    with open(DATA_DIR / name, encoding="utf-8") as handle:
        return json.load(handle)


def _upsert_organization(kind: OrganizationKind, data: dict[str, Any], report: DemoReport) -> Organization:
    organization = db.session.scalar(
        sa.select(Organization).where(Organization.kind == kind, Organization.name == data["name"])
    )
    if organization is None:
        organization = Organization(kind=kind, name=data["name"])
        db.session.add(organization)
        report.count(f"organization:{kind}")
    for key in ("name_en", "short_name", "tax_code", "address", "website"):
        if key in data:
            setattr(organization, key, data[key])
    return organization


def _sectors(slugs: list[str], by_slug: dict[str, Sector], where: str) -> list[Sector]:
    missing = [slug for slug in slugs if slug not in by_slug]
    if missing:
        raise DemoDataError(f"{where}: unknown sector(s) {', '.join(missing)}")
    return [by_slug[slug] for slug in slugs]


def load_demo(password: str) -> DemoReport:
    """Fill the database with the demo content; running it again creates nothing new.

    :param password: the password of the demo accounts (set only when an account is created).
    :raises DemoDataError: when the sector taxonomy is missing (migrations not run) or the data do not resolve.
    """
    report = DemoReport()
    by_slug = {sector.slug: sector for sector in db.session.scalars(sa.select(Sector))}
    if not by_slug:
        raise DemoDataError("The sector taxonomy is missing: run `flask db upgrade` first.")

    organizations = _read("organizations.json")
    department = _upsert_organization(OrganizationKind.DEPARTMENT, organizations["department"], report)
    institutes = {
        data["short_name"]: _upsert_organization(OrganizationKind.INSTITUTE, data, report)
        for data in organizations["institutes"]
    }
    firms = {data["short_name"]: _upsert_organization(OrganizationKind.FIRM, data, report)
             for data in organizations["firms"]}
    db.session.flush()

    first_firm = next(iter(firms.values()))
    users: dict[Role, User] = {}
    for account in DEMO_ACCOUNTS:
        if account.organization == "department":
            organization = department
        elif account.organization == "firm:0":
            organization = first_firm
        else:
            organization = institutes[account.organization.split(":", 1)[1]]
        user = accounts.find_user_by_email(account.email)
        if user is None:
            user = accounts.create_user(email=account.email, password=password, full_name=account.full_name,
                                        role=account.role, organization=organization)
            report.count("user")
        users[account.role] = user
        report.accounts.append((account.role, account.email))

    researcher = users[Role.RESEARCHER]
    now = utcnow()
    for data in _read("technologies.json"):
        technology = db.session.scalar(sa.select(Technology).where(Technology.code == data["code"]))
        if technology is None:
            technology = Technology(code=data["code"], status=TechnologyStatus.PUBLISHED, published_at=now,
                                    confirmed_at=now)
            db.session.add(technology)
            report.count("technology")
        institute = institutes.get(data["institute"])
        if institute is None:
            raise DemoDataError(f"{data['code']}: unknown institute {data['institute']}")
        technology.institute = institute
        technology.owner = researcher if institute.id == researcher.organization_id else None
        technology.title = data["title"]
        technology.slug = slugify(data["title"])
        technology.sectors = _sectors(data["sectors"], by_slug, data["code"])
        technology.set_contact(data.get("contact"))
        for key in ("title_en", "summary", "description", "description_en", "keywords", "trl", "transfer_modes",
                    "price_min", "price_max", "price_negotiable", "ip_status", "applications",
                    "confidential_details", "confidential_price_terms"):
            if key in data:
                setattr(technology, key, data[key])

    firm_user = users[Role.FIRM]
    for data in _read("needs.json"):
        need = db.session.scalar(sa.select(Need).where(Need.code == data["code"]))
        if need is None:
            need = Need(code=data["code"])
            db.session.add(need)
            report.count("need")
        firm = firms.get(data["firm"])
        if firm is None:
            raise DemoDataError(f"{data['code']}: unknown firm {data['firm']}")
        need.firm = firm
        need.author = firm_user if firm.id == firm_user.organization_id else None
        need.sectors = _sectors(data["sectors"], by_slug, data["code"])
        need.visibility = NeedVisibility(data.get("visibility", "anonymous"))
        need.status = NeedStatus(data.get("status", "open"))
        need.set_contact(data.get("contact"))
        for key in ("title", "description", "desired_outcome", "budget_min", "budget_max", "timeline", "location"):
            if key in data:
                setattr(need, key, data[key])
    db.session.flush()
    return report
