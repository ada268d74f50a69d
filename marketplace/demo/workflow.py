"""The Department's work on the demo content: rounds, and matches taken to every stage of their lifecycle through the
same services staff and parties use, so that each page and report has something to show and every step has its
audit event. Runs once: a database where staff already decided a match is left alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.matches import lifecycle
from marketplace.matches.lifecycle import Outcome
from marketplace.models import (
    DeclineReason,
    Match,
    MatchOrigin,
    MatchStatus,
    Need,
    NeedStatus,
    Organization,
    Role,
    Round,
    Technology,
    TransferMode,
    User,
)
from marketplace.models.base import utcnow

STAGES = MatchStatus


@dataclass(frozen=True)
class DemoStep:
    """A demo need's best suggestion and the stages staff move it through, with what the last step records."""

    need: str
    path: tuple[MatchStatus, ...]
    outcome: Outcome = Outcome()
    firm_answer: bool | None = None  # the firm accepts (True) or declines (False) the introduction
    researcher_answer: bool | None = None
    #: how long ago staff approved it (reports by period, check-in reminders)
    approved_days_ago: int = 0
    #: the best suggestion from this institute (short name) rather than the best overall
    institute: str | None = None


_SIGNED = (STAGES.APPROVED, STAGES.CONTACTED, STAGES.MEETING_SCHEDULED, STAGES.NEGOTIATING, STAGES.AGREEMENT_SIGNED)

STEPS = (
    DemoStep("NC-2026-001", (STAGES.APPROVED,), Outcome(note="Đúng nhu cầu, công nghệ đã ứng dụng tại cảng.")),
    DemoStep("NC-2026-002", (STAGES.APPROVED,), firm_answer=True),
    DemoStep("NC-2026-010", _SIGNED, Outcome(note="Hai bên thống nhất chuyển giao theo hình thức li-xăng.",
                                             transfer_mode=TransferMode.LICENSE, contract_value=1_850_000_000,
                                             signed_on=date.today() - timedelta(days=12)),
             firm_answer=True, approved_days_ago=150),
    DemoStep("NC-2026-005", (STAGES.APPROVED, STAGES.CONTACTED), firm_answer=True, approved_days_ago=100),
    DemoStep("NC-2026-006", (STAGES.APPROVED, STAGES.CONTACTED, STAGES.MEETING_SCHEDULED), approved_days_ago=40),
    DemoStep("NC-2026-007", (STAGES.APPROVED, STAGES.CONTACTED, STAGES.MEETING_SCHEDULED, STAGES.NEGOTIATING),
             Outcome(note="Doanh nghiệp đề nghị thử nghiệm 3 tháng trước khi ký hợp đồng."), approved_days_ago=70),
    DemoStep("NC-2026-017", _SIGNED, Outcome(note="Chuyển giao trọn gói, bao gồm đào tạo vận hành.",
                                             transfer_mode=TransferMode.TURNKEY, contract_value=3_200_000_000,
                                             signed_on=date.today() - timedelta(days=30)), approved_days_ago=200),
    DemoStep("NC-2026-009", (STAGES.APPROVED, STAGES.CONTACTED, STAGES.CLOSED_NO_DEAL),
             Outcome(reason=DeclineReason.TOO_EXPENSIVE,
                     note="Chi phí đầu tư vượt khả năng cân đối vốn của doanh nghiệp trong năm 2026."),
             approved_days_ago=120),
    # The crane simulator need has no fitting technology in the catalogue: its best suggestion is turned down.
    DemoStep("NC-2026-004", (STAGES.REJECTED,), Outcome(note="Công nghệ được gợi ý không phải hệ thống mô phỏng "
                                                             "huấn luyện lái cần trục như doanh nghiệp cần.")),
    DemoStep("NC-2026-031", (STAGES.APPROVED,), firm_answer=False,
             outcome=Outcome(reason=DeclineReason.ALREADY_SOLVED,
                             note="Cảng đã ký hợp đồng kiểm định với một đơn vị khác trong tháng 10/2026.")),
    DemoStep("NC-2026-011", (STAGES.APPROVED, STAGES.CONTACTED), approved_days_ago=20),
    DemoStep("NC-2026-012", (STAGES.APPROVED,), approved_days_ago=95),
    # Introductions to the demo researcher's institute: one answered, one awaiting the researcher's answer.
    DemoStep("NC-2026-003", (STAGES.APPROVED, STAGES.CONTACTED), researcher_answer=True, institute="IMER",
             approved_days_ago=15),
    DemoStep("NC-2026-035", (STAGES.APPROVED,), institute="IMER"),
)

#: Rounds of the demo: one closed (its needs kept), one open for another month.
ROUNDS = (
    {"name": "Đợt 2 năm 2026 – công nghệ của Viện Hàn lâm KH&CN Việt Nam",
     "legal_reference": "Công văn số 1835/SKHCN-QLCN ngày 12/8/2026 của Sở Khoa học và Công nghệ",
     "scope": "Danh mục 48 công nghệ sẵn sàng chuyển giao gửi kèm Công văn số 2105/VHL-ƯDCN của Viện Hàn lâm Khoa "
              "học và Công nghệ Việt Nam.",
     "opens_days": -100, "deadline_days": -10, "needs": ("NC-2026-001", "NC-2026-004", "NC-2026-009",
                                                          "NC-2026-010", "NC-2026-017")},
    {"name": "Đợt 1 năm 2027 – kết nối cung – cầu công nghệ",
     "legal_reference": "Công văn số 2410/SKHCN-QLCN ngày 02/11/2026 của Sở Khoa học và Công nghệ",
     "scope": "Danh mục công nghệ của các viện thuộc Viện Hàn lâm KH&CN Việt Nam đã công bố trên Sàn.",
     "opens_days": -20, "deadline_days": 30, "needs": ("NC-2026-002", "NC-2026-005", "NC-2026-006",
                                                        "NC-2026-007", "NC-2026-011", "NC-2026-012")},
)


def _best_suggestion(need: Need, institute: str | None) -> Match | None:
    stmt = (sa.select(Match).join(Technology, Technology.id == Match.technology_id)
            .where(Match.need_id == need.id, Match.status == MatchStatus.SUGGESTED,
                   Match.origin == MatchOrigin.MATCHER).order_by(Match.score.desc(), Match.id).limit(1))
    if institute is not None:
        stmt = stmt.join(Organization, Organization.id == Technology.institute_id).where(
            Organization.short_name == institute)
    return db.session.scalar(stmt)


def run_demo_workflow() -> int:
    """Open the demo rounds and take the demo matches through their lifecycle; returns how many matches moved.
    Flushes. Nothing happens when staff already decided a match."""
    if db.session.scalar(sa.select(Match.id).where(Match.decided_at.is_not(None)).limit(1)) is not None:
        return 0
    staff = db.session.scalar(sa.select(User).where(User.role == Role.STAFF).order_by(User.id).limit(1))
    if staff is None:
        return 0
    now = utcnow()
    needs = {need.code: need for need in db.session.scalars(sa.select(Need).where(Need.status == NeedStatus.OPEN))}
    for data in ROUNDS:
        proposal_round = db.session.scalar(sa.select(Round).where(Round.name == data["name"]))
        if proposal_round is None:
            proposal_round = Round(name=data["name"], legal_reference=data["legal_reference"], scope=data["scope"],
                                   opens_at=now + timedelta(days=data["opens_days"]),
                                   deadline=now + timedelta(days=data["deadline_days"]), created_by=staff)
            db.session.add(proposal_round)
            db.session.flush()
        for code in data["needs"]:
            if code in needs:
                needs[code].round = proposal_round
                db.session.execute(sa.update(Match).where(Match.need_id == needs[code].id)
                                   .values(round_id=proposal_round.id))
    moved = 0
    for step in STEPS:
        need = needs.get(step.need)
        match = _best_suggestion(need, step.institute) if need is not None else None
        if match is None:
            continue
        for stage in step.path:
            last = stage == step.path[-1]
            lifecycle.move(match, stage, staff, step.outcome if last or stage == STAGES.REJECTED else Outcome())
            if stage == STAGES.APPROVED:
                _answer(match, step)
        if step.approved_days_ago:
            match.decided_at = now - timedelta(days=step.approved_days_ago)
        moved += 1
    db.session.flush()
    _demo_session(staff)
    return moved


def _demo_session(staff: User) -> None:
    """An upcoming matchmaking session of the open round, with the matches already at the meeting or negotiating
    stage invited and planned by the scheduler."""
    from marketplace.matchmaking import services as sessions

    open_round = db.session.scalar(sa.select(Round).where(Round.name == ROUNDS[-1]["name"]))
    event = sessions.create_event(sessions.EventPlan(
        name="Phiên kết nối cung – cầu công nghệ Techfest Hải Phòng 2026", held_on=date.today() + timedelta(days=12),
        place="Trung tâm Hội nghị thành phố, số 18 Hoàng Diệu, phường Hồng Bàng, Hải Phòng",
        description="Phiên gặp gỡ trực tiếp giữa doanh nghiệp và các nhà khoa học của Viện Hàn lâm Khoa học và "
                    "Công nghệ Việt Nam, trong khuôn khổ Ngày hội Khởi nghiệp đổi mới sáng tạo thành phố.",
        round_id=open_round.id if open_round is not None else None, first_start=time(8, 30), minutes=30,
        break_minutes=5, slots=6, tables=4), staff)
    ready = db.session.scalars(sa.select(Match.id).where(
        Match.status.in_((STAGES.MEETING_SCHEDULED, STAGES.NEGOTIATING))).order_by(Match.id)).all()
    if ready:
        sessions.invite(event, list(ready), staff)
        sessions.plan(event, staff)


def _answer(match: Match, step: DemoStep) -> None:
    """The parties' answers, given by their own accounts where the demo has one."""
    for answer, user in ((step.firm_answer, match.need.author), (step.researcher_answer, match.technology.owner)):
        if answer is None or user is None:
            continue
        outcome = step.outcome
        lifecycle.respond(match, user, accept=answer, reason=None if answer else outcome.reason,
                          comment=None if answer else outcome.note)
