"""Issue 15's "done when" on ``make run``: the demo tender at the evaluation stage (seeded with the
demo) closes, opens and gets its committee through the real jobs; the five seated demo experts
check in, pledge, elect a chair, mark every bid and sign the report in their pages; the report
is final with at most three candidates and the outlying mark flagged; the regulator sees every
member's marks and the steps in the log. A second seed the same day changes nothing; the next
day's first seeds a fresh one."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from bidding import demo as bidding_demo
from bidding import demo_evaluation, lookup
from bidding import tasks as bidding_tasks
from bidding.models import Tender
from bidding.opening import decryption
from expert_pool import demo_evaluation as draw_demo
from expert_pool import tasks as expert_pool_tasks
from supervision import services as supervision
from tests import clock as test_clock
from tests.integration.trading.conftest import CSRF_FIELD, login
from trading import db, jobs
from trading.accounts.models import User

PASSES = ("Q1", "Q2", "C1", "C2", "C3")
assert bidding_tasks and expert_pool_tasks  # register the jobs' handlers, as the worker's imports do


def _run_job(kind: str, subject: str) -> None:
    """What the dispatcher and a worker do with a due job, in process."""
    with db.transaction() as session:
        job = jobs.get_job(session, kind, subject)
        assert job is not None, kind
        jobs.handler_for(kind).fn(session, job)


def _through_the_jobs(tender_id) -> None:  # type: ignore[no-untyped-def]
    subject = lookup.job_subject(tender_id)
    with db.read_only() as session:
        due = jobs.get_job(session, draw_demo.DEMO_DRAW_JOB, subject)
        assert due is not None
        last_due = due.due_at
    test_clock.advance_past(last_due)
    _run_job("bidding.close", subject)
    _run_job(bidding_demo.DEMO_SHARES_JOB, subject)
    with db.read_only() as session:  # the opening job sends one decryption task per bid
        assert jobs.get_job(session, decryption.OPEN_JOB, subject) is not None
        pending = decryption.pending_bids(session, tender_id)
    assert len(pending) == 3
    for bid_id in pending:  # the body of each task, the real decryption
        decryption.open_one(bid_id)
    _run_job(draw_demo.DEMO_DRAW_JOB, subject)


class Member:
    """One demo expert in the shared test client: signed in, with the form token of its session
    (read once from its 我的抽取 page, where it finds its seat)."""

    def __init__(self, client, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
        self.client, self.username, self.password = client, username, password

    def sign_in(self) -> str:
        login(self.client, self.username, self.password)
        page = self.client.get("/experts/me/draws").text
        self.token = CSRF_FIELD.search(page).group(1)  # type: ignore[union-attr]
        return page

    def post(self, path: str, data: dict[str, str], done: str) -> None:
        answer = self.client.post(path, data={**data, "_csrf_token": self.token},
                                  follow_redirects=False)
        assert answer.status_code == 303, answer.text
        assert f"done={done}" in answer.headers["location"], answer.headers["location"]

    def seat_and_vote(self, room: str, chair: str) -> None:
        """Check in and pledge at 我的抽取, then vote for the chair in the room."""
        pick = re.findall(r'href="/experts/me/draws/(\d+)"', self.sign_in())[-1]
        self.post(f"/experts/me/draws/{pick}/check-in", {}, "checked_in")
        self.post(f"/experts/me/draws/{pick}/pledge", {}, "pledged")
        self.post(f"{room}/vote", {"candidate": chair}, "voted")


def test_the_demo_committee_evaluates_after_start_up(client, monkeypatch) -> None:
    from trading import demo

    monkeypatch.setenv("GGZY_DEMO_EVALUATION", "1")  # off for the rest of the suite

    with db.transaction() as session:
        passwords = demo.seed(session)
        tender = demo_evaluation.current(session)
        assert tender is not None
        tender_id = tender.id
        section_id = lookup.sections_of(session, tender_id)[0].id
    _through_the_jobs(tender_id)
    with db.read_only() as session:
        assert lookup.get_tender(session, tender_id).state == "opened"
        names = dict(session.execute(select(User.id, User.username)).tuples().all())
    room = f"/bidding/evaluation/{tender_id}/{section_id}"

    # The committee: five demo experts, drawn and confirmed by the seed's job.
    from expert_pool import services as experts

    with db.read_only() as session:
        seats = experts.committee_of(session, tender_id, section_id)
    members = [names[s.user_id] for s in seats if s.user_id is not None]
    assert len(members) == 5 and all(m.startswith("demo-expert") for m in members)

    chair = next(str(s.user_id) for s in seats if names[s.user_id] == members[0])
    people = [Member(client, m, passwords[m]) for m in members]
    for person in people:
        person.seat_and_vote(room, chair)
    assert demo_evaluation.TITLE in client.get("/bidding/evaluation").text  # their rooms list
    page = client.get(room).text
    assert "评标委员会负责人：" in page and "综合评估法" in page
    bid_ids = list(dict.fromkeys(re.findall(rf'href="{room}/bids/([0-9a-f-]{{36}})"', page)))
    assert len(bid_ids) == 3, page

    for index, person in enumerate(people):
        person.sign_in()
        for row, bid_id in enumerate(bid_ids):
            outlier = index == len(people) - 1 and row == 1
            marks = {f"mark_{c}": "1" for c in PASSES}
            marks.update({"mark_T1": "3" if outlier else "16", "mark_T2": "15", "mark_B1": "5"})
            person.post(f"{room}/bids/{bid_id}", marks, "marked")
        person.post(f"{room}/submit", {"confirm": "1"}, "submitted")

    page = client.get(room).text
    assert "第 1 名" in page and "第 3 名" in page and "第 4 名" not in page
    assert "其他成员中位数 16.00" in page
    report = f"{room}/report"
    sha256 = re.search(r'id="report-hash">([0-9a-f]{64})<', client.get(report).text)
    assert sha256 is not None
    for person in people:
        person.sign_in()
        person.post(f"{report}/signatures",
                    {"sha256": sha256.group(1), "opinion": "agree", "dissent": ""}, "signed")
    assert "评标委员会全体成员已签署" in client.get(report).text

    # The regulator: every member's marks, the report, and each step in the log.
    with db.transaction() as session:
        supervision.checkpoint_now(session, "test")
    login(client, "demo-regulator", passwords["demo-regulator"])
    assert demo_evaluation.TITLE in client.get("/bidding/evaluation").text  # 评标室
    assert 'id="results-link"' in client.get(room).text
    marks = client.get(f"{room}/results")
    assert marks.status_code == 200 and marks.text.count("16") >= 5
    assert "评标委员会全体成员已签署" in client.get(report).text
    timeline = client.get("/supervision/timeline", params={"subject": lookup.subject(tender_id)}).text
    for label in ("推选出评标委员会负责人", "评标专家提交评分", "评标报告全体成员签署完毕",
                  "演示数据：按21天前发布写入"):
        assert label in timeline, label
    draw_log = client.get("/supervision/log", params={"action": "draw.demo_seeded"}).text
    assert "演示数据：抽取和确认由演示种子代为完成" in draw_log

    # A second start the same day: nothing new. The next day's first start: a fresh tender
    # (check-in is only on the evaluation day) with its own draw job; the old one stays.
    for expected in (1, 2):
        with db.transaction() as session:
            demo.seed(session)
            count = session.scalar(select(func.count()).select_from(Tender)
                                   .where(Tender.title == demo_evaluation.TITLE))
            fresh = demo_evaluation.current(session)
            assert fresh is not None
            assert jobs.get_job(session, draw_demo.DEMO_DRAW_JOB, lookup.job_subject(fresh.id))
        assert count == expected
        test_clock.advance(dt.timedelta(days=1))
    with db.read_only() as session:
        assert lookup.get_tender(session, tender_id).state == "evaluated"  # left as it was: 已评标
