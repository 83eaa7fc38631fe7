"""A section with a final evaluation report (every member signed), for the award tests
(issue 16): the committee of evaluation_helpers, every bid marked, submitted and signed."""

from __future__ import annotations

from collections.abc import Callable

from bidding.security import subaccounts
from tests.integration.trading.conftest import login, post_form
from trading import clock
from trading.accounts.models import OrganizationKind, Role

from .conftest import Scenario, bearer, db_now, make_user
from .evaluation_flow import bids, elect, mark_all, report_hash, submit
from .evaluation_helpers import Committee, seated_committee


def final_report(client, prefix: str,
                 before_bids: Callable[[Scenario], None] | None = None) -> Committee:
    committee = seated_committee(client, prefix, before_bids=before_bids)
    elect(client, committee)
    found = list(bids(client, committee).values())
    for member in committee.members:
        mark_all(client, committee, member, found)
    for member in committee.members:
        assert submit(client, committee, member).status_code == 303
    report = f"{committee.room}/report"
    sha256 = report_hash(client.get(report).text)
    for member in committee.members:
        login(client, member)
        answer = post_form(client, f"{report}/signatures", {"sha256": sha256, "opinion": "agree",
                                                           "dissent": ""}, form_page=report)
        assert answer.status_code == 303, answer.text
    return committee


def security_paid(client, prefix: str) -> Callable[[Scenario], None]:
    """Before the bids, the settlement bank's gateway reports each bidder's full security
    paid into its sub-account from the bidder's own account (the payer named as its
    organisation, the account ``62220202001100<i>0``)."""

    def pay(scenario: Scenario) -> None:
        bank = bearer(make_user(f"{prefix}-bank", Role.BANK, OrganizationKind.OTHER))
        day = clock.legal_day(db_now()).isoformat()
        for index, bidder in enumerate(scenario.bidders):
            number = subaccounts.sub_account(scenario.section_id, scenario.bidder_org(bidder))
            answer = client.post("/api/v1/security/payments", headers=bank, json={
                "trade_date": day, "payer_name": f"{prefix} 投标单位 {index}",
                "payer_account": f"62220202001100{index}0", "amount_fen": 2_000_000,
                "bank_serial": f"{prefix.upper()}PAY{index}",
                "sub_account": subaccounts.readable(number)})
            assert answer.status_code == 201, answer.text

    return pay
