"""Another organization's data (issue 10, item 4): a tenderee of another organization gets 403 on
a tender's downloader list, sees no foreign draft on /bidding/tenders and no foreign objection
alert on /supervision/my-alerts — each tried with the wrong organization."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from bidding.models import Tender
from bidding.tendering import documents
from tests.integration.trading.conftest import login
from trading import db
from trading.accounts.models import OrganizationKind, Role

from .conftest import (
    bearer,
    db_now,
    make_tender,
    make_user,
    pass_deadline,
    publish_now,
)

PHONE = "13912345678"


def _retitle(scenario, title: str) -> None:
    with db.transaction() as session:
        session.execute(update(Tender).where(Tender.id == scenario.tender_id).values(title=title))


def test_the_downloader_list_is_its_own_organizations_only(client) -> None:
    scenario = make_tender(prefix="dl")
    publish_now(scenario, db_now() + dt.timedelta(hours=1))
    with db.read_only() as session:
        document = documents.documents_of(session, scenario.tender_id)[0]
    got = client.get(f"/api/v1/tenders/{scenario.tender_id}/documents/{document.id}",
                     params={"contact": PHONE})
    assert got.status_code == 200
    pass_deadline(scenario.tender_id)
    other = make_user("dl-other-tenderee", Role.TENDEREE, OrganizationKind.TENDEREE)
    url = f"/api/v1/tenders/{scenario.tender_id}/downloads"
    refused = client.get(url, headers=bearer(other))
    assert refused.status_code == 403 and PHONE not in refused.text
    for allowed in (scenario.tenderee, scenario.staff,
                    make_user("dl-regulator", Role.REGULATOR)):
        answer = client.get(url, headers=bearer(allowed))
        assert answer.status_code == 200 and PHONE in answer.text, answer.text


def test_a_tenderee_sees_only_its_own_organizations_drafts(client) -> None:
    mine = make_tender(prefix="da", with_ceremony=False)
    _retitle(mine, "甲单位尚未发布的草稿")
    make_user("da-other", Role.TENDEREE, OrganizationKind.TENDEREE)
    login(client, "da-other")
    page = client.get("/bidding/tenders")
    assert page.status_code == 200 and "甲单位尚未发布的草稿" not in page.text
    login(client, "da-tenderee")
    assert "甲单位尚未发布的草稿" in client.get("/bidding/tenders").text
    login(client, "da-staff")
    assert "甲单位尚未发布的草稿" in client.get("/bidding/tenders").text


def test_objection_alerts_reach_only_the_tenders_organization(client) -> None:
    scenario = make_tender(prefix="oa")
    _retitle(scenario, "乙单位异议项目")
    publish_now(scenario, db_now() + dt.timedelta(days=30))
    raised = client.post(f"/api/v1/tenders/{scenario.tender_id}/objections",
                         json={"text": "资格条件排斥潜在投标人"},
                         headers=bearer(scenario.bidders[0]))
    assert raised.status_code == 201, raised.text
    other = make_user("oa-other", Role.TENDEREE, OrganizationKind.TENDEREE)
    foreign = client.get("/api/v1/supervision/my-alerts", headers=bearer(other)).json()
    assert not any("乙单位异议项目" in a["label_zh"] for a in foreign)
    own = client.get("/api/v1/supervision/my-alerts", headers=bearer(scenario.tenderee)).json()
    assert any("乙单位异议项目" in a["label_zh"] for a in own)
    login(client, "oa-other")
    assert "乙单位异议项目" not in client.get("/supervision/my-alerts").text
    login(client, "oa-tenderee")
    assert "乙单位异议项目" in client.get("/supervision/my-alerts").text
