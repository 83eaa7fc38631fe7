"""Steps of the evaluation shared by the rejection, report and review tests (issue 15): the
chair elected, bids read from the room, every bid marked and submitted (lowest evaluated
price: pass/fail criteria only)."""

from __future__ import annotations

import re

from bidding import lookup
from supervision import services as supervision
from tests.integration.trading.conftest import login, post_form
from trading import db

from .evaluation_helpers import Committee

CODES = ("Q1", "Q2", "C1", "C2", "C3", "D1")


def elect(client, committee: Committee) -> str:
    chair = next(iter(committee.members))
    for voter in committee.members:
        login(client, voter)
        answer = post_form(client, f"{committee.room}/vote",
                           {"candidate": str(committee.members[chair])}, form_page=committee.room)
        assert answer.status_code == 303, answer.text
    return chair


def bids(client, committee: Committee) -> dict[str, str]:
    """Bidder name -> bid id, read from the room as a member sees it."""
    page = client.get(committee.room).text
    return dict(re.findall(r"<td>([^<]+)</td><td>[^<]*</td>\s*<td>[^<]*</td>\s*<td><a href=\"[^\"]+"
                           r"/bids/([0-9a-f-]{36})/file", page))


def mark_all(client, committee: Committee, member: str, bid_ids: list[str]) -> None:
    login(client, member)
    for bid_id in bid_ids:
        url = f"{committee.room}/bids/{bid_id}"
        answer = post_form(client, url, {f"mark_{c}": "1" for c in CODES}, form_page=url)
        assert answer.status_code == 303, answer.text


def submit(client, committee: Committee, member: str):
    login(client, member)
    return post_form(client, f"{committee.room}/submit", {"confirm": "1"},
                     form_page=committee.room)


def actions(committee: Committee) -> list[str]:
    with db.read_only() as session:
        return [e.action for e in supervision.entries(
            session, subject=lookup.subject(committee.tender_id), action_prefix="evaluation.",
            limit=1000)]


def report_hash(page: str) -> str:
    found = re.search(r'id="report-hash">([0-9a-f]{64})<', page)
    assert found, page[:2000]
    return found.group(1)
