"""The suite's rule: any 5xx answered by the in-process app fails the test that caused it,
unless the test says why with ``@pytest.mark.allows_server_error("...")`` (tests/conftest.py,
trading.server_errors)."""

from __future__ import annotations

import pytest
from litestar import Litestar, get
from litestar.exceptions import HTTPException
from litestar.testing import TestClient

from trading import server_errors, web

pytest_plugins = ["pytester"]

INNER = '''
import pytest
from trading import server_errors

def test_unmarked_server_error():
    server_errors.report("GET", "/x", 500, RuntimeError("boom"))

@pytest.mark.allows_server_error("provokes a 500 on purpose")
def test_marked_server_error():
    server_errors.report("GET", "/x", 503)

@pytest.mark.allows_server_error("")
def test_marked_without_a_reason():
    server_errors.report("GET", "/x", 500)

def test_client_errors_are_not_server_errors():
    server_errors.report("GET", "/x", 404)
'''


@pytest.mark.allows_server_error("runs inner tests that report 5xx answers on purpose")
def test_a_server_error_fails_the_test_unless_it_is_marked_with_a_reason(pytester) -> None:
    pytester.makeconftest("from tests.conftest import (pytest_configure, pytest_runtest_call, "
                          "pytest_runtest_setup, pytest_runtest_teardown)\n")
    pytester.makepyfile(INNER)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:xdist")
    result.assert_outcomes(passed=2, failed=2, errors=0)
    result.stdout.fnmatch_lines(["*500 on GET /x: RuntimeError: boom*"])
    result.stdout.fnmatch_lines(["*allows_server_error needs a reason*"])


@pytest.mark.allows_server_error("checks that the app's handlers report a 500 and a 503")
def test_the_app_error_handlers_report_every_5xx() -> None:
    @get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    @get("/unavailable")
    async def unavailable() -> None:
        raise HTTPException(status_code=503, detail="down")

    heard: list[server_errors.ServerError] = []
    server_errors.add_listener(heard.append)
    try:
        app = Litestar([boom, unavailable], exception_handlers={
            HTTPException: web.handle_http_error, Exception: web.handle_server_error})
        with TestClient(app) as client:
            assert client.get("/boom", headers={"accept": "application/json"}).status_code == 500
            assert client.get("/unavailable", headers={"accept": "application/json"}).status_code == 503
    finally:
        server_errors.remove_listener(heard.append)
    assert [(e.path, e.status) for e in heard] == [("/boom", 500), ("/unavailable", 503)]
