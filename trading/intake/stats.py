"""Statistics of the approval center (City §36): applications by item, department and state,
handling time of the decision on receipt in working days (average and worst), overdue ones,
ratings and complaints — for staff and regulators, with a CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from trading import calendar, clock
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
class Statistics:
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
    def biggest(self) -> int:
        return max([1, *(b.count for group in (self.by_item, self.by_department,
                                               self.by_status, self.ratings) for b in group)])


def _bars(counter: Counter[tuple[str, str]]) -> list[Bar]:
    return [Bar(key, label, n) for (key, label), n in
            sorted(counter.items(), key=lambda kv: (-kv[1], kv[0][0]))]


def collect(session: Session) -> Statistics:
    today = clock.legal_day(clock.now(session))
    cal = calendar.calendar_for(session)
    found = list(session.scalars(select(Application).order_by(
        Application.submitted_at.desc()).limit(MAX_ROWS)))
    first_decision: dict[object, dt.datetime] = {}
    for application_id, kind, issued_at in session.execute(select(
            Notice.application_id, Notice.kind, Notice.issued_at).order_by(Notice.issued_at)):
        if kind in DECIDED:
            first_decision.setdefault(application_id, issued_at)
    result = Statistics(total=len(found))
    items: Counter[tuple[str, str]] = Counter()
    departments: Counter[tuple[str, str]] = Counter()
    states: Counter[tuple[str, str]] = Counter()
    spans: list[int] = []
    for a in found:
        items[(a.item.code, a.item.name)] += 1
        departments[(a.item.department.code, a.item.department.name_zh)] += 1
        states[(a.status, a.status)] += 1
        received = clock.legal_day(a.submitted_at)
        decided = first_decision.get(a.id)
        if decided is not None:
            spans.append(max(0, cal.working_days_between(received, clock.legal_day(decided))))
        elif a.status == "deemed_accepted" and a.decision_due_day is not None:
            spans.append(max(0, cal.working_days_between(received, a.decision_due_day)))
        if a.status == "deemed_accepted" or (
                a.status == "received" and a.decision_due_day is not None
                and a.decision_due_day < today):
            result.overdue += 1
    result.by_item, result.by_department = _bars(items), _bars(departments)
    result.by_status = _bars(states)
    result.decided = len(spans)
    if spans:
        result.average_days = round(sum(spans) / len(spans), 1)
        result.worst_days = max(spans)
    levels = Counter(session.scalars(select(Rating.level)))
    result.ratings = [Bar(level.value, level.value, levels.get(level.value, 0))
                      for level in RatingLevel]
    result.rated = sum(levels.values())
    if result.rated:
        result.average_score = round(sum(SCORES[k] * n for k, n in levels.items()
                                         if k in SCORES) / result.rated, 2)
        good = levels.get(RatingLevel.VERY_SATISFIED.value, 0) + levels.get(
            RatingLevel.SATISFIED.value, 0)
        result.satisfied_percent = round(100 * good / result.rated, 1)
    for status, due in session.execute(select(Complaint.status, Complaint.answer_due_day)):
        result.complaints += 1
        if status != ComplaintStatus.ANSWERED.value:
            result.complaints_open += 1
            if due < today:
                result.complaints_overdue += 1
    return result


def _cell(value: object) -> str:
    """A spreadsheet must not run a name as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(stats: Statistics, labels: dict[str, str]) -> str:
    """One table: section, key, name, count (states and rating levels by label)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["分类", "编码", "名称", "数量"])
    for section, bars, labelled in (("事项", stats.by_item, False),
                                    ("部门", stats.by_department, False),
                                    ("状态", stats.by_status, True),
                                    ("评价", stats.ratings, True)):
        for bar in bars:
            name = labels.get(bar.key, bar.label) if labelled else bar.label
            writer.writerow([section, "" if labelled else _cell(bar.key), _cell(name), bar.count])
    for name, value in (("申请总数", stats.total), ("已作出受理决定", stats.decided),
                        ("平均办理用时（工作日）", stats.average_days),
                        ("最长办理用时（工作日）", stats.worst_days), ("逾期", stats.overdue),
                        ("满意率（%）", stats.satisfied_percent), ("投诉", stats.complaints),
                        ("未答复投诉", stats.complaints_open),
                        ("逾期未答复投诉", stats.complaints_overdue)):
        writer.writerow(["汇总", "", name, "" if value is None else value])
    return out.getvalue()
