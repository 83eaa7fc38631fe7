"""A section with a final evaluation report (every member signed), for the award tests
(issue 16): the committee of evaluation_helpers, every bid marked, submitted and signed."""

from __future__ import annotations

from tests.integration.trading.conftest import login, post_form

from .evaluation_flow import bids, elect, mark_all, report_hash, submit
from .evaluation_helpers import Committee, seated_committee


def final_report(client, prefix: str) -> Committee:
    committee = seated_committee(client, prefix)
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
