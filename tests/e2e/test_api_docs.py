"""An integrator opens the API docs (/schema) on a machine without internet access: the page
draws the operations from assets the platform serves itself."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e


def test_the_api_docs_render_with_every_outside_request_blocked(live_server, browser):
    local = urlsplit(live_server).netloc
    outside: list[str] = []

    def only_local(route):
        if urlsplit(route.request.url).netloc == local:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.route("**/*", only_local)
    page.goto(f"{live_server}/schema")
    # Swagger UI draws each operation: its method, path and summary.
    operations = page.locator(".opblock-summary")
    operations.first.wait_for(timeout=20_000)
    assert operations.count() > 10
    health = page.locator(".opblock-summary", has=page.locator(".opblock-summary-path",
                                                                has_text="/healthz"))
    assert health.locator(".opblock-summary-description").inner_text() == (
        "State of the database, the broker and the last worker heartbeat")
    assert page.get_by_text("ggzy — 公共资源交易平台 API").first.is_visible()
    assert outside == []
    context.close()
