"""Did the bid land? After a lost connection, ``ggzy bid submit`` asks the platform (the
caller's ``my-bids``, matched by the envelope's SHA-256) before it sends the envelope again,
and says which it was.

A connection can die after the platform committed the bid and before its receipt reached the
client (issue 17, part 7d): re-sending blindly would replace the bid by an identical one, and
giving up would leave the bidder unsure whether it arrived before the deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import click

from bidding.cli.common import CliError, check, tender_path

#: Re-sends after a lost connection or a 503 (each preceded by the look-up).
RESENDS = 2
#: Look-ups tried while the platform is still unreachable, and the wait between them.
LOOKUPS = 5
DEFAULT_WAIT = 2.0
MAX_WAIT = 30.0


def _say(zh: str, en: str) -> None:
    click.echo(f"{zh} / {en}", err=True)


def _say_landed(landed: dict[str, Any]) -> None:
    _say(f"投标已送达平台（{landed['submitted_at']}），不再重复上传；回执取自“我的投标”",
         f"the bid had arrived ({landed['submitted_at']}); not sending it again, the receipt "
         "is taken from My bids")


def retry_after(response: Any) -> float:
    try:
        return min(max(float(response.headers.get("Retry-After", DEFAULT_WAIT)), 0.0), MAX_WAIT)
    except ValueError:
        return DEFAULT_WAIT


def find_landed(http: Any, tender_id: str, section_id: str, digest: str) -> dict[str, Any] | None:
    """The caller's live bid for the section with this envelope digest, if the platform has it."""
    for bid in check(http.get(f"{tender_path(tender_id)}/my-bids")) or []:
        if (bid.get("section_id") == section_id and bid.get("envelope_sha256") == digest
                and bid.get("status") == "submitted"):
            return dict(bid)
    return None


def look_up(http: Any, tender_id: str, section_id: str, digest: str,
            wait: float) -> dict[str, Any] | None:
    """``find_landed``, patient while the platform is still unreachable."""
    import httpx

    for attempt in range(LOOKUPS):
        try:
            return find_landed(http, tender_id, section_id, digest)
        except (httpx.TransportError, CliError) as exc:
            if attempt == LOOKUPS - 1:
                raise CliError(
                    "连接中断，且无法确认投标是否已送达。请稍后重新运行同一命令（会先查询再上传），"
                    "或在网页“我的投标”中查看",
                    "the connection was lost and whether the bid arrived cannot be confirmed. "
                    "Run the same command again later (it checks before sending) or look at "
                    "My bids on the web page") from exc
            time.sleep(wait)
    return None


def submit_once_landed(http: Any, send: Callable[[], Any], tender_id: str, section_id: str,
                       digest: str) -> dict[str, Any]:
    """Send with ``send()``; after a lost connection or a 503, look up before re-sending.

    Returns the receipt (the answer's, or the landed bid's from ``my-bids``)."""
    import httpx

    for attempt in range(RESENDS + 1):
        wait = DEFAULT_WAIT
        try:
            response = send()
        except httpx.TransportError as exc:
            _say(f"连接中断（{type(exc).__name__}），正在查询投标是否已送达……",
                 f"connection lost ({type(exc).__name__}); checking whether the bid arrived...")
        else:
            if response.status_code != 503:
                if attempt and not response.is_success:
                    # A re-send refused (the deadline passed meanwhile, say): the earlier
                    # attempt may have landed after all, as the server finished it late.
                    landed = find_landed(http, tender_id, section_id, digest)
                    if landed is not None:
                        _say_landed(landed)
                        return dict(landed["receipt"])
                return dict(check(response))
            wait = retry_after(response)
            _say("平台暂时不可用，正在查询投标是否已送达……",
                 "the platform is briefly unavailable; checking whether the bid arrived...")
        time.sleep(wait)
        landed = look_up(http, tender_id, section_id, digest, wait)
        if landed is not None:
            _say_landed(landed)
            return dict(landed["receipt"])
        if attempt == RESENDS:
            break
        _say("平台未收到该投标，重新上传……", "the platform does not have this bid; sending it again...")
    raise CliError("多次上传均未送达，平台没有该投标；请检查网络后重试",
                   "the bid did not arrive after several attempts; the platform does not have "
                   "it. Check the network and try again")
