"""The API docs page (/schema, the footer's 接口文档) works without internet access: every asset
it loads is served by the platform itself."""

from __future__ import annotations

import re

import pytest


def asset_urls(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)


def test_the_docs_page_loads_only_local_assets(client):
    page = client.get("/schema")
    assert page.status_code == 200
    urls = asset_urls(page.text)
    assert len(urls) >= 4  # stylesheet, two scripts, icon
    assert all(url.startswith("/static/") for url in urls), urls
    assert "cdn" not in page.text.lower()


@pytest.mark.parametrize(("suffix", "content_type"), [
    (".js", "text/javascript"), (".css", "text/css"), (".png", "image/png")])
def test_the_docs_assets_answer_with_their_types(client, suffix, content_type):
    urls = [url for url in asset_urls(client.get("/schema").text) if url.endswith(suffix)]
    assert urls
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].startswith(content_type), url
        assert len(asset.content) > 500
    if suffix == ".js":
        assert any("SwaggerUIBundle" in client.get(url).text for url in urls)
