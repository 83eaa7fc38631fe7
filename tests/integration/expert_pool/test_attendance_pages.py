"""The drawn expert's pages: inbox, own seats, answering with a success message or a refusal
in words; the staff page for late cancellations; wrong roles refused and counted."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from expert_pool.models import PickState
from tests import clock as test_clock
from tests.integration.expert_pool.conftest import csrf_token, login, post_form
from tests.integration.expert_pool.test_attendance import (
    actions,
    api,
    asked,
    denials_now,
    first_reserve,
    make_draw,
    pick,
)


def test_an_expert_reads_the_inbox_and_confirms_from_the_page(client) -> None:
    drawn = make_draw(client, "pg")
    seat = asked(drawn)[0]
    assert login(client, drawn.usernames[seat.expert_number]).status_code == 303
    inbox = client.get("/experts/me/inbox")
    assert inbox.status_code == 200
    assert drawn.number in inbox.text and "未读" in inbox.text
    marked = post_form(client, "/experts/me/inbox/read", {}, form_page="/experts/me/inbox")
    assert marked.status_code == 303
    assert "已标为已读" in client.get(marked.headers["location"]).text

    seats = client.get("/experts/me/draws")
    assert seats.status_code == 200
    assert drawn.number in seats.text and "待确认" in seats.text
    assert f"/experts/me/draws/{seat.id}" in seats.text
    page = client.get(f"/experts/me/draws/{seat.id}")
    assert page.status_code == 200
    assert "确认参加" in page.text and "谢绝" in page.text
    assert "提交回避声明" not in page.text  # a recusal comes at the evaluation, after check-in
    assert drawn.tender_title not in page.text  # the project stays unnamed before check-in
    assert "data-confirm" in page.text
    done = post_form(client, f"/experts/me/draws/{seat.id}/confirm", {},
                     form_page=f"/experts/me/draws/{seat.id}")
    assert done.status_code == 303
    shown = client.get(done.headers["location"])
    assert "已确认参加，请按时到场签到" in shown.text
    assert re.search(r'id="seat-state">已确认<', shown.text)
    assert "申请取消" in shown.text and "24 小时以上" in shown.text

    again = post_form(client, f"/experts/me/draws/{seat.id}/confirm", {},
                      form_page=f"/experts/me/draws/{seat.id}")
    assert again.status_code == 409
    assert "不能确认：您已确认参加" in again.text


def test_a_decline_without_a_reason_is_shown_in_words_then_declined(client) -> None:
    drawn = make_draw(client, "pd")
    seat, reserve = asked(drawn)[0], first_reserve(drawn)
    login(client, drawn.usernames[seat.expert_number])
    path = f"/experts/me/draws/{seat.id}"
    empty = post_form(client, f"{path}/decline", {"reason": ""}, form_page=path)
    assert empty.status_code == 400 and "请填写理由" in empty.text
    done = post_form(client, f"{path}/decline", {"reason": "外地出差"}, form_page=path)
    assert done.status_code == 303
    after = client.get(done.headers["location"]).text
    assert "已谢绝" in after and "外地出差" in after  # the expert sees the reason it gave
    assert pick(drawn, reserve.id).state == PickState.NOTIFIED.value


def test_someone_elses_seat_is_neither_shown_nor_answered(client) -> None:
    drawn = make_draw(client, "po")
    seat, other = asked(drawn)[:2]
    login(client, drawn.usernames[other.expert_number])
    assert client.get(f"/experts/me/draws/{seat.id}").status_code == 403
    before = actions(drawn)
    token = csrf_token(client, "/experts/me/draws")
    answer = client.post(f"/experts/me/draws/{seat.id}/confirm", data={"_csrf_token": token},
                         follow_redirects=False)
    assert answer.status_code == 403
    assert "不是该席位被抽中的专家" in answer.text
    assert actions(drawn) == before


def test_the_project_is_named_from_check_in_and_the_pledge_is_shown(client) -> None:
    drawn = make_draw(client, "pc")
    seat = asked(drawn)[0]
    assert api(client, drawn, seat, "confirm").status_code == 200
    test_clock.advance_past(drawn.evaluation_at - dt.timedelta(minutes=20))
    login(client, drawn.usernames[seat.expert_number])
    path = f"/experts/me/draws/{seat.id}"
    done = post_form(client, f"{path}/check-in", {}, form_page=path)
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert "签到成功" in page and drawn.tender_title in page
    assert "评标专家承诺书" in page and "签署承诺书" in page
    signed = post_form(client, f"{path}/pledge", {}, form_page=path)
    assert "承诺书已签署" in client.get(signed.headers["location"]).text
    recused = post_form(client, f"{path}/recusal", {"ground": "relative", "detail": ""},
                        form_page=path)
    assert recused.status_code == 303
    assert "回避声明已提交" in client.get(recused.headers["location"]).text


def test_staff_decide_a_late_cancellation_on_their_page(client) -> None:
    drawn = make_draw(client, "pl")
    seat = asked(drawn)[0]
    assert api(client, drawn, seat, "confirm").status_code == 200
    test_clock.advance_past(drawn.evaluation_at - dt.timedelta(hours=6))
    login(client, drawn.usernames[seat.expert_number])
    path = f"/experts/me/draws/{seat.id}"
    assert "须经工作人员审核" in client.get(path).text
    asked_for = post_form(client, f"{path}/cancel", {"cancel_reason": "家中急事"}, form_page=path)
    assert "等待工作人员审核" in client.get(asked_for.headers["location"]).text
    client.cookies.clear()
    login(client, "pl-staff")
    listing = client.get("/experts/draws/cancellations")
    assert listing.status_code == 200 and seat.expert_number in listing.text
    done = post_form(client, f"/experts/draws/cancellations/{seat.id}", {"decision": "approve"},
                     form_page="/experts/draws/cancellations")
    assert done.status_code == 303
    assert "已同意取消" in client.get(done.headers["location"]).text
    assert pick(drawn, seat.id).state == PickState.CANCELLED.value


PAGES = ["confirm", "decline", "cancel", "check-in", "pledge", "recusal"]


@pytest.mark.parametrize("action", PAGES)
def test_pages_refuse_a_wrong_role_and_count_it(client, action: str) -> None:
    drawn = make_draw(client, "pw")
    seat = asked(drawn)[0]
    login(client, "pw-bidder0")
    token = csrf_token(client, "/")
    before = denials_now()
    answer = client.post(f"/experts/me/draws/{seat.id}/{action}",
                         data={"_csrf_token": token, "reason": "x"}, follow_redirects=False)
    assert answer.status_code == 403
    assert denials_now() == before + 1
    assert pick(drawn, seat.id).state == PickState.NOTIFIED.value


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/experts/me/inbox/read"), ("POST", "/experts/me/inbox/1/read"),
    ("POST", "/experts/draws/cancellations/1")])
def test_inbox_and_staff_pages_refuse_a_wrong_role(client, method: str, path: str) -> None:
    make_draw(client, "pr")
    login(client, "pr-bidder0")
    token = csrf_token(client, "/")
    before = denials_now()
    answer = client.request(method, path, data={"_csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 403
    assert denials_now() == before + 1
