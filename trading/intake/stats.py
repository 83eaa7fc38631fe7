"""Statistics of the approval center (City §36): applications by item, department and state,
handling time of the decision on receipt in working days (average and worst), paused time
(working days inside excluded periods, R-06), overdue ones, ratings and complaints — for staff
(their own regions) and regulators (every region, or one), with a CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from trading import calendar, clock
from trading.errors import UserError
from trading.intake import regions
from trading.intake.completion_models import Completion, PausedPeriod
from trading.intake.feedback_models import SCORES, Complaint, ComplaintStatus, Rating, RatingLevel
from trading.intake.models import Application, Notice, NoticeKind

MAX_ROWS = 20000  # applications read for one dashboard; more is a reporting job, not a page
DECIDED = frozenset({NoticeKind.ACCEPTANCE.value, NoticeKind.REFUSAL.value})


@dataclass(frozen=True)
class Bar:
    key: str  # a code shown through a label (a state) or a name as is
    label: str
    count: int


@dataclass
class TimeRow:
    """Handling and paused time of one item or department, in working days."""

    key: str
    label: str
    applications: int = 0
    spans: list[int] = field(default_factory=list)  # receipt to the decision on receipt
    accepted: int = 0  # with a completion clock, the ones that can be paused
    paused_days: int = 0

    @property
    def average_days(self) -> float | None:
        return round(sum(self.spans) / len(self.spans), 1) if self.spans else None

    @property
    def paused_average(self) -> float | None:
        return round(self.paused_days / self.accepted, 1) if self.accepted else None


@dataclass
class Statistics:
    region: str = ""  # the region code filtered on, or "" for every region the user sees
    time_by_item: list[TimeRow] = field(default_factory=list)
    time_by_department: list[TimeRow] = field(default_factory=list)
    paused_days: int = 0
    accepted: int = 0
    total: int = 0
    by_item: list[Bar] = field(default_factory=list)
    by_department: list[Bar] = field(default_factory=list)
    by_status: list[Bar] = field(default_factory=list)
    decided: int = 0
    average_days: float | None = None
    worst_days: int | None = None
    overdue: int = 0  # waiting past the limit, or counted accepted because the limit passed
    ratings: list[Bar] = field(default_factory=list)
    rated: int = 0
    average_score: float | None = None
    satisfied_percent: float | None = None
    complaints: int = 0
    complaints_open: int = 0
    complaints_overdue: int = 0

    @property
    def paused_average(self) -> float | None:
        return round(self.paused_days / self.accepted, 1) if self.accepted else None

    @property
    def biggest(self) -> int:
        return max([1, *(b.count for group in (self.by_item, self.by_department,
                                               self.by_status, self.ratings) for b in group)])


def _bars(counter: Counter[tuple[str, str]]) -> list[Bar]:
    return [Bar(key, label, n) for (key, label), n in
            sorted(counter.items(), key=lambda kv: (-kv[1], kv[0][0]))]


def scope(session: Session, seen: frozenset[uuid.UUID] | None,
          region_code: str) -> frozenset[uuid.UUID] | None:
    """The regions counted: the user's (None = all), narrowed to ``region_code`` if given."""
    if not region_code:
        return seen
    region = regions.by_code(session, region_code)
    if region is None:
        raise UserError("未知的地区", "Unknown region", field="region")
    return frozenset({region.id}) & seen if seen is not None else frozenset({region.id})


def _within(query: Select, counted: frozenset[uuid.UUID] | None) -> Select:  # type: ignore[type-arg]
    return query if counted is None else query.where(regions.of_applications(counted))


def paused_days(session: Session, application_ids: list[uuid.UUID],
                today: dt.date) -> dict[uuid.UUID, int]:
    """Working days inside excluded periods (R-06), each period from its start day through its
    end day (an open one through today), each day counted once per application."""
    cal = calendar.calendar_for(session)
    days: dict[uuid.UUID, set[dt.date]] = {}
    for chunk in range(0, len(application_ids), 500):
        for period in session.scalars(select(PausedPeriod).where(
                PausedPeriod.application_id.in_(application_ids[chunk:chunk + 500]))):
            day, end = period.started_day, period.ended_day or today
            while day <= end:
                if cal.is_working_day(day):
                    days.setdefault(period.application_id, set()).add(day)
                day += dt.timedelta(days=1)
    return {key: len(found) for key, found in days.items()}


def _time_rows(rows: dict[str, TimeRow]) -> list[TimeRow]:
    return sorted(rows.values(), key=lambda r: (-r.applications, r.key))


def collect(session: Session, seen: frozenset[uuid.UUID] | None = None,
            region_code: str = "", lang: str = "zh-CN") -> Statistics:
    """The statistics of the regions ``seen`` (None: all), or of the one of ``region_code``;
    departments named in ``lang``."""
    counted = scope(session, seen, region_code)
    today = clock.legal_day(clock.now(session))
    cal = calendar.calendar_for(session)
    found = list(session.scalars(_within(select(Application), counted).order_by(
        Application.submitted_at.desc()).limit(MAX_ROWS)))
    first_decision: dict[object, dt.datetime] = {}
    for application_id, kind, issued_at in session.execute(select(
            Notice.application_id, Notice.kind, Notice.issued_at).order_by(Notice.issued_at)):
        if kind in DECIDED:
            first_decision.setdefault(application_id, issued_at)
    ids = [a.id for a in found]
    accepted = set(session.scalars(select(Completion.application_id))) & set(ids)
    paused = paused_days(session, ids, today)
    result = Statistics(total=len(found), region=region_code if counted is not None else "")
    items: Counter[tuple[str, str]] = Counter()
    departments: Counter[tuple[str, str]] = Counter()
    states: Counter[tuple[str, str]] = Counter()
    by_item: dict[str, TimeRow] = {}
    by_department: dict[str, TimeRow] = {}
    spans: list[int] = []
    for a in found:
        items[(a.item.code, a.item.name)] += 1
        departments[(a.item.department.code, a.item.department.name(lang))] += 1
        states[(a.status, a.status)] += 1
        rows = (by_item.setdefault(a.item.code, TimeRow(a.item.code, a.item.name)),
                by_department.setdefault(a.item.department.code, TimeRow(
                    a.item.department.code, a.item.department.name(lang))))
        received = clock.legal_day(a.submitted_at)
        decided = first_decision.get(a.id)
        span = None
        if decided is not None:
            span = max(0, cal.working_days_between(received, clock.legal_day(decided)))
        elif a.status == "deemed_accepted" and a.decision_due_day is not None:
            span = max(0, cal.working_days_between(received, a.decision_due_day))
        if span is not None:
            spans.append(span)
        for row in rows:
            row.applications += 1
            row.spans.extend([span] if span is not None else [])
            row.accepted += a.id in accepted
            row.paused_days += paused.get(a.id, 0)
        if a.status == "deemed_accepted" or (
                a.status == "received" and a.decision_due_day is not None
                and a.decision_due_day < today):
            result.overdue += 1
    result.by_item, result.by_department = _bars(items), _bars(departments)
    result.by_status = _bars(states)
    result.time_by_item, result.time_by_department = _time_rows(by_item), _time_rows(by_department)
    result.accepted, result.paused_days = len(accepted), sum(paused.values())
    result.decided = len(spans)
    if spans:
        result.average_days = round(sum(spans) / len(spans), 1)
        result.worst_days = max(spans)
    levels = Counter(session.scalars(_within(select(Rating.level).join(
        Application, Application.id == Rating.application_id), counted)))
    result.ratings = [Bar(level.value, level.value, levels.get(level.value, 0))
                      for level in RatingLevel]
    result.rated = sum(levels.values())
    if result.rated:
        result.average_score = round(sum(SCORES[k] * n for k, n in levels.items()
                                         if k in SCORES) / result.rated, 2)
        good = levels.get(RatingLevel.VERY_SATISFIED.value, 0) + levels.get(
            RatingLevel.SATISFIED.value, 0)
        result.satisfied_percent = round(100 * good / result.rated, 1)
    _complaints(session, result, counted, today)
    return result


def _complaints(session: Session, result: Statistics, counted: frozenset[uuid.UUID] | None,
                today: dt.date) -> None:
    """Complaints about the regions' applications (all, with those about the service at
    large, when no region narrows them)."""
    query = select(Complaint.status, Complaint.answer_due_day)
    if counted is not None:
        query = query.where(Complaint.application_id.in_(
            select(Application.id).where(regions.of_applications(counted))))
    for status, due in session.execute(query):
        result.complaints += 1
        if status != ComplaintStatus.ANSWERED.value:
            result.complaints_open += 1
            if due < today:
                result.complaints_overdue += 1


def _cell(value: object) -> str:
    """A spreadsheet must not run a name as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(stats: Statistics, labels: dict[str, str]) -> str:
    """One table: section, key, name, count (states and rating levels by label), and for items
    and departments the average handling time and the paused working days (total, average)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["分类", "编码", "名称", "数量", "平均办理用时（工作日）",
                     "暂停计时合计（工作日）", "平均暂停计时（工作日）"])
    for section, rows in (("事项", stats.time_by_item), ("部门", stats.time_by_department)):
        for row in rows:
            writer.writerow([section, _cell(row.key), _cell(row.label), row.applications,
                             _blank(row.average_days), row.paused_days,
                             _blank(row.paused_average)])
    for section, bars in (("状态", stats.by_status), ("评价", stats.ratings)):
        for bar in bars:
            writer.writerow([section, "", _cell(labels.get(bar.key, bar.label)), bar.count,
                             "", "", ""])
    for name, value in (("申请总数", stats.total), ("已作出受理决定", stats.decided),
                        ("平均办理用时（工作日）", stats.average_days),
                        ("最长办理用时（工作日）", stats.worst_days),
                        ("暂停计时合计（工作日）", stats.paused_days),
                        ("平均暂停计时（工作日）", stats.paused_average), ("逾期", stats.overdue),
                        ("满意率（%）", stats.satisfied_percent), ("投诉", stats.complaints),
                        ("未答复投诉", stats.complaints_open),
                        ("逾期未答复投诉", stats.complaints_overdue)):
        writer.writerow(["汇总", "", name, _blank(value), "", "", ""])
    return out.getvalue()


def _blank(value: object) -> object:
    return "" if value is None else value
