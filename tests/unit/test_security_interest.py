"""Interest on refunded bid security (Regs §57): simple interest at the current-deposit rate,
actual/360, first day counted and last not, rounded half-up to the fen — checked by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from bidding import config
from bidding.security.interest import interest, percent
from trading.settings import SettingsError

DAY = dt.date(2026, 3, 1)


def test_hand_computed_interest() -> None:
    # 20,000.00 yuan at 0.35 % for 10 days: 2,000,000 × 0.0035 × 10 / 360 = 194.44 fen → 194.
    assert interest(2_000_000, DAY, DAY + dt.timedelta(days=10), 35).fen == 194
    # 18,000.00 yuan at 0.35 % for 3 days: 1,800,000 × 0.0035 × 3 / 360 = 52.5 fen → 53
    # (half-up; banker's rounding would give 52).
    found = interest(1_800_000, DAY, DAY + dt.timedelta(days=3), 35)
    assert (found.fen, found.days, found.rate_bp) == (53, 3, 35)
    # Across February 2028 (29 days): actual days, a 360-day year.
    leap = interest(1_000_000, dt.date(2028, 2, 1), dt.date(2028, 3, 1), 36)
    assert (leap.days, leap.fen) == (29, 290)  # 1,000,000 × 0.0036 × 29 / 360
    # Refunded on the day it arrived: no interest; a refund date before the trade date: none.
    assert interest(2_000_000, DAY, DAY, 35).fen == 0
    assert interest(2_000_000, DAY, DAY - dt.timedelta(days=1), 35).days == 0


def test_rate_setting_and_its_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GGZY_SECURITY_DEPOSIT_RATE_BP", raising=False)
    assert config.security_deposit_rate_bp() == 35 and percent(35) == "0.35"
    monkeypatch.setenv("GGZY_SECURITY_DEPOSIT_RATE_BP", "150")
    assert config.security_deposit_rate_bp() == 150 and percent(150) == "1.50"
    for bad in ("0.35", "-1", "10001", "abc"):
        monkeypatch.setenv("GGZY_SECURITY_DEPOSIT_RATE_BP", bad)
        with pytest.raises(SettingsError, match="GGZY_SECURITY_DEPOSIT_RATE_BP"):
            config.security_deposit_rate_bp()
