"""After a lost connection, ``ggzy bid submit`` looks up whether the bid landed before it sends
it again, and says which it was (issue 17, part 7d). A real server behind a proxy that loses
the first connection."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.e2e.conftest import live_server  # noqa: F401 (fixture: a real server process)
from trading.cli import main

from .conftest import (
    AHEAD,
    Scenario,
    bearer,
    bid_plaintext,
    db_now,
    log_actions,
    make_tender,
    publish_now,
    seal,
    token_for,
)
from .flaky_proxy import Fault, flaky_proxy


def sealed_file(scenario: Scenario, tmp_path: Path) -> Path:
    path = tmp_path / "bid.env"
    # Large enough that the proxy can cut the request in the middle of its body.
    path.write_bytes(seal(scenario, scenario.bidders[0],
                          bid_plaintext(98_000_000) + bytes(512 * 1024)))
    return path


def submit_through(proxy_url: str, scenario: Scenario, envelope: Path):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["bid", "submit", "--url", proxy_url, "--token",
                                     token_for(scenario.bidders[0]), str(envelope)])


@pytest.mark.parametrize(("fault", "landed"), [("drop_answer", True), ("cut_request", False)])
def test_submit_checks_whether_the_bid_landed_before_sending_again(
        live_server: str, client, tmp_path: Path, fault: Fault, landed: bool) -> None:  # noqa: F811
    scenario = make_tender(prefix=f"lost-{fault[:4]}", bidders=1)
    publish_now(scenario, db_now() + AHEAD)
    envelope = sealed_file(scenario, tmp_path)
    digest = hashlib.sha256(envelope.read_bytes()).hexdigest()
    with flaky_proxy(live_server, fault) as proxy:
        result = submit_through(f"http://127.0.0.1:{proxy.port}", scenario, envelope)
        assert proxy.faulted.is_set()
    assert result.exit_code == 0, result.output
    assert "checking whether the bid arrived" in result.stderr
    if landed:
        assert "the bid had arrived" in result.stderr
        assert "does not have this bid" not in result.stderr
    else:
        assert "the platform does not have this bid; sending it again" in result.stderr
    # The receipt is saved either way, and it is the one of the single bid the platform has.
    receipt = json.loads((tmp_path / "bid.env.receipt.json").read_text())
    assert receipt["fields"]["envelope_sha256"] == digest
    mine = client.get(f"/api/v1/tenders/{scenario.tender_id}/my-bids",
                      headers=bearer(scenario.bidders[0])).json()
    assert [(b["envelope_sha256"], b["status"]) for b in mine] == [(digest, "submitted")]
    assert log_actions(f"tender/{scenario.tender_id}").count("bid.submitted") == 1
