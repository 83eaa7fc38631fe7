"""The regulator's portal with the demo cases seeded; and a regulator can change nothing."""

from __future__ import annotations

import re
import uuid

import pytest
from litestar.testing import TestClient

from supervision import demo, services
from trading import db, denials
from trading.audit import Actor

from .conftest import bearer, login, make_user, user_with_token

PAGES = {
    "/supervision": ["监管总览", "<svg", "红色预警"],
    "/supervision/alerts": ["项目登记受理超过法定时限（演示）", "黄色预警"],
    "/supervision/red-flags": ["相同IP地址投标", "10.8.0.21", "人员重复", "author=张伟",
                               "报价均贴近最高限价", "报价呈等差排列"],
    "/supervision/red-flags?lang=en": ["Collusion red flags", "Same IP address"],
    "/supervision/projects": ["招标项目 · SV-DEMO-001"],
    "/supervision/timeline?subject=tender:SV-DEMO-001": ["围标串标预警线索", "包含证明有效"],
    "/supervision/draws": ["draw:SV-DEMO-1", "可复现"],
    "/supervision/notices": ["公告原文", "中标候选人公示", "13800000000"],
    "/supervision/log": ["抽取承诺"],
}


@pytest.fixture
def seeded(client: TestClient) -> TestClient:
    make_user("demo-regulator", "regulator")
    with db.transaction() as session:
        demo.seed(session)
        demo.seed(session)  # idempotent
        services.record(session, Actor.system("disclosure"), "notice.published", "notice/1",
                        {"title": "中标候选人公示", "bidder_contact": "13800000000"})
    return client


def test_the_portal_shows_the_seeded_cases(seeded: TestClient) -> None:
    assert login(seeded, "demo-regulator").status_code == 303
    for path, expected in PAGES.items():
        page = seeded.get(path)
        assert page.status_code == 200, path
        for text in expected:
            assert text in page.text, (path, text)
    export = seeded.get("/supervision/export.jsonl")
    assert export.status_code == 200 and export.text.startswith('{"format":"ggzy-log-export/v1"')


def test_the_portal_is_for_regulators_only(seeded: TestClient) -> None:
    make_user("clerk", "staff")
    login(seeded, "clerk")
    for path in PAGES:
        assert seeded.get(path, follow_redirects=False).status_code == 403, path
    mine = seeded.get("/supervision/my-alerts")
    assert mine.status_code == 200
    assert "项目登记受理超过法定时限（演示）" in mine.text  # staff answer for the intake limit
    assert "投诉处理决定即将到期（演示）" not in mine.text  # the tenderee's, not theirs


def test_the_regulator_api_and_the_data_exchange(seeded: TestClient) -> None:
    _, token = user_with_token("province", "regulator")
    _, bidder = user_with_token("bidder9", "bidder")
    flags = seeded.get("/api/v1/supervision/red-flags", headers=bearer(token)).json()
    assert {"same_ip", "same_document", "same_metadata", "same_persons"} <= {f["rule"] for f in flags}
    alerts = seeded.get("/api/v1/supervision/alerts", headers=bearer(token)).json()
    assert {"red", "yellow", "watching"} <= {a["state"] for a in alerts}
    page = seeded.get("/api/v1/supervision/exchange/entries?after=-1&limit=5", headers=bearer(token)).json()
    assert [e["seq"] for e in page["entries"]] == [0, 1, 2, 3, 4] and page["next_after"] == 4
    assert seeded.get("/api/v1/supervision/exchange/checkpoints", headers=bearer(token)).json()["checkpoints"]
    entry = seeded.get("/api/v1/log/entries/0", headers=bearer(token)).json()
    assert entry["inclusion_proof"] is not None and entry["checkpoint"]["size"] > 0
    for path in ("/api/v1/supervision/red-flags", "/api/v1/supervision/alerts",
                 "/api/v1/supervision/exchange/entries", "/api/v1/log/export"):
        assert seeded.get(path, headers=bearer(bidder)).status_code == 403, path


# --- a regulator can change nothing anywhere but its own part ---------------------------------

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
# Routes a regulator may use, and why: log in and out (and set a new password at a forced
# change), the public forgotten-password form, manage its own API tokens (needed to
# use the API at all), the public bidder self-registration open to anyone, and uploading its
# witness's cosignature (a signed statement about a checkpoint that changes no record).
ALLOWED = {
    ("POST", "/login"), ("POST", "/logout"), ("POST", "/register"),
    ("POST", "/login/password"), ("POST", "/login/forgot"),
    ("POST", "/api/v1/bidder-registrations"), ("POST", "/account/tokens"),
    ("POST", "/account/tokens/{token_id:uuid}/revoke"), ("POST", "/api/v1/log/cosignatures"),
    # The supervising officer's value at an expert draw (the second party's randomness: only
    # the draw's own supervisor, a regulator, may give it) and the one-click re-run of a draw,
    # which reads the log and changes nothing.
    ("POST", "/api/v1/expert-draws/{number:str}/contribution"),
    ("POST", "/experts/draws/{number:str}/contribution"), ("POST", "/supervision/draws/verify"),
    # A complaint about a tender goes to the supervising department (R-38, 条例第六十条): a
    # regulator accepts it, pauses the award, counts excluded periods and decides it.
    *((method, f"{prefix}/complaints/{{complaint_id:uuid}}/{step}")
      for method in ("POST",) for prefix in ("/api/v1", "/bidding")
      for step in ("acceptance", "award-pause", "decision")),
    ("POST", "/api/v1/complaints/{complaint_id:uuid}/exclusions"),
    ("POST", "/bidding/complaints/{complaint_id:uuid}/exclusion"),
    # Leaving the self-service kiosk mode: only this browser's kiosk cookie changes.
    ("POST", "/intake/kiosk/exit"),
}
PARAM = re.compile(r"\{(\w+):(\w+)\}")
SAMPLES = {"uuid": str(uuid.uuid4()), "int": "1", "str": "x", "path": "x", "decimal": "1",
           "date": "2026-01-01", "datetime": "2026-01-01T00:00:00Z"}


def _mutating_routes(client: TestClient) -> list[tuple[str, str]]:
    found = []
    for route in client.app.routes:
        for method in getattr(route, "methods", ()):
            if method in MUTATING and (method, route.path) not in ALLOWED:
                found.append((method, route.path))
    return sorted(set(found))


def _fill(path: str) -> str:
    return PARAM.sub(lambda m: SAMPLES.get(m.group(2), "x"), path)


def test_every_mutating_route_refuses_a_regulator(client: TestClient) -> None:
    make_user("watcher", "regulator")
    _, token = user_with_token("watcher-api", "regulator")
    login(client, "watcher")
    csrf = client.cookies.get("ggzy_csrf") or ""
    routes = _mutating_routes(client)
    assert len(routes) >= 3  # at least the core's and supervision's own
    refused = []
    for method, path in routes:
        url = _fill(path)
        if path.startswith("/api/"):
            response = client.request(method, url, headers=bearer(token), json={})
        else:
            response = client.request(method, url, headers={"x-csrftoken": csrf}, data={"x": "1"},
                                      follow_redirects=False)
        if response.status_code != 403:
            refused.append((method, path, response.status_code))
    assert refused == [], f"routes that did not refuse a regulator: {refused}"
    # Counted, not logged one entry each (issue 10): one count per refusal, no access.denied.
    with db.read_only() as session:
        rows = denials.counted(session)
        assert not services.entries(session, action="access.denied")
    counted = sum(r.count for r in rows if "requires one of the roles" in r.reason)
    assert counted == len(routes), [(r.route, r.reason, r.count) for r in rows]
