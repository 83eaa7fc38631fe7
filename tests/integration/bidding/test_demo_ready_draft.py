"""The demo's draft ready to publish: what a person tries after ``GGZY_TEST_NOW=... make run``.

Published on (test-clock) 2026-12-13 with a deadline in January 2027, a year whose holiday
arrangement nobody has confirmed: it publishes, marked provisional, and the admin is asked to
enter the year (docs/calendar.md).
"""

from __future__ import annotations

from sqlalchemy import func, select

from bidding import demo as bidding_demo
from bidding import lookup
from bidding.models import Tender
from supervision import services as supervision
from tests.clock import beijing, set_now
from tests.integration.trading.conftest import csrf_token, login
from trading import calendar_years, db, demo
from trading.accounts.models import User

from .conftest import bearer


def test_staff_publish_the_demo_draft_into_a_provisional_year(client) -> None:
    set_now(beijing(2026, 12, 13, 10))
    for _ in range(2):  # idempotent: one ready draft
        with db.transaction() as session:
            logins = demo.seed(session)
    with db.read_only() as session:
        drafts = session.scalars(select(Tender).where(
            Tender.title == bidding_demo.READY_TITLE)).all()
        staff = session.scalars(select(User.id).where(User.username == "demo-staff")).one()
        assert session.scalar(select(func.count()).select_from(Tender)) == 2
    assert [d.state for d in drafts] == ["draft"] and drafts[0].opening_public_key is not None
    draft = drafts[0]
    answer = client.post(f"/api/v1/tenders/{draft.id}/publish", headers=bearer(staff), json={
        "deadline": beijing(2027, 1, 4, 10).isoformat(), "sale_ends_on": "2026-12-18"})
    assert answer.status_code == 201, answer.text
    with db.read_only() as session:
        [mark] = calendar_years.marks(session, lookup.subject(draft.id))
        alerts = [a for a in supervision.list_alerts(session)
                  if a.kind == calendar_years.PROVISIONAL_ALERT]
    assert (mark.rule, mark.years) == ("R-10", "2027")
    assert [a.subject for a in alerts] == ["calendar/2027"]
    login(client, "demo-staff", logins["demo-staff"])
    page = client.get(f"/bidding/tenders/{draft.id}")
    assert "临时期限" in page.text and "2027 年节假日安排尚未确认" in page.text


def test_the_demo_tender_pages_say_its_keys_are_on_this_machine(client) -> None:
    with db.transaction() as session:
        logins = demo.seed(session)
        tender_id = bidding_demo.demo_tender_id(session)
    login(client, "demo-staff", logins["demo-staff"])
    page = client.get(f"/bidding/tenders/{tender_id}")
    assert page.status_code == 200
    assert "var/demo/" in page.text and "截止前解密" in page.text


def test_staff_start_a_round_from_the_tender_page_after_confirming(client) -> None:
    with db.transaction() as session:
        logins = demo.seed(session)
        draft = session.scalars(select(Tender.id).where(
            Tender.title == bidding_demo.READY_TITLE)).one()
    login(client, "demo-staff", logins["demo-staff"])
    page = client.get(f"/bidding/tenders/{draft}")
    assert "第 1 轮 · 已完成" in page.text  # the demo's custodians made its key
    assert 'data-confirm="发起新一轮将作废当前一轮' in page.text
    answer = client.post(f"/bidding/tenders/{draft}/ceremony",
                         data={"_csrf_token": csrf_token(client, f"/bidding/tenders/{draft}")},
                         follow_redirects=True)
    assert answer.status_code == 200
    assert "第 2 轮 · 收集密钥贡献：已提交贡献 0/3" in answer.text
    with db.read_only() as session:
        assert session.get(Tender, draft).opening_public_key is None  # the old key is void
