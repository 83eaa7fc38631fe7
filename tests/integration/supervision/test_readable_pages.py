"""The regulator's pages speak people's language (issue 13): actions by label, bodies as
labelled lists in Beijing time, subjects by what they name, organizations by name; the raw
canonical entry stays on the page for auditors, and nothing is changed in the log."""

from __future__ import annotations

import re
import uuid

from litestar.testing import TestClient

from supervision import checkpoints, demo, redflags, services
from tests.integration.trading.conftest import csrf_token, post_form
from trading import db
from trading.accounts.models import Organization, User
from trading.audit import Actor

from .conftest import login, make_user

TEST = Actor.system("test")


def visible(page: str) -> str:
    """The words a reader sees at first (no tags, attributes, links or folded raw records)."""
    return re.sub(r"<[^>]*>", " ", re.sub(r"(?s)<(head|script|style|details)\b.*?</\1>", " ", page))


def _sign() -> None:
    with db.transaction() as session:
        checkpoints.checkpoint_now(session, "test")


def _org_of(user_id: str) -> tuple[str, str]:
    with db.read_only() as session:
        user = session.get(User, uuid.UUID(user_id))
        assert user is not None and user.organization_id is not None
        org = session.get(Organization, user.organization_id)
        assert org is not None
        return str(org.id), org.name


def test_the_dashboard_counts_tenders_by_label(client: TestClient) -> None:
    make_user("dash-regulator", "regulator")
    with db.transaction() as session:
        for _ in range(2):
            services.record(session, TEST, "tender.disclosed", f"tender/{uuid.uuid4()}", {})
        services.record(session, TEST, "tender.failed", f"tender/{uuid.uuid4()}", {"bids": 1})
    _sign()
    login(client, "dash-regulator")
    page = client.get("/supervision").text
    assert "发布招标公告 2" in page and "招标失败（流标） 1" in page
    assert "tender.disclosed" not in page and "tender.failed" not in page
    english = client.get("/supervision?lang=en").text
    assert "Tender notice published 2" in english and "Tender failed (too few bids) 1" in english


def test_the_log_shows_labels_names_and_beijing_times_and_keeps_the_raw_entry(
        client: TestClient) -> None:
    make_user("log-regulator", "regulator")
    clerk = make_user("log-clerk", "staff", org_name="阳泉市公共资源交易中心")
    tender = f"tender/{uuid.uuid4()}"
    with db.transaction() as session:
        services.record(session, TEST, "tender.created", tender, {"title": "阳泉市东环路改造工程"})
        services.record(session, Actor(user_id=clerk, role="staff", ip="10.0.0.9"),
                        "tender.clarified", tender,
                        {"deadline": "2026-03-02T01:30:00.000Z", "tender": tender.split("/")[1],
                         "amends_documents": True, "price_fen": 123_456_78})
    _sign()
    login(client, "log-regulator")
    page = client.get("/supervision/log?action=tender.clarified").text
    # the label, not the action name; the subject by its title; the clerk by name
    assert "澄清或修改招标文件" in page and "<td>tender.clarified</td>" not in page
    assert "招标项目 · 阳泉市东环路改造工程" in page
    assert "交易中心工作人员 · log-clerk 用户 · 10.0.0.9" in page
    # labelled keys, 09:30 Beijing time for 01:30 UTC, yes/no, yuan, the tender by its title
    assert "<dt>截止时间</dt><dd><time datetime=\"2026-03-02T01:30:00+00:00\">2026-03-02 09:30:00" \
        in page
    assert "<dt>修改招标文件</dt><dd>是</dd>" in page and "123,456.78 元" in page
    assert "<dt>招标项目</dt><dd>阳泉市东环路改造工程</dd>" in page
    # the raw canonical entry for auditors, unchanged
    assert "条目原文（规范化 JSON）" in page and "&#34;action&#34;:&#34;tender.clarified&#34;" in page
    english = client.get("/supervision/log?action=tender.clarified&lang=en").text
    assert "Tender documents clarified or amended" in english and "CNY 123,456.78" in english
    assert "<dt>Deadline</dt>" in english and "Tender · 阳泉市东环路改造工程" in english
    # the action filter offers labels, the one chosen selected
    assert '<option value="tender.clarified" selected>澄清或修改招标文件</option>' in page


def test_the_timeline_without_a_subject_asks_for_one(client: TestClient) -> None:
    make_user("tl-regulator", "regulator")
    with db.transaction() as session:
        services.record(session, TEST, "draw.committed", "draw:D-2026-7", {})
    _sign()
    login(client, "tl-regulator")
    for path in ("/supervision/timeline", "/supervision/timeline?subject=",
                 "/supervision/timeline?subject=%20"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "请选择要查看时间线的对象" in page.text and 'name="subject"' in page.text
        assert "专家抽取 · D-2026-7" in page.text  # a recent subject, by what it names
    english = client.get("/supervision/timeline?lang=en").text
    assert "Choose what to show the timeline of" in english


def test_a_tender_is_one_subject_by_its_title(client: TestClient) -> None:
    make_user("pj-regulator", "regulator")
    tender_id = uuid.uuid4()
    with db.transaction() as session:
        services.record(session, TEST, "tender.created", f"tender/{tender_id}", {"title": "平定县供水工程"})
        services.record(session, Actor.system("scheduler"), "job.scheduled", f"tender:{tender_id}",
                        {"kind": "bidding.close", "due_at": "2026-04-01T02:00:00.000Z"})
        services.record(session, TEST, "tender.disclosed", f"tender/{tender_id}", {})
        services.record(session, TEST, "tender.created", f"tender/{uuid.uuid4()}", {"title": "另一工程"})
    _sign()
    login(client, "pj-regulator")
    projects = client.get("/supervision/projects").text
    assert projects.count("平定县供水工程") == 1 and "另一工程" in projects
    assert str(tender_id) not in visible(projects)
    for form in (f"tender/{tender_id}", f"tender:{tender_id}"):
        timeline = client.get("/supervision/timeline", params={"subject": form}).text
        assert "时间线 · 招标项目 · 平定县供水工程" in timeline
        # both names of the tender, in log order: its steps and its timed job
        steps = [timeline.index(label) for label in ("招标项目登记", "安排定时任务", "发布招标公告")]
        assert steps == sorted(steps)
    with db.read_only() as session:  # the log keeps what was recorded
        scheduled = services.entries(session, action="job.scheduled")
        assert [e.subject for e in scheduled] == [f"tender:{tender_id}"]


def test_red_flags_name_the_bidders(client: TestClient) -> None:
    make_user("rf-regulator", "regulator")
    a_org, a_name = _org_of(make_user("rf-a", "bidder", org_name="晋阳建设有限公司"))
    b_org, b_name = _org_of(make_user("rf-b", "bidder", org_name="华通路桥有限公司"))
    tender = f"tender/{uuid.uuid4()}"
    with db.transaction() as session:
        services.record(session, TEST, "tender.created", tender, {"title": "盂县道路工程"})
        redflags.assess_bids(session, tender, [
            redflags.BidFacts(a_org, ip="10.8.0.21", price_fen=98_900_000),
            redflags.BidFacts(b_org, ip="10.8.0.21", price_fen=99_000_000)])
    _sign()
    login(client, "rf-regulator")
    page = client.get("/supervision/red-flags").text
    if b_org < a_org:  # a flag lists its bidders in the order of their ids
        a_name, b_name = b_name, a_name
    assert f"{a_name}、{b_name}" in page and "招标项目 · 盂县道路工程" in page
    assert a_org not in page and b_org not in page
    timeline = client.get("/supervision/timeline", params={"subject": tender}).text
    assert f"<dt>投标人</dt><dd>{a_name}、{b_name}</dd>" in timeline
    assert client.get("/supervision/red-flags?lang=en").text.count(f"{a_name}, {b_name}") == 1


def test_english_pages_use_ascii_punctuation(client: TestClient) -> None:
    make_user("en-regulator", "regulator")
    with db.transaction() as session:
        demo.seed(session)
    login(client, "en-regulator")
    client.cookies.set("ggzy_lang", "en")
    answer = post_form(client, "/supervision/draws/verify", {"subject": "draw:SV-DEMO-1"},
                       form_page="/supervision/draws")
    assert answer.status_code == 200
    verified = answer.text.split('id="verified">', 1)[1].split("</div>", 1)[0]
    assert "The draw was re-run from the log: SV-DEMO-1" in verified
    assert not re.search(r"[，：；（）。]", verified), verified
    chinese = client.post("/supervision/draws/verify?lang=zh-CN", data={
        "subject": "draw:SV-DEMO-1", "_csrf_token": csrf_token(client, "/supervision/draws")})
    assert "已按日志复算该次抽取：SV-DEMO-1" in chinese.text
