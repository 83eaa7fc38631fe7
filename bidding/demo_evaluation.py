"""The ``make run`` demo tender that reaches the evaluation room by itself (issue 15).

Without it a newcomer must wait for a deadline, submit shares, open, request a draw as staff,
type the supervising officer's value and confirm eight invitations before any expert can
score. This tender goes through the same services and jobs, only with the demo accounts
acting at once:

- seeded (inside the demo seed transaction): a tender with one section, its 2-of-3 key
  ceremony done with the demo custodians' key files, a document, *published as if 21 days
  ago* (``demo.publish_backdated``, logged as demo data) with its deadline
  ``DEADLINE_SECONDS`` after start-up, and three sealed bids, one from each of demo-bidder1..3
  at different prices (sealed here, stored through the normal intake checks);
- then the real jobs: ``bidding.close`` at the deadline, ``bidding.demo_shares`` (two demo
  custodians submit their shares), the opening's decryption tasks (the real decryption), and
  ``expert_pool.demo_draw`` (expert_pool/demo_evaluation.py): the committee drawn through the
  draw services and confirmed by the drawn demo experts, for the Beijing day of start-up.
  About a quarter of a minute after start-up, demo-expert … can sign in, check in, pledge,
  elect a chair, score and sign the report.

Idempotent: a second start on the same Beijing day changes nothing. Once that day is over
(check-in is only on the evaluation day), the next start seeds a fresh tender; the old one stays
as it was left. ``GGZY_DEMO_EVALUATION=0`` leaves it out.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import demo, lookup
from bidding.models import Tender, TenderState
from bidding.sealing.crypto import custody
from bidding.tendering import documents
from trading import clock, jobs

TITLE = "阳泉市桃河东路桥梁加固工程（演示，评标阶段）"
NOTE = ("演示项目：启动时已封装三份投标，截止后自动提交份额、开标，并由演示专家组成评标委员会"
        "（抽取并确认），评标日为启动当日。演示专家登录后签到、签署承诺书即可进入评标室。")
#: Long enough for the seed transaction to store the three bids before the deadline; the bids
#: are stored by the intake checks against the real clock, so it must not be zero.
DEADLINE_SECONDS = 5
SHARES_AFTER = dt.timedelta(seconds=1)
#: demo-bidder1..3, different prices (fen) and durations (days), all under the price cap.
BIDS = (("demo-bidder1", 1_150_000_000, 290), ("demo-bidder2", 1_186_000_000, 300),
        ("demo-bidder3", 1_215_500_000, 280))
#: Tender states in which a demo tender of today is still on its way (or in the room).
ON_ITS_WAY = (TenderState.PUBLISHED.value, TenderState.CLOSED.value, TenderState.OPENED.value,
              TenderState.EVALUATED.value)


def current(session: Session) -> Tender | None:
    """The demo evaluation tender seeded on today's Beijing day, if any."""
    latest = session.scalar(select(Tender).where(Tender.title == TITLE)
                            .order_by(Tender.created_at.desc()).limit(1))
    if latest is None or latest.state not in ON_ITS_WAY:
        return None
    today = clock.legal_day(clock.now(session))
    return latest if clock.legal_day(latest.created_at) == today else None


def enabled() -> bool:
    """GGZY_DEMO_EVALUATION (default on). The test suite turns it off (tests/conftest.py): its
    many demo seeds do not need this tender, and CI time is tight; its own test turns it on."""
    return os.environ.get("GGZY_DEMO_EVALUATION", "1") != "0"


def seed_demo(session: Session, keys: dict[str, custody.CustodianKeys]) -> None:
    """``Domain.seed_demo`` (after ``demo.seed_demo``, with its custodians' keys): see the
    module docstring."""
    if not enabled() or current(session) is not None:
        return
    tender = demo.create_demo_tender(session, TITLE, NOTE)
    demo.hold_ceremony(session, tender, keys)
    documents.add_document(session, demo.DEMO_ACTOR, tender.id, "招标文件.txt", "text/plain",
                           "演示招标文件：桃河东路桥梁加固，工期 300 日历天。\n".encode())
    now = clock.now(session)
    deadline = now + dt.timedelta(seconds=DEADLINE_SECONDS)
    demo.publish_backdated(session, tender, now, deadline)
    for username, price, days in BIDS:
        demo.preseal(session, tender, username, price, days)
    # The shares go in by themselves whatever GGZY_DEMO_AUTO_SHARES says: this tender exists
    # to reach the evaluation room without manual steps.
    jobs.schedule(session, demo.DEMO_SHARES_JOB, lookup.job_subject(tender.id),
                  deadline + SHARES_AFTER)


def tender_for_draw(session: Session) -> tuple[uuid.UUID, dt.datetime] | None:
    """The demo evaluation tender of today and its deadline (the expert pool's demo schedules
    its committee draw after it)."""
    tender = current(session)
    if tender is None or tender.deadline is None:
        return None
    return tender.id, tender.deadline
