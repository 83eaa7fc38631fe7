"""The legal periods of a tender (R-10..R-13), counted by R-00a in Beijing days.

Two kinds of count:

- A minimum period that *ends* on a day (R-10: 20 days from the issue of the documents to the
  deadline; R-11: 5 days on sale, 5 working days in government procurement): the start day is
  not counted, and a period ending on a rest day ends on the next working day. Computed by
  ``trading.calendar_years.period_end``; when the answer rests on a provisional year, the
  tender relies on it (``rely_on``) and is re-checked once the year is confirmed.
- An act that must come at least N days *before* a fixed deadline (R-12: a clarification 15
  days, R-13: an objection 10 days): the days between the act and the deadline, the act's own
  day not counted (``trading.calendar.days_before``). The deadline does not move, so nothing
  rolls; only when a late clarification moves the deadline does the new one roll (R-12).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from bidding.models import Tender
from trading import calendar, calendar_years, clock
from trading.calendar_years import Period, PeriodEnd
from trading.errors import UserError

MIN_DAYS_TO_DEADLINE = 20
MIN_SALE_DAYS = 5
MIN_CLARIFICATION_DAYS = 15
MIN_OBJECTION_DAYS = 10
OBJECTION_ANSWER_DAYS = 3
PROCUREMENT = "procurement"  # the category whose sale period counts working days


def _provisional_note(end: PeriodEnd) -> tuple[str, str]:
    if not end.provisional:
        return "", ""
    years = "、".join(str(y) for y in sorted(end.provisional_years))
    return (f"（{years} 年节假日安排尚未确认，按临时日历计算）",
            f" ({years} not confirmed yet: computed on the provisional calendar)")


def deadline_period(issue_day: dt.date) -> Period:
    return Period("R-10", issue_day, MIN_DAYS_TO_DEADLINE)


def sale_period(issue_day: dt.date, category: str) -> Period:
    return Period("R-11", issue_day, MIN_SALE_DAYS, working_days=category == PROCUREMENT)


def check_periods(session: Session, issued_at: dt.datetime, sale_ends_on: dt.date,
                  deadline: dt.datetime, category: str) -> list[tuple[Period, PeriodEnd]]:
    """R-10 and R-11 for a tender whose documents are issued at ``issued_at``."""
    issue_day = clock.legal_day(issued_at)
    cal = calendar.calendar_for(session)
    r10 = deadline_period(issue_day)
    earliest = calendar_years.period_end(session, r10, cal)
    zh, en = _provisional_note(earliest)
    if clock.legal_day(deadline) < earliest.end:
        raise UserError(
            f"自招标文件发出之日至投标截止不得少于 20 日（《中华人民共和国招标投标法》第二十四条），"
            f"截止日期最早为 {earliest.end}{zh}",
            "At least 20 days from the issue of the documents to the deadline (Tendering and "
            "Bidding Law, Art. 24); "
            f"the earliest deadline is {earliest.end}{en}", field="deadline", code="R-10",
        )
    r11 = sale_period(issue_day, category)
    sale_min = calendar_years.period_end(session, r11, cal)
    zh, en = _provisional_note(sale_min)
    if sale_ends_on < sale_min.end:
        if r11.working_days:
            raise UserError(
                f"政府采购招标文件提供期限不得少于 5 个工作日（财政部令第 87 号第十八条），"
                f"提供截止最早为 {sale_min.end}{zh}",
                "Government procurement documents are offered for at least 5 working days "
                f"(MOF Order No. 87, Art. 18); the offer ends no earlier than {sale_min.end}{en}",
                field="sale_ends_on", code="R-11")
        raise UserError(
            f"招标文件发售期不得少于 5 日（《招标投标法实施条例》第十六条），"
            f"发售截止最早为 {sale_min.end}{zh}",
            "Documents are on sale for at least 5 days (Regulations on the Tendering and "
            "Bidding Law, Art. 16); the sale ends no "
            f"earlier than {sale_min.end}{en}", field="sale_ends_on", code="R-11",
        )
    if clock.legal_end_of_day_utc(sale_ends_on) > deadline:
        raise UserError("发售截止不得晚于投标截止", "The sale cannot end after the deadline",
                        field="sale_ends_on")
    return [(r10, earliest), (r11, sale_min)]


def rely_on_periods(session: Session, tender: Tender,
                    checked: list[tuple[Period, PeriodEnd]] | None = None) -> None:
    """Record the tender's R-10 and R-11 periods against the calendar (re-checked when a
    provisional year they rest on is confirmed). ``checked``: the ends ``check_periods`` just
    computed for this tender, so that publishing does not compute them twice."""
    assert tender.documents_issued_at is not None and tender.deadline is not None
    assert tender.sale_ends_at is not None
    if checked is None:
        issue_day = clock.legal_day(tender.documents_issued_at)
        checked = [(p, calendar_years.period_end(session, p))
                   for p in (deadline_period(issue_day), sale_period(issue_day, tender.category))]
    chosen = {"R-10": clock.legal_day(tender.deadline), "R-11": clock.legal_day(tender.sale_ends_at)}
    labels = {"R-10": ("投标截止", "bid deadline"), "R-11": ("招标文件发售截止", "end of sale")}
    for period, end in checked:
        zh, en = labels[period.rule]
        calendar_years.rely_on(session, f"tender/{tender.id}", period, end, chosen[period.rule],
                               f"「{tender.title}」{zh}", f"'{tender.title}' {en}", "staff")


def deadline_after_clarification(
        session: Session, now: dt.datetime, deadline: dt.datetime, affects: bool,
        requested: dt.datetime | None) -> tuple[dt.datetime, tuple[Period, PeriodEnd] | None]:
    """R-12: a clarification affecting bid preparation comes at least 15 days before the
    deadline (counted from the day after the clarification); otherwise the deadline moves.
    Returns the deadline, and the R-12 period when it moved (to rely on)."""
    target = requested or deadline
    if requested is not None and requested < deadline:
        raise UserError("澄清不能提前投标截止时间", "A clarification cannot advance the deadline",
                        field="new_deadline")
    today = clock.legal_day(now)
    if not affects or calendar.days_before(today, clock.legal_day(target)) >= MIN_CLARIFICATION_DAYS:
        return target, None
    r12 = Period("R-12", today, MIN_CLARIFICATION_DAYS)
    earliest = calendar_years.period_end(session, r12)
    if requested is not None:
        zh, en = _provisional_note(earliest)
        raise UserError(
            f"澄清或修改距投标截止不足 15 日（《中华人民共和国招标投标法》第二十三条），截止日期最早为 "
            f"{earliest.end}{zh}",
            "The clarification comes less than 15 days before the deadline (Tendering and "
            "Bidding Law, Art. 23); "
            f"the deadline must be on or after {earliest.end}{en}", field="new_deadline",
            code="R-12",
        )
    # Same time of day, on the first day that leaves 15 days (R-12: the deadline moves).
    return clock.at_legal_time(earliest.end, deadline), (r12, earliest)


def check_objection_time(now: dt.datetime, deadline: dt.datetime) -> None:
    """R-13 (Regs §22): objections to the documents at least 10 days before the deadline."""
    if calendar.days_before(clock.legal_day(now), clock.legal_day(deadline)) >= MIN_OBJECTION_DAYS:
        return
    raise UserError(
        f"对招标文件的异议应在投标截止时间 10 日前提出（《招标投标法实施条例》第二十二条；"
        f"截止时间 {clock.format_local(deadline)}，服务器时间 {clock.format_local(now)}）",
        "Objections are due at least 10 days before the deadline (Regulations on the "
        "Tendering and Bidding Law, Art. 22; deadline "
        f"{clock.format_local(deadline)}, server time {clock.format_local(now)})",
        status=409, code="R-13",
    )


def objection_answer_due(session: Session, now: dt.datetime) -> dt.datetime:
    """R-13: the tenderee answers within 3 days: 24:00 (Beijing) of the last day."""
    end = calendar_years.period_end(session, Period("R-13", clock.legal_day(now),
                                                    OBJECTION_ANSWER_DAYS))
    return clock.legal_end_of_day_utc(end.end)
