"""What the ``ggzy bid`` and ``ggzy custody`` clients share: bilingual errors, the passphrase
prompt, and the JSON API client with the platform's problem details turned into words."""

from __future__ import annotations

import json
import os
from typing import Any

import click

from bidding.sealing.crypto.common import valid_id

PASSPHRASE_ENV = "GGZY_KEY_PASSPHRASE"  # noqa: S105 - the name of a variable
TOKEN_ENV = "GGZY_API_TOKEN"  # noqa: S105 - the name of a variable


class CliError(click.ClickException):
    """A bilingual message, printed without a traceback."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")


def fail_from(exc: Exception) -> CliError:
    zh = getattr(exc, "reason_zh", None)
    en = getattr(exc, "reason_en", None)
    if isinstance(zh, str) and isinstance(en, str):
        return CliError(zh, en)
    return CliError(str(exc), str(exc))


def passphrase(confirm: bool = False) -> str:
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return from_env
    value: str = click.prompt("口令 / passphrase", hide_input=True,
                              confirmation_prompt=confirm, err=True)
    return value


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def client(url: str, token: str | None) -> Any:
    import httpx

    if not token:
        raise CliError("需要访问令牌（--token 或环境变量 GGZY_API_TOKEN）",
                       "an API token is needed (--token or GGZY_API_TOKEN)")
    return httpx.Client(base_url=url.rstrip("/"), timeout=httpx.Timeout(60.0, connect=10.0),
                        headers={"Authorization": f"Bearer {token}",
                                 "Accept": "application/json"})


def check(response: Any) -> Any:
    """The JSON body of a successful answer; the platform's problem details otherwise."""
    if response.is_success:
        return response.json() if response.content else None
    try:
        body = response.json()
        if isinstance(body.get("message_zh"), str) and isinstance(body.get("message_en"), str):
            raise CliError(f"平台拒绝了请求（HTTP {response.status_code}）：{body['message_zh']}",
                           f"the platform refused (HTTP {response.status_code}): "
                           f"{body['message_en']}")
        detail = body.get("detail") or body.get("title") or response.text
    except (ValueError, AttributeError):
        detail = response.text
    raise CliError(f"平台拒绝了请求（HTTP {response.status_code}）：{detail}",
                   f"the platform refused the request (HTTP {response.status_code}): {detail}")


def tender_path(tender_id: str) -> str:
    if not valid_id(tender_id):
        raise CliError("项目编号无效", "invalid tender id")
    return f"/api/v1/tenders/{tender_id}"
