"""Every API operation, fuzzed from its own OpenAPI document (schemathesis) with a token of each
role and without one: no server error, and every answer (status, content type, body) is one the
document describes. Bounded: a few examples per operation and role, no shrinking."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.bidding.conftest import (
    make_user,
    token_for,
)
from tests.integration.trading.conftest import client, platform_app  # noqa: F401 (fixture)
from trading.accounts.models import OrganizationKind, Role

CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance)
EXAMPLES = 4
ORGANIZATIONS = {Role.BIDDER: OrganizationKind.BIDDER, Role.TENDEREE: OrganizationKind.TENDEREE,
                 Role.STAFF: OrganizationKind.TRADING_CENTER}


@pytest.fixture
def api_schema(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from trading.settings import get_settings

    monkeypatch.setenv("GGZY_STORAGE_DIR", str(tmp_path / "storage"))
    get_settings.cache_clear()
    yield schemathesis.openapi.from_asgi("/schema/openapi.json", platform_app())
    get_settings.cache_clear()


@pytest.fixture
def tokens(api_schema: Any) -> dict[str, str | None]:
    """One token per role, plus no token."""
    found: dict[str, str | None] = {"anonymous": None}
    for role in Role:
        user = make_user(f"fz-{role.value}-{uuid.uuid4().hex[:6]}", role,
                         ORGANIZATIONS.get(role, OrganizationKind.OTHER))
        found[role.value] = token_for(user)
    return found


def _operation_labels() -> list[str]:
    """Collected from the document itself (no database needed to build it)."""
    from trading.app import create_app
    from trading.openapi_errors import document_errors

    app = create_app()
    document_errors(app)
    document = schemathesis.openapi.from_dict(app.openapi_schema.to_schema())
    return sorted(result.ok().label for result in document.get_all_operations())


@pytest.mark.parametrize("label", _operation_labels())
def test_every_operation_answers_as_documented(api_schema: Any, tokens: dict[str, str | None],
                                               label: str) -> None:
    operation = api_schema.find_operation_by_label(label)

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def answers_as_documented(case: Any) -> None:
        for token in tokens.values():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            case.call_and_validate(headers=headers, checks=list(CHECKS))

    answers_as_documented()


def test_every_documented_error_is_problem_details(client) -> None:  # noqa: F811
    document = client.get("/schema/openapi.json").json()
    assert "ProblemDetails" in document["components"]["schemas"]
    for path, item in document["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in item.items():
            if method not in ("get", "post", "put", "delete", "patch"):
                continue
            errors = {s: r for s, r in operation["responses"].items() if s.startswith("4")}
            assert {"400", "404", "405", "413"} <= set(errors), (method, path)
            for status, response in errors.items():
                assert list(response["content"]) == ["application/problem+json"], (
                    method, path, status)


def test_a_wrong_method_names_the_allowed_ones(client) -> None:  # noqa: F811
    answer = client.delete("/api/v1/tenders")
    assert answer.status_code == 405
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert {m.strip() for m in answer.headers["allow"].split(",")} >= {"GET", "POST"}
