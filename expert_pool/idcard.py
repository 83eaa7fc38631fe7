"""Personal identifiers of experts: checked with the platform's GB 11643 check and shown masked.

The pool stores ID numbers and mobiles whole (it must match duplicates and reach the expert);
every page and API answer shows them masked, and log bodies never hold them at all.
"""

from __future__ import annotations

import unicodedata

from trading.accounts.credit_code import IdNumberError, validate_id_number
from trading.errors import UserError

MOBILE_LENGTH = 11


def check_id_number(value: str, field: str = "id_number") -> str:
    """The normalized ID number, or a UserError naming ``field`` with the reason."""
    try:
        return validate_id_number(value)
    except IdNumberError as error:
        raise UserError(error.reason_zh, error.reason_en, field=field) from error


def mask_id_number(value: str) -> str:
    """Keep the first 4 (province and city) and last 4 characters: ``1403**********123X``."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def check_mobile(value: str, field: str = "mobile") -> str:
    mobile = unicodedata.normalize("NFKC", value).strip().replace(" ", "").replace("-", "")
    if len(mobile) != MOBILE_LENGTH or not mobile.isascii() or not mobile.isdigit() \
            or mobile[0] != "1":
        raise UserError("手机号码应为以 1 开头的 11 位数字",
                        "A mobile number has 11 digits and starts with 1", field=field)
    return mobile


def mask_mobile(value: str) -> str:
    """Keep the first 3 and the last 4 digits: ``139****1234``."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
