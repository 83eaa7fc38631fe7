"""The upload's pre-check pass is remembered for a second (bidding.submission.targets); the
storing transaction still decides: a bid after the deadline is refused although the pass is
remembered, and a receipt names the deadline the tender has when the bid is stored."""

from __future__ import annotations

import datetime as dt

from bidding.sealing.crypto import receipts
from supervision import services as supervision

from .conftest import (
    AHEAD,
    bearer,
    bid_plaintext,
    bid_url,
    db_now,
    make_tender,
    pass_deadline,
    publish_now,
    seal,
    set_deadline,
)


def test_the_store_decides_when_the_precheck_pass_is_remembered(client) -> None:
    scenario = make_tender(prefix="rp")
    deadline = db_now() + AHEAD
    publish_now(scenario, deadline)
    bidder = scenario.bidders[0]
    headers = bearer(bidder)
    body = seal(scenario, bidder, bid_plaintext(90_000_000))
    first = client.put(bid_url(scenario), headers=headers, content=body)
    assert first.status_code == 201, first.text
    assert receipts.Receipt.from_dict(first.json()).fields["deadline"] == supervision.format_time(
        deadline)

    later = deadline + dt.timedelta(days=1)  # extended (as a notice would) while remembered
    set_deadline(scenario.tender_id, later)
    second = client.put(bid_url(scenario), headers=headers, content=body)
    assert second.status_code == 201, second.text
    assert receipts.Receipt.from_dict(second.json()).fields["deadline"] == supervision.format_time(
        later)

    pass_deadline(scenario.tender_id)  # a pass remembered (if within its second) says "open"
    late = client.put(bid_url(scenario), headers=headers, content=body)
    assert late.status_code == 409 and late.json()["title"] == "deadline_passed", late.text
