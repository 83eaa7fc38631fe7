"""Small helpers shared by the envelope, custody and receipt modules."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

# Identifiers that travel in clear inside envelopes and HPKE ``info`` strings. Restricting them
# to ASCII keeps the JSON header byte-identical between the Python and the JavaScript writers
# (no escaping rules to agree on) and keeps them safe to show in error messages.
ID_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def valid_id(value: object) -> bool:
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Strict standard base64 (padding required); raises ``ValueError`` on anything else."""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("invalid base64") from exc


def length_prefixed(*parts: bytes) -> bytes:
    """Concatenate byte strings, each preceded by its length (2 bytes, big-endian).

    Used to build unambiguous signed messages and HPKE ``info`` strings from several fields.
    """
    out = bytearray()
    for part in parts:
        if len(part) > 0xFFFF:
            raise ValueError("field too long")
        out += len(part).to_bytes(2, "big") + part
    return bytes(out)
