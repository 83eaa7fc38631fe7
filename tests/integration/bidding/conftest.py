"""Fixtures for the bidding tests: a tender with a real dealer-free key ceremony, real
envelopes."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bidding import lookup
from bidding.models import Tender, TenderState
from bidding.sealing import ceremony as key_ceremony
from bidding.sealing import ceremony_local, panels
from bidding.sealing.crypto import custody, dkg, dkg_custodian
from bidding.sealing.crypto.envelope import seal_stream
from bidding.submission import intake
from bidding.tendering import documents, periods, tenders
from tests import clock as test_clock
from tests.integration.trading.conftest import (  # noqa: F401 (fixtures)
    PASSWORD,
    client,
    csrf_token,
    login,
    post_form,
)
from trading import calendar_years, clock, db, jobs
from trading.accounts import services as accounts
from trading.accounts.models import OrganizationKind, Role
from trading.accounts.services import CurrentUser
from trading.audit import Actor
from trading.settings import get_settings

TEST = Actor.system("test")
FAST_KDF = custody.MIN_KDF_ITERATIONS
#: How far ahead a test puts a deadline it will pass: far enough that no machine, however
#: loaded, reaches it by itself; the test moves the test clock past it (``pass_deadline``).
AHEAD = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def storage_dir(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test stores bids and documents under its own directory."""
    storage = tmp_path / "storage"
    monkeypatch.setenv("GGZY_STORAGE_DIR", str(storage))
    get_settings.cache_clear()
    yield storage
    get_settings.cache_clear()


ANNOUNCEMENT = {
    "project_scope": "道路、排水、照明工程施工", "project_scale": "全长 3.2 公里",
    "funding_source": "财政资金", "technical_requirements": "符合 CJJ 1-2008 城镇道路工程施工规范",
    "qualification": "市政公用工程施工总承包二级及以上资质", "opening_place": "电子交易平台线上开标",
    "contact": "王工 0353-2020888",
}


def make_user(username: str, role: Role, org_kind: OrganizationKind | None = None,
              org_name: str | None = None) -> uuid.UUID:
    with db.transaction() as session:
        org = None
        if org_kind is not None:
            org = accounts.create_organization(session, TEST, org_name or f"{username} 单位",
                                               org_kind, None)
        user = accounts.create_user(session, TEST, username=username,
                                    display_name=f"{username} 用户", password=PASSWORD,
                                    roles=[role], organization=org)
        return user.id


def token_for(user_id: uuid.UUID) -> str:
    with db.transaction() as session:
        return accounts.create_api_token(session, TEST, user_id, "test")


def bearer(user_id: uuid.UUID) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user_id)}"}


def current(user_id: uuid.UUID) -> CurrentUser:
    with db.read_only() as session:
        return CurrentUser.of(accounts.get_user(session, user_id))


def db_now() -> dt.datetime:
    with db.read_only() as session:
        return clock.now(session)


@dataclass
class Scenario:
    """A tender with a custody panel (k of n) whose ceremony is done, and bidders."""

    tender_id: uuid.UUID
    section_id: uuid.UUID
    staff: uuid.UUID
    tenderee: uuid.UUID
    custodians: list[uuid.UUID]
    keys: dict[uuid.UUID, custody.CustodianKeys]
    bidders: list[uuid.UUID] = field(default_factory=list)
    public_key: bytes = b""
    key_id: str = ""

    def bidder_org(self, user_id: uuid.UUID) -> uuid.UUID:
        org = current(user_id).organization_id
        assert org is not None
        return org


def make_custodians(n: int, prefix: str = "cust") -> tuple[
        list[uuid.UUID], dict[uuid.UUID, custody.CustodianKeys]]:
    ids, keys = [], {}
    for index in range(n):
        user_id = make_user(f"{prefix}{index}", Role.CUSTODIAN, OrganizationKind.OTHER)
        pair = custody.generate_custodian_keys()
        with db.transaction() as session:
            panels.register_key(session, TEST, current(user_id), pair.public().to_document())
        ids.append(user_id)
        keys[user_id] = pair
    return ids, keys


def make_tender(k: int = 2, n: int = 3, bidders: int = 3, *, prefix: str = "t",
                with_ceremony: bool = True) -> Scenario:
    staff = make_user(f"{prefix}-staff", Role.STAFF, OrganizationKind.TRADING_CENTER)
    tenderee = make_user(f"{prefix}-tenderee", Role.TENDEREE, OrganizationKind.TENDEREE)
    custodians, keys = make_custodians(n, prefix=f"{prefix}-cust")
    data = tenders.TenderInput(
        title="测试工程", category="construction", region="山西省阳泉市",
        evaluation_method="经评审的最低投标价法", custody_k=k, custodian_ids=custodians,
        sections=[tenders.SectionInput("第一标段", 100_000_000, 2_000_000, 110_000_000)],
        tenderee_org_id=current(tenderee).organization_id, announcement=dict(ANNOUNCEMENT),
    )
    with db.transaction() as session:
        tender = tenders.create_tender(session, TEST, staff, data)
        section_id = lookup.sections_of(session, tender.id)[0].id
        tender_id = tender.id
    scenario = Scenario(tender_id, section_id, staff, tenderee, custodians, keys)
    if with_ceremony:
        ceremony(scenario)
    with db.transaction() as session:
        documents.add_document(session, TEST, tender_id, "招标文件.pdf", "application/pdf",
                             b"%PDF-1.4 tender documents")
    scenario.bidders = [make_user(f"{prefix}-bidder{i}", Role.BIDDER, OrganizationKind.BIDDER,
                                  f"{prefix} 投标单位 {i}") for i in range(bidders)]
    return scenario


def ceremony(scenario: Scenario) -> None:
    """The dealer-free ceremony, each custodian's steps done with its own keys (as
    ``ggzy custody contribute`` and ``check`` would on their machines)."""
    custodians = [(current(c), scenario.keys[c]) for c in scenario.custodians]
    with db.transaction() as session:
        ceremony_local.hold(session, current(scenario.staff), scenario.tender_id, custodians)
    with db.read_only() as session:
        tender = lookup.get_tender(session, scenario.tender_id)
        assert tender.opening_public_key is not None and tender.opening_key_id is not None
        scenario.public_key, scenario.key_id = tender.opening_public_key, tender.opening_key_id


def transcript(scenario: Scenario) -> dkg.Transcript:
    with db.read_only() as session:
        return key_ceremony.transcript_of(session, lookup.get_tender(session,
                                                                      scenario.tender_id))


def publish_now(scenario: Scenario, deadline: dt.datetime) -> None:
    """Published "as if 21 days ago" (R-10 would otherwise forbid a near deadline)."""
    with db.transaction() as session:
        now = clock.now(session)
        jobs.schedule(session, tenders.CLOSE_JOB, lookup.job_subject(scenario.tender_id),
                      deadline)
        session.execute(update(Tender).where(Tender.id == scenario.tender_id).values(
            state=TenderState.PUBLISHED.value, documents_issued_at=now - dt.timedelta(days=21),
            sale_ends_at=now - dt.timedelta(days=14), deadline=deadline))


def publish_through_api(http: Any, scenario: Scenario) -> dt.datetime:
    """Published by the tenderee with the earliest legal deadline (10:00 Beijing); returns it."""
    today = clock.legal_day(db_now())
    with db.read_only() as session:
        earliest = calendar_years.period_end(session, periods.deadline_period(today)).end
        sale_end = calendar_years.period_end(session, periods.sale_period(today, "construction")).end
    deadline = dt.datetime.combine(earliest, dt.time(10), tzinfo=clock.local_zone())
    answer = http.post(f"/api/v1/tenders/{scenario.tender_id}/publish",
                       headers=bearer(scenario.tenderee),
                       json={"deadline": deadline.isoformat(),
                             "sale_ends_on": sale_end.isoformat()})
    assert answer.status_code == 201, answer.text
    return deadline


def set_deadline(tender_id: uuid.UUID, deadline: dt.datetime) -> None:
    with db.transaction() as session:
        session.execute(update(Tender).where(Tender.id == tender_id).values(deadline=deadline))
        jobs.schedule(session, tenders.CLOSE_JOB, lookup.job_subject(tender_id), deadline)


def deadline_of(tender_id: uuid.UUID) -> dt.datetime:
    with db.read_only() as session:
        deadline = lookup.get_tender(session, tender_id).deadline
    assert deadline is not None
    return deadline


def pass_deadline(tender_id: uuid.UUID) -> dt.datetime:
    """Move the test clock (every process on the database sees it) just past the tender's
    deadline, instead of sleeping until it; return the new now."""
    return test_clock.advance_past(deadline_of(tender_id))


def run_closing(tender_id: uuid.UUID) -> None:
    """Run the tender's closing job now, as the worker would at the deadline."""
    from bidding.opening import closing

    with db.transaction() as session:
        job = jobs.get_job(session, tenders.CLOSE_JOB, lookup.job_subject(tender_id))
        assert job is not None
        closing.close(session, job)


def bid_plaintext(price_fen: int, marker: str = "", days: int = 300) -> bytes:
    header = {"format": "ggzy-bid/1", "price_fen": price_fen, "duration_days": days,
              "quality": "合格", "items": {"note": marker}}
    return json.dumps(header, ensure_ascii=False).encode() + b"\n" + marker.encode() * 3


def seal(scenario: Scenario, bidder: uuid.UUID, plaintext: bytes, *,
         tender_id: uuid.UUID | None = None, segment_size: int = 4096) -> bytes:
    out = io.BytesIO()
    seal_stream(io.BytesIO(plaintext), out, opening_public_key=scenario.public_key,
                tender_id=str(tender_id or scenario.tender_id),
                section_id=str(scenario.section_id), bidder_id=str(scenario.bidder_org(bidder)),
                key_id=scenario.key_id, segment_size=segment_size)
    return out.getvalue()


def sealed_upload(scenario: Scenario, bidder: uuid.UUID, price_fen: int) -> intake.IncomingBid:
    """A bid sealed and received as an upload, after the pre-check, ready to be stored."""
    with db.read_only() as session:
        target = intake.precheck(session, current(bidder), scenario.tender_id,
                                 scenario.section_id)
    upload = intake.IncomingBid(target)
    upload.write(seal(scenario, bidder, bid_plaintext(price_fen)))
    return upload


def bid_url(scenario: Scenario) -> str:
    return f"/api/v1/tenders/{scenario.tender_id}/sections/{scenario.section_id}/bid"


def share_body(scenario: Scenario, custodian: uuid.UUID) -> dict[str, str]:
    """What ``ggzy custody open-share`` sends: the share derived from the transcript, signed."""
    body = dkg_custodian.share_submission(transcript(scenario), scenario.keys[custodian])
    return {"share_b64": body["share_b64"], "signature_b64": body["signature_b64"]}


def tender_state(tender_id: uuid.UUID) -> str:
    with db.read_only() as session:
        return session.scalars(select(Tender.state).where(Tender.id == tender_id)).one()


def log_actions(subject_prefix: str | None = None) -> list[str]:
    from supervision import services as log

    with db.read_only() as session:
        return [e.action for e in log.entries(session, limit=10_000)
                if subject_prefix is None or e.subject.startswith(subject_prefix)]
