"""Bid security (issue 16 part 3, R-16): virtual sub-accounts, payments held sealed until the
close and matched there, the opening record's paid/unpaid, guarantee letters, refunds with
their alerts, and the bad input of the issue refused with nothing changed."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from bidding import services as bidding_services
from bidding.lookup import get_tender
from bidding.security import refunds, subaccounts
from bidding.security.models import (
    GuaranteeLetter,
    SecurityAccount,
    SecurityPayment,
    SecurityRefund,
)
from supervision import services as supervision
from tests import clock as test_clock
from tests.integration.trading.conftest import csrf_token, login, post_form
from trading import clock, db, denials
from trading.accounts.models import OrganizationKind, Role

from .conftest import (
    AHEAD,
    TEST,
    Scenario,
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

DUE = 2_000_000  # the fixture's section security (20,000.00 yuan)
HEADER = "交易日期,付款人名称,付款人账号,金额,银行流水号,收款子账号\n"


def _account(scenario: Scenario, bidder: uuid.UUID) -> str:
    return subaccounts.sub_account(scenario.section_id, scenario.bidder_org(bidder))


def _payment(scenario: Scenario, bidder: uuid.UUID, serial: str, fen: int = DUE,
             account: str = "6222020200112233") -> dict[str, object]:
    return {"trade_date": db_now().date().isoformat(), "payer_name": current(bidder).display_name,
            "payer_account": account, "amount_fen": fen, "bank_serial": serial,
            "sub_account": subaccounts.readable(_account(scenario, bidder))}


def _count(model: type) -> int:
    with db.read_only() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _denied() -> int:
    with db.read_only() as session:
        return denials.total_denials(session)


def _upload_statement(client, content: bytes):
    token = csrf_token(client, "/bidding/security")
    return client.post("/bidding/security/statements", data={"_csrf_token": token},
                       files={"file": ("statement.csv", content, "text/csv")},
                       follow_redirects=False)


def test_sub_accounts_are_readable_distinct_and_checked(database: str) -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    number = subaccounts.sub_account(a, b)
    assert len(number) == 16 and number.startswith(subaccounts.PREFIX) and number.isdigit()
    assert number == subaccounts.sub_account(a, b)  # derivable again, never stored
    assert len({number, subaccounts.sub_account(a, c), subaccounts.sub_account(c, b)}) == 3
    assert subaccounts.normalise(subaccounts.readable(number)) == number
    typo = number[:-2] + str((int(number[-2]) + 1) % 10) + number[-1]
    with pytest.raises(Exception, match="校验位"):
        subaccounts.normalise(typo)


def test_who_paid_for_what_stays_secret_until_the_close_then_the_record_shows_it(client) -> None:
    scenario = make_tender(prefix="sec")
    publish_now(scenario, db_now() + AHEAD)
    bank = make_user("sec-bank", Role.BANK, OrganizationKind.OTHER)
    payer, partial, lettered = scenario.bidders
    # The bidder reads its own sub-account on its page and through the API.
    own = client.get(f"/api/v1/tenders/{scenario.tender_id}/sections/{scenario.section_id}/security",
                     headers=bearer(payer))
    assert own.status_code == 200 and own.json()["sub_account"] == _account(scenario, payer)
    # The bank gateway reports two credits; staff import a statement with a third.
    for bidder, serial, fen in ((payer, "GW0001", DUE), (partial, "GW0002", DUE // 2)):
        answer = client.post("/api/v1/security/payments", headers=bearer(bank),
                             json=_payment(scenario, bidder, serial, fen))
        assert answer.status_code == 201, answer.text
    login(client, "sec-staff")
    row = _payment(scenario, partial, "ST0003", 1000)
    csv = HEADER + ",".join([str(row["trade_date"]), str(row["payer_name"]), "6222020200112233",
                             "10.00", "ST0003", str(row["sub_account"])]) + "\n"
    imported = _upload_statement(client, csv.encode("gb18030"))
    assert imported.status_code == 303 and imported.headers["location"].endswith("done=imported")
    # Before the deadline: the staff desk, the staff API, the table rows and the log name
    # neither the payer nor the tender, the section or the bidder.
    secret = [current(b).display_name for b in scenario.bidders] + [
        str(scenario.bidder_org(b)) for b in scenario.bidders] + [
        str(scenario.section_id), str(scenario.tender_id), "20,000.00", "10,000.00"]
    desk = client.get("/bidding/security")
    assert desk.status_code == 200 and "GW0001" in desk.text
    staff_api = client.get("/api/v1/security/unmatched", headers=bearer(scenario.staff)).text
    with db.read_only() as session:
        rows = [repr((p.payer_name, p.payer_account, p.amount_fen, p.section_id, p.bidder_id,
                      p.sealed)) for p in session.scalars(select(SecurityPayment))]
        logged = [repr(e.body) + repr(e.actor) for e in supervision.entries(session, limit=10_000)
                  if e.action.startswith("security.")]
        assert session.scalar(select(func.count()).select_from(SecurityAccount)) == 0
    for text in (desk.text, staff_api, *rows, *logged):
        for value in secret:
            assert value not in text, (value, text[:200])
    # The third bidder hands in a guarantee letter from its page (sniffed PDF).
    client.get("/logout")
    login(client, "sec-bidder2")
    page = f"/bidding/tenders/{scenario.tender_id}/security"
    token = csrf_token(client, page)
    letter = client.post(
        f"/bidding/tenders/{scenario.tender_id}/sections/{scenario.section_id}/security/guarantee",
        data={"_csrf_token": token, "issuer": "中国银行阳泉分行", "number": "BH-2026-001",
              "valid_until": ""},
        files={"file": ("保函.pdf", b"%PDF-1.4 letter of guarantee", "application/pdf")},
        follow_redirects=False)
    assert letter.status_code == 303 and "guarantee_added" in letter.headers["location"]
    shown = client.get(page).text
    assert subaccounts.readable(_account(scenario, lettered)) in shown and "BH-2026-001" in shown
    with db.read_only() as session:
        stored = session.scalars(select(GuaranteeLetter)).one()
        assert stored.section_id is None and stored.bidder_id is None
        deadline = get_tender(session, scenario.tender_id).deadline
    assert deadline is not None
    assert stored.valid_until == (deadline + dt.timedelta(hours=8)).date() + dt.timedelta(days=28)
    # Staff cannot read the letter before the close (it names the tender and the bidder).
    client.get("/logout")
    login(client, "sec-staff")
    assert client.get(f"/bidding/security/guarantees/{stored.id}").status_code == 404
    # Another organization's bidder sees its own number, never this one's, and cannot withdraw
    # this letter (it is not found under its own sub-account).
    client.get("/logout")
    login(client, "sec-bidder0")
    other = client.get(page).text
    assert subaccounts.readable(_account(scenario, payer)) in other
    assert subaccounts.readable(_account(scenario, lettered)) not in other
    assert "BH-2026-001" not in other
    foreign = post_form(client, f"/bidding/tenders/{scenario.tender_id}/sections/"
                        f"{scenario.section_id}/security/guarantee/{stored.id}/withdraw",
                        {"confirm": "yes"}, form_page=page)
    assert foreign.status_code == 404
    with db.read_only() as session:
        assert session.get(GuaranteeLetter, stored.id).withdrawn_at is None  # type: ignore[union-attr]
    # The bids, the close: payments and the letter are matched; the record shows paid/unpaid.
    for bidder in scenario.bidders:
        assert client.put(bid_url(scenario), headers=bearer(bidder), content=seal(
            scenario, bidder, bid_plaintext(90_000_000))).status_code == 201
    pass_deadline(scenario.tender_id)
    run_closing(scenario.tender_id)
    with db.read_only() as session:
        assert session.scalar(select(func.count()).select_from(SecurityPayment).where(
            SecurityPayment.status == "matched")) == 3
        record = bidding_services.build_record(session, get_tender(session, scenario.tender_id))
    # Staff read the letter's file only now that the close has tied it to its bidder.
    login(client, "sec-staff")
    opened = client.get(f"/bidding/security/guarantees/{stored.id}")
    assert opened.status_code == 200 and opened.content == b"%PDF-1.4 letter of guarantee"
    assert opened.headers["content-type"].startswith("application/pdf")
    paid = {e["bidder_id"]: e["security"] for e in record["sections"][0]["bids"]}
    assert paid[str(scenario.bidder_org(payer))]["paid"] is True
    assert paid[str(scenario.bidder_org(partial))] == {
        "due_fen": DUE, "received_fen": DUE // 2 + 1000, "late_fen": 0, "guarantee": False,
        "paid": False}
    assert paid[str(scenario.bidder_org(lettered))]["guarantee"] is True


def test_bad_input_is_refused_with_the_reason_and_nothing_changes(client) -> None:
    scenario = make_tender(prefix="sbad", bidders=2)
    publish_now(scenario, db_now() + AHEAD)
    bank = make_user("sbad-bank", Role.BANK, OrganizationKind.OTHER)
    first, second = scenario.bidders
    assert client.post("/api/v1/security/payments", headers=bearer(bank),
                       json=_payment(scenario, first, "DUP0001")).status_code == 201
    again = client.post("/api/v1/security/payments", headers=bearer(bank),
                        json=_payment(scenario, second, "DUP0001"))
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "bank_serial"
    typo = _payment(scenario, first, "TYPO0001")
    typo["sub_account"] = str(typo["sub_account"])[:-1] + "0" if not str(
        typo["sub_account"]).endswith("0") else str(typo["sub_account"])[:-1] + "1"
    bad = client.post("/api/v1/security/payments", headers=bearer(bank), json=typo)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "sub_account"
    # Wrong roles: a bidder cannot report a payment, nor open the staff desk; both counted.
    before = _denied()
    assert client.post("/api/v1/security/payments", headers=bearer(first),
                       json=_payment(scenario, first, "ROLE0001")).status_code == 403
    login(client, "sbad-bidder0")
    assert client.get("/bidding/security").status_code == 403
    assert post_form(client, "/bidding/security/payments/" + str(uuid.uuid4()) + "/return",
                     {"reason": "x", "confirm": "yes"},
                     form_page="/bidding/my").status_code == 403
    assert _denied() >= before + 3
    client.get("/logout")
    # A statement with one bad row: a report naming row and column, nothing imported.
    login(client, "sbad-staff")
    good = _payment(scenario, second, "CSV0001")
    lines = [",".join([str(good["trade_date"]), "甲公司", "6222020200112233", "20000.00",
                       "CSV0001", str(good["sub_account"])]),
             ",".join([str(good["trade_date"]), "乙公司", "6222020200112233", "-5",
                       "CSV0002", str(good["sub_account"])])]
    answer = _upload_statement(client, (HEADER + "\n".join(lines) + "\n").encode())
    assert answer.status_code == 400
    assert "statement-problems" in answer.text and "金额" in answer.text and ">3<" in answer.text
    assert _count(SecurityPayment) == 1
    # A payment matched twice: returning a matched payment is refused.
    for bidder in scenario.bidders:
        client.put(bid_url(scenario), headers=bearer(bidder),
                   content=seal(scenario, bidder, bid_plaintext(90_000_000)))
    pass_deadline(scenario.tender_id)
    run_closing(scenario.tender_id)
    with db.read_only() as session:
        matched = session.scalars(select(SecurityPayment)).one()
    assert matched.status == "matched"
    twice = post_form(client, f"/bidding/security/payments/{matched.id}/return",
                      {"reason": "重复", "confirm": "yes"}, form_page="/bidding/security")
    assert twice.status_code == 409 and "已匹配" in twice.text


def test_refunds_after_withdrawal_and_award_only_to_the_payer_with_alerts(client) -> None:
    scenario = make_tender(prefix="sref", bidders=4)
    publish_now(scenario, db_now() + AHEAD)
    bank = make_user("sref-bank", Role.BANK, OrganizationKind.OTHER)
    for index, bidder in enumerate(scenario.bidders):
        assert client.post("/api/v1/security/payments", headers=bearer(bank), json=_payment(
            scenario, bidder, f"RF000{index}", account=f"62220202001122{index}0")).status_code == 201
        assert client.put(bid_url(scenario), headers=bearer(bidder), content=seal(
            scenario, bidder, bid_plaintext(90_000_000 + index))).status_code == 201
    # The last bidder withdraws: its security is owed back within 5 days, before the
    # deadline, without naming the section or the bidder.
    withdrawn = scenario.bidders[3]
    assert client.delete(bid_url(scenario), headers=bearer(withdrawn)).status_code in (200, 204)
    with db.read_only() as session:
        owed = session.scalars(select(SecurityRefund)).one()
        payment = session.get(SecurityPayment, owed.payment_id)
        assert payment is not None and payment.section_id is None
        alerts = [a for a in supervision.list_alerts(session) if a.kind == refunds.ALERT_KIND]
    assert owed.reason == "withdrawal" and len(alerts) == 1
    # Staff: to another account is refused, nothing changed; to the payer's is recorded.
    login(client, "sref-staff")
    wrong = post_form(client, f"/bidding/security/refunds/{owed.id}",
                      {"to_account": "6222020200999999", "bank_serial": "OUT0001",
                       "confirm": "yes"}, form_page="/bidding/security")
    assert wrong.status_code == 400 and "原账户" in wrong.text
    with db.read_only() as session:
        assert session.get(SecurityRefund, owed.id).status == "due"  # type: ignore[union-attr]
    done = post_form(client, f"/bidding/security/refunds/{owed.id}",
                     {"to_account": "6222 0202 0011 2230", "bank_serial": "OUT0001",
                      "confirm": "yes"}, form_page="/bidding/security")
    assert done.status_code == 303 and done.headers["location"].endswith("done=refunded")
    # The close; the award step refunds all but the winner and the second candidate.
    pass_deadline(scenario.tender_id)
    run_closing(scenario.tender_id)
    winner, second, third = (scenario.bidder_org(b) for b in scenario.bidders[:3])
    with db.transaction() as session:
        owed_after = bidding_services.refunds_after_award(session, TEST, scenario.section_id,
                                                          winner, second)
        ids = [r.id for r in owed_after]
    assert len(ids) == 1
    # The contract filed: the winner's and the second's security is owed back within 5 days
    # (R-16, Regs §57); nothing already owed is owed twice (the call is made by
    # award.contract.file_contract, see test_award).
    with db.transaction() as session:
        at_contract = refunds.refunds_after_contract(session, TEST, scenario.section_id,
                                                     {winner, second})
        kept = {session.get(SecurityPayment, r.payment_id).bidder_id  # type: ignore[union-attr]
                for r in at_contract}
        assert kept == {winner, second} and {r.reason for r in at_contract} == {"contract"}
        assert all(clock.legal_day(r.due_at) - clock.legal_day(r.created_at) == dt.timedelta(5)
                   for r in at_contract)
        assert refunds.refunds_after_contract(session, TEST, scenario.section_id,
                                              {winner, second}) == []
    # Through the API as well: a tenderee may not record a refund (403, counted); staff to
    # another account get the reason, and nothing changes.
    before = _denied()
    api = f"/api/v1/security/refunds/{ids[0]}"
    body = {"to_account": "6222020200999999", "bank_serial": "OUT0002"}
    assert client.post(api, headers=bearer(scenario.tenderee), json=body).status_code == 403
    assert _denied() == before + 1
    refused = client.post(api, headers=bearer(scenario.staff), json=body)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "to_account"
    with db.read_only() as session:
        third_refund = session.get(SecurityRefund, ids[0])
        assert third_refund is not None
        assert session.get(SecurityPayment, third_refund.payment_id).bidder_id == third  # type: ignore[union-attr]
    # Late: the alert is red once the 5 days are over.
    test_clock.advance_past(third_refund.due_at)
    with db.read_only() as session:
        red = [a for a in supervision.list_alerts(session) if a.kind == refunds.ALERT_KIND]
    assert [a.effective_state for a in red] == ["red"] * 3  # the third, the two at the contract
    login(client, "sref-staff")  # five days on, the session has ended
    desk = client.get("/bidding/security")
    assert "已逾期" in desk.text
