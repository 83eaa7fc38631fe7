"""Hostile input (issue 10, items 2, 7, 8): what an attacker would send is a clear 4xx with a
reason — never a 500 (tests/conftest.py fails any test that provokes one) — and changes nothing.

* integers beyond the columns (2^63 and more) in every cursor, size, sequence number and amount;
* JSON nested thousands of levels deep, or not UTF-8;
* a tender too big (description, sections), objections too long or too many, an "agent" that
  is a bidder;
* documents that would run on the platform's origin (HTML, script, SVG).
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from bidding.models import Objection, Tender, TenderDocument
from bidding.tendering import limits
from tests.integration.trading.conftest import login, post_form
from trading import db
from trading.accounts.models import OrganizationKind, Role
from trading.json_limits import MAX_DEPTH, too_deep
from trading.params import INT64_MAX

from .conftest import ANNOUNCEMENT, bearer, current, db_now, make_tender, make_user, publish_now

HUGE = [str(2**64), str(2**63), "9" * 40]


def _count(model: type) -> int:
    with db.read_only() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _log_size() -> int:
    from supervision import services as log

    with db.read_only() as session:
        return log.tree_size(session)


def _refused(answer, status: int = 400, field: str | None = None) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
    body = answer.json()
    assert body["errors"] and all(e["reason"] for e in body["errors"]), body
    if field is not None:
        assert field in {e["field"] for e in body["errors"]}, body
    return body


# --------------------------------------------------------------------------------------------
# Integers out of range: one parameter type per kind (trading.params)

API_INTEGERS = [
    ("/api/v1/notices/changes?cursor={n}", "cursor", False),
    ("/api/v1/notices/changes?limit={n}", "limit", False),
    ("/api/v1/ocds/releases?after={n}", "after", False),
    ("/api/v1/ocds/records?limit={n}", "limit", False),
    ("/api/v1/log/checkpoints/{n}", "size", False),
    ("/api/v1/log/consistency?first=1&second={n}", "second", False),
    ("/api/v1/log/inclusion?index={n}&size=1", "index", True),
    ("/api/v1/log/entries/{n}", "seq", True),
    ("/api/v1/log/export?size={n}", "size", True),
    ("/api/v1/supervision/exchange/entries?after={n}", "after", True),
    ("/api/v1/supervision/exchange/entries?limit={n}", "limit", True),
    ("/api/v1/supervision/exchange/checkpoints?after={n}", "after", True),
]


@pytest.mark.parametrize(("template", "field", "regulator"), API_INTEGERS)
def test_integers_beyond_the_columns_are_a_400_naming_the_parameter(client, template, field,
                                                                     regulator) -> None:
    headers = bearer(make_user("reg", Role.REGULATOR, OrganizationKind.REGULATOR)) if regulator else {}
    for value in [*HUGE, "-2"]:
        answer = client.get(template.format(n=value), headers=headers)
        body = _refused(answer, 400)
        assert any(field == e["field"] or field in e["reason"] for e in body["errors"]), body


@pytest.mark.parametrize("template", [
    "/api/v1/notices/changes?cursor={n}", "/api/v1/ocds/releases?after={n}",
    "/api/v1/log/checkpoints/{n}", "/api/v1/log/entries/{n}",
    "/api/v1/supervision/exchange/entries?after={n}",
    "/api/v1/supervision/exchange/checkpoints?after={n}",
])
def test_the_largest_accepted_value_reaches_the_database_without_an_error(client, template) -> None:
    headers = bearer(make_user("reg", Role.REGULATOR, OrganizationKind.REGULATOR))
    answer = client.get(template.format(n=INT64_MAX), headers=headers)
    assert answer.status_code in (200, 404), answer.text


@pytest.mark.parametrize("path", ["/supervision/timeline?subject=tender:x&after={n}",
                                  "/supervision/notices?after={n}", "/supervision/log?after={n}"])
def test_regulator_pages_refuse_a_cursor_beyond_the_column(client, path) -> None:
    make_user("reg-web", Role.REGULATOR, OrganizationKind.REGULATOR)
    assert login(client, "reg-web").status_code == 303
    for value in HUGE:
        page = client.get(path.format(n=value))
        assert page.status_code == 400, page.text
    assert client.get(path.format(n=INT64_MAX)).status_code == 200


def test_a_cosignature_for_a_size_beyond_the_column_is_refused(client) -> None:
    headers = bearer(make_user("reg", Role.REGULATOR, OrganizationKind.REGULATOR))
    before = _log_size()
    answer = client.post("/api/v1/log/cosignatures", headers=headers,
                         json={"size": 2**64, "cosignature": "x"})
    _refused(answer, 400, "size")
    assert _log_size() == before


def _tender_body(scenario, **changes) -> dict:
    body = {"title": "恶意输入", "category": "construction", "region": "阳泉",
            "evaluation_method": "综合评估法", "custody_k": 2,
            "custodian_ids": [str(c) for c in scenario.custodians],
            "sections": [{"name": "一标段", "estimated_price_fen": 100_000_000,
                          "bid_security_fen": 2_000_000}],
            "announcement": dict(ANNOUNCEMENT),
            "tenderee_org_id": str(current(scenario.tenderee).organization_id)}
    body.update(changes)
    return body


@pytest.mark.parametrize("name", ["estimated_price_fen", "bid_security_fen", "max_price_fen"])
def test_money_beyond_the_column_is_refused_on_the_api(client, name) -> None:
    scenario = make_tender(prefix="fen", with_ceremony=False)
    tenders_before = _count(Tender)
    for value in (2**63, 2**64, -1):
        section = {"name": "一标段", "estimated_price_fen": 100_000_000, "bid_security_fen": 0,
                   name: value}
        answer = client.post("/api/v1/tenders", headers=bearer(scenario.staff),
                             json=_tender_body(scenario, sections=[section]))
        _refused(answer, 400, f"sections[0].{name}")
    assert _count(Tender) == tenders_before


@pytest.mark.parametrize("estimate", ["9" * 40, "92233720368547758.08", "²", "١٢٣", "1e9"])
def test_money_beyond_the_column_or_in_other_digits_is_refused_on_the_page(client, estimate) -> None:
    scenario = make_tender(prefix="pfen", with_ceremony=False)
    tenders_before = _count(Tender)
    assert login(client, "pfen-staff").status_code == 303
    answer = post_form(client, "/bidding/tenders", {
        "title": "页面金额", "category": "construction", "region": "阳泉",
        "evaluation_method": "综合评估法", "section_name": "一标段", "estimate": estimate,
        "security": "0", "custody_k": "2", "custodians": [str(c) for c in scenario.custodians[:2]],
        **ANNOUNCEMENT, "tenderee_org_id": str(current(scenario.tenderee).organization_id),
    }, form_page="/bidding/tenders/new")
    assert answer.status_code == 400 and "金额" in answer.text, answer.text
    assert _count(Tender) == tenders_before


def test_calendar_counts_in_other_scripts_are_ignored_not_a_500(client) -> None:
    make_user("cal-admin", Role.ADMIN)
    assert login(client, "cal-admin").status_code == 303
    page = client.get("/admin/calendar?year=2026&saved=true&rechecked=²&broken=¹")
    assert page.status_code == 200


# --------------------------------------------------------------------------------------------
# JSON bodies: depth, encoding (trading.json_limits)


def test_the_depth_scan_counts_brackets_outside_strings() -> None:
    assert not too_deep(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)
    assert too_deep(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
    assert too_deep(b'{"a":' * 5000 + b"1" + b"}" * 5000)
    assert too_deep(b"[" * 5000)  # unclosed: still refused before the decoder recurses
    assert not too_deep(b'["' + b"[" * 5000 + b'"]')  # brackets inside a string do not count
    assert not too_deep(b'["\\"[[[[", ' + b"[]," * 10_000 + b"[]]")


@pytest.mark.parametrize(("path", "anonymous"), [("/api/v1/bidder-registrations", True),
                                                 ("/api/v1/tenders", False)])
def test_json_nested_thousands_deep_is_a_400_before_decoding(client, path, anonymous) -> None:
    headers = {"content-type": "application/json"}
    if not anonymous:
        headers.update(bearer(make_tender(prefix="deep", with_ceremony=False).staff))
    tenders_before, log_before = _count(Tender), _log_size()
    for body in (b'{"org_name":' + b"[" * 5000 + b"]" * 5000 + b"}", b"[" * 100_000,
                 b'{"a":' * 5000 + b"1" + b"}" * 5000):
        answer = client.post(path, content=body, headers=headers)
        problem = _refused(answer, 400, "body")
        assert problem["title"] == "json_too_deep"
        assert "嵌套" in problem["detail"] or "nested" in problem["detail"]
    assert _count(Tender) == tenders_before and _log_size() == log_before


def test_json_that_is_not_utf8_is_a_400(client) -> None:
    log_before = _log_size()
    for body in (b'{"org_name": "\xff\xfe", "credit_code": "x"}', b'{"org_name": "\xc3"}',
                 b"\xef\xbb\xbf\xff"):
        answer = client.post("/api/v1/bidder-registrations", content=body,
                             headers={"content-type": "application/json"})
        assert answer.status_code == 400, answer.text
        assert answer.json()["errors"], answer.text
    assert _log_size() == log_before


# --------------------------------------------------------------------------------------------
# Sizes of a tender, objections, the agent (bidding.tendering.limits)


def test_a_description_over_the_limit_is_refused_on_the_api_and_the_page(client) -> None:
    scenario = make_tender(prefix="desc", with_ceremony=False)
    tenders_before = _count(Tender)
    too_long = "描" * (limits.MAX_DESCRIPTION + 1)
    answer = client.post("/api/v1/tenders", headers=bearer(scenario.staff),
                         json=_tender_body(scenario, description=too_long))
    _refused(answer, 400, "description")
    five_mb = client.post("/api/v1/tenders", headers=bearer(scenario.staff),
                          json=_tender_body(scenario, description="x" * 5_000_000))
    assert five_mb.status_code in (400, 413), five_mb.text
    assert login(client, "desc-staff").status_code == 303
    page = post_form(client, "/bidding/tenders", {
        "title": "页面说明过长", "category": "construction", "region": "阳泉",
        "evaluation_method": "综合评估法", "section_name": "一标段", "estimate": "100",
        "security": "0", "custody_k": "2", "custodians": [str(c) for c in scenario.custodians[:2]],
        **ANNOUNCEMENT, "tenderee_org_id": str(current(scenario.tenderee).organization_id),
        "description": "描" * (limits.MAX_DESCRIPTION + 1),
    }, form_page="/bidding/tenders/new")
    assert page.status_code in (400, 413) and ("项目说明过长" in page.text or page.status_code == 413)
    assert _count(Tender) == tenders_before
    fits = client.post("/api/v1/tenders", headers=bearer(scenario.staff),
                       json=_tender_body(scenario, description="描" * limits.MAX_DESCRIPTION))
    assert fits.status_code == 201, fits.text


def test_too_many_sections_are_refused(client) -> None:
    scenario = make_tender(prefix="secs", with_ceremony=False)
    tenders_before = _count(Tender)
    section = {"name": "标段", "estimated_price_fen": 100_000, "bid_security_fen": 0}
    answer = client.post("/api/v1/tenders", headers=bearer(scenario.staff),
                         json=_tender_body(scenario, sections=[section] * (limits.MAX_SECTIONS + 1)))
    _refused(answer, 400, "sections")
    many = client.post("/api/v1/tenders", headers=bearer(scenario.staff),
                       json=_tender_body(scenario, sections=[section] * 10_000))
    assert many.status_code in (400, 413)
    assert _count(Tender) == tenders_before


def test_the_agent_must_be_an_organization_of_kind_agent(client) -> None:
    scenario = make_tender(prefix="agt", with_ceremony=False)
    bidder_org = current(make_user("agt-bidder", Role.BIDDER, OrganizationKind.BIDDER)).organization_id
    agent_org = current(make_user("agt-agent", Role.TENDEREE, OrganizationKind.AGENT)).organization_id
    tenders_before = _count(Tender)
    for wrong in (bidder_org, uuid.uuid4()):
        answer = client.post("/api/v1/tenders", headers=bearer(scenario.staff),
                             json=_tender_body(scenario, agent_org_id=str(wrong)))
        _refused(answer, 400, "agent_org_id")
    assert _count(Tender) == tenders_before
    ok = client.post("/api/v1/tenders", headers=bearer(scenario.staff),
                     json=_tender_body(scenario, agent_org_id=str(agent_org)))
    assert ok.status_code == 201, ok.text


def test_objections_are_bounded_in_length_and_in_number_per_bidder(client) -> None:
    scenario = make_tender(prefix="obj", bidders=2)
    publish_now(scenario, db_now() + limits_days(30))
    url = f"/api/v1/tenders/{scenario.tender_id}/objections"
    attacker, other = (bearer(b) for b in scenario.bidders)
    huge = client.post(url, headers=attacker, json={"text": "异" * 1_000_000})
    assert huge.status_code in (400, 413), huge.text
    long = client.post(url, headers=attacker, json={"text": "异" * (limits.MAX_OBJECTION_TEXT + 1)})
    _refused(long, 400, "text")
    assert _count(Objection) == 0
    for index in range(limits.MAX_OPEN_OBJECTIONS_PER_USER):
        answer = client.post(url, headers=attacker, json={"text": f"异议 {index}"})
        assert answer.status_code == 201, answer.text
    refused = client.post(url, headers=attacker, json={"text": "再来一条"})
    body = _refused(refused, 409, "text")
    assert body["title"] == "too_many_objections"
    assert _count(Objection) == limits.MAX_OPEN_OBJECTIONS_PER_USER
    # Another bidder is not held back by the attacker's objections.
    assert client.post(url, headers=other, json={"text": "另一投标人的异议"}).status_code == 201


def test_clarifications_and_answers_are_bounded_too(database) -> None:
    from bidding.tendering import clarifications, objections
    from trading.errors import UserError

    from .conftest import TEST

    scenario = make_tender(prefix="clar", bidders=1)
    publish_now(scenario, db_now() + limits_days(30))
    log_before = _log_size()
    with pytest.raises(UserError) as refused, db.transaction() as session:
        clarifications.clarify(session, TEST, scenario.tender_id, "澄" * (limits.MAX_CLARIFICATION_TEXT + 1),
                        True)
    assert refused.value.field == "text" and "澄清内容过长" in refused.value.message_zh
    assert _log_size() == log_before
    with db.transaction() as session:
        objection = objections.raise_objection(session, current(scenario.bidders[0]).actor("203.0.113.9"),
                                            scenario.tender_id, "异议")
    log_before = _log_size()
    with pytest.raises(UserError) as too_long, db.transaction() as session:
        objections.answer_objection(session, TEST, scenario.tender_id, objection.id,
                                 "答" * (limits.MAX_ANSWER_TEXT + 1))
    assert too_long.value.field == "answer"
    with pytest.raises(UserError) as blank, db.transaction() as session:
        objections.answer_objection(session, TEST, scenario.tender_id, objection.id, "  ")
    assert blank.value.message_zh == "请填写答复"
    assert _log_size() == log_before


def limits_days(days: int):
    import datetime as dt

    return dt.timedelta(days=days)


# --------------------------------------------------------------------------------------------
# Documents: a sniffed, allow-listed type, served as an attachment (bidding.tendering.sniff)

HOSTILE_DOCUMENTS = [
    ("page.html", "text/html", b"<html><script>alert(document.cookie)</script></html>",
     "text/plain; charset=utf-8"),
    ("app.js", "application/javascript", b"fetch('/api/v1/me').then(r => r.text())",
     "text/plain; charset=utf-8"),
    ("logo.svg", "image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)'
     b"</script></svg>", "text/plain; charset=utf-8"),
    ("x.bin", "text/html", b"\x00\x01\x02<script>alert(1)</script>", "application/octet-stream"),
    ("fake.pdf", "application/pdf", b"GIF89a<script>", "application/octet-stream"),
    ("real.png", "text/html", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "image/png"),
    ("real.pdf", "text/html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
]


@pytest.mark.parametrize(("filename", "claimed", "content", "served"), HOSTILE_DOCUMENTS)
def test_documents_are_stored_and_served_by_sniffed_type_as_attachments(
        client, filename, claimed, content, served) -> None:
    import base64

    scenario = make_tender(prefix="doc", with_ceremony=False)
    answer = client.post(f"/api/v1/tenders/{scenario.tender_id}/documents",
                         headers=bearer(scenario.staff),
                         json={"filename": filename, "content_type": claimed,
                               "content_b64": base64.b64encode(content).decode()})
    assert answer.status_code == 201, answer.text
    document_id = answer.json()["id"]
    with db.read_only() as session:
        stored = session.get(TenderDocument, uuid.UUID(document_id))
        assert stored is not None and stored.content_type == served
    publish_now(scenario, db_now() + limits_days(30))
    for url in (f"/api/v1/tenders/{scenario.tender_id}/documents/{document_id}",
                f"/bidding/tenders/{scenario.tender_id}/documents/{document_id}"):
        download = client.get(url)
        assert download.status_code == 200, download.text
        assert download.headers["content-type"].split(";")[0] == served.split(";")[0]
        assert download.headers["content-disposition"].startswith("attachment")
        assert download.headers["x-content-type-options"] == "nosniff"
        assert download.content == content


def test_a_document_stored_before_sniffing_is_served_from_the_allow_list(client) -> None:
    from sqlalchemy import update

    scenario = make_tender(prefix="old", with_ceremony=False)
    with db.transaction() as session:
        update_doc = update(TenderDocument).where(TenderDocument.tender_id == scenario.tender_id)
        session.execute(update_doc.values(content_type="text/html"))
        document_id = session.scalars(select(TenderDocument.id).where(
            TenderDocument.tender_id == scenario.tender_id)).one()
    publish_now(scenario, db_now() + limits_days(30))
    download = client.get(f"/api/v1/tenders/{scenario.tender_id}/documents/{document_id}")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/octet-stream")
    assert download.headers["content-disposition"].startswith("attachment")


# --------------------------------------------------------------------------------------------
# The class, not the instances: no route may take an integer without bounds


def _unbounded_ints(info, path: str, seen: set) -> list[str]:
    import msgspec.inspect as mi

    if isinstance(info, mi.IntType):
        return [] if info.ge is not None and info.le is not None else [path]
    if isinstance(info, mi.StructType):
        if info.cls in seen:
            return []
        seen.add(info.cls)
        return [p for f in info.fields for p in _unbounded_ints(f.type, f"{path}.{f.name}", seen)]
    if isinstance(info, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        return _unbounded_ints(info.item_type, f"{path}[]", seen)
    if isinstance(info, mi.DictType):
        return _unbounded_ints(info.value_type, f"{path}{{}}", seen)
    if isinstance(info, mi.UnionType):
        return [p for t in info.types for p in _unbounded_ints(t, path, seen)]
    return []


def test_every_integer_parameter_and_body_field_is_bounded(client) -> None:
    """Each integer a route reads — query, path or JSON body — has a lower and an upper bound
    (trading.params, msgspec.Meta), so no value can overflow a column into a 500."""
    import msgspec.inspect as mi
    from litestar.handlers import HTTPRouteHandler

    unbounded = []
    for route in client.app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            for name, parameter in handler.parsed_fn_signature.parameters.items():
                where = f"{sorted(handler.paths)[0]} {name}"
                if name == "data":
                    try:
                        info = mi.type_info(parameter.annotation)
                    except (TypeError, ValueError):  # a form's dict[str, Any]
                        continue
                    unbounded += [f"{where}: {p}" for p in _unbounded_ints(info, "data", set())]
                    continue
                is_int = (parameter.is_subclass_of(int) and not parameter.is_subclass_of(bool)) or (
                    parameter.is_optional and int in parameter.args)
                bounds = parameter.kwarg_definition
                if is_int and (getattr(bounds, "ge", None) is None or getattr(bounds, "le", None) is None):
                    unbounded.append(where)
    assert unbounded == []


def test_the_same_document_twice_is_refused_by_name_and_nothing_is_added(client) -> None:
    import base64

    scenario = make_tender(prefix="dup", with_ceremony=False)
    url = f"/api/v1/tenders/{scenario.tender_id}/documents"
    body = {"filename": "技术规范.pdf", "content_type": "application/pdf",
            "content_b64": base64.b64encode(b"%PDF-1.7\n% the one specification\n").decode()}
    assert client.post(url, headers=bearer(scenario.staff), json=body).status_code == 201
    with db.read_only() as session:
        before = len(session.scalars(select(TenderDocument).where(
            TenderDocument.tender_id == scenario.tender_id)).all())
    again = client.post(url, headers=bearer(scenario.staff), json={**body, "filename": "副本.pdf"})
    assert again.status_code == 409 and "技术规范.pdf" in again.json()["message_zh"]
    with db.read_only() as session:
        assert len(session.scalars(select(TenderDocument).where(
            TenderDocument.tender_id == scenario.tender_id)).all()) == before
