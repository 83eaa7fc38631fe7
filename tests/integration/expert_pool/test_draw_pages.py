"""The staff's and the supervising officer's draw pages: request form (with counts and errors
on their fields), commitment, the supervisor's value, the committee, the printable record,
cancelling, and the role guards on every mutating page route."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from sqlalchemy import select

from expert_pool.messages_draw_pages import MESSAGES
from expert_pool.models import Draw, DrawPick, DrawState, PickState
from supervision import services as supervision
from tests.integration.expert_pool.conftest import (
    ClosedSection,
    add_expert,
    closed_section,
    db_now,
    login,
    make_user,
    post_form,
)
from trading import clock, db, denials, i18n
from trading.accounts.models import OrganizationKind, Role

NUMBER = re.compile(r"/experts/draws/(CQ-[0-9]+-[0-9]+)")


@pytest.fixture(autouse=True)
def _page_messages() -> None:
    # The lead wires messages_draw_pages into the plugin; the pages' text is checked here anyway.
    i18n.add_messages(MESSAGES)


def regulator(username: str = "supervisor") -> uuid.UUID:
    return make_user(username, Role.REGULATOR, OrganizationKind.REGULATOR)


def pool(first: int, n: int, specialty: str = "A01") -> list[str]:
    for i in range(first, first + n):
        add_expert(i, specialty)
    return [f"E{i:06d}" for i in range(first, first + n)]


def beijing_input(moment: dt.datetime) -> str:
    return clock.to_local(moment).strftime("%Y-%m-%dT%H:%M")


def request_form(section: ClosedSection, supervisor: uuid.UUID,
                 **changes: str) -> dict[str, str | list[str]]:
    values: dict[str, str | list[str]] = {
        "section": f"{section.tender_id}/{section.section_id}", "committee_size": "5",
        "tenderee_representatives": "1", "code_0": "A01", "count_0": "4", "backups_0": "2",
        "evaluation_at": beijing_input(db_now() + dt.timedelta(days=3)),
        "expected_days": "1", "place": "阳泉市公共资源交易中心 3 号评标室", "answer_minutes": "120",
        "supervisor_user_id": str(supervisor), "min_title": "0", "min_years": "0",
        "action": "request",
    }
    values.update(changes)
    return values


def request_draw_page(client, section: ClosedSection, supervisor: uuid.UUID, **changes: str) -> str:
    answer = post_form(client, "/experts/draws", request_form(section, supervisor, **changes),
                       form_page="/experts/draws/new")
    assert answer.status_code == 303, answer.text
    found = NUMBER.search(answer.headers["location"])
    assert found and answer.headers["location"].endswith("?done=requested")
    return found.group(1)


def drawn(client, prefix: str, experts: int = 12) -> tuple[ClosedSection, uuid.UUID, str, list[str]]:
    """A draw run through the pages: requested and committed by staff, the supervisor's value."""
    section = closed_section(client, prefix)
    supervisor = regulator(f"{prefix}-sup")
    numbers = pool(1, experts)
    assert login(client, f"{prefix}-staff").status_code == 303
    number = request_draw_page(client, section, supervisor)
    page = f"/experts/draws/{number}"
    assert post_form(client, f"{page}/commit", {}, form_page=page).status_code == 303
    assert login(client, f"{prefix}-sup").status_code == 303
    answer = post_form(client, f"{page}/contribution", {"value": "骰子 3 1 4 1 5"}, form_page=page)
    assert answer.status_code == 303, answer.text
    return section, supervisor, number, numbers


def test_the_request_form_lists_sections_supervisors_and_specialties(client) -> None:
    section = closed_section(client, "frm")
    regulator("frm-sup")
    pool(1, 3)
    assert login(client, "frm-staff").status_code == 303
    page = client.get("/experts/draws/new")
    assert page.status_code == 200
    assert f"{section.tender_id}/{section.section_id}" in page.text
    assert "frm-sup 用户" in page.text and "A01" in page.text
    assert "查看符合条件人数" in page.text
    # saving a request changes nothing fixed: only the button that also commits asks first
    assert 'value="request">' in page.text and page.text.count("data-confirm") == 1
    assert "/static/expert_pool/draw-form.js" in page.text


def test_counts_without_javascript_and_an_impossible_request_refused_with_the_numbers(client) -> None:
    section = closed_section(client, "cnt")
    supervisor = regulator("cnt-sup")
    pool(1, 2)
    assert login(client, "cnt-staff").status_code == 303
    preview = post_form(client, "/experts/draws", request_form(section, supervisor, action="preview"),
                        form_page="/experts/draws/new")
    assert preview.status_code == 200
    assert "需要 4 / 符合条件 2" in preview.text
    refused = post_form(client, "/experts/draws", request_form(section, supervisor),
                        form_page="/experts/draws/new")
    assert refused.status_code == 400
    assert 'id="err-requirements"' in refused.text and "需要 4 名，符合条件的只有 2 名" in refused.text
    assert "需要 4 / 符合条件 2" in refused.text
    with db.read_only() as session:
        assert session.scalar(select(Draw.id)) is None
    # The script's JSON: the same numbers.
    token = re.search(r'name="_csrf_token" value="([^"]+)"', refused.text)
    assert token
    counts = client.post("/experts/draws/counts", data={
        **request_form(section, supervisor), "_csrf_token": token.group(1)})
    assert counts.status_code == 200, counts.text
    body = counts.json()
    assert body["counts"] == [{"code": "A01", "name": "专业 A01", "needed": 4, "eligible": 2}]
    assert body["problems"][0]["field"] == "requirements"


def test_form_errors_stand_next_to_their_fields(client) -> None:
    section = closed_section(client, "err")
    supervisor = regulator("err-sup")
    pool(1, 8)
    assert login(client, "err-staff").status_code == 303
    even = post_form(client, "/experts/draws",
                     request_form(section, supervisor, committee_size="6", tenderee_representatives="2"),
                     form_page="/experts/draws/new")
    assert even.status_code == 400
    assert re.search(r'id="err-committee_size"[^>]*>[^<]*5 人以上单数，现为 6 人', even.text), even.text
    assert 'name="committee_size" type="number" min="5" max="99" step="2" required value="6"' in even.text
    bad_time = post_form(client, "/experts/draws", request_form(section, supervisor, evaluation_at="明天"),
                         form_page="/experts/draws/new")
    assert bad_time.status_code == 400 and 'id="err-evaluation_at"' in bad_time.text
    bad_count = post_form(client, "/experts/draws", request_form(section, supervisor, count_0="٣"),
                          form_page="/experts/draws/new")
    assert bad_count.status_code == 400 and 'id="err-count_0"' in bad_count.text
    huge = post_form(client, "/experts/draws", request_form(
        section, supervisor, committee_size="9" * 40, code_0=["A01", "A01"], place="x" * 5000),
        form_page="/experts/draws/new")
    assert huge.status_code == 400 and ('id="err-committee_size"' in huge.text
                                        or 'id="err-place"' in huge.text)
    with db.read_only() as session:
        assert session.scalar(select(Draw.id)) is None


def test_the_happy_path_through_the_pages(client) -> None:
    _section, _supervisor, number, numbers = drawn(client, "hap")
    page = f"/experts/draws/{number}"
    shown = client.get(f"{page}?done=drawn")  # the supervisor sees names too
    assert shown.status_code == 200
    assert "抽取完成，已通知抽中的专家。" in shown.text and "已抽取" in shown.text
    assert "专家1" in shown.text or any(f"专家{int(n[1:])}" in shown.text for n in numbers)
    assert "/supervision/draws" in shown.text  # regulators: verify, and the exclusions
    assert "回避与排除" in shown.text
    assert login(client, "hap-staff").status_code == 303
    staff_page = client.get(page)
    with db.read_only() as session:
        picks = list(session.scalars(select(DrawPick).where(DrawPick.draw_id == select(Draw.id).where(
            Draw.number == number).scalar_subquery()).order_by(DrawPick.rank)))
        draw = session.scalar(select(Draw).where(Draw.number == number))
        assert draw is not None and draw.state == DrawState.DRAWN.value
    asked = [p for p in picks if p.state == PickState.NOTIFIED.value]
    assert len(asked) == 4 and len(picks) == 6
    for pick in picks:
        assert pick.expert_number in staff_page.text
        assert f"专家{int(pick.expert_number[1:])}<" in staff_page.text
    assert staff_page.text.count("已通知") == 4 and staff_page.text.count("候补") >= 2
    assert draw.commitment in staff_page.text and draw.r_other in staff_page.text
    assert "回避与排除" not in staff_page.text  # exclusions: regulators only
    assert "《招标投标法》第三十七条" in staff_page.text and "第四十六条" in staff_page.text
    assert "R-3" not in staff_page.text and str(draw.id) not in staff_page.text
    listing = client.get("/experts/draws")
    assert number in listing.text and "已抽取" in listing.text
    record = client.get(f"{page}/record")
    assert record.status_code == 200
    for text in ("评标专家抽取记录", "抽取人签字", "监督人签字", "hap-staff 用户", "hap-sup 用户",
                 draw.commitment, draw.r_other, "阳泉市公共资源交易中心 3 号评标室",
                 "/static/expert_pool/draw-record.css"):
        assert text in record.text, text
    assert all(p.expert_number in record.text for p in picks)
    english = client.get(f"{page}?lang=en")
    assert "Draw conditions" in english.text and "Drawn" in english.text
    assert "Notified" in english.text and "Bidding Law art. 37" in english.text


def test_commit_shows_the_commitment_and_the_supervisor_form_only_to_the_supervisor(client) -> None:
    section = closed_section(client, "cmt")
    supervisor = regulator("cmt-sup")
    regulator("cmt-other")
    pool(1, 8)
    assert login(client, "cmt-staff").status_code == 303
    number = request_draw_page(client, section, supervisor)
    page = f"/experts/draws/{number}"
    requested = client.get(f"{page}?done=requested")
    assert "抽取申请已保存" in requested.text and "已申请" in requested.text
    assert 'action="/experts/draws/' + number + '/commit" data-confirm=' in requested.text
    committed = post_form(client, f"{page}/commit", {}, form_page=page)
    assert committed.headers["location"].endswith("?done=committed")
    shown = client.get(committed.headers["location"])
    with db.read_only() as session:
        draw = session.scalar(select(Draw).where(Draw.number == number))
        assert draw is not None and draw.commitment
    assert draw.commitment in shown.text and "已承诺" in shown.text
    assert "/contribution" not in shown.text  # staff wait for the supervisor
    assert login(client, "cmt-other").status_code == 303
    other = client.get(page)
    assert other.status_code == 200 and "/contribution" not in other.text
    refused = post_form(client, f"{page}/contribution", {"value": ["别人的数", "又一个"]},
                        form_page=page)
    assert refused.status_code == 403 and "只有本次抽取的监督人" in refused.text
    assert login(client, "cmt-sup").status_code == 303
    mine = client.get(page)
    assert "/contribution" in mine.text and "监督人随机数" in mine.text and "无法预先知道" in mine.text
    with db.read_only() as session:
        assert session.scalar(select(Draw.state).where(Draw.number == number)) == "committed"


def test_submit_and_commit_at_once_fixes_the_pool_in_one_step(client) -> None:
    """At the draw session staff submit the conditions and make the commitment with one
    button (asked to confirm, as the commit button); the supervisor's form follows."""
    section = closed_section(client, "one")
    supervisor = regulator("one-sup")
    pool(1, 8)
    assert login(client, "one-staff").status_code == 303
    form = client.get("/experts/draws/new")
    assert 'value="commit" data-confirm="生成承诺后' in form.text and "提交并生成承诺" in form.text
    answer = post_form(client, "/experts/draws", request_form(section, supervisor, action="commit"),
                       form_page="/experts/draws/new")
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].endswith("?done=committed")
    shown = client.get(answer.headers["location"])
    assert "承诺已生成并记入监督记录" in shown.text and "已承诺" in shown.text
    number = NUMBER.search(answer.headers["location"]).group(1)  # type: ignore[union-attr]
    with db.read_only() as session:
        draw = session.scalar(select(Draw).where(Draw.number == number))
        assert draw is not None and draw.state == DrawState.COMMITTED.value
        actions = [e.action for e in supervision.entries(session, subject=f"draw:{number}")
                   if e.action.startswith("draw.")]
    assert draw.commitment in shown.text
    assert actions == ["draw.requested", "draw.committed"]
    assert login(client, "one-sup").status_code == 303
    drawn_page = post_form(client, f"/experts/draws/{number}/contribution", {"value": "7 7 7"},
                           form_page=f"/experts/draws/{number}")
    assert drawn_page.status_code == 303 and drawn_page.headers["location"].endswith("?done=drawn")


def test_cancelling_a_draw_through_its_page(client) -> None:
    section = closed_section(client, "cxl")
    supervisor = regulator("cxl-sup")
    pool(1, 8)
    assert login(client, "cxl-staff").status_code == 303
    number = request_draw_page(client, section, supervisor)
    page = f"/experts/draws/{number}"
    assert 'action="/experts/draws/' + number + '/cancel" data-confirm=' in client.get(page).text
    answer = post_form(client, f"{page}/cancel", {"reason": "招标人撤回评标安排"}, form_page=page)
    assert answer.status_code == 303 and answer.headers["location"].endswith("?done=cancelled")
    shown = client.get(answer.headers["location"])
    assert "本次抽取已取消。" in shown.text and "招标人撤回评标安排" in shown.text


def _denials() -> int:
    with db.read_only() as session:
        return denials.total_denials(session)


def test_every_mutating_draw_page_refuses_a_wrong_role_and_counts_it(client) -> None:
    _section, _supervisor, number, _ = drawn(client, "rol", experts=8)
    page = f"/experts/draws/{number}"
    make_user("rol-bidder-x", Role.BIDDER, OrganizationKind.BIDDER, "rol 其他投标单位")
    make_user("rol-expert-x", Role.EXPERT, OrganizationKind.OTHER)
    staff_only = ["/experts/draws", "/experts/draws/counts", f"{page}/commit", f"{page}/cancel",
                  f"{page}/cancellations", f"{page}/ratings"]
    cases = [("rol-bidder-x", [*staff_only, f"{page}/contribution"]),
             ("rol-expert-x", [*staff_only, f"{page}/contribution"]),
             ("rol-sup", staff_only),  # a regulator changes nothing but its own value
             ("rol-staff", [f"{page}/contribution"])]
    for username, paths in cases:
        assert login(client, username).status_code == 303
        csrf = client.cookies.get("ggzy_csrf") or ""
        for path in paths:
            before = _denials()
            answer = client.post(path, data={"reason": "x", "value": "x", "_csrf_token": csrf},
                                 headers={"x-csrftoken": csrf}, follow_redirects=False)
            assert answer.status_code == 403, (username, path, answer.status_code)
            assert _denials() == before + 1, (username, path)
        for path in ("/experts/draws", page, f"{page}/record", "/experts/draws/new"):
            if username in ("rol-sup", "rol-staff") and path != "/experts/draws/new":
                continue
            if username == "rol-staff":
                continue
            assert client.get(path).status_code == 403, (username, path)
    client.cookies.clear()
    for path in ("/experts/draws", page, f"{page}/record"):
        assert client.get(path, follow_redirects=False).status_code in (401, 303, 403), path


def test_regulators_see_the_exclusions_with_their_reasons_and_staff_do_not(client) -> None:
    section = closed_section(client, "exc")
    add_expert(99, "A01", employer_code=section.bidder_codes[0])
    supervisor = regulator("exc-sup")
    pool(1, 8)
    assert login(client, "exc-staff").status_code == 303
    number = request_draw_page(client, section, supervisor)
    page = f"/experts/draws/{number}"
    assert post_form(client, f"{page}/commit", {}, form_page=page).status_code == 303
    assert "E000099" not in client.get(page).text
    assert login(client, "exc-sup").status_code == 303
    shown = client.get(page)
    assert 'id="exclusions"' in shown.text and "E000099" in shown.text
    assert "投标人在职人员" in shown.text and "bidder_employee" not in shown.text


def test_late_cancellations_are_decided_on_the_draw_page(client) -> None:
    from expert_pool.models import IntegrityKind, IntegrityRecord

    _section, _supervisor, number, _ = drawn(client, "lat", experts=8)
    page = f"/experts/draws/{number}"
    with db.transaction() as session:
        draw_id = session.scalar(select(Draw.id).where(Draw.number == number))
        picks = list(session.scalars(select(DrawPick).where(
            DrawPick.draw_id == draw_id, DrawPick.state == PickState.NOTIFIED.value)
            .order_by(DrawPick.rank)))
        for pick in picks[:2]:
            pick.state = PickState.CANCEL_REQUESTED.value
            pick.reason = "家中急事"
        first, second = picks[0].id, picks[1].id
    assert login(client, "lat-staff").status_code == 303
    shown = client.get(page)
    assert 'id="cancellations"' in shown.text and "家中急事" in shown.text
    assert shown.text.count("data-confirm=") >= 3  # approve, refuse, cancel the draw
    no_note = post_form(client, f"{page}/cancellations",
                        {"pick": str(second), "decision": "refuse", "note": ""}, form_page=page)
    assert no_note.status_code == 400
    refused = post_form(client, f"{page}/cancellations",
                        {"pick": str(second), "decision": "refuse", "note": "无人可替，请按时参加"},
                        form_page=page)
    assert refused.status_code == 303 and refused.headers["location"].endswith("?done=refused")
    approved = post_form(client, f"{page}/cancellations",
                         {"pick": str(first), "decision": "approve", "note": ""}, form_page=page)
    assert approved.status_code == 303 and approved.headers["location"].endswith("?done=approved")
    assert "已同意取消，已依序补抽。" in client.get(approved.headers["location"]).text
    stranger = post_form(client, f"{page}/cancellations",
                         {"pick": "2147483647", "decision": "approve"}, form_page=page)
    assert stranger.status_code == 400
    with db.read_only() as session:
        states = {p.id: p.state for p in session.scalars(select(DrawPick))}
        assert states[first] == PickState.CANCELLED.value
        assert states[second] == PickState.CONFIRMED.value
        late = session.scalars(select(IntegrityRecord).where(
            IntegrityRecord.kind == IntegrityKind.LATE_CANCELLATION.value)).all()
        assert len(late) == 1
    record = client.get(f"{page}/record")
    assert "家中急事" in record.text and "已取消" in record.text
