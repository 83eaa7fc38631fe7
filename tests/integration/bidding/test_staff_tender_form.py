"""The staff's new-tender page: several sections (标段) from one form without JavaScript, and
everything typed shown again after a refusal."""

from __future__ import annotations

import re
import uuid

from bidding import lookup
from tests.integration.trading.conftest import login, post_form
from trading import db

from .conftest import ANNOUNCEMENT, current, make_tender

NEW = "/bidding/tenders/new"


def _form(scenario, **changes: object) -> dict[str, object]:
    return {"title": "多标段工程", "category": "construction", "region": "阳泉",
            "evaluation_method": "综合评估法", "custody_k": "2",
            "custodians": [str(c) for c in scenario.custodians[:2]],
            "tenderee_org_id": str(current(scenario.tenderee).organization_id),
            **ANNOUNCEMENT, **changes}


def _values(page: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}"[^>]*value="([^"]*)"', page)


def test_staff_add_sections_and_create_a_tender_with_all_of_them(client) -> None:
    scenario = make_tender(prefix="ms", with_ceremony=False)
    assert login(client, "ms-staff").status_code == 303
    one_row = {"section_name": "道路工程", "estimate": "1000000", "max_price": "",
               "security": "20000"}
    more = post_form(client, "/bidding/tenders", _form(scenario, action="add_section", **one_row),
                     form_page=NEW)
    assert more.status_code == 200
    assert _values(more.text, "section_name") == ["道路工程", "第2标段"]
    assert "多标段工程" in more.text  # the rest of the form is kept
    created = post_form(client, "/bidding/tenders", _form(
        scenario, action="create", section_name=["道路工程", "排水工程", ""],
        estimate=["1000000", "2,500,000.50", ""], max_price=["", "2600000", ""],
        security=["20000", "0", "0"]), form_page=NEW)
    assert created.status_code == 303, created.text
    tender_id = created.headers["location"].rsplit("/", 1)[-1]
    with db.read_only() as session:
        sections = lookup.sections_of(session, uuid.UUID(tender_id))
    assert [(s.number, s.name, s.estimated_price_fen, s.max_price_fen) for s in sections] == [
        (1, "道路工程", 100_000_000, None), (2, "排水工程", 250_000_050, 260_000_000)]
    page = client.get(created.headers["location"]).text
    assert "道路工程" in page and "排水工程" in page


def test_a_refused_form_comes_back_as_typed(client) -> None:
    scenario = make_tender(prefix="mk", with_ceremony=False)
    assert login(client, "mk-staff").status_code == 303
    refused = post_form(client, "/bidding/tenders", _form(
        scenario, description="说明文字", bidder_decrypts="1",
        section_name=["一标段", "二标段"], estimate=["1000000", "十万"],
        max_price=["", ""], security=["0", "0"]), form_page=NEW)
    assert refused.status_code == 400
    assert "金额格式应为元" in refused.text
    assert _values(refused.text, "section_name") == ["一标段", "二标段"]
    assert _values(refused.text, "estimate") == ["1000000", "十万"]
    assert "说明文字" in refused.text
    for custodian in scenario.custodians[:2]:
        assert re.search(rf'value="{custodian}" checked', refused.text)
    assert re.search(r'name="bidder_decrypts" value="1" checked', refused.text)
