"""Every tender gets a readable project number (项目编号) when it is created: shown on its
pages, in the API and in every public notice, unique and never reused, in the series of its
category and Beijing year. The migration numbers tenders made before it the same way."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest

from bidding import lookup, project_codes
from disclosure import services as disclosure
from tests.clock import set_now
from tests.conftest import BACKEND
from tests.integration.trading.conftest import login
from trading import clock, db

from .conftest import bearer, db_now, make_tender, publish_through_api

CODE = re.compile(r"^GGZY-GC-(\d{4})-(\d{4})$")


def _code(tender_id) -> str:
    with db.read_only() as session:
        return lookup.get_tender(session, tender_id).code


def test_a_new_tender_is_numbered_and_named_by_it_everywhere(client) -> None:
    first, second = make_tender(prefix="pc1"), make_tender(prefix="pc2")
    codes = [_code(first.tender_id), _code(second.tender_id)]
    year = clock.legal_day(db_now()).year
    matches = [CODE.match(code) for code in codes]
    assert all(matches), codes
    assert {int(m.group(1)) for m in matches if m} == {year}
    numbers = [int(m.group(2)) for m in matches if m]
    assert numbers[1] == numbers[0] + 1  # the next number of the series, none skipped

    shown = client.get(f"/api/v1/tenders/{first.tender_id}", headers=bearer(first.staff))
    assert shown.json()["code"] == codes[0]

    assert login(client, "pc1-staff").status_code == 303
    assert codes[0] in client.get(f"/bidding/tenders/{first.tender_id}").text
    assert codes[0] in client.get("/bidding/tenders").text

    publish_through_api(client, first)
    listed = client.get("/api/v1/tenders", headers=bearer(first.staff)).json()
    assert codes[0] in {t["code"] for t in listed}
    with db.read_only() as session:
        [notice] = disclosure.tender_history(session, str(first.tender_id))
    assert notice.data["project_code"] == codes[0]
    page = client.get(f"/notices/{notice.id}").text
    assert "项目编号" in page and codes[0] in page
    # people read the number; the internal id is only in links
    assert str(first.tender_id) not in re.sub(r'href="[^"]*"', "", page)
    history = client.get(f"/tenders/{first.tender_id}").text
    assert codes[0] in history


def test_the_series_follows_the_category_and_the_beijing_year() -> None:
    # 2026-12-31 16:30 UTC is already 2027-01-01 in Beijing
    late = dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC)
    assert project_codes.series_of("construction", late) == "GGZY-GC-2027"
    assert project_codes.series_of("procurement", late - dt.timedelta(hours=1)) == "GGZY-CG-2026"
    assert project_codes.series_of("unknown", late) == "GGZY-QT-2027"


def test_a_new_year_starts_its_own_series() -> None:
    set_now(dt.datetime(2031, 1, 2, 2, 0, tzinfo=dt.UTC))
    scenario = make_tender(prefix="pc3", with_ceremony=False)
    assert _code(scenario.tender_id) == "GGZY-GC-2031-0001"


@pytest.mark.skipif(BACKEND != "postgresql", reason="concurrent writers need PostgreSQL")
def test_tenders_created_at_once_get_distinct_numbers() -> None:
    """The counter is one upsert: concurrent creations never collide (PostgreSQL row locks)."""
    now = db_now()
    taken: list[str] = []
    errors: list[BaseException] = []

    def take() -> None:
        try:
            with db.transaction() as session:
                taken.append(project_codes.next_code(session, "land", now))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(taken)) == 8
