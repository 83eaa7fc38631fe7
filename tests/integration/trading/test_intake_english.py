"""Every intake page has its text in both languages: no message key shows through, in Chinese
or in English mode."""

from __future__ import annotations

import re

import pytest

from tests.integration.trading.test_intake_decisions import as_user, decide, setup

RAW_KEY = re.compile(r"\b(?:intake|nav)\.[a-z_]+(?:\.[a-z_]+)?\b")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_no_message_key_shows_through(client, lang):
    tracking = setup(client)
    as_user(client, "window-wang")
    client.get(f"/lang/{lang}?next=/")
    pages = ["/intake", "/intake/items/JY-001", "/intake/items/XSP-002", "/intake/manage",
             "/intake/manage/new", "/intake/manage/items/JY-001", "/intake/staff/applications",
             f"/intake/staff/applications/{tracking}", f"/intake/applications/{tracking}",
             "/intake/window/items/JY-001/register", "/intake/mine"]
    assert decide(client, tracking, {"decision": "refusal", "reasons": "不符合"}).status_code == 303
    pages += [f"/intake/notices/BSL{tracking[2:]}-1", "/intake/verify"]
    # the progress, ratings, complaints, statistics and kiosk pages (the kiosk last: it marks
    # the browser)
    pages += [f"/intake/applications/{tracking}/progress", "/intake/progress",
              "/intake/staff/ratings", "/intake/complaints", "/intake/stats", "/intake/kiosk"]
    for path in pages:
        page = client.get(path)
        assert page.status_code == 200, path
        text = re.sub(r'(href|action|name|id|for|value)="[^"]*"', "", page.text)
        assert not RAW_KEY.findall(text), (path, RAW_KEY.findall(text))
        if lang == "en":
            assert 'lang="en"' in page.text
    receipt = client.get(f"/intake/applications/{tracking}").text
    assert ("Refusal notice" if lang == "en" else "不予受理通知书") in receipt
    form = client.get("/intake/manage/items/JY-001").text
    assert ("Handled on the spot" if lang == "en" else "即办件") in form
    stats = client.get("/intake/stats").text
    department = ("Yangquan Public Resource Trading Center (demo)" if lang == "en"
                  else "阳泉市公共资源交易中心（演示）")
    assert department in stats  # the departments are named in the reader's language
