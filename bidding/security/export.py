"""The refunds of bid security as a CSV file for the trading center's accounts (UTF-8 with a
BOM, so that spreadsheet programs read the Chinese headers): principal, interest (Regs §57) and
total per refund; a refund not yet paid shows the interest as if paid today."""

from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.security import interest
from bidding.security.models import RefundStatus, SecurityPayment, SecurityRefund
from bidding.security.refunds import interest_on
from trading import clock

MAX_ROWS = 10_000
HEADER = ("付款人", "付款人账号", "到账日期", "收款银行流水号", "退还原因", "状态", "退还期限",
          "本金（元）", "年利率（%）", "计息天数", "利息（元）", "合计（元）", "利息", "退款日期",
          "退款银行流水号")
REASONS = {"withdrawal": "撤回投标", "award": "未中标", "contract": "合同已备案",
           "failed": "标段流标", "returned": "非保证金款项退回"}


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}" if fen < 10**15 else str(fen)  # exact below 10^15 fen


def refunds_csv(session: Session, now: dt.datetime) -> str:
    rows = session.execute(select(SecurityRefund, SecurityPayment).join(
        SecurityPayment, SecurityPayment.id == SecurityRefund.payment_id)
        .order_by(SecurityRefund.created_at, SecurityRefund.id).limit(MAX_ROWS))
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for refund, payment in rows:
        owed = interest_on(refund, payment, now)
        paid = refund.status == RefundStatus.REFUNDED.value
        writer.writerow((
            payment.payer_name or "", payment.payer_account or "", payment.trade_date.isoformat(),
            payment.bank_serial, REASONS.get(refund.reason, refund.reason),
            "已退还" if paid else "待退还", clock.legal_day(refund.due_at).isoformat(),
            _yuan(refund.amount_fen), interest.percent(owed.rate_bp), owed.days, _yuan(owed.fen),
            _yuan(refund.amount_fen + owed.fen), "已计定" if paid else "计至今日",
            clock.legal_day(refund.refunded_at).isoformat() if refund.refunded_at else "",
            refund.bank_serial or ""))
    return out.getvalue()
