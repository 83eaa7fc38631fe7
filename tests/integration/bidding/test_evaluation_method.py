"""The evaluation method on the tender (issue 15, step 1): a preset at creation, adjusted while
a draft, shown on the tender page in Chinese, published with it and frozen afterwards."""

from __future__ import annotations

import datetime as dt

from bidding import lookup
from supervision import services as supervision
from tests.integration.trading.conftest import login, post_form
from trading import db
from trading.accounts.models import OrganizationKind, Role
from trading.denials import total_denials

from .conftest import bearer, db_now, make_tender, make_user, publish_now


def _url(scenario) -> str:
    return f"/bidding/tenders/{scenario.tender_id}/evaluation-method"


def test_a_new_tender_carries_its_preset_shown_in_chinese_and_in_the_api(client) -> None:
    scenario = make_tender(prefix="em", with_ceremony=False)
    login(client, "em-tenderee")
    page = client.get(f"/bidding/tenders/{scenario.tender_id}")
    assert page.status_code == 200
    assert "评标办法及评审标准" in page.text and "资格评审" in page.text
    assert "经评审的最低投标价法" in page.text
    api = client.get(f"/api/v1/tenders/{scenario.tender_id}", headers=bearer(scenario.tenderee))
    assert api.json()["evaluation_plan"]["kind"] == "lowest_evaluated_price"


def test_the_manager_adjusts_a_drafts_method_and_every_change_is_logged(client) -> None:
    scenario = make_tender(prefix="ea", with_ceremony=False)
    login(client, "ea-tenderee")
    url = _url(scenario)
    chosen = post_form(client, url, {"preset": "engineering_benchmark"})
    assert chosen.status_code == 303 and chosen.headers["location"].endswith("done=method_set")
    moved = post_form(client, url, {"preset": "engineering_benchmark", "points_T1": "25",
                                    "points_T2": "10", "points_B1": "5", "price_points": "60",
                                    "price_coefficient": "0.95"})
    assert moved.status_code == 303, moved.text
    page = client.get(f"/bidding/tenders/{scenario.tender_id}?done=method_set")
    assert "评标办法已保存" in page.text
    assert "T1 技术方案：25 分（区间打分）" in page.text
    assert "× 0.95" in page.text
    with db.read_only() as session:
        logged = supervision.entries(session, action="tender.evaluation_method_set",
                                     subject=lookup.subject(scenario.tender_id))
    assert [e.body["preset"] for e in logged] == ["engineering_benchmark"] * 2


def test_a_method_that_does_not_add_up_is_refused_with_the_reason_and_nothing_changes(client) -> None:
    scenario = make_tender(prefix="eb", with_ceremony=False)
    login(client, "eb-staff")
    url = _url(scenario)
    assert post_form(client, url, {"preset": "gp_goods"}).status_code == 303
    refused = post_form(client, url, {"preset": "gp_goods", "points_T1": "50",
                                      "price_points": "20"})
    assert refused.status_code == 400
    assert "政府采购货物项目价格分值不得低于 30%" in refused.text
    with db.read_only() as session:
        tender = lookup.get_tender(session, scenario.tender_id)
        assert tender.evaluation_plan is not None
        assert tender.evaluation_plan["price"]["points"] == "30"


def test_wrong_role_and_wrong_organization_are_refused(client) -> None:
    scenario = make_tender(prefix="ec", with_ceremony=False)
    make_user("ec-other", Role.TENDEREE, OrganizationKind.TENDEREE)
    for username, status in (("ec-bidder0", 403), ("ec-other", 403)):
        login(client, username)
        with db.read_only() as session:
            before = total_denials(session)
        token_page = f"/bidding/tenders/{scenario.tender_id}" if username == "ec-other" else "/"
        answer = post_form(client, _url(scenario), {"preset": "gp_goods"}, form_page=token_page)
        assert answer.status_code == status
        if username == "ec-bidder0":
            with db.read_only() as session:
                assert total_denials(session) == before + 1
    with db.read_only() as session:
        assert lookup.get_tender(session, scenario.tender_id).evaluation_method == "经评审的最低投标价法"


def test_the_method_is_frozen_once_the_tender_is_published(client) -> None:
    scenario = make_tender(prefix="ed")
    publish_now(scenario, db_now() + dt.timedelta(days=20))
    login(client, "ed-tenderee")
    page = client.get(f"/bidding/tenders/{scenario.tender_id}")
    assert "设定评标办法" not in page.text and "评标办法及评审标准" in page.text
    refused = post_form(client, _url(scenario), {"preset": "gp_goods"},
                        form_page=f"/bidding/tenders/{scenario.tender_id}")
    assert refused.status_code == 409
    assert "发布后不能修改评标办法" in refused.text
