"""What other domains learn through expert_pool.services: the seated committee of a section."""

from __future__ import annotations

from expert_pool import attendance, services
from tests.integration.expert_pool.conftest import TEST
from tests.integration.expert_pool.test_attendance import asked, make_draw
from trading import db


def test_the_committee_lists_only_the_seats_that_confirmed(client) -> None:
    drawn = make_draw(client, "svc")
    seats = asked(drawn)
    confirming, declining = seats[:-1], seats[-1]
    for seat in confirming:
        with db.transaction() as session:
            attendance.confirm(session, TEST, drawn.users[seat.expert_number], seat.id)
    with db.transaction() as session:
        attendance.decline(session, TEST, drawn.users[declining.expert_number], declining.id,
                           "出差在外")
        tender_id, section_id = _section_of(session, drawn)
        committee = services.committee_of(session, tender_id, section_id)
        assert sorted(s.expert_number for s in committee) == sorted(s.expert_number for s in confirming)
        assert services.sits_on_committee(session, drawn.users[confirming[0].expert_number],
                                          tender_id, section_id)
        assert not services.sits_on_committee(session, drawn.users[declining.expert_number],
                                              tender_id, section_id)


def _section_of(session, drawn):
    from expert_pool import drawing

    draw = drawing.get_draw(session, drawn.draw_id)
    return draw.tender_id, draw.section_id
