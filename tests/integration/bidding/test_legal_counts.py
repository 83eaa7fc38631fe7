"""The corrected legal counts: R-13, R-12, R-35, R-11 (procurement), R-14, and Beijing days.

Each test sets the test clock to the day the situation happened (tests/clock.py), so it holds
on any date. The dates are real 2026 dates under the State Council's arrangement.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bidding.tendering import clarifications, documents, periods
from disclosure import services as disclosure
from disclosure.notice_types import NoticeType
from supervision import services as supervision
from supervision.verifier import DomainRules
from tests.clock import beijing, set_now
from tests.integration.disclosure.conftest import publish as publish_notice
from trading import clock, db
from trading.errors import UserError
from trading.settings import get_settings

from .conftest import TEST, bearer, make_tender, publish_now, set_deadline
from .test_opening import run_close


def _object(client, scenario) -> object:
    return client.post(f"/api/v1/tenders/{scenario.tender_id}/objections",
                       json={"text": "资格条件排斥潜在投标人"}, headers=bearer(scenario.bidders[0]))


def test_r13_objection_ten_days_before_a_saturday_deadline_is_accepted(client) -> None:
    """R-13 counts the days between the objection and the deadline (R-00a), without rolling:
    2026-10-07 → Saturday 2026-10-17 09:00 is 10 days."""
    set_now(beijing(2026, 10, 7, 15))
    scenario = make_tender()
    publish_now(scenario, beijing(2026, 10, 17, 9))
    answer = _object(client, scenario)
    assert answer.status_code == 201, answer.text


def test_r13_objection_nine_days_before_is_refused(client) -> None:
    set_now(beijing(2026, 10, 8, 9))
    scenario = make_tender()
    publish_now(scenario, beijing(2026, 10, 17, 9))
    answer = _object(client, scenario)
    assert answer.status_code == 409 and answer.json()["title"] == "R-13"
    assert "第二十二条" in answer.json()["detail"] or "Regs §22" in answer.json()["detail"]


def test_r12_clarification_fifteen_days_before_a_saturday_does_not_move_it(database) -> None:
    """R-12: 2026-10-02 → Saturday 2026-10-17 leaves 15 days; the deadline stays."""
    set_now(beijing(2026, 10, 2, 10))
    scenario = make_tender()
    deadline = beijing(2026, 10, 17, 9)
    publish_now(scenario, deadline)
    with db.transaction() as session:
        done = clarifications.clarify(session, TEST, scenario.tender_id, "第 3 章技术参数修改", True)
    assert done.deadline_after == deadline.astimezone(dt.UTC)


def test_r12_one_day_later_moves_it_to_the_next_working_day(database) -> None:
    # 2026-10-03 + 15 = Sunday 10-18: the moved deadline rolls to Monday 10-19, same hour.
    set_now(beijing(2026, 10, 3, 10))
    scenario = make_tender()
    publish_now(scenario, beijing(2026, 10, 17, 9))
    with db.transaction() as session:
        done = clarifications.clarify(session, TEST, scenario.tender_id, "第 3 章技术参数修改", True)
    assert done.deadline_after == beijing(2026, 10, 19, 9).astimezone(dt.UTC)


def test_r35_publicity_ends_at_midnight_of_its_last_day(database) -> None:
    """R-35: published 2026-11-30 14:00, three days → ends at 24:00 (Beijing) of 12-03."""
    set_now(beijing(2026, 11, 30, 14))
    done = publish_notice(NoticeType.CANDIDATE_PUBLICITY)
    with db.read_only() as session:
        notice = disclosure.get_public(session, done.id)
    assert notice.publicity_ends_at == clock.legal_end_of_day_utc(dt.date(2026, 12, 3))
    assert notice.publicity_ends_at > beijing(2026, 12, 3, 23, 59)


def _check(issued: dt.datetime, sale_ends_on: dt.date, category: str) -> None:
    with db.read_only() as session:
        periods.check_periods(session, issued, sale_ends_on, beijing(2026, 12, 21, 10), category)


def test_r11_procurement_documents_are_offered_five_working_days(database) -> None:
    """R-11 (财政部87号令 §18): issued Friday 2026-11-20, five working days end Friday 11-27;
    five calendar days (11-25) are enough for construction only."""
    issued = beijing(2026, 11, 20, 9)
    _check(issued, dt.date(2026, 11, 25), "construction")
    with pytest.raises(UserError) as refused:
        _check(issued, dt.date(2026, 11, 25), "procurement")
    assert refused.value.code == "R-11" and "2026-11-27" in refused.value.message_zh
    assert "工作日" in refused.value.message_zh
    _check(issued, dt.date(2026, 11, 27), "procurement")


def test_legal_days_are_beijing_days_whatever_the_display_zone(database, monkeypatch) -> None:
    """R-10 with GGZY_TIMEZONE=UTC: documents issued 2026-11-03 17:00 UTC are issued on
    Beijing's 11-04, so the earliest deadline is 11-24, not 11-23."""
    monkeypatch.setenv("GGZY_TIMEZONE", "UTC")
    get_settings.cache_clear()
    clock.local_zone.cache_clear()
    try:
        issued = dt.datetime(2026, 11, 3, 17, tzinfo=dt.UTC)
        with pytest.raises(UserError) as refused, db.read_only() as session:
            periods.check_periods(session, issued, dt.date(2026, 11, 10),
                                  beijing(2026, 11, 23, 10), "construction")
        assert refused.value.code == "R-10" and "2026-11-24" in refused.value.message_zh
    finally:
        monkeypatch.delenv("GGZY_TIMEZONE")
        get_settings.cache_clear()
        clock.local_zone.cache_clear()


def _download(client, scenario, **params: str) -> None:
    with db.read_only() as session:
        document = documents.documents_of(session, scenario.tender_id)[0]
    url = f"/bidding/tenders/{scenario.tender_id}/documents/{document.id}"
    assert client.get(url, params=params).status_code == 200


def test_r14_no_log_entry_tells_how_many_downloaded_before_the_deadline(client) -> None:
    set_now(beijing(2026, 10, 9, 10))
    scenario = make_tender()
    publish_now(scenario, beijing(2026, 11, 2, 9))
    _download(client, scenario)
    _download(client, scenario, contact="someone@example.com")
    with db.transaction() as session:
        clarifications.clarify(session, TEST, scenario.tender_id, "第 3 章技术参数修改", True)
    with db.read_only() as session:
        clarified = supervision.entries(session, action="tender.clarified")
    assert len(clarified) == 1
    body = clarified[0].body
    assert "notified" not in body and "2" not in {str(v) for v in body.values()}
    assert len(body["notified_commitment"]) == 64
    answer = client.get(f"/api/v1/tenders/{scenario.tender_id}/downloads",
                        headers=bearer(scenario.staff))
    assert answer.status_code == 403 and answer.json()["title"] == "R-14"

    set_deadline(scenario.tender_id, clock_now_minus_a_moment())
    run_close(scenario)
    with db.read_only() as session:
        revealed = supervision.entries(session, action="tender.downloads_revealed")
        every = supervision.entries(session, limit=10_000)
    assert len(revealed) == 1 and revealed[0].body["downloaders"] == 2
    [item] = revealed[0].body["clarifications"]
    assert item["notified"] == 2
    assert supervision.notified_commitment(item["clarification"], 2, item["salt"]) == \
        body["notified_commitment"]
    rules = DomainRules()
    for entry in every:
        rules.check(entry.seq, {"action": entry.action, "subject": entry.subject,
                                "body": entry.body})
    assert rules.violations == []


def test_r14_the_verifier_catches_a_reveal_that_does_not_open_the_commitment() -> None:
    rules = DomainRules()
    commitment = supervision.notified_commitment("c1", 2, "ab" * 32)
    rules.check(1, {"action": "tender.clarified", "subject": "tender/t",
                    "body": {"clarification": "c1", "notified_commitment": commitment}})
    rules.check(2, {"action": "tender.closed", "subject": "tender/t", "body": {}})
    rules.check(3, {"action": "tender.downloads_revealed", "subject": "tender/t", "body": {
        "clarifications": [{"clarification": "c1", "notified": 3, "salt": "ab" * 32}]}})
    assert len(rules.violations) == 1 and "entry 1" in rules.violations[0]


def clock_now_minus_a_moment() -> dt.datetime:
    with db.read_only() as session:
        return clock.now(session) - dt.timedelta(milliseconds=1)
