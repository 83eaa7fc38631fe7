"""Everything the spike needs in the database before the load, made through the services:
users with API tokens, a tender with a real dealer-free key ceremony, published under the law's
periods, and the envelopes sealed beforehand by the project's own sealing code.

The custodians' private keys stay in this process (``Fixture.custodian_keys``): after the
closing the driver sends their opening shares over HTTP, as ``ggzy custody open-share`` would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bidding import services as bidding
from bidding.cli.bidder import bid_plaintext_line
from bidding.sealing import ceremony_local
from bidding.sealing.crypto import custody
from bidding.sealing.crypto.envelope import seal_stream
from bidding.tendering import periods
from loadtests.spike.plan import Bidder, Plan, Settings, Step, roles
from trading import calendar_years, clock, db
from trading.accounts import services as accounts
from trading.accounts.models import OrganizationKind, Role
from trading.accounts.services import CurrentUser
from trading.audit import Actor

SETUP = Actor.system("loadtest")
ANNOUNCEMENT = {
    "project_scope": "道路、排水、照明工程施工", "project_scale": "全长 3.2 公里",
    "funding_source": "财政资金", "technical_requirements": "符合 CJJ 1-2008 城镇道路工程施工规范",
    "qualification": "市政公用工程施工总承包二级及以上资质", "opening_place": "电子交易平台线上开标",
    "contact": "王工 0353-2020888",
}


@dataclass
class Fixture:
    tender_id: uuid.UUID
    section_id: uuid.UUID
    key_id: str
    public_key: bytes
    deadline: dt.datetime
    custodians: list[tuple[uuid.UUID, str, custody.CustodianKeys]] = field(default_factory=list)
    bidders: list[tuple[int, str, uuid.UUID]] = field(default_factory=list)  # index, token, org


def _user(name: str, role: Role, kind: OrganizationKind | None) -> tuple[uuid.UUID, str]:
    """A user (and its organization); returns its id and a fresh API token."""
    with db.transaction() as session:
        org = None
        if kind is not None:
            org = accounts.create_organization(session, SETUP, f"{name} 单位", kind, None)
        user = accounts.create_user(session, SETUP, username=name, display_name=f"{name} 联系人",
                                    password=secrets.token_urlsafe(18), roles=[role],
                                    organization=org)
        token = accounts.create_api_token(session, SETUP, user.id, "spike")
        return user.id, token


def _current(user_id: uuid.UUID) -> CurrentUser:
    with db.read_only() as session:
        return CurrentUser.of(accounts.get_user(session, user_id))


def build(settings: Settings, prefix: str) -> Fixture:
    """Users, the ceremony and the published tender (deadline ≥ 20 days ahead, as R-10 wants;
    the driver then moves the test clock to minutes before it)."""
    staff, _ = _user(f"{prefix}-staff", Role.STAFF, OrganizationKind.TRADING_CENTER)
    tenderee, _ = _user(f"{prefix}-tenderee", Role.TENDEREE, OrganizationKind.TENDEREE)
    custodians = []
    for i in range(3):
        user_id, token = _user(f"{prefix}-cust{i}", Role.CUSTODIAN, OrganizationKind.OTHER)
        keys = custody.generate_custodian_keys()
        with db.transaction() as session:
            bidding.register_key(session, SETUP, _current(user_id), keys.public().to_document())
        custodians.append((user_id, token, keys))
    data = bidding.TenderInput(
        title=f"负载测试工程 {prefix}", category="construction", region="山西省阳泉市",
        evaluation_method="经评审的最低投标价法", custody_k=2,
        custodian_ids=[c[0] for c in custodians],
        sections=[bidding.SectionInput("第一标段", 100_000_000, 2_000_000, 110_000_000)],
        tenderee_org_id=_current(tenderee).organization_id, announcement=dict(ANNOUNCEMENT))
    with db.transaction() as session:
        tender = bidding.create_tender(session, SETUP, staff, data)
        tender_id = tender.id
        section_id = bidding.sections_of(session, tender_id)[0].id
    with db.transaction() as session:
        ceremony_local.hold(session, _current(staff), tender_id,
                            [(_current(c[0]), c[2]) for c in custodians])
    with db.transaction() as session:
        bidding.add_document(session, SETUP, tender_id, "招标文件.pdf", "application/pdf",
                             b"%PDF-1.4 spike tender documents")
    with db.transaction() as session:
        today = clock.legal_day(clock.now(session))
        earliest = calendar_years.period_end(session, periods.deadline_period(today)).end
        sale_end = calendar_years.period_end(
            session, periods.sale_period(today, "construction")).end
        deadline = dt.datetime.combine(earliest, dt.time(10), tzinfo=clock.LEGAL_ZONE)
        published = bidding.publish(session, SETUP, tender_id, deadline, sale_end)
        assert published.opening_public_key is not None and published.opening_key_id
        fixture = Fixture(tender_id, section_id, published.opening_key_id,
                          published.opening_public_key, deadline, custodians)
    # Argon2 runs outside the GIL: two threads make the bidders twice as fast on two cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        made = list(pool.map(lambda i: (i, *_user(f"{prefix}-b{i}", Role.BIDDER,
                                                  OrganizationKind.BIDDER)),
                             range(settings.bidders)))
    for index, user_id, token in made:
        org = _current(user_id).organization_id
        assert org is not None
        fixture.bidders.append((index, token, org))
    return fixture


def seal_envelope(fixture: Fixture, org: uuid.UUID, size: int, path: Path, price_fen: int) -> Step:
    head = bid_plaintext_line(f"{price_fen // 100}.{price_fen % 100:02d}", 300, "合格")
    filler = path.with_suffix(".plain")
    with filler.open("wb") as out:
        out.write(head)
        left = max(0, size - len(head) - 200)  # the envelope adds its header and tags
        block = os.urandom(1 << 20)
        while left > 0:
            out.write(block[:min(left, len(block))])
            left -= min(left, len(block))
    with filler.open("rb") as src, path.open("wb") as dst:
        seal_stream(src, dst, opening_public_key=fixture.public_key,
                    tender_id=str(fixture.tender_id), section_id=str(fixture.section_id),
                    bidder_id=str(org), key_id=fixture.key_id)
    filler.unlink()
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
    return Step(at=0.0, kind="submit", envelope=str(path), sha256=digest.hexdigest(),
                size=path.stat().st_size)


def seal_all(fixture: Fixture, settings: Settings, folder: Path, host: str) -> Plan:
    """Seal every envelope the day needs (one per submission) and write the script."""
    folder.mkdir(parents=True, exist_ok=True)
    bidders = []
    for (index, token, org), role in zip(fixture.bidders, roles(settings), strict=True):
        price = 95_000_000 + index * 1_000
        first = seal_envelope(fixture, org, role.size, folder / f"{index}-a.env", price)
        first.at, first.late = role.first, role.late
        steps = [first]
        if role.replace_at is not None:
            second = seal_envelope(fixture, org, settings.small_bytes, folder / f"{index}-b.env",
                           price - 500)
            second.at = role.replace_at
            steps.append(second)
        if role.withdraw_at is not None:
            steps.append(Step(at=role.withdraw_at, kind="withdraw"))
        bidders.append(Bidder(index, token, str(org), steps))
    return Plan(host=host, tender_id=str(fixture.tender_id), section_id=str(fixture.section_id),
                key_id=fixture.key_id, settings=settings, bidders=bidders)
