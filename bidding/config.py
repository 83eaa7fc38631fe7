"""Settings of the bidding domain that the core's settings object does not carry (yet).

Read from the environment at each call (cheap) so tests can change them per test; the lead may
move them into ``trading.settings.Settings``.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from trading.settings import SettingsError, get_settings

DEFAULT_MAX_BID_BYTES = 100 * 1024 * 1024
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


def max_bid_bytes() -> int:
    """GGZY_MAX_BID_BYTES: the largest envelope accepted (default 100 MiB)."""
    value = os.environ.get("GGZY_MAX_BID_BYTES", "").strip()
    return int(value) if value else DEFAULT_MAX_BID_BYTES


DEFAULT_BIDDER_DECRYPT_WINDOW_MINUTES = 30


def bidder_decrypt_window_minutes() -> int:
    """GGZY_BIDDER_DECRYPT_WINDOW_MINUTES: how long bidders have, once the opening key is
    rebuilt, to submit their key halves in the bidder-decrypts mode (default 30)."""
    value = os.environ.get("GGZY_BIDDER_DECRYPT_WINDOW_MINUTES", "").strip()
    return int(value) if value else DEFAULT_BIDDER_DECRYPT_WINDOW_MINUTES


def storage_root() -> Path:
    return get_settings().storage_dir


def bids_dir() -> Path:
    return storage_root() / "bids"


def incoming_dir() -> Path:
    """Uploads in progress: same file system as ``bids_dir`` so the final move is a rename."""
    return bids_dir() / "incoming"


DEFAULT_INCOMING_MAX_AGE_MINUTES = 60


def incoming_max_age() -> dt.timedelta:
    """GGZY_INCOMING_MAX_AGE_MINUTES: an upload's ``.part`` file not written to for this long
    is abandoned and swept (default 60)."""
    value = os.environ.get("GGZY_INCOMING_MAX_AGE_MINUTES", "").strip()
    return dt.timedelta(minutes=float(value) if value else DEFAULT_INCOMING_MAX_AGE_MINUTES)


def documents_dir() -> Path:
    return storage_root() / "tender-documents"


DEFAULT_SECURITY_DEPOSIT_RATE_BP = 35  # 0.35 % a year: the PBOC benchmark current-deposit rate
MAX_SECURITY_DEPOSIT_RATE_BP = 10_000


def security_deposit_rate_bp() -> int:
    """GGZY_SECURITY_DEPOSIT_RATE_BP: the bank's current-deposit (活期) annual rate in basis
    points on which interest on refunded bid security is paid (Regs §57; default 35 = 0.35 %).
    A value that is not a whole number in 0..10000 stops the refund rather than pay a guess."""
    raw = os.environ.get("GGZY_SECURITY_DEPOSIT_RATE_BP", "").strip()
    if not raw:
        return DEFAULT_SECURITY_DEPOSIT_RATE_BP
    if not raw.isdigit() or int(raw) > MAX_SECURITY_DEPOSIT_RATE_BP:
        raise SettingsError("GGZY_SECURITY_DEPOSIT_RATE_BP must be a whole number of basis "
                            f"points from 0 to {MAX_SECURITY_DEPOSIT_RATE_BP}, not {raw!r}")
    return int(raw)
