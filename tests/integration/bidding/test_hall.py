"""Issue 13: the opening hall (开标大厅) — the countdown, sign-in opening at the deadline, the
live progress (JSON with an ETag), the record read out and confirmed line by line, an
objection raised and answered on the spot (R-24), a line deemed accepted after the window, and
the role and organisation guards."""

from __future__ import annotations

import datetime as dt
import re

from tests import clock as test_clock
from tests.integration.trading.conftest import post_form
from trading import db
from trading.accounts.models import OrganizationKind, Role
from trading.denials import total_denials

from .conftest import AHEAD, db_now, log_actions, make_tender, make_user, pass_deadline, publish_now
from .test_opening import open_all_directly, run_close, submit_bids, submit_share
from .test_workspace import ISO_UTC, UUID, main_text, relogin

LINE = re.compile(r"/hall/bids/([0-9a-f-]{36})/confirm")


def _denied(client, url: str, data: dict[str, str], counted: bool) -> None:
    with db.read_only() as session:
        before = total_denials(session)
    answer = post_form(client, url, data, form_page="/")
    assert answer.status_code == 403, (url, answer.status_code)
    with db.read_only() as session:
        assert total_denials(session) == before + (1 if counted else 0)


def test_the_hall_from_the_countdown_to_an_objection_answered_on_the_spot(client) -> None:
    scenario = make_tender(prefix="oh")
    hall = f"/bidding/tenders/{scenario.tender_id}/hall"
    live = f"/api/v1/tenders/{scenario.tender_id}/hall"
    publish_now(scenario, db_now() + AHEAD)
    submit_bids(client, scenario)

    # Before the deadline: a countdown, no names, and a sign-in is refused with the reason.
    relogin(client, "oh-bidder0")
    page = client.get(hall)
    assert page.status_code == 200 and 'data-deadline-ms="' in page.text
    assert "签到于投标截止时间（开标时间）开始" in main_text(page.text)
    assert "oh 投标单位" not in main_text(page.text) and "/hall/sign-in" not in page.text
    early = post_form(client, f"{hall}/sign-in", {}, form_page=hall)
    assert early.status_code == 409 and "此前不公开投标人" in main_text(early.text)
    state = client.get(live).json()
    assert state["seconds_left"] > 0 and state["signed_in"] is None
    assert f'href="{hall}"' in client.get(f"/bidding/tenders/{scenario.tender_id}").text
    assert f'href="{hall}"' in client.get("/bidding/my").text

    # At the deadline: sign-in opens; only the bidder's organisation is named.
    pass_deadline(scenario.tender_id)
    run_close(scenario)
    signed = post_form(client, f"{hall}/sign-in", {}, form_page=hall)
    assert signed.status_code == 303 and signed.headers["location"] == f"{hall}?done=signed_in"
    text = main_text(client.get(signed.headers["location"]).text)
    assert "签到成功" in text and "贵单位已签到" in text and "oh 投标单位 0" in text
    assert "<noscript><meta http-equiv=\"refresh\"" in client.get(hall).text  # no-JS fallback
    state = client.get(live).json()
    assert (state["state"], state["shares"], state["signed_in"]) == ("closed", 0, 1)
    assert state["state_label"] == "已截止（开标中）" and state["deadline_passed"]

    # Live progress: the shares, the decryption, then the record; the ETag answers 304.
    for custodian in scenario.custodians[:2]:
        assert submit_share(client, scenario, custodian).status_code in (200, 201)
    open_all_directly(scenario)
    first = client.get(live)
    body = first.json()
    assert body["record_ready"] and body["done"] == body["total"] == 3
    assert body["state_label"] == "已开标" and body["shares"] == 2
    assert client.get(live, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    missing = client.get("/api/v1/tenders/00000000-0000-0000-0000-000000000000/hall")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(
        "application/problem+json")

    # Bidder 0 confirms its own line (the box is required, server-side too), once.
    page = client.get(hall).text
    assert "依据《中华人民共和国招标投标法实施条例》第四十四条" in main_text(page)
    assert "R-24" not in page and "<noscript><meta" not in page
    mine = LINE.findall(page)
    assert len(mine) == 1
    confirm = f"{hall}/bids/{mine[0]}/confirm"
    unticked = post_form(client, confirm, {}, form_page=hall)
    assert unticked.status_code == 400 and "请勾选" in main_text(unticked.text)
    assert post_form(client, confirm, {"confirm": "1"}, form_page=hall).headers[
        "location"] == f"{hall}?done=confirmed"
    again = post_form(client, confirm, {"confirm": "1"}, form_page=hall)
    assert again.status_code == 409

    # Bidder 1 objects to its line; it may not act on another's line (wrong organisation).
    relogin(client, "oh-bidder1")
    page = client.get(hall).text
    theirs = LINE.findall(page)[0]
    assert theirs != mine[0]
    _denied(client, f"{hall}/bids/{mine[0]}/objection", {"reason": "x"}, counted=False)
    blank = post_form(client, f"{hall}/bids/{theirs}/objection", {"reason": "  "}, form_page=hall)
    assert blank.status_code == 400
    long = post_form(client, f"{hall}/bids/{theirs}/objection", {"reason": "长" * 1001},
                     form_page=hall)
    assert long.status_code == 400 and "过长" in main_text(long.text)
    objected = post_form(client, f"{hall}/bids/{theirs}/objection",
                         {"reason": "唱标报价与投标文件不一致"}, form_page=hall)
    assert objected.headers["location"] == f"{hall}?done=objected"
    # A bidder may not answer (wrong role: counted); another organisation's tenderee neither.
    _denied(client, f"{hall}/bids/{theirs}/answer", {"answer": "x"}, counted=True)
    make_user("oh-other-tenderee", Role.TENDEREE, OrganizationKind.TENDEREE, "别的招标人")
    relogin(client, "oh-other-tenderee")
    _denied(client, f"{hall}/bids/{theirs}/answer", {"answer": "x"}, counted=False)
    _denied(client, f"{hall}/sign-in", {}, counted=True)  # a tenderee does not sign in
    assert "唱标报价与投标文件不一致" not in main_text(client.get(hall).text)  # not a participant

    relogin(client, "oh-tenderee")
    page = client.get(hall).text
    assert "唱标报价与投标文件不一致" in main_text(page) and "/answer" in page
    answered = post_form(client, f"{hall}/bids/{theirs}/answer",
                         {"answer": "经核对投标文件，报价无误"}, form_page=hall)
    assert answered.headers["location"] == f"{hall}?done=answered"
    assert post_form(client, f"{hall}/bids/{theirs}/answer", {"answer": "再答"},
                     form_page=hall).status_code == 409

    relogin(client, "oh-bidder1")
    text = main_text(client.get(hall).text)
    assert "已确认无误" in text and "已提出异议" in text and "经核对投标文件，报价无误" in text
    assert "经核对投标文件，报价无误" in main_text(client.get("/bidding/notifications").text)
    assert not UUID.search(text) and not ISO_UTC.search(text)

    # After the window, bidder 2 is recorded as not objecting and can no longer act.
    relogin(client, "oh-bidder2")
    last = LINE.findall(client.get(hall).text)[0]
    test_clock.advance(dt.timedelta(minutes=31))
    late = post_form(client, f"{hall}/bids/{last}/confirm", {"confirm": "1"}, form_page=hall)
    assert late.status_code == 409 and "视为无异议" in main_text(late.text)
    assert "逾期未提出异议，视为无异议" in main_text(client.get(hall).text)

    # The public watches the record, but not who signed in nor the objections.
    client.cookies.clear()
    public = main_text(client.get(hall).text)
    assert "oh 投标单位 0" in public and "签到" not in public and "异议理由" not in public
    english = main_text(client.get(f"{hall}?lang=en").text)
    assert "Opening hall" in english and "：" not in english

    actions = log_actions(f"tender/{scenario.tender_id}")
    for action in ("opening.hall_signed_in", "opening.record_confirmed",
                   "opening.record_objected", "opening.objection_answered"):
        assert actions.count(action) == 1, action
