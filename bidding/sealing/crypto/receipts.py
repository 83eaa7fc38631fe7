"""Platform-signed submission receipts (R-21: an immediate receipt for every received bid).

A receipt is a flat mapping of fields (strings and integers), signed with the platform's
Ed25519 receipt key over the RFC 8785 canonical JSON of ``{"type", "key_id", "fields"}``.
Anyone holding the published platform public key can check it offline
(``ggzy bid verify-receipt``); the log index lets the bidder ask for an inclusion proof in
the supervision log.

The key lives in ``<var_dir>/keys/receipt_signing.key`` (PKCS#8 PEM, created owner-only on
first use) unless ``GGZY_RECEIPT_KEY_FILE`` names another file.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rfc8785
from Crypto.PublicKey import ECC
from Crypto.PublicKey.ECC import EccKey
from Crypto.Signature import eddsa

from bidding.sealing.crypto.common import b64decode, b64encode, sha256

RECEIPT_TYPE = "ggzy-bid-receipt/2"
REQUIRED_FIELDS = ("receipt_id", "tender_id", "section_id", "bidder_id", "envelope_sha256",
                   "envelope_size", "server_time", "log_promise")
KEY_FILE_ENV = "GGZY_RECEIPT_KEY_FILE"


class ReceiptError(Exception):
    def __init__(self, reason_zh: str, reason_en: str) -> None:
        super().__init__(f"{reason_zh} / {reason_en}")
        self.reason_zh = reason_zh
        self.reason_en = reason_en


@dataclass(frozen=True)
class Receipt:
    fields: dict[str, str | int]
    key_id: str
    signature: bytes = field(repr=False)

    def signed_bytes(self) -> bytes:
        return canonical_bytes(self.fields, self.key_id)

    def to_dict(self) -> dict[str, Any]:
        return {"type": RECEIPT_TYPE, "key_id": self.key_id, "fields": dict(self.fields),
                "signature": b64encode(self.signature)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, indent=2)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Receipt:
        try:
            if data["type"] != RECEIPT_TYPE:
                raise ValueError("type")
            fields = data["fields"]
            if not isinstance(fields, dict) or not all(
                    isinstance(k, str) and type(v) in (str, int) for k, v in fields.items()):
                raise ValueError("fields")
            return cls(fields=dict(fields), key_id=str(data["key_id"]),
                       signature=b64decode(str(data["signature"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise ReceiptError("不是有效的回执", "not a valid receipt") from exc

    @classmethod
    def from_json(cls, text: str | bytes) -> Receipt:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ReceiptError("回执不是有效的 JSON", "the receipt is not valid JSON") from exc
        if not isinstance(data, dict):
            raise ReceiptError("不是有效的回执", "not a valid receipt")
        return cls.from_dict(data)


def canonical_bytes(fields: Mapping[str, str | int], key_id: str) -> bytes:
    return bytes(rfc8785.dumps({"type": RECEIPT_TYPE, "key_id": key_id, "fields": dict(fields)}))


def key_id_of(public_key: bytes) -> str:
    return sha256(b"ggzy-receipt-key/1\x00" + public_key).hex()[:16]


def receipt_key_path() -> Path:
    override = os.environ.get(KEY_FILE_ENV, "").strip()
    if override:
        return Path(override)
    from trading.settings import get_settings

    return get_settings().var_dir / "keys" / "receipt_signing.key"


_lock = threading.Lock()
_cache: dict[Path, EccKey] = {}
# The key id of each loaded key, by the key object: every receipt is signed, and exporting the
# public key to hash it took a tenth of a millisecond of each upload.
_key_ids: dict[int, tuple[EccKey, str]] = {}


def _read_or_create_key(path: Path) -> EccKey:
    """Load the platform key, creating it owner-only (0600) on first use. Concurrent first
    uses (several workers) race on O_EXCL: the loser waits for the winner's file."""
    with _lock:
        if path in _cache:
            return _cache[path]
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            key = ECC.generate(curve="ed25519")
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as handle:
                    handle.write(key.export_key(format="PEM"))
        text = ""
        for _ in range(100):
            text = path.read_text()
            if text.strip().endswith("-----"):
                break
            time.sleep(0.01)
        key = ECC.import_key(text)
        if key.curve != "Ed25519" or not key.has_private():
            raise RuntimeError(f"{path} is not an Ed25519 private key")
        _cache[path] = key
        return key


def forget_loaded_keys() -> None:
    """Drop the keys read so far: the next use reads the key file again."""
    with _lock:
        _cache.clear()
        _key_ids.clear()


def platform_signing_key() -> EccKey:
    return _read_or_create_key(receipt_key_path())


def platform_receipt_public_key() -> bytes:
    """The raw Ed25519 public key to publish (bidders verify receipts against it)."""
    return bytes(platform_signing_key().public_key().export_key(format="raw"))


def sign_receipt(fields: Mapping[str, str | int], *, key: EccKey | None = None) -> Receipt:
    missing = [name for name in REQUIRED_FIELDS if name not in fields]
    if missing:
        raise ValueError(f"receipt fields missing: {missing}")
    for name, value in fields.items():
        if type(value) not in (str, int):
            raise TypeError(f"receipt field {name} must be str or int")
    signing_key = key if key is not None else platform_signing_key()
    key_id = _key_id(signing_key)
    signature = eddsa.new(signing_key, "rfc8032").sign(canonical_bytes(fields, key_id))
    return Receipt(fields=dict(fields), key_id=key_id, signature=bytes(signature))


def _key_id(key: EccKey) -> str:
    # Each entry holds its key, so no other key can be given that id() while it is here.
    found = _key_ids.get(id(key))
    if found is not None:
        return found[1]
    key_id = key_id_of(bytes(key.public_key().export_key(format="raw")))
    with _lock:
        if len(_key_ids) > 64:  # keys passed in by callers (tests, tools): do not grow
            _key_ids.clear()
        _key_ids[id(key)] = (key, key_id)
    return key_id


def verify_receipt(receipt: Receipt, platform_public_key: bytes) -> None:
    """Raises ``ReceiptError`` unless the receipt is signed by this platform key."""
    if receipt.key_id != key_id_of(platform_public_key):
        raise ReceiptError("回执不是由该平台密钥签发的", "the receipt was signed by another key")
    missing = [name for name in REQUIRED_FIELDS if name not in receipt.fields]
    if missing:
        raise ReceiptError("回执缺少字段", f"the receipt lacks fields {missing}")
    try:
        public = eddsa.import_public_key(platform_public_key)
        eddsa.new(public, "rfc8032").verify(receipt.signed_bytes(), receipt.signature)
    except ValueError as exc:
        raise ReceiptError("回执签名无效", "the receipt signature is invalid") from exc
