"""The demo's draft ready to publish: what a person tries after ``GGZY_TEST_NOW=... make run``.

Published on (test-clock) 2026-12-13 with a deadline in January 2027, a year whose holiday
arrangement nobody has confirmed: it publishes, marked provisional, and the admin is asked to
enter the year (docs/calendar.md).
"""

from __future__ import annotations

from sqlalchemy import func, select

from bidding import demo as bidding_demo
from bidding import tenders
from bidding.models import Tender
from supervision import services as supervision
from tests.clock import beijing, set_now
from tests.integration.trading.conftest import login
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
        [mark] = calendar_years.marks(session, tenders.subject(draft.id))
        alerts = [a for a in supervision.list_alerts(session)
                  if a.kind == calendar_years.PROVISIONAL_ALERT]
    assert (mark.rule, mark.years) == ("R-10", "2027")
    assert [a.subject for a in alerts] == ["calendar/2027"]
    login(client, "demo-staff", logins["demo-staff"])
    page = client.get(f"/bidding/tenders/{draft.id}")
    assert "临时期限" in page.text and "2027 年节假日安排尚未确认" in page.text
