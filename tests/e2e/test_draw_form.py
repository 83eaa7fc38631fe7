"""draw-form.js in a real browser: the eligible counts appear next to each specialty row as the
form changes, and an impossible request is refused with the numbers before it is sent."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from tests.e2e.conftest import log_in
from tests.integration.bidding.conftest import (
    PASSWORD,
)
from tests.integration.expert_pool.conftest import add_expert, closed_section, db_now
from tests.integration.expert_pool.test_draw_pages import beijing_input, regulator

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300), pytest.mark.usefixtures("bid_storage")]


def _fill_request(page, section, supervisor: str) -> None:  # type: ignore[no-untyped-def]
    """A committee of 5: 1 tenderee representative and 4 experts of A01, three days ahead."""
    page.select_option("#f-section", f"{section.tender_id}/{section.section_id}")
    page.fill("#f-reps", "1")
    page.fill("#f-at", beijing_input(db_now() + dt.timedelta(days=3)))
    page.fill("#f-place", "评标室")
    page.select_option("#f-supervisor", label=supervisor)
    page.select_option("#f-code-0", "A01")
    page.fill("#f-count-0", "4")
    page.dispatch_event("#f-count-0", "change")


def _open_filled_form(server: str, browser, prefix: str, experts: int):  # type: ignore[no-untyped-def]
    """A section closed for ``prefix``, its supervisor, ``experts`` experts of A01, and the
    request form filled in by the section's staff."""
    with httpx.Client(base_url=server) as http:
        section = closed_section(http, prefix)
    regulator(f"{prefix}-sup")
    for i in range(1, experts + 1):
        add_expert(i, "A01")
    page = browser.new_context(locale="zh-CN").new_page()
    log_in(page, server, f"{prefix}-staff", PASSWORD)
    page.goto(f"{server}/experts/draws/new")
    _fill_request(page, section, f"{prefix}-sup 用户")
    return page


def test_the_form_shows_counts_and_refuses_an_impossible_request(live_server, browser) -> None:
    page = _open_filled_form(live_server, browser, "bjs", 2)
    count = page.locator("#count-0")
    count.get_by_text("需要 4 / 符合条件 2").wait_for()
    page.get_by_role("button", name="提交抽取申请").click()
    problem = page.locator("#draw-form-problem")
    problem.wait_for()
    assert "需要 4，符合条件 2" in problem.inner_text()
    assert page.url.endswith("/experts/draws/new")

    for i in range(3, 6):
        add_expert(i, "A01")
    page.dispatch_event("#f-count-0", "change")
    count.get_by_text("需要 4 / 符合条件 5").wait_for()
    page.get_by_role("button", name="提交抽取申请").click()
    page.wait_for_url("**/experts/draws/CQ-*?done=requested")
    assert "抽取申请已保存" in page.locator("p.notice").inner_text()


def test_submitting_and_committing_at_once_asks_first(live_server, browser) -> None:
    """The button that also fixes the pool asks to confirm: dismissed, nothing is saved;
    accepted, the draw page shows the commitment made."""
    from sqlalchemy import func, select

    from expert_pool.models import Draw
    from trading import db

    page = _open_filled_form(live_server, browser, "cnf", 5)
    page.locator("#count-0").get_by_text("需要 4 / 符合条件 5").wait_for()
    questions: list[str] = []
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST"
            and request.url.endswith("/experts/draws") else None)

    def dismiss(dialog) -> None:  # type: ignore[no-untyped-def]
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="提交并生成承诺").click()
    assert questions and "生成承诺后" in questions[0]
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交并生成承诺").click()
    page.wait_for_url("**/experts/draws/CQ-*?done=committed")
    assert "承诺已生成并记入监督记录" in page.locator("p.notice").inner_text()
    assert len(posts) == 1  # the dismissed question sent nothing
    with db.read_only() as session:
        assert session.scalar(select(func.count()).select_from(Draw)) == 1
