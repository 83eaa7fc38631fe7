"""Interest on refunded bid security (Regs §57: 投标保证金及银行同期存款利息).

Simple interest at the bank's current-deposit (活期) annual rate, counted as Chinese banks count
活期 interest: actual days over a 360-day year (《人民币利率管理规定》第二十一条 and the PBOC's
《关于人民币存贷款计结息问题的通知》, 银发〔2005〕129号: 日利率 = 年利率 ÷ 360, 计息天数 = 实际天数).
The days run from the payment's trade date (the day the money reached the account) to the day
the refund is paid, the first day counted and the last not (算头不算尾). Rounded half-up to the
fen, with Decimal (no float touches money)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

DAYS_PER_YEAR = 360  # 活期: actual/360
BASIS_POINTS = 10_000


@dataclass(frozen=True)
class Interest:
    rate_bp: int
    days: int
    fen: int


def interest(principal_fen: int, trade_date: dt.date, paid_on: dt.date, rate_bp: int) -> Interest:
    """The interest on ``principal_fen`` held from ``trade_date`` until ``paid_on``."""
    days = max(0, (paid_on - trade_date).days)
    exact = (Decimal(principal_fen) * Decimal(rate_bp) * Decimal(days)
             / Decimal(BASIS_POINTS * DAYS_PER_YEAR))
    return Interest(rate_bp, days, int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def percent(rate_bp: int | None) -> str:
    """Basis points as a percentage for people: 35 → "0.35"."""
    return f"{Decimal(rate_bp or 0) / 100:.2f}"
