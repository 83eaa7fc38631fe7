"""The DBA who swaps a tender's opening key in the database: the platform accepts no bid sealed
to the swapped key (the key the supervision log's ceremony produced is the one checked), while
bids sealed to the real key are still taken."""

from __future__ import annotations

from sqlalchemy import update

from bidding.models import Tender
from bidding.sealing.crypto import custody
from trading import db

from .conftest import AHEAD, bearer, bid_plaintext, bid_url, db_now, make_tender, publish_now, seal


def test_a_key_swapped_in_the_database_is_refused(client, database) -> None:
    scenario = make_tender(prefix="dba")
    publish_now(scenario, db_now() + AHEAD)
    real_key, real_id = scenario.public_key, scenario.key_id
    attacker = custody.generate_custodian_keys().hpke_key  # the DBA holds its private half
    swapped = attacker.public_key().export_key(format="raw")
    with db.transaction() as session:
        session.execute(update(Tender).where(Tender.id == scenario.tender_id).values(
            opening_public_key=swapped, opening_key_id=custody.key_id_for(swapped)))
    # the API now hands out the swapped key (bid pages and `ggzy bid seal` check it against
    # the announcement notice: tests/integration/bidding/test_key_binding.py) ...
    tender = client.get(f"/api/v1/tenders/{scenario.tender_id}",
                        headers=bearer(scenario.bidders[0])).json()
    assert tender["opening"]["key_id"] == custody.key_id_for(swapped)
    # ... but an envelope sealed to it is refused, and nothing is stored
    scenario.public_key, scenario.key_id = swapped, custody.key_id_for(swapped)
    envelope = seal(scenario, scenario.bidders[0], bid_plaintext(100_000, "swapped"))
    answer = client.put(bid_url(scenario), content=envelope, headers=bearer(scenario.bidders[0]))
    assert answer.status_code == 422, answer.text
    assert answer.json()["title"] == "envelope_wrong_key"
    mine = client.get(f"/api/v1/tenders/{scenario.tender_id}/my-bids",
                      headers=bearer(scenario.bidders[0]))
    assert mine.status_code == 200 and mine.json() == []
    # a bidder who sealed to the key on the public record is still served
    scenario.public_key, scenario.key_id = real_key, real_id
    envelope = seal(scenario, scenario.bidders[1], bid_plaintext(100_000, "real"))
    answer = client.put(bid_url(scenario), content=envelope, headers=bearer(scenario.bidders[1]))
    assert answer.status_code == 201, answer.text
