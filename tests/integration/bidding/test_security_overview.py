"""Issue 16 gaps (R-16, Regs §57): the tenderee's list of the bidders' security per section —
refused before the opening (before the deadline nobody may learn who bids), then paid /
guarantee / unpaid per bidder — and the refund paid with its interest at the current-deposit
rate (actual/360), shown on the list, the bidder's page, the API answer and the CSV export."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from bidding import services as bidding_services
from bidding.lookup import get_tender
from bidding.security import releases, subaccounts
from bidding.security.models import GuaranteeRelease, SecurityPayment, SecurityRefund
from tests import clock as test_clock
from tests.integration.trading.conftest import csrf_token, login
from trading import clock, db, denials
from trading.accounts.models import OrganizationKind, Role

from .conftest import (
    AHEAD,
    TEST,
    bearer,
    bid_plaintext,
    bid_url,
    current,
    db_now,
    make_tender,
    make_user,
    pass_deadline,
    publish_now,
    run_closing,
    seal,
)
from .test_opening import open_all_directly, submit_share

DUE = 2_000_000


def _denials() -> int:
    with db.read_only() as session:
        return denials.total_denials(session)


def test_tenderee_sees_security_after_the_opening_and_refunds_carry_interest(
        client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GGZY_SECURITY_DEPOSIT_RATE_BP", "36")  # 0.36 %: 10 fen a day on 10,000
    scenario = make_tender(prefix="so")
    publish_now(scenario, db_now() + AHEAD)
    bank = make_user("so-bank", Role.BANK, OrganizationKind.OTHER)
    full, half, _lettered = scenario.bidders
    for bidder, serial, fen, account in ((full, "SO0001", DUE, "6222020200110001"),
                                         (half, "SO0002", DUE // 2, "6222020200110002")):
        number = subaccounts.sub_account(scenario.section_id, scenario.bidder_org(bidder))
        assert client.post("/api/v1/security/payments", headers=bearer(bank), json={
            "trade_date": clock.legal_day(db_now()).isoformat(),
            "payer_name": current(bidder).display_name, "payer_account": account,
            "amount_fen": fen, "bank_serial": serial,
            "sub_account": subaccounts.readable(number)}).status_code == 201
    login(client, "so-bidder2")
    page = f"/bidding/tenders/{scenario.tender_id}/security"
    assert client.post(
        f"/bidding/tenders/{scenario.tender_id}/sections/{scenario.section_id}/security/guarantee",
        data={"_csrf_token": csrf_token(client, page), "issuer": "中国银行阳泉分行",
              "number": "BH-SO-001", "valid_until": ""},
        files={"file": ("保函.pdf", b"%PDF-1.4 letter", "application/pdf")},
        follow_redirects=False).status_code == 303
    for bidder in scenario.bidders:
        assert client.put(bid_url(scenario), headers=bearer(bidder), content=seal(
            scenario, bidder, bid_plaintext(90_000_000))).status_code == 201
    # Before the deadline (and after the close, before the opening): refused, counted, and
    # nothing names a bidder.
    overview = f"/bidding/tenders/{scenario.tender_id}/security/bidders"
    api = f"/api/v1/tenders/{scenario.tender_id}/security"
    names = [current(b).display_name for b in scenario.bidders] + ["so 投标单位"]
    login(client, "so-tenderee")
    for stage in ("before the deadline", "closed, not opened"):
        before = _denials()
        refused = client.get(overview)
        assert refused.status_code == 403 and "投标截止前" in refused.text, stage
        by_api = client.get(api, headers=bearer(scenario.tenderee))
        assert by_api.status_code == 403 and _denials() == before + 2, stage
        assert not any(n in refused.text + by_api.text for n in names)
        if stage == "before the deadline":
            pass_deadline(scenario.tender_id)
            run_closing(scenario.tender_id)
    for custodian in scenario.custodians[:2]:
        assert submit_share(client, scenario, custodian).status_code in (200, 201)
    open_all_directly(scenario)
    with db.read_only() as session:
        assert get_tender(session, scenario.tender_id).opened_at is not None
    # After the opening: each bidder's status, per section.
    login(client, "so-tenderee")
    shown = client.get(overview)
    assert shown.status_code == 200
    state = {b["bidder"]: b for b in client.get(api, headers=bearer(scenario.tenderee))
             .json()[0]["bidders"]}
    assert {name: b["status"] for name, b in state.items()} == {
        "so 投标单位 0": "paid", "so 投标单位 1": "unpaid", "so 投标单位 2": "guarantee"}
    assert state["so 投标单位 1"]["received_fen"] == DUE // 2
    for text in ("so 投标单位 0", "已缴", "未缴足", "保函", "BH-SO-001"):
        assert text in shown.text, text
    english = client.get(f"{overview}?lang=en").text
    assert "Not paid in full" in english and "bidding.sec." not in english
    # The award refunds the half payment and releases the letter; staff pay 10 days on.
    with db.transaction() as session:
        [owed] = bidding_services.refunds_after_award(
            session, TEST, scenario.section_id, scenario.bidder_org(full), None)
        refund_id = owed.id
        [released] = session.scalars(select(GuaranteeRelease)).all()
        release_id, number = released.id, released.number
    mine = f"/bidding/tenders/{scenario.tender_id}/security/releases/{release_id}"
    login(client, "so-bidder2")
    assert f"{page}/releases/{release_id}" in client.get(page).text
    printed = client.get(mine).text
    for text in ("保函解除函", number, "中国银行阳泉分行", "BH-SO-001", "未中标", "第五十七条",
                 "so 投标单位 2", "release-signature-state"):
        assert text in printed, text
    assert 'id="release-signature-state">签名有效' in printed
    english = client.get(f"{mine}?lang=en").text
    assert "is released" in english and "bidding.sec." not in english
    login(client, "so-bidder0")  # another bidder: not found under its own sub-accounts
    assert client.get(mine).status_code == 404
    login(client, "so-tenderee")
    assert client.get(f"/bidding/security/releases/{release_id}").status_code == 200
    with db.read_only() as session:
        assert releases.verify(session.get(GuaranteeRelease, release_id))  # type: ignore[arg-type]
    test_clock.advance(dt.timedelta(days=10))
    paid = client.post(f"/api/v1/security/refunds/{refund_id}", headers=bearer(scenario.staff),
                       json={"to_account": "6222020200110002", "bank_serial": "SOBACK01"})
    assert paid.status_code in (200, 201), paid.text
    with db.read_only() as session:
        refund = session.get(SecurityRefund, refund_id)
        assert refund is not None and refund.refunded_at is not None
        payment = session.scalars(select(SecurityPayment).where(
            SecurityPayment.id == refund.payment_id)).one()
        days = (clock.legal_day(refund.refunded_at) - payment.trade_date).days
    assert days in (10, 11)  # the clock moved 10 days; the Beijing day may turn once more
    # By hand: 1,000,000 fen × 0.36 % × days / 360 = 10 fen a day.
    expected = 10 * days
    answer = paid.json()
    assert (answer["interest_fen"], answer["interest_days"], answer["interest_rate_bp"],
            answer["total_fen"]) == (expected, days, 36, DUE // 2 + expected)
    [row] = client.get(api, headers=bearer(scenario.tenderee)).json()[0]["bidders"][1]["refunds"]
    assert row["interest_fen"] == expected and row["interest_fixed"] is True
    interest_text = f"利息 {expected / 100:.2f} 元"
    login(client, "so-tenderee")  # ten days on, the session has ended
    assert interest_text in client.get(overview).text
    login(client, "so-bidder1")
    assert interest_text in client.get(page).text
    login(client, "so-staff")
    export = client.get("/bidding/security/refunds.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    line = next(r for r in export.content.decode("utf-8-sig").splitlines() if "SOBACK01" in r)
    assert f",{expected / 100:.2f},{(DUE // 2 + expected) / 100:.2f},已计定," in line
    assert uuid.UUID(str(refund_id)).hex not in export.text


def test_a_withdrawal_releases_the_guarantee_letter_without_naming_the_tender(client) -> None:
    scenario = make_tender(prefix="sw", bidders=1)
    publish_now(scenario, db_now() + AHEAD)
    [bidder] = scenario.bidders
    login(client, "sw-bidder0")
    page = f"/bidding/tenders/{scenario.tender_id}/security"
    assert client.post(
        f"/bidding/tenders/{scenario.tender_id}/sections/{scenario.section_id}/security/guarantee",
        data={"_csrf_token": csrf_token(client, page), "issuer": "建设银行阳泉分行",
              "number": "BH-SW-009", "valid_until": ""},
        files={"file": ("保函.pdf", b"%PDF-1.4 letter", "application/pdf")},
        follow_redirects=False).status_code == 303
    assert client.put(bid_url(scenario), headers=bearer(bidder), content=seal(
        scenario, bidder, bid_plaintext(90_000_000))).status_code == 201
    assert client.delete(bid_url(scenario), headers=bearer(bidder)).status_code in (200, 204)
    with db.read_only() as session:
        [released] = session.scalars(select(GuaranteeRelease)).all()
        assert released.reason == "withdrawal" and releases.verify(released)
        assert "tender" not in released.content and "bidder" not in released.content
    shown = client.get(page).text
    assert released.number in shown
    printed = client.get(f"{page}/releases/{released.id}").text
    assert "BH-SW-009" in printed and "撤回投标" in printed and "第三十五条" in printed
    login(client, "sw-staff")
    assert released.number in client.get("/bidding/security").text
