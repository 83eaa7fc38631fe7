"""Who may do what with the pool: every mutating route refuses a wrong role (403, counted),
regulators read only, an expert reaches only the own record, and no answer holds a whole ID."""

from __future__ import annotations

import pytest

from tests.integration.bidding.conftest import log_actions
from tests.integration.expert_pool.conftest import (
    add_expert,
    bearer,
    csrf_token,
    expert_user,
    id_number,
    login,
    make_user,
)
from tests.integration.expert_pool.test_pool_support import api_body, seeded
from trading import db, denials
from trading.accounts.models import OrganizationKind, Role

STAFF_PAGES = [
    ("POST", "/experts"), ("POST", "/experts/E000001/edit"),
    ("POST", "/experts/E000001/status/suspend"), ("POST", "/experts/E000001/unavailability"),
    ("POST", "/experts/E000001/unavailability/1/delete"), ("POST", "/experts/E000001/conflicts"),
    ("POST", "/experts/E000001/conflicts/1/delete"), ("POST", "/experts/E000001/integrity"),
    ("POST", "/experts/import"), ("POST", "/experts/changes/1/decide"),
    ("GET", "/experts/new"), ("GET", "/experts/E000001/edit"), ("GET", "/experts/import"),
    ("GET", "/experts/changes"),
]
ADMIN_PAGES = [("POST", "/experts/specialties"), ("POST", "/experts/specialties/A01/rename"),
               ("POST", "/experts/specialties/A01/active"), ("GET", "/experts/specialties")]
EXPERT_PAGES = [("POST", "/experts/apply"), ("POST", "/experts/me/edit"),
                ("POST", "/experts/me/availability"), ("POST", "/experts/me/availability/1/delete"),
                ("POST", "/experts/me/conflicts"), ("POST", "/experts/me/conflicts/1/delete")]
STAFF_API = [
    ("POST", "/api/v1/experts"), ("PUT", "/api/v1/experts/E000001"),
    ("POST", "/api/v1/experts/E000001/status"), ("POST", "/api/v1/experts/E000001/unavailability"),
    ("DELETE", "/api/v1/experts/E000001/unavailability/1"),
    ("POST", "/api/v1/experts/E000001/conflicts"), ("DELETE", "/api/v1/experts/E000001/conflicts/1"),
    ("POST", "/api/v1/experts/import"), ("POST", "/api/v1/experts/changes/1"),
    ("GET", "/api/v1/experts/changes"),
]
EXPERT_API = [("POST", "/api/v1/my/expert"), ("PUT", "/api/v1/my/expert"),
              ("POST", "/api/v1/my/expert/unavailability"),
              ("DELETE", "/api/v1/my/expert/unavailability/1"),
              ("POST", "/api/v1/my/expert/conflicts"), ("DELETE", "/api/v1/my/expert/conflicts/1")]


@pytest.fixture(autouse=True)
def _pool(database: str) -> None:
    seeded()
    add_expert(1)


def _denied() -> int:
    with db.read_only() as session:
        return denials.total_denials(session)


def _users() -> dict[str, object]:
    return {
        "bidder": make_user("a-bidder", Role.BIDDER, OrganizationKind.BIDDER),
        "regulator": make_user("a-regulator", Role.REGULATOR, OrganizationKind.REGULATOR),
        "expert": expert_user("a-expert", 3)[0],
        "staff": make_user("a-staff", Role.STAFF, OrganizationKind.TRADING_CENTER),
    }


def _cases(routes: list[tuple[str, str]], roles: list[str]) -> list[tuple[str, str, str]]:
    return [(method, path, role) for method, path in routes for role in roles]


PAGE_CASES = (_cases(STAFF_PAGES, ["bidder", "regulator", "expert"])
              + _cases(ADMIN_PAGES, ["staff", "regulator"])
              + _cases(EXPERT_PAGES, ["staff", "bidder"]))
API_CASES = [*_cases(STAFF_API, ["bidder", "regulator", "expert"]),
             ("POST", "/api/v1/expert-specialties", "staff"),
             *_cases(EXPERT_API, ["staff", "regulator"]),
             ("GET", "/api/v1/experts/E000001", "bidder"), ("GET", "/api/v1/experts", "expert"),
             ("GET", "/api/v1/my/expert", "staff")]


@pytest.mark.parametrize(("method", "path", "role"), PAGE_CASES)
def test_page_wrong_role(client, method: str, path: str, role: str) -> None:
    _users()
    assert login(client, f"a-{role}").status_code == 303
    token = csrf_token(client, "/")
    before = _denied()
    answer = client.request(method, path, data={"_csrf_token": token},
                            headers={"X-CSRFToken": token}, follow_redirects=False)
    assert answer.status_code == 403, answer.text
    assert _denied() == before + 1


@pytest.mark.parametrize(("method", "path", "role"), API_CASES)
def test_api_wrong_role(client, method: str, path: str, role: str) -> None:
    users = _users()
    before = _denied()
    answer = client.request(method, path, content=b"{}", headers={
        **bearer(users[role]), "content-type": "application/json"})  # type: ignore[arg-type]
    assert answer.status_code == 403, answer.text
    assert _denied() == before + 1


def test_an_expert_sees_only_the_own_record(client) -> None:
    users = _users()
    assert login(client, "a-expert").status_code == 303
    before = _denied()
    assert client.get("/experts/E000001").status_code == 403
    assert client.get("/experts").status_code == 403
    assert _denied() == before + 2
    own = client.get("/api/v1/my/expert", headers=bearer(users["expert"]))  # type: ignore[arg-type]
    assert own.status_code == 200 and own.json()["number"] == "E000003"
    assert own.json()["id_number_masked"] != id_number(3)
    assert client.get("/experts/me").status_code == 200


def test_regulators_read_but_do_not_change(client) -> None:
    users = _users()
    assert login(client, "a-regulator").status_code == 303
    page = client.get("/experts/E000001")
    assert page.status_code == 200 and id_number(1) not in page.text
    assert "/status/suspend" not in page.text  # no staff actions shown
    listing = client.get("/api/v1/experts", headers=bearer(users["regulator"]))  # type: ignore[arg-type]
    assert listing.status_code == 200 and listing.json()["total"] == 2
    assert id_number(1) not in listing.text


def test_the_api_round_trip_for_staff(client) -> None:
    users = _users()
    headers = bearer(users["staff"])  # type: ignore[arg-type]
    created = client.post("/api/v1/experts", json=api_body(5), headers=headers)
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    assert created.json()["status_label"] == "已申请" and id_number(5) not in created.text
    bad = client.post("/api/v1/experts", json=api_body(7, mobile="123"), headers=headers)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "mobile"
    for action in ("review", "admit"):
        moved = client.post(f"/api/v1/experts/{number}/status", json={"action": action, "reason": "ok"},
                            headers=headers)
        assert moved.status_code == 200, moved.text
    illegal = client.post(f"/api/v1/experts/{number}/status", json={"action": "admit", "reason": "x"},
                          headers=headers)
    assert illegal.status_code == 409 and "在库" in illegal.json()["message_zh"]
    assert "expert.status_changed" in log_actions(f"expert:{number}")


def test_the_own_api_requests_review_for_vetted_fields(client) -> None:
    users = _users()
    headers = bearer(users["expert"])  # type: ignore[arg-type]
    body = api_body(3, id_number=id_number(3), sex="male", employer_name="新单位",
                    specialties=["A01"], main_specialty="A01", qualifications=[],
                    employer_credit_code=None, email="", name="专家3", title=4,
                    title_name="高级工程师", title_date="2015-01-01", years_in_specialty=10,
                    mobile="13800000003", education="bachelor")
    answer = client.put("/api/v1/my/expert", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"applied": ["mobile"], "requested": ["employer_name"]}
    staff_headers = bearer(users["staff"])  # type: ignore[arg-type]
    pending = client.get("/api/v1/experts/changes", headers=staff_headers).json()
    assert [c["fields"] for c in pending] == [["employer_name"]]
    decided = client.post(f"/api/v1/experts/changes/{pending[0]['id']}",
                          json={"approve": True}, headers=staff_headers)
    assert decided.status_code == 200 and decided.json()["state"] == "approved"
    assert client.get("/api/v1/my/expert", headers=headers).json()["employer_name"] == "新单位"


def test_an_expert_cannot_remove_another_experts_rows(client) -> None:
    from expert_pool import pool, pool_lifecycle
    from tests.integration.expert_pool.test_pool_support import STAFF

    users = _users()
    with db.transaction() as session:
        other = pool.expert_by_number(session, "E000001")
        row = pool_lifecycle.add_unavailability(session, STAFF, other, "2099-01-01", "2099-01-02")
        row_id = row.id
    answer = client.delete(f"/api/v1/my/expert/unavailability/{row_id}",
                           headers=bearer(users["expert"]))  # type: ignore[arg-type]
    assert answer.status_code == 404
    with db.read_only() as session:
        other = pool.expert_by_number(session, "E000001")
        assert [u.id for u in pool_lifecycle.unavailability_of(session, other)] == [row_id]


def test_unknown_numbers_are_404(client) -> None:
    _users()
    assert login(client, "a-staff").status_code == 303
    assert client.get("/experts/E999999").status_code == 404
    assert client.get("/experts/nonsense").status_code == 404
    assert client.get("/experts/new").status_code == 200
    client.get("/lang/en")
    page = client.get("/experts/new")
    assert page.status_code == 200 and "Main specialty code" in page.text


def test_the_import_api_answers_the_report(client) -> None:
    import base64

    from expert_pool import importer

    users = _users()
    headers = bearer(users["staff"])  # type: ignore[arg-type]
    bad = importer.template_csv().replace(b"A0101", b"Z9")
    answer = client.post("/api/v1/experts/import", headers=headers, json={
        "filename": "x.csv", "content_b64": base64.b64encode(bad).decode()})
    assert answer.status_code == 422 and answer.json()["imported"] is False
    assert answer.json()["problems"][0]["row"] == 2
    good = importer.template_csv()
    answer = client.post("/api/v1/experts/import", headers=headers, json={
        "filename": "x.csv", "content_b64": base64.b64encode(good).decode(), "admit": True})
    assert answer.status_code == 201 and answer.json()["created"] == ["E000004"]
