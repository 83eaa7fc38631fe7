"""The virtual sub-account (虚拟子账号) a bidder pays its security for one section into.

``PREFIX`` + 11 digits of HMAC-SHA256(key, section id, bidder organization id) + a Luhn
check digit: 16 digits, shown in groups of four. The key is derived from the platform's
secret key (``GGZY_SECRET_KEY``), which is not in the database, so the number can be derived
for the bidder on request and recognised by the platform at the close, while no table lists
who asked for one: before the deadline a sub-account on a bank statement names neither the
tender nor the bidder to anyone holding only the database (docs/bidding.md)."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid

from trading.errors import UserError
from trading.settings import get_settings

#: The platform's virtual-account range at the settlement bank (first four digits).
PREFIX = "8866"
BODY_DIGITS = 11
LENGTH = len(PREFIX) + BODY_DIGITS + 1
_DIGITS = re.compile(r"^[0-9]+$")


def _key() -> bytes:
    secret = get_settings().secret_key.encode()
    return hmac.new(secret, b"ggzy-security-account/1", hashlib.sha256).digest()


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of ``digits`` (catches every single-digit error and most
    transpositions of neighbours, which is what a person retyping a number makes)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def sub_account(section_id: uuid.UUID, bidder_id: uuid.UUID) -> str:
    message = f"{section_id}\n{bidder_id}".encode()
    number = int.from_bytes(hmac.new(_key(), message, hashlib.sha256).digest(), "big")
    body = PREFIX + str(number % 10**BODY_DIGITS).zfill(BODY_DIGITS)
    return body + luhn_digit(body)


def readable(account: str) -> str:
    """``8866 0123 4567 8901``: groups of four, as printed on a payment slip."""
    return " ".join(account[i:i + 4] for i in range(0, len(account), 4))


def normalise(text: str, field: str = "sub_account") -> str:
    """A sub-account as typed or exported (spaces, dashes allowed), checked: length, prefix and
    check digit; refused with the reason otherwise."""
    account = re.sub(r"[\s-]", "", text or "")
    if len(account) != LENGTH or not _DIGITS.match(account) or not account.startswith(PREFIX):
        raise UserError(f"收款子账号应为以 {PREFIX} 开头的 {LENGTH} 位数字",
                        f"The sub-account is {LENGTH} digits starting with {PREFIX}",
                        field=field, code="bad_sub_account")
    if luhn_digit(account[:-1]) != account[-1]:
        raise UserError("收款子账号校验位不符，请核对", "The sub-account's check digit is wrong",
                        field=field, code="bad_sub_account")
    return account
