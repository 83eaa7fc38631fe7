"""A member of the public who types an impossible date into the notice search gets the search
form back, as typed, with the field named, not an error page."""

from __future__ import annotations

import re

from disclosure.notice_types import NoticeType
from tests.integration.disclosure.conftest import publish


def test_a_bad_date_shows_the_form_with_the_field_named_and_the_rest_kept(client):
    publish(NoticeType.TENDER_ANNOUNCEMENT, title="南外环道路改造工程招标公告")
    page = client.get("/notices", params={"q": "道路", "region": "阳泉", "category": "construction",
                                          "type": "tender_announcement", "date_from": "2026-13-45",
                                          "date_to": "2026-12-31"})
    assert page.status_code == 400
    html = page.text
    assert 'role="search"' in html  # the search form, not the generic error page
    alert = re.search(r'<p class="error-message" id="search-error" role="alert">([^<]*)</p>', html)
    assert alert and alert.group(1) == "发布日期自：日期格式应为 YYYY-MM-DD"
    assert 'id="date_from" name="date_from" type="date" value="2026-13-45" aria-invalid="true"' in html
    assert 'id="date_to" name="date_to" type="date" value="2026-12-31">' in html
    assert 'id="q" name="q" type="search" maxlength="100" value="道路"' in html
    assert 'value="阳泉"' in html
    assert '<option value="construction" selected>' in html
    assert '<option value="tender_announcement" selected>' in html
    assert "南外环道路改造工程招标公告" not in html  # no results under a search it could not run


def test_the_message_names_the_field_in_english_too(client):
    client.cookies.set("ggzy_lang", "en")
    page = client.get("/notices?date_to=yesterday")
    assert page.status_code == 400
    assert "Published until: dates are written YYYY-MM-DD" in page.text
    assert 'id="date_to" name="date_to" type="date" value="yesterday" aria-invalid="true"' in page.text


def test_the_api_still_answers_problem_details_naming_the_field(client):
    response = client.get("/api/v1/notices?date_from=2026-13-45")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "date_from"


def test_a_good_search_keeps_its_values_in_the_form(client):
    publish(NoticeType.TENDER_ANNOUNCEMENT, title="南外环道路改造工程招标公告")
    page = client.get("/notices", params={"q": "道路", "date_from": "2000-01-01"})
    assert page.status_code == 200
    assert 'value="道路"' in page.text and 'value="2000-01-01"' in page.text
    assert "南外环道路改造工程招标公告" in page.text
