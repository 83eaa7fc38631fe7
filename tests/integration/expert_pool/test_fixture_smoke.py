"""The shared fixtures build what the expert pool tests rely on."""

from bidding import services as bidding
from tests.integration.expert_pool.conftest import add_expert, closed_section
from trading import db


def test_a_closed_section_names_its_bidders_by_credit_code(client) -> None:
    section = closed_section(client)
    add_expert(1, employer_code=section.bidder_codes[0])
    with db.read_only() as session:
        facts = bidding.section_facts(session, section.tender_id, section.section_id)
    assert sorted(b.credit_code for b in facts.bidders) == sorted(section.bidder_codes)
    assert facts.tenderee_credit_code == section.tenderee_code
