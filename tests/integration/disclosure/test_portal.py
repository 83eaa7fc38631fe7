"""The public portal over HTTP: lists, search, pages, history, feeds; guarded staff routes."""

from __future__ import annotations

import uuid
from xml.etree import ElementTree as ET

from disclosure.notice_types import NoticeType
from tests.integration.disclosure.conftest import LIFECYCLE, publish, publish_lifecycle, sample
from tests.integration.trading.conftest import login, make_user, post_form
from trading import db, denials
from trading.accounts import services as accounts
from trading.audit import Actor

ATOM = "{http://www.w3.org/2005/Atom}"


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_public_list_and_notice_page_need_no_login(client):
    done = publish(NoticeType.TENDER_ANNOUNCEMENT, title="南外环道路改造工程招标公告")
    page = client.get("/notices")
    assert page.status_code == 200 and "南外环道路改造工程招标公告" in page.text
    notice = client.get(done.url)
    assert notice.status_code == 200
    assert done.content_hash in notice.text
    assert f"/api/v1/notices/{done.id}/proof" in notice.text
    assert "/static/disclosure/disclosure.css" in notice.text
    css = client.get("/static/disclosure/disclosure.css")
    assert css.status_code == 200 and "@media print" in css.text
    assert client.get(f"/notices/{uuid.uuid4()}").status_code == 404


def test_cached_pages_keep_a_live_clock_and_personal_pages_are_not_cached(client):
    done = publish(NoticeType.TENDER_ANNOUNCEMENT)
    first, second = client.get(done.url).text, client.get(done.url).text
    assert "__ggzy" not in second and 'data-epoch-ms="8888888888888"' not in second
    assert first.split('data-epoch-ms="')[1][:13] <= second.split('data-epoch-ms="')[1][:13]
    make_user("cache-regulator", "regulator")
    login(client, "cache-regulator")
    personal = client.get(done.url).text
    assert "cache-regulator" in personal and f"/regulator/notices/{done.id}" in personal
    client.cookies.clear()
    assert "cache-regulator" not in client.get(done.url).text


def test_cached_pages_are_answered_before_the_platform_middleware(client, monkeypatch):
    from disclosure import page_cache

    done = publish(NoticeType.TENDER_ANNOUNCEMENT, title="缓存公告")
    rendered = client.get(done.url)
    english = client.get(done.url + "?lang=en").text
    monkeypatch.setattr(page_cache, "SYNC_SECONDS", 3600.0)  # no sync due: hits stay hits
    client.cookies.clear()
    cached = client.get(done.url)
    # Answered by the cache middleware: the CSRF layer never ran, so no cookie was minted.
    assert cached.status_code == 200 and "set-cookie" not in cached.headers
    assert "缓存公告" in cached.text and done.content_hash in cached.text
    assert cached.headers["content-type"] == "text/html; charset=utf-8"
    for name in ("content-security-policy", "x-frame-options", "x-content-type-options"):
        assert cached.headers[name] == rendered.headers[name]
    assert "__ggzy" not in cached.text
    assert client.get(done.url + "?lang=en").text.split("data-epoch-ms")[0] == \
        english.split("data-epoch-ms")[0]
    make_user("cache-staff", "staff")
    login(client, "cache-staff")
    assert "cache-staff" in client.get(done.url).text


def test_english_labels_are_available(client):
    done = publish(NoticeType.TENDER_ANNOUNCEMENT)
    assert "招标人" in client.get(done.url).text
    english = client.get(done.url + "?lang=en").text
    assert "Tenderee" in english and "Content hash" in english


def test_search_by_chinese_keyword_region_category_type_and_dates(client):
    road = publish(NoticeType.TENDER_ANNOUNCEMENT, "T-ROAD", title="南外环道路改造工程招标公告",
                   region="阳泉市城区")
    school = publish(NoticeType.FAILED_TENDER, "T-SCHOOL", title="中小学教学设备采购流标公告",
                     region="阳泉市郊区", category="procurement")
    assert _ids(client.get("/api/v1/notices", params={"q": "道路"})) == [str(road.id)]
    assert _ids(client.get("/api/v1/notices", params={"q": "设备 流标"})) == [str(school.id)]
    assert _ids(client.get("/api/v1/notices", params={"q": "t-school"})) == [str(school.id)]
    assert _ids(client.get("/api/v1/notices", params={"region": "阳泉市郊区"})) == [
        str(school.id)]
    assert _ids(client.get("/api/v1/notices", params={"category": "construction"})) == [
        str(road.id)]
    assert _ids(client.get("/api/v1/notices", params={"type": "failed_tender"})) == [
        str(school.id)]
    both = _ids(client.get("/api/v1/notices", params={"date_from": "2000-01-01",
                                                       "date_to": "2999-12-31"}))
    assert set(both) == {str(road.id), str(school.id)}
    assert _ids(client.get("/api/v1/notices", params={"date_to": "2000-01-01"})) == []
    html = client.get("/notices", params={"q": "道路"}).text
    assert "南外环道路改造工程招标公告" in html and "中小学教学设备" not in html


QUERIES = [
    "x" * 10000, "'; DROP TABLE disclosure_notice; --", "%", "_", "\\", "%_%\\%",
    "\x00\x01\x1b[31m", "道路\x00", "\u202e\u200b", "😀" * 50, "' OR 1=1 --",
    "<script>alert(1)</script>", "a" * 3, " ",
]
RAW_QUERIES = ["%FF%FE", "%ED%A0%80", "%00", "%", "%%32", "%E9%81%93%E8"]
BAD_FILTERS = [{"after": "not-a-cursor"}, {"after": "\x00"}, {"date_from": "yesterday"},
               {"date_to": "2026-13-45"}, {"after": "MjAyNi0wMS0wMXxub3Bl"}]


def test_any_search_input_is_answered_safely(client):
    publish(NoticeType.TENDER_ANNOUNCEMENT)
    for path in ("/api/v1/notices", "/notices"):
        for query in QUERIES:
            response = client.get(path, params={"q": query, "region": query})
            assert response.status_code == 200, (path, query[:20], response.status_code)
            assert "<script>alert" not in response.text
        for raw in RAW_QUERIES:  # broken percent-encodings, sent as they are
            assert client.get(f"{path}?q={raw}&region={raw}").status_code in (200, 400)
        for params in BAD_FILTERS:  # refused with a reason, never a 500
            assert client.get(path, params=params).status_code == 400, params


def test_keyset_pagination_visits_every_notice_once(client):
    published = {str(publish(NoticeType.FAILED_TENDER, f"T-{i:02d}").id) for i in range(45)}
    seen: list[str] = []
    after = None
    while True:
        body = client.get("/api/v1/notices", params={"after": after} if after else {}).json()
        seen.extend(item["id"] for item in body["items"])
        after = body["next_cursor"]
        if not after:
            break
    assert len(seen) == len(set(seen)) == 45 and set(seen) == published
    html = client.get("/notices").text
    assert 'rel="next"' in html


def test_tender_page_shows_the_whole_history_in_order(client):
    notices = publish_lifecycle("T-HIST")
    publish(NoticeType.FAILED_TENDER, "T-OTHER")
    page = client.get("/tenders/T-HIST")
    assert page.status_code == 200
    positions = [page.text.index(f"/notices/{n.id}") for n in notices]
    assert positions == sorted(positions)
    assert len(notices) == len(LIFECYCLE)
    assert client.get("/tenders/NOPE").status_code == 404


def test_atom_feed_per_category_and_region(client):
    road = publish(NoticeType.TENDER_ANNOUNCEMENT, "T-1", region="阳泉市城区")
    publish(NoticeType.FAILED_TENDER, "T-2", region="平定县", category="procurement")
    response = client.get("/feeds/atom", params={"category": "construction",
                                                 "region": "阳泉市城区"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}id").text for e in entries] == [f"urn:uuid:{road.id}"]
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link.endswith(road.url)
    everything = ET.fromstring(client.get("/feeds/atom").content)
    assert len(everything.findall(f"{ATOM}entry")) == 2
    assert client.get("/feeds/atom", params={"category": "' OR 1=1"}).status_code == 200


def test_change_feed_cursor(client):
    first = publish(NoticeType.TENDER_ANNOUNCEMENT, "T-1")
    body = client.get("/api/v1/notices/changes").json()
    assert [i["id"] for i in body["items"]] == [str(first.id)]
    cursor = body["next_cursor"]
    second = publish(NoticeType.FAILED_TENDER, "T-2")
    body = client.get("/api/v1/notices/changes", params={"cursor": cursor}).json()
    assert [i["id"] for i in body["items"]] == [str(second.id)]
    again = client.get("/api/v1/notices/changes", params={"cursor": body["next_cursor"]})
    assert again.json() == {"items": [], "next_cursor": body["next_cursor"]}
    assert client.get("/api/v1/notices/changes", params={"cursor": "x"}).status_code == 400


def test_proof_endpoint_verifies(client):
    done = publish(NoticeType.TENDER_ANNOUNCEMENT)
    publish(NoticeType.FAILED_TENDER)
    proof = client.get(f"/api/v1/notices/{done.id}/proof").json()
    assert proof["log_index"] == done.log_index and proof["content_hash"] == done.content_hash
    assert proof["verification"] == {"ok": True, "problems": [],
                                     "computed_hash": done.content_hash}
    from supervision import merkle

    merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), proof["log_index"],
                            proof["tree_size"], [bytes.fromhex(h) for h in proof["audit_path"]],
                            bytes.fromhex(proof["root"]))


def test_correction_banner_on_the_original(client):
    original = publish(NoticeType.TENDER_ANNOUNCEMENT, title="原公告")
    assert "本公告已被更正" not in client.get(original.url).text  # now in the page cache
    correction = publish(NoticeType.CORRECTION, title="更正公告", corrects=original.id)
    page = client.get(original.url)
    assert page.status_code == 200 and f"/notices/{correction.id}" in page.text
    assert "本公告已被更正" in page.text
    assert f"/notices/{original.id}" in client.get(correction.url).text


def test_candidate_publicity_page_shows_window_and_how_to_object(client):
    done = publish(NoticeType.CANDIDATE_PUBLICITY)
    page = client.get(done.url).text
    assert "公示期" in page and "公示中" in page and "如何提出异议" in page
    assert sample(NoticeType.CANDIDATE_PUBLICITY)["objection_method"] in page


# --- guarded routes ------------------------------------------------------------------------


def _denials() -> int:
    with db.read_only() as session:
        return denials.total_denials(session)  # counted, not logged (issue 10)


def _token(username: str, *roles: str) -> str:
    user_id = make_user(username, *roles)
    with db.transaction() as session:
        return accounts.create_api_token(session, Actor.system("test"), uuid.UUID(user_id), "t")


def _publish_body() -> dict:
    return {"notice_type": "failed_tender", "tender_ref": "T-API", "title": "流标公告",
            "data": sample(NoticeType.FAILED_TENDER), "region": "阳泉市城区",
            "category": "construction"}


def test_publish_api_requires_staff(client):
    staff, bidder = _token("api-staff", "staff"), _token("api-bidder", "bidder")
    assert client.post("/api/v1/notices", json=_publish_body()).status_code == 401
    before = _denials()
    refused = client.post("/api/v1/notices", json=_publish_body(),
                          headers={"Authorization": f"Bearer {bidder}"})
    assert refused.status_code == 403 and _denials() == before + 1
    done = client.post("/api/v1/notices", json=_publish_body(),
                       headers={"Authorization": f"Bearer {staff}"})
    assert done.status_code == 201, done.text
    assert client.get(done.json()["url"].removeprefix("http://127.0.0.1:8000")).status_code \
        == 200
    body = _publish_body()
    del body["data"]["reason"]
    missing = client.post("/api/v1/notices", json=body,
                          headers={"Authorization": f"Bearer {staff}"})
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "reason"
    bad = {**_publish_body(), "notice_type": "correction", "corrects": str(uuid.uuid4()),
           "data": sample(NoticeType.CORRECTION)}
    assert client.post("/api/v1/notices", json=bad,
                       headers={"Authorization": f"Bearer {staff}"}).status_code == 404


def test_preview_page_for_staff_only(client):
    make_user("pv-staff", "staff")
    make_user("pv-bidder", "bidder")
    assert client.get("/disclosure/preview", follow_redirects=False).status_code == 303
    login(client, "pv-bidder")
    before = _denials()
    assert client.get("/disclosure/preview").status_code == 403
    assert _denials() == before + 1
    client.cookies.clear()
    login(client, "pv-staff")
    import json

    data = sample(NoticeType.INTAKE_RESULT)
    data["applicant"] = "李明 手机13912345678"
    response = post_form(client, "/disclosure/preview", {
        "notice_type": "intake_result", "title": "审批结果", "data": json.dumps(data),
        "secret_fields": "document_number"})
    assert response.status_code == 200, response.text[:300]
    shown = response.text.split('id="preview-heading"')[1]  # the form echoes the input
    assert "13912345678" not in shown and "1**********" in shown
    assert "applicant_address" in shown and "【个人地址已隐去】" in shown
    broken = post_form(client, "/disclosure/preview", {
        "notice_type": "intake_result", "title": "x", "data": "{not json", "secret_fields": ""})
    assert broken.status_code == 400


def test_preview_post_with_a_wrong_role_is_refused_and_logged(client):
    make_user("pv-bidder2", "bidder")
    login(client, "pv-bidder2")
    token = client.cookies.get("ggzy_csrf") or ""
    before = _denials()
    response = client.post("/disclosure/preview", data={"notice_type": "x", "title": "x",
                                                        "data": "{}", "secret_fields": "",
                                                        "_csrf_token": token})
    assert response.status_code == 403 and _denials() == before + 1


def test_unredacted_view_is_for_regulators(client):
    data = sample(NoticeType.INTAKE_RESULT)
    done = publish(NoticeType.INTAKE_RESULT, data=data)
    make_user("ur-regulator", "regulator")
    make_user("ur-staff", "staff")
    assert client.get(f"/regulator/notices/{done.id}", follow_redirects=False).status_code \
        == 303
    login(client, "ur-staff")
    assert client.get(f"/regulator/notices/{done.id}").status_code == 403
    client.cookies.clear()
    login(client, "ur-regulator")
    page = client.get(f"/regulator/notices/{done.id}")
    assert page.status_code == 200 and data["applicant_address"] in page.text
    assert data["applicant_address"] not in client.get(done.url).text


def test_pages_and_feeds_name_their_charset_once(client):
    done = publish(NoticeType.TENDER_ANNOUNCEMENT)
    assert client.get(done.url).headers["content-type"] == "text/html; charset=utf-8"
    feed = client.get("/feeds/atom")
    assert feed.headers["content-type"] == "application/atom+xml; charset=utf-8"


def test_a_history_links_its_ocds_record_only_when_it_has_one(client):
    publish(NoticeType.TENDER_ANNOUNCEMENT, "T-OCDS")
    page = client.get("/tenders/T-OCDS")
    assert page.status_code == 200 and 'href="/api/v1/ocds/records/ocds-ggzy01-T-OCDS"' in page.text
    assert client.get("/api/v1/ocds/records/ocds-ggzy01-T-OCDS").status_code == 200
    publish(NoticeType.INTAKE_RESULT, "SP-2026-0009")  # an approval: no contracting process
    page = client.get("/tenders/SP-2026-0009")
    assert page.status_code == 200 and "/api/v1/ocds/records/" not in page.text
