"""Known devices: a signed cookie a browser gets after a successful log-in.

Wrong passwords from elsewhere must not keep the right user out (issue 10). A browser that
has logged in as a user before carries ``ggzy_device`` = ``<device id>.<user id>.<HMAC>``; its
log-in attempts for that user are throttled in their own bucket (``device:<id>``), apart from
the addresses an attacker can use. Nothing is stored: the HMAC (keyed by GGZY_SECRET_KEY)
proves the platform issued it, and only someone who once had the password can get one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from trading.settings import get_settings

DEVICE_COOKIE = "ggzy_device"
DEVICE_COOKIE_SECONDS = 365 * 24 * 3600


def _signature(device_id: str, user_id: uuid.UUID) -> str:
    key = get_settings().secret_key.encode()
    message = f"ggzy-device|{device_id}|{user_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def issue(user_id: uuid.UUID, existing: str | None = None) -> str:
    """The cookie value for ``user_id``; keeps the device id of a cookie already held."""
    device_id = device_of(existing) or secrets.token_hex(8)
    return f"{device_id}.{user_id}.{_signature(device_id, user_id)}"


def device_of(cookie: str | None) -> str | None:
    """The device id of a well-formed cookie (signature not checked: see ``known_device``)."""
    parts = (cookie or "").split(".")
    return parts[0] if len(parts) == 3 and len(parts[0]) == 16 else None


def known_device(cookie: str | None, user_id: uuid.UUID) -> str | None:
    """The device id if ``cookie`` was issued to ``user_id`` by this platform, else None."""
    parts = (cookie or "").split(".")
    if len(parts) != 3 or parts[1] != str(user_id):
        return None
    if not hmac.compare_digest(parts[2], _signature(parts[0], user_id)):
        return None
    return parts[0]
