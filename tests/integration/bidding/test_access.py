"""Every mutating bidding route refuses a wrong role with 403 and counts the denial (not one
log entry per refusal: trading.denials)."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.trading.conftest import csrf_token, login
from trading import db, denials

from .conftest import Scenario, bearer, log_actions, make_tender

API = [
    ("POST", "/api/v1/tenders", "bidder"),
    ("POST", "/api/v1/tenders/{t}/documents", "bidder"),
    ("POST", "/api/v1/tenders/{t}/publish", "custodian"),
    ("POST", "/api/v1/tenders/{t}/clarifications", "bidder"),
    ("POST", "/api/v1/tenders/{t}/objections", "staff"),
    ("POST", "/api/v1/tenders/{t}/objections/{x}/answer", "bidder"),
    ("POST", "/api/v1/tenders/{t}/cancel", "tenderee"),
    ("PUT", "/api/v1/tenders/{t}/sections/{s}/bid", "staff"),
    ("DELETE", "/api/v1/tenders/{t}/sections/{s}/bid", "custodian"),
    ("PUT", "/api/v1/tenders/{t}/bids/{x}/backup", "staff"),
    ("POST", "/api/v1/custodians/me/keys", "bidder"),
    ("POST", "/api/v1/tenders/{t}/ceremony", "bidder"),
    ("POST", "/api/v1/tenders/{t}/ceremony", "tenderee"),
    ("POST", "/api/v1/tenders/{t}/ceremony/contributions", "staff"),
    ("POST", "/api/v1/tenders/{t}/ceremony/contributions", "bidder"),
    ("POST", "/api/v1/tenders/{t}/ceremony/checks", "staff"),
    ("POST", "/api/v1/tenders/{t}/ceremony/reveals", "tenderee"),
    ("POST", "/api/v1/tenders/{t}/ceremony/advance", "custodian"),
    ("POST", "/api/v1/tenders/{t}/shares", "bidder"),
    ("GET", "/api/v1/tenders/{t}/opening/key", "staff"),
    ("GET", "/api/v1/tenders/{t}/downloads", "bidder"),
    ("POST", "/api/v1/tenders/{t}/halves", "custodian"),
    ("GET", "/api/v1/tenders/{t}/halves/mine", "staff"),
]

PAGES = [
    ("POST", "/bidding/tenders", "bidder"),
    ("POST", "/bidding/tenders/{t}/documents", "bidder"),
    ("POST", "/bidding/tenders/{t}/publish", "custodian"),
    ("POST", "/bidding/tenders/{t}/clarifications", "bidder"),
    ("POST", "/bidding/tenders/{t}/cancel", "tenderee"),
    ("POST", "/bidding/tenders/{t}/objections", "custodian"),
    ("POST", "/bidding/tenders/{t}/objections/{x}/answer", "bidder"),
    ("PUT", "/bidding/tenders/{t}/sections/{s}/bid", "staff"),
    ("POST", "/bidding/tenders/{t}/sections/{s}/withdraw", "staff"),
    ("POST", "/bidding/tenders/{t}/bids/{x}/backup", "custodian"),
    ("POST", "/custody/keys", "bidder"),
    ("POST", "/bidding/tenders/{t}/ceremony", "bidder"),
    ("POST", "/bidding/tenders/{t}/ceremony/advance", "custodian"),
    ("POST", "/custody/bidding/tenders/{t}/shares", "bidder"),
    ("POST", "/bidding/tenders/{t}/halves", "tenderee"),
]


@pytest.fixture
def scenario(database: str) -> Scenario:
    return make_tender(prefix="acl")


def _denied() -> int:
    with db.read_only() as session:
        return denials.total_denials(session)


def _user_for(scenario: Scenario, role: str) -> uuid.UUID:
    return {"bidder": scenario.bidders[0], "custodian": scenario.custodians[0],
            "staff": scenario.staff, "tenderee": scenario.tenderee}[role]


def _path(template: str, scenario: Scenario) -> str:
    return template.format(t=scenario.tender_id, s=scenario.section_id, x=uuid.uuid4())


@pytest.mark.parametrize(("method", "template", "role"), API)
def test_api_wrong_role(client, scenario: Scenario, method: str, template: str,
                        role: str) -> None:
    before = _denied()
    answer = client.request(method, _path(template, scenario), content=b"{}",
                            headers={**bearer(_user_for(scenario, role)),
                                     "content-type": "application/json"})
    assert answer.status_code == 403, answer.text
    assert _denied() == before + 1
    assert "access.denied" not in log_actions()


USERNAMES = {"bidder": "acl-bidder0", "custodian": "acl-cust0", "staff": "acl-staff",
             "tenderee": "acl-tenderee"}


@pytest.mark.parametrize(("method", "template", "role"), PAGES)
def test_page_wrong_role(client, scenario: Scenario, method: str, template: str,
                         role: str) -> None:
    assert login(client, USERNAMES[role]).status_code == 303
    token = csrf_token(client, "/")
    before = _denied()
    answer = client.request(method, _path(template, scenario), data={"_csrf_token": token},
                            headers={"X-CSRFToken": token}, follow_redirects=False)
    assert answer.status_code == 403, answer.text
    assert _denied() == before + 1
    assert "access.denied" not in log_actions()
