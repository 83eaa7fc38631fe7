"""What a newcomer tries after ``make run``: a committee for the demo tender after its deadline.

The demo's third bidder bids (as demo-bidder1 would in the browser), the deadline passes on the
test clock, staff ask for 3 × A0201 + 1 × A1503, the supervising officer types a value, and the
recused experts are the ones the demo planted: a demo bidder's employee, the tenderee's, a
penalized one and a suspended one, each with its reason. The export verifies.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from bidding import demo as bidding_demo
from bidding import lookup
from bidding.sealing.crypto.envelope import seal_stream
from bidding.tendering import tenders
from expert_pool.cli import draw as draw_cli
from supervision import export
from supervision import services as supervision
from tests import clock as test_clock
from tests.integration.bidding.test_opening import bid_plaintext
from tests.integration.expert_pool.conftest import TEST
from trading import db, jobs
from trading.accounts import services as accounts
from trading.accounts.models import User

ASK = {"A0201": 3, "A1503": 1}


def _user(session, username: str) -> User:  # type: ignore[no-untyped-def]
    return session.scalars(select(User).where(User.username == username)).one()


def _bearer(username: str) -> dict[str, str]:
    with db.transaction() as session:
        token = accounts.create_api_token(session, TEST, _user(session, username).id, "demo")
    return {"Authorization": f"Bearer {token}"}


def _third_bid(client, tender_id: uuid.UUID) -> uuid.UUID:  # type: ignore[no-untyped-def]
    with db.read_only() as session:
        tender = lookup.get_tender(session, tender_id)
        section = lookup.sections_of(session, tender_id)[0]
        bidder_org = _user(session, "demo-bidder1").organization_id
        key, key_id = tender.opening_public_key, tender.opening_key_id
    sealed = io.BytesIO()
    seal_stream(io.BytesIO(bid_plaintext(1_150_000_000)), sealed, opening_public_key=key,
                tender_id=str(tender_id), section_id=str(section.id), bidder_id=str(bidder_org),
                key_id=key_id, segment_size=4096)
    answer = client.put(f"/api/v1/tenders/{tender_id}/sections/{section.id}/bid",
                        headers=_bearer("demo-bidder1"), content=sealed.getvalue())
    assert answer.status_code == 201, answer.text
    return section.id


def _close(tender_id: uuid.UUID) -> None:
    from bidding.opening import closing

    with db.read_only() as session:
        deadline = lookup.get_tender(session, tender_id).deadline
    assert deadline is not None
    test_clock.advance_past(deadline)
    with db.transaction() as session:
        job = jobs.get_job(session, tenders.CLOSE_JOB, lookup.job_subject(tender_id))
        assert job is not None
        closing.close(session, job)


def test_a_committee_for_the_demo_tender_recuses_the_planted_experts(client, tmp_path: Path) -> None:
    from trading import demo

    with db.transaction() as session:
        demo.seed(session)
        tender_id = bidding_demo.demo_tender_id(session)
        supervisor = _user(session, "demo-regulator").id
    assert tender_id is not None
    section_id = _third_bid(client, tender_id)
    _close(tender_id)
    staff, regulator = _bearer("demo-staff"), _bearer("demo-regulator")
    with db.read_only() as session:
        from trading import clock

        evaluation = clock.now(session) + dt.timedelta(days=2)
    body = {"tender_id": str(tender_id), "section_id": str(section_id), "committee_size": 5,
            "tenderee_representatives": 1, "evaluation_at": evaluation.isoformat(),
            "place": "阳泉市公共资源交易中心 2 号评标室", "supervisor_user_id": str(supervisor),
            "requirements": [{"specialty_code": c, "count": n} for c, n in ASK.items()]}
    counts = client.post("/api/v1/expert-draws/preview", json=body, headers=staff).json()
    # 10 signed-in road experts, 2 recused (bidder's and tenderee's) and 1 penalized of 13; the
    # cost pool has 5 signed-in experts and 1 suspended.
    assert {c["code"]: c["eligible"] for c in counts["counts"]} == {"A0201": 10, "A1503": 5}
    created = client.post("/api/v1/expert-draws", json=body, headers=staff)
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    assert client.post(f"/api/v1/expert-draws/{number}/commit", headers=staff).status_code == 200
    drawn = client.post(f"/api/v1/expert-draws/{number}/contribution", headers=regulator,
                        json={"value": "陈处长 0417"})
    assert drawn.status_code == 200, drawn.text
    seats = [p for p in drawn.json()["picks"] if p["state"] == "notified"]
    assert sorted(p["specialty_code"] for p in seats) == ["A0201", "A0201", "A0201", "A1503"]
    excluded = client.get(f"/api/v1/expert-draws/{number}/exclusions", headers=regulator).json()
    reasons = {e["expert_number"]: e["reason"] for e in excluded}
    assert reasons == {"E000009": "bidder_employee", "E000010": "tenderee_employee",
                       "E000011": "penalized", "E000012": "suspended"}
    assert client.get(f"/api/v1/expert-draws/{number}/exclusions", headers=staff).status_code == 403
    path = tmp_path / "log.jsonl"
    with db.transaction() as session:
        supervision.checkpoint_now(session, "test")
    path.write_bytes(b"".join(export.export_lines()))
    result = CliRunner().invoke(draw_cli, ["verify", str(path), "--draw", number])
    assert result.exit_code == 0 and f"{number} (ggzy-draw-v3): match" in result.output, result.output
