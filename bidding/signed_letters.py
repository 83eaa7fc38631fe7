"""Letters the platform signs (the award and result notices, the guarantee release letters):
an Ed25519 signature by the platform key that signs bid receipts, over the RFC 8785 JSON of
``{"type": <letter type>, "key_id", "content"}``, so one public key checks them all."""

from __future__ import annotations

import base64
from typing import Any

import rfc8785
from Crypto.Signature import eddsa

from bidding.sealing.crypto import receipts


def signed_bytes(letter_type: str, content: dict[str, Any], key_id: str) -> bytes:
    """What the signature covers: what a verifier recomputes."""
    return bytes(rfc8785.dumps({"type": letter_type, "key_id": key_id, "content": content}))


def sign(letter_type: str, content: dict[str, Any]) -> tuple[str, str]:
    """(key id, base64 signature) by the platform key."""
    key = receipts.platform_signing_key()
    key_id = receipts.key_id_of(bytes(key.public_key().export_key(format="raw")))
    signature = eddsa.new(key, "rfc8032").sign(signed_bytes(letter_type, content, key_id))
    return key_id, base64.b64encode(signature).decode()


def verify(letter_type: str, content: dict[str, Any], key_id: str, signature: str) -> bool:
    """Whether ``signature`` is the platform key's over ``content``."""
    public = receipts.platform_receipt_public_key()
    if key_id != receipts.key_id_of(public):
        return False
    try:
        eddsa.new(eddsa.import_public_key(public), "rfc8032").verify(
            signed_bytes(letter_type, content, key_id), base64.b64decode(signature))
    except ValueError:
        return False
    return True
