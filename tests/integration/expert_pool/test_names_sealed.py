"""R-33: drawn experts' names stay sealed. After a real draw, a bidder, the tenderee, the public
and a drawn expert hit every route of the app (path parameters filled with the draw's number,
ids, picks and log positions): no answer holds a drawn expert's name, number or mobile — except
the expert's own. Staff and regulators, who run and supervise the draw, do see them."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update

from expert_pool import drawing
from expert_pool.models import DrawPick, Expert, InboxMessage, PickState
from supervision import services as supervision
from tests.integration.expert_pool.conftest import (
    ClosedSection,
    add_expert,
    bearer,
    closed_section,
    db_now,
    login,
    make_user,
)
from tests.integration.expert_pool.test_draw_pages import regulator
from trading import db
from trading.accounts.models import OrganizationKind, Role
from trading.audit import Actor

PARAM = re.compile(r"\{(\w+):(\w+)\}")
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
# Routes that end the walker's session or would change who it is.
SKIPPED = {"/logout", "/login", "/register", "/lang/{code:str}"}
STAFF = Actor.system("test-staff")


@dataclass
class Drawn:
    section: ClosedSection
    number: str
    draw_id: uuid.UUID
    pick_ids: list[int]
    message_ids: list[int]
    log_size: int
    secrets: dict[str, list[str]]  # expert number -> [name, number, mobile] of every drawn one
    pool_secrets: list[str]  # everything of every pool expert


def _run_draw(client) -> Drawn:
    section = closed_section(client, "seal")
    supervisor = regulator("seal-sup")
    for i in range(31, 43):
        add_expert(i, "A01")
    with db.transaction() as session:  # distinctive names: no accidental substring matches
        for i in range(31, 43):
            session.execute(update(Expert).where(Expert.number == f"E{i:06d}")
                            .values(name=f"封名{chr(0x4E00 + i * 7)}{chr(0x4E50 + i * 3)}"))
    data = drawing.DrawInput(
        tender_id=section.tender_id, section_id=section.section_id, committee_size=5,
        tenderee_representatives=1, requirements=[drawing.RequirementInput("A01", 4)],
        evaluation_at=db_now() + dt.timedelta(days=3), place="阳泉市公共资源交易中心",
        supervisor_user_id=supervisor)
    with db.transaction() as session:
        draw_id = drawing.request_draw(session, STAFF, uuid.uuid4(), data).id
    with db.transaction() as session:
        drawing.commit(session, STAFF, draw_id)
    with db.transaction() as session:
        number = drawing.contribute(session, STAFF, supervisor, draw_id, "封存测试 271828").number
    with db.read_only() as session:
        picks = drawing.picks_of(session, draw_id)
        experts = {e.id: e for e in session.scalars(select(Expert))}
        drawn_secrets = {p.expert_number: [experts[p.expert_id].name, p.expert_number,
                                           experts[p.expert_id].mobile] for p in picks}
        pool_secrets = [s for e in experts.values() for s in (e.name, e.number, e.mobile)]
        messages = list(session.scalars(select(InboxMessage.id).where(InboxMessage.draw_id == draw_id)))
        size = supervision.tree_size(session)
    return Drawn(section, number, draw_id, [p.id for p in picks], messages, size,
                 drawn_secrets, pool_secrets)


def _values(drawn: Drawn, kind: str, name: str) -> list[str]:
    """Every value worth trying for one path parameter."""
    if kind == "int":
        if name in {"seq", "index"}:
            return [str(i) for i in range(drawn.log_size)]
        if name == "size":
            return [str(drawn.log_size)]
        if name == "message_id":
            return [str(i) for i in drawn.message_ids] or ["1"]
        return [str(i) for i in drawn.pick_ids]
    if kind == "uuid":
        return {"tender_id": [str(drawn.section.tender_id)],
                "section_id": [str(drawn.section.section_id)]}.get(name, [str(drawn.draw_id)])
    if kind == "str":
        return {"number": [drawn.number], "tender_ref": [str(drawn.section.tender_id)],
                "ocid": ["x"], "code": ["zh-CN"]}.get(name, [drawn.number])
    return ["x"]


def _urls(path: str, drawn: Drawn) -> list[str]:
    urls = [path]
    for match in PARAM.finditer(path):
        whole, name, kind = match.group(0), match.group(1), match.group(2)
        urls = [u.replace(whole, v, 1) for u in urls for v in _values(drawn, kind, name)]
    return urls


def _walk(client, drawn: Drawn, forbidden: list[str], api_headers: dict[str, str],
          mutate: bool) -> tuple[int, list[tuple[str, str, str]]]:
    """Every route with every filled URL; the (method, url, secret) of each leak."""
    leaks: list[tuple[str, str, str]] = []
    visited = 0
    csrf = client.cookies.get("ggzy_csrf") or ""
    for route in client.app.routes:
        if route.path in SKIPPED:
            continue
        methods = {m for m in getattr(route, "methods", ()) if m in {"GET", *MUTATING}}
        if not mutate:
            methods &= {"GET"}
        for method in sorted(methods):
            for url in _urls(route.path, drawn):
                api = url.startswith("/api/")
                if method == "GET":
                    answer = client.get(url, headers=api_headers if api else {}, follow_redirects=False)
                elif api:
                    answer = client.request(method, url, headers=api_headers, json={})
                else:
                    answer = client.request(method, url, headers={"x-csrftoken": csrf},
                                            data={"_csrf_token": csrf}, follow_redirects=False)
                visited += 1
                body = answer.text
                leaks.extend((method, url, s) for s in forbidden if s in body)
    return visited, leaks


def test_no_route_shows_drawn_names_to_bidders_the_tenderee_the_public_or_other_experts(client) -> None:
    drawn = _run_draw(client)
    all_drawn = [s for values in drawn.secrets.values() for s in values]
    scenario = drawn.section.scenario

    # Positive control: staff running the draw and the supervising officer see every name.
    assert login(client, "seal-staff").status_code == 303
    staff_page = client.get(f"/experts/draws/{drawn.number}")
    assert all(values[0] in staff_page.text for values in drawn.secrets.values())
    assert login(client, "seal-sup").status_code == 303
    assert all(values[0] in client.get(f"/experts/draws/{drawn.number}/record").text
               for values in drawn.secrets.values())
    # ... and the same walk, as staff, does find them: the walk fills the draw's routes right.
    assert login(client, "seal-staff").status_code == 303
    _, seen = _walk(client, drawn, all_drawn, bearer(scenario.staff), False)
    assert {url for _, url, _ in seen} >= {f"/experts/draws/{drawn.number}",
                                          f"/experts/draws/{drawn.number}/record"}

    # A drawn expert gets an account: it may see its own pick, nobody else's.
    mine = next(iter(drawn.secrets))
    expert_user = make_user("seal-expert", Role.EXPERT, OrganizationKind.OTHER)
    with db.transaction() as session:
        session.execute(update(Expert).where(Expert.number == mine).values(user_id=expert_user))
        own_pick = session.scalar(select(DrawPick.id).where(
            DrawPick.draw_id == drawn.draw_id, DrawPick.expert_number == mine))
        state = session.scalar(select(DrawPick.state).where(DrawPick.id == own_pick))
    others = [s for number, values in drawn.secrets.items() if number != mine for s in values]

    walkers = [
        ("bidder", "seal-bidder0", scenario.bidders[0], drawn.pool_secrets, True),
        ("tenderee", "seal-tenderee", scenario.tenderee, drawn.pool_secrets, True),
        ("expert", "seal-expert", expert_user, others, False),
    ]
    visited_total = 0
    for role, username, user_id, forbidden, mutate in walkers:
        client.cookies.clear()
        assert login(client, username).status_code == 303, role
        visited, leaks = _walk(client, drawn, forbidden, bearer(user_id), mutate)
        assert leaks == [], f"{role} saw sealed names: {leaks[:10]}"
        visited_total += visited
    client.cookies.clear()
    visited, leaks = _walk(client, drawn, drawn.pool_secrets, {}, True)
    assert leaks == [], f"the public saw sealed names: {leaks[:10]}"
    assert visited + visited_total > 300  # the walk really covered the routes

    # The expert does see its own pick where its pages show it (if its pages are mounted).
    if state in (PickState.NOTIFIED.value, PickState.RESERVE.value) and any(
            r.path == "/experts/me/draws" for r in client.app.routes):
        assert login(client, "seal-expert").status_code == 303
        own = client.get("/experts/me/draws")
        assert own.status_code == 200 and drawn.number in own.text
        assert not [s for s in others if s in own.text]
    assert all_drawn  # the secrets were real
