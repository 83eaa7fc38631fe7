"""As an attacker with a regulator's account: before a tender's deadline no supervision page
names who bid (the log holds a commitment, not the bidder, and the pages look names up only
for ids an entry carries); after the close the same pages name the bidders, not their UUIDs."""

from __future__ import annotations

import uuid

from litestar.testing import TestClient
from sqlalchemy import select

from bidding.models import Bid
from supervision import services
from tests.integration.bidding.conftest import (  # noqa: F401 (autouse fixtures)
    AHEAD,
    bearer,
    bid_plaintext,
    bid_url,
    current,
    db_now,
    make_tender,
    make_user,
    pass_deadline,
    publish_now,
    seal,
    storage_dir,
)
from tests.integration.bidding.test_opening import run_close
from tests.integration.trading.conftest import login
from trading import db
from trading.accounts.models import Role

from .test_readable_pages import visible


def _sign() -> None:
    with db.transaction() as session:
        services.checkpoint_now(session, "test")


def _pages(client: TestClient, tender_id: uuid.UUID) -> dict[str, str]:
    # Every page about the tender or its bids. (The whole log and the recent subjects also
    # list accounts being registered, which says nothing of who bid for what.)
    paths = ["/supervision", "/supervision/projects", "/supervision/red-flags",
             "/supervision/alerts?cleared=true", "/supervision/log?action=bid.submitted",
             "/supervision/notices",
             f"/supervision/timeline?subject=tender/{tender_id}",
             f"/supervision/timeline?subject=tender:{tender_id}",
             f"/supervision/red-flags?tender=tender/{tender_id}"]
    found = {}
    for path in paths:
        for lang in ("zh-CN", "en"):
            page = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
            assert page.status_code == 200, path
            found[f"{path} {lang}"] = page.text
    return found


def test_no_supervision_page_names_a_bidder_before_the_deadline(client: TestClient) -> None:
    scenario = make_tender(prefix="sp")
    publish_now(scenario, db_now() + AHEAD)
    for n, bidder in enumerate(scenario.bidders):
        answer = client.put(bid_url(scenario), headers=bearer(bidder),
                            content=seal(scenario, bidder, bid_plaintext(90_000_000 + n)))
        assert answer.status_code == 201, answer.text
    services.integrate_soon()  # the dispatcher's sequencer round appends the promised entries
    _sign()
    secret = []
    for bidder in scenario.bidders:
        who = current(bidder)
        secret += [str(bidder), str(who.organization_id), who.display_name,
                   scenario_org_name(who.organization_id)]
    make_user("sp-regulator", Role.REGULATOR)
    login(client, "sp-regulator")
    before = _pages(client, scenario.tender_id)
    timeline = before[f"/supervision/timeline?subject=tender/{scenario.tender_id} zh-CN"]
    assert timeline.count("递交投标文件") == 3 and "承诺值" in timeline  # the bids are there...
    for path, page in before.items():
        for value in secret:  # ...but not who made them, anywhere on the page
            assert value not in page, (path, value)

    pass_deadline(scenario.tender_id)
    run_close(scenario)
    _sign()
    after = client.get(f"/supervision/timeline?subject=tender/{scenario.tender_id}").text
    assert "公开投标人身份" in after
    for bidder in scenario.bidders:  # revealed at the close: by name, not by UUID
        org = current(bidder).organization_id
        assert scenario_org_name(org) in visible(after)
        assert str(org) not in visible(after).replace(f"tender/{scenario.tender_id}", "")
    with db.read_only() as session:
        assert session.scalars(select(Bid).where(Bid.tender_id == scenario.tender_id)).first()


def scenario_org_name(org_id: uuid.UUID | None) -> str:
    from trading.accounts.models import Organization

    with db.read_only() as session:
        org = session.get(Organization, org_id)
        assert org is not None
        return org.name
