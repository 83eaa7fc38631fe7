"""Sealing at rest of what would tell who means to bid before the deadline (a payer's name,
account and amount; a guarantee letter's file): AES-256-GCM under a key derived from the
platform's secret key, which is not in the database or the storage volume. The platform opens
a sealed value when it matches it at the close, or when staff open it with a logged reason."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from Crypto.Cipher import AES
from Crypto.Random import get_random_bytes

from bidding.security.models import SecurityPayment
from trading.settings import get_settings

PAYER = "payer"  # the purpose of a payment's payer and amount
GUARANTEE = "guarantee"  # the purpose of a guarantee letter's file

NONCE = 12
TAG = 16


def _key(purpose: str) -> bytes:
    secret = get_settings().secret_key.encode()
    return hmac.new(secret, f"ggzy-security-vault/1\n{purpose}".encode(), hashlib.sha256).digest()


def seal(purpose: str, plaintext: bytes) -> bytes:
    nonce = get_random_bytes(NONCE)
    cipher = AES.new(_key(purpose), AES.MODE_GCM, nonce=nonce)
    cipher.update(purpose.encode())
    body, tag = cipher.encrypt_and_digest(plaintext)
    return nonce + tag + body


def open_sealed(purpose: str, sealed: bytes) -> bytes:
    nonce, tag, body = sealed[:NONCE], sealed[NONCE:NONCE + TAG], sealed[NONCE + TAG:]
    cipher = AES.new(_key(purpose), AES.MODE_GCM, nonce=nonce)
    cipher.update(purpose.encode())
    return cipher.decrypt_and_verify(body, tag)


def seal_json(purpose: str, value: dict[str, Any]) -> bytes:
    return seal(purpose, json.dumps(value, ensure_ascii=False, sort_keys=True).encode())


def open_json(purpose: str, sealed: bytes) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(open_sealed(purpose, sealed))
    return value


def unseal(payment: SecurityPayment) -> None:
    """Copy a payment's sealed payer and amount into its clear columns (match, return,
    refund): from then on they are on the record."""
    if payment.amount_fen is not None:
        return
    value = open_json(PAYER, payment.sealed)
    payment.payer_name = str(value["payer_name"])
    payment.payer_account = str(value["payer_account"])
    payment.amount_fen = int(value["amount_fen"])
