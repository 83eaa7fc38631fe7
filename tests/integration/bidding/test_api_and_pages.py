"""The same tender driven from the JSON API (as the CLI does) and from the pages (as the
browser does) gives the same opening record; the pages render for each role."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import uuid

from bidding import config
from bidding.sealing.crypto import receipts
from bidding.sealing.crypto.common import b64decode
from bidding.sealing.crypto.envelope import seal_stream
from tests.integration.trading.conftest import login

from .conftest import (
    AHEAD,
    ANNOUNCEMENT,
    Scenario,
    bearer,
    bid_plaintext,
    bid_url,
    current,
    db_now,
    make_tender,
    pass_deadline,
    publish_now,
    seal,
    share_body,
)
from .test_opening import PRICES, open_all_directly, run_close

CSRF_ATTR = re.compile(r'data-csrf="([^"]+)"')
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


def _normalized(client, scenario: Scenario) -> list[tuple[object, ...]]:
    record = client.get(f"/api/v1/tenders/{scenario.tender_id}/opening").json()["record"]
    return sorted((b["price_fen"], b["duration_days"], b["quality"], b["status"])
                  for s in record["sections"] for b in s["bids"])


def drive_api(client) -> Scenario:
    scenario = make_tender(prefix="api")
    publish_now(scenario, db_now() + AHEAD)
    for bidder, price in zip(scenario.bidders, PRICES, strict=True):
        answer = client.put(bid_url(scenario), headers=bearer(bidder),
                            content=seal(scenario, bidder, bid_plaintext(price)))
        assert answer.status_code == 201
    pass_deadline(scenario.tender_id)
    run_close(scenario)
    for custodian in scenario.custodians[:2]:
        client.post(f"/api/v1/tenders/{scenario.tender_id}/shares", headers=bearer(custodian),
                    json=share_body(scenario, custodian))
    open_all_directly(scenario)
    return scenario


def drive_pages(client) -> Scenario:
    scenario = make_tender(prefix="web")
    publish_now(scenario, db_now() + AHEAD)
    for index, (bidder, price) in enumerate(zip(scenario.bidders, PRICES, strict=True)):
        assert login(client, f"web-bidder{index}").status_code == 303
        page = client.get(f"/bidding/tenders/{scenario.tender_id}/bid")
        assert page.status_code == 200 and "seal.js" in page.text
        token = CSRF_ATTR.search(page.text)
        assert token
        answer = client.put(f"/bidding/tenders/{scenario.tender_id}/sections/{scenario.section_id}/bid",
                            content=seal(scenario, bidder, bid_plaintext(price)),
                            headers={"X-CSRFToken": token.group(1)})
        assert answer.status_code == 201, answer.text
        mine = client.get(f"/bidding/tenders/{scenario.tender_id}/bid")
        assert "receipt.json" in mine.text
        client.post("/logout", data={"_csrf_token": CSRF_FIELD.search(mine.text).group(1)})
    pass_deadline(scenario.tender_id)
    run_close(scenario)
    for index, custodian in enumerate(scenario.custodians[:2]):
        assert login(client, f"web-cust{index}").status_code == 303
        page = client.get(f"/custody/bidding/tenders/{scenario.tender_id}")
        assert page.status_code == 200 and "share-open.js" in page.text
        token = CSRF_FIELD.search(page.text)
        assert token
        answer = client.post(f"/custody/bidding/tenders/{scenario.tender_id}/shares",
                             data={**share_body(scenario, custodian),
                                   "_csrf_token": token.group(1)})
        assert answer.status_code == 200, answer.text
    open_all_directly(scenario)
    return scenario


def test_api_and_pages_give_the_same_record(client) -> None:
    by_api = _normalized(client, drive_api(client))
    pages = drive_pages(client)
    assert _normalized(client, pages) == by_api
    assert [row[0] for row in by_api] == sorted(PRICES)
    page = client.get(f"/bidding/tenders/{pages.tender_id}/opening")
    assert page.status_code == 200 and 'http-equiv="refresh"' not in page.text
    assert "980,000.00" in page.text


def test_pages_render_for_each_role(client) -> None:
    scenario = make_tender(prefix="pg")
    assert client.get("/bidding/tenders").status_code == 200
    assert client.get(f"/bidding/tenders/{scenario.tender_id}").status_code == 404  # a draft
    assert login(client, "pg-staff").status_code == 303
    assert "测试工程" in client.get(f"/bidding/tenders/{scenario.tender_id}").text
    new = client.get("/bidding/tenders/new")
    assert new.status_code == 200 and "pg-cust0" in new.text
    publish_now(scenario, db_now() + dt.timedelta(days=30))
    assert login(client, "pg-cust0").status_code == 303
    assert "测试工程" in client.get("/custody").text
    assert login(client, "pg-bidder0").status_code == 303
    assert client.get(f"/bidding/tenders/{scenario.tender_id}/bid").status_code == 200
    opening = client.get(f"/bidding/tenders/{scenario.tender_id}/opening")
    assert 'http-equiv="refresh"' in opening.text  # live while bids are taken
    assert client.get("/bidding/notifications").status_code == 200
    english = client.get(f"/bidding/tenders/{scenario.tender_id}?lang=en")
    assert "Bid deadline" in english.text


def test_staff_create_a_tender_on_the_page(client) -> None:
    from tests.integration.trading.conftest import post_form

    scenario = make_tender(prefix="pc")
    assert login(client, "pc-staff").status_code == 303
    answer = post_form(client, "/bidding/tenders", {
        "title": "页面新建工程", "category": "construction", "region": "阳泉",
        "evaluation_method": "综合评估法", "section_name": "一标段", "estimate": "1,000,000.00",
        "max_price": "1,100,000", "security": "20000", "custody_k": "2",
        "custodians": [str(c) for c in scenario.custodians[:2]], **ANNOUNCEMENT,
        "tenderee_org_id": str(current(scenario.tenderee).organization_id),
    }, form_page="/bidding/tenders/new")
    assert answer.status_code == 303, answer.text
    detail = client.get(answer.headers["location"])
    assert "页面新建工程" in detail.text and "1,100,000.00" in detail.text
    too_much = post_form(client, "/bidding/tenders", {
        "title": "保证金超限", "category": "construction", "region": "阳泉",
        "evaluation_method": "综合评估法", "section_name": "一标段", "estimate": "100",
        "security": "2.01", "custody_k": "2",
        "custodians": [str(c) for c in scenario.custodians[:2]], **ANNOUNCEMENT,
        "tenderee_org_id": str(current(scenario.tenderee).organization_id),
    }, form_page="/bidding/tenders/new")
    # R-16, cited to the reader as the law and article, never as the internal id
    assert too_much.status_code == 400 and "《中华人民共和国招标投标法实施条例》第二十六条" in too_much.text
    assert "R-16" not in too_much.text


UPLOAD_PATH = "/api/v1/tenders/{tender_id}/sections/{section_id}/bid"


def test_openapi_documents_the_token_the_bid_upload_and_the_receipt_key(client) -> None:
    schema = client.get("/schema/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "/account" in scheme["description"]  # where a token comes from
    paths, components = schema["paths"], schema["components"]["schemas"]
    upload = paths[UPLOAD_PATH]["put"]
    assert upload["security"] == [{"bearerAuth": []}]
    body = upload["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/octet-stream"]["schema"]["format"] == "binary"
    assert str(config.max_bid_bytes()) in body["description"]  # the size limit
    assert {p["name"] for p in upload["parameters"] if p["in"] == "header"} == {
        "X-Bid-Signature", "X-Bidder-Public-Key"}
    receipt = upload["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    assert receipt == "#/components/schemas/BidReceipt"
    assert set(components["ReceiptFields"]["properties"]) >= set(receipts.REQUIRED_FIELDS)
    for status in ("400", "401", "403", "404", "409", "413", "422"):
        problem = upload["responses"][status]["content"]["application/problem+json"]["schema"]
        assert problem["$ref"] == "#/components/schemas/ProblemDetails"
    key = paths["/api/v1/receipts/public-key"]["get"]
    assert "security" not in key  # public
    ref = key["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    documented = components[ref.rsplit("/", 1)[1]]
    answer = client.get("/api/v1/receipts/public-key").json()
    assert set(answer) == set(documented["properties"]) == set(documented["required"])
    # the scheme follows the guards: guarded operations declare it, public ones do not
    assert paths["/api/v1/tenders/{tender_id}/my-bids"]["get"]["security"] == [{"bearerAuth": []}]
    assert paths["/api/v1/me"]["get"]["security"] == [{"bearerAuth": []}]
    assert "security" not in paths["/api/v1/tenders"]["get"]


def test_the_upload_answers_as_docs_envelope_md_says(client) -> None:
    scenario = make_tender(prefix="doc")
    publish_now(scenario, db_now() + AHEAD)
    bidder = scenario.bidders[0]
    sealed = seal(scenario, bidder, bid_plaintext(PRICES[0]))
    refused = client.put(bid_url(scenario), content=sealed)  # no token
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    # ids are spelled as the platform spells them: lowercase UUIDs with dashes
    out = io.BytesIO()
    seal_stream(io.BytesIO(bid_plaintext(PRICES[0])), out, opening_public_key=scenario.public_key,
                tender_id=str(scenario.tender_id).upper(), section_id=str(scenario.section_id),
                bidder_id=str(scenario.bidder_org(bidder)), key_id=scenario.key_id,
                segment_size=4096)
    upper = client.put(bid_url(scenario), headers=bearer(bidder), content=out.getvalue())
    assert upper.status_code == 422 and upper.json()["title"] == "envelope_wrong_target"
    answer = client.put(bid_url(scenario), headers={**bearer(bidder),
                        "Content-Type": "application/octet-stream"}, content=sealed)
    assert answer.status_code == 201 and answer.headers["content-type"] == "application/json"
    body = answer.json()
    components = client.get("/schema/openapi.json").json()["components"]["schemas"]
    assert set(body) == set(components["BidReceipt"]["properties"])
    assert set(body["fields"]) == set(components["ReceiptFields"]["properties"])
    for name in ("receipt_id", "tender_id", "section_id", "bidder_id"):
        assert body["fields"][name] == str(uuid.UUID(body["fields"][name]))
    assert body["fields"]["envelope_sha256"] == hashlib.sha256(sealed).hexdigest()
    assert body["fields"]["envelope_size"] == len(sealed)
    key = client.get("/api/v1/receipts/public-key").json()
    public = b64decode(key["public_key_b64"])
    assert receipts.key_id_of(public) == key["key_id"] == body["key_id"]
    receipts.verify_receipt(receipts.Receipt.from_dict(body), public)
