"""The expert-draw API: staff run it, the supervisor contributes, names stay sealed (R-33)."""

from __future__ import annotations

import datetime as dt

from expert_pool.models import DrawState
from tests.integration.expert_pool.conftest import add_expert, bearer, closed_section, db_now
from tests.integration.expert_pool.test_draw_engine import pool, regulator
from trading import db, denials

API = "/api/v1/expert-draws"


def _body(section, supervisor, **changes):  # type: ignore[no-untyped-def]
    body = {"tender_id": str(section.tender_id), "section_id": str(section.section_id),
            "committee_size": 5, "tenderee_representatives": 1,
            "requirements": [{"specialty_code": "A01", "count": 4}],
            "evaluation_at": (db_now() + dt.timedelta(days=3)).isoformat(), "place": "3 号评标室",
            "supervisor_user_id": str(supervisor)}
    body.update(changes)
    return body


def _denials() -> int:
    with db.read_only() as session:
        return denials.total_denials(session)


def test_staff_request_commit_and_the_supervisor_draws(client) -> None:
    section = closed_section(client, "api")
    supervisor = regulator()
    pool(1, 10)
    add_expert(50, employer_code=section.bidder_codes[0])
    staff = bearer(section.scenario.staff)
    preview = client.post(f"{API}/preview", json=_body(section, supervisor), headers=staff)
    assert preview.status_code == 200, preview.text
    assert preview.json()["counts"][0]["eligible"] == 10 and preview.json()["ok"]
    short = client.post(f"{API}/preview", json=_body(section, supervisor, committee_size=4),
                        headers=staff).json()
    assert not short["ok"] and short["problems"][0]["field"] == "committee_size"
    created = client.post(API, json=_body(section, supervisor), headers=staff)
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    assert client.post(f"{API}/{number}/commit", headers=staff).status_code == 200
    sup = bearer(supervisor)
    other = bearer(regulator("someone-else"))
    assert client.post(f"{API}/{number}/contribution", json={"value": "x"},
                       headers=other).status_code == 403
    drawn = client.post(f"{API}/{number}/contribution", json={"value": "现场输入 8841"}, headers=sup)
    assert drawn.status_code == 200, drawn.text
    assert drawn.json()["state"] == DrawState.DRAWN.value
    assert all(p["expert_name"] for p in drawn.json()["picks"])
    excluded = client.get(f"{API}/{number}/exclusions", headers=sup).json()
    assert excluded == [{"expert_number": "E000050", "reason": "bidder_employee",
                         "detail": section.bidder_codes[0]}]
    assert client.get(f"{API}/{number}/exclusions", headers=staff).status_code == 403
    listed = client.get(API, headers=staff, params={"tender_id": str(section.tender_id)}).json()
    assert [d["number"] for d in listed] == [number]
    assert client.post(f"{API}/{number}/cancel", json={"reason": "推迟"}, headers=staff).json()[
        "state"] == DrawState.CANCELLED.value


def test_a_request_committed_at_once_is_ready_for_the_supervisor(client) -> None:
    section = closed_section(client, "now")
    supervisor = regulator()
    pool(1, 10)
    add_expert(50, employer_code=section.bidder_codes[0])
    staff = bearer(section.scenario.staff)
    created = client.post(API, json=_body(section, supervisor, commit_now=True), headers=staff)
    assert created.status_code == 201, created.text
    assert created.json()["state"] == DrawState.COMMITTED.value and created.json()["commitment"]
    number = created.json()["number"]
    assert client.post(f"{API}/{number}/commit", headers=staff).status_code == 409  # done already
    sup = bearer(supervisor)
    drawn = client.post(f"{API}/{number}/contribution", json={"value": "现场输入 17"}, headers=sup)
    assert drawn.status_code == 200 and drawn.json()["state"] == DrawState.DRAWN.value
    excluded = client.get(f"{API}/{number}/exclusions", headers=sup).json()
    assert [(e["expert_number"], e["reason"]) for e in excluded] == [("E000050", "bidder_employee")]


def test_bidders_and_tenderees_get_403_everywhere(client) -> None:
    section = closed_section(client, "sec")
    supervisor = regulator()
    pool(1, 8)
    staff = bearer(section.scenario.staff)
    number = client.post(API, json=_body(section, supervisor), headers=staff).json()["number"]
    for outsider in (section.scenario.bidders[0], section.scenario.tenderee):
        headers = bearer(outsider)
        before = _denials()
        calls = [client.get(API, headers=headers), client.get(f"{API}/{number}", headers=headers),
                 client.get(f"{API}/{number}/exclusions", headers=headers),
                 client.post(f"{API}/preview", json=_body(section, supervisor), headers=headers),
                 client.post(API, json=_body(section, supervisor), headers=headers),
                 client.post(f"{API}/{number}/commit", headers=headers),
                 client.post(f"{API}/{number}/contribution", json={"value": "x"}, headers=headers),
                 client.post(f"{API}/{number}/cancel", json={"reason": "x"}, headers=headers)]
        assert [r.status_code for r in calls] == [403] * len(calls)
        assert "E0000" not in "".join(r.text for r in calls)
        assert _denials() == before + len(calls)


def test_out_of_range_and_unbounded_input_is_refused(client) -> None:
    section = closed_section(client, "bad")
    supervisor = regulator()
    staff = bearer(section.scenario.staff)
    for changes in ({"committee_size": 10**12}, {"place": "x" * 201},
                    {"requirements": [{"specialty_code": "A01", "count": -1}]}):
        answer = client.post(f"{API}/preview", json=_body(section, supervisor, **changes), headers=staff)
        assert answer.status_code == 400, (changes, answer.text)
