"""What the bidder's client reads and checks, with no command of its own: the tender's opening
key (from the API or a file, checked against its key id), the bidder's signing and decryption
keys, the platform's receipt key and a receipt against the local envelope."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bidding.cli.common import (
    CliError,
    check,
    fail_from,
    passphrase,
)
from bidding.sealing.crypto import custody, envelope, receipts
from bidding.sealing.crypto.common import b64decode

# --------------------------------------------------------------------------- pure helpers

@dataclass(frozen=True)
class TenderKey:
    public_key: bytes
    key_id: str
    # Defaults for the envelope's ids when the document is the tender JSON of the API.
    tender_id: str | None = None
    bidder_id: str | None = None
    section_ids: tuple[str, ...] = ()


def tender_key_from_document(document: Any) -> TenderKey:
    """The opening public key and its id from a tender JSON (``GET /api/v1/tenders/{id}``) or
    from its ``opening`` object; checks that the key id belongs to the key."""
    opening = document.get("opening", document) if isinstance(document, dict) else None
    if not isinstance(opening, dict) or "public_key_b64" not in opening:
        raise CliError("该项目尚未发布开标公钥", "the tender has no opening public key yet")
    try:
        public = b64decode(str(opening["public_key_b64"]))
        envelope.import_opening_public_key(public)
    except ValueError as exc:
        raise CliError("开标公钥无效", "invalid opening public key") from exc
    key_id = str(opening.get("key_id", ""))
    if key_id != custody.key_id_for(public):
        raise CliError("开标公钥与其编号不符，请勿投标并联系交易中心",
                       "the opening key does not match its key id; do not bid, "
                       "contact the trading center")
    if "opening" not in document:
        return TenderKey(public, key_id)
    sections = document.get("sections") or []
    return TenderKey(public, key_id, str(document.get("id") or "") or None,
                     str(document.get("bidder_id") or "") or None,
                     tuple(str(s.get("id")) for s in sections if isinstance(s, dict)))


def load_document(source: str, token: str | None, what_zh: str) -> Any:
    """A JSON document from the platform's API (``http(s)://…``) or from a local file."""
    if source.startswith(("http://", "https://")):
        import httpx

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            return check(httpx.get(source, headers=headers, timeout=30.0))
        except httpx.HTTPError as exc:
            raise CliError(f"无法获取{what_zh}：{exc}", f"cannot fetch the opening key: {exc}") from exc
    try:
        return json.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CliError(f"无法读取{what_zh}文件 {source}",
                       f"cannot read the opening key file {source}") from exc


def load_tender_key(source: str, token: str | None) -> TenderKey:
    return tender_key_from_document(load_document(source, token, "开标公钥"))


def load_signing_key(path: Path) -> Any:
    from Crypto.PublicKey import ECC

    text = path.read_text(encoding="utf-8")
    try:
        key = ECC.import_key(text, passphrase=passphrase() if "ENCRYPTED" in text else None)
    except ValueError as exc:
        raise CliError("无法读取签名私钥（口令错误？）",
                       "cannot read the signing key (wrong passphrase?)") from exc
    if key.curve != "Ed25519" or not key.has_private():
        raise CliError("签名私钥须为 Ed25519 私钥", "the signing key must be an Ed25519 private key")
    return key


BIDDER_KEY_FORMAT = "ggzy-bidder-decrypt-key/1"  # the browser's key file (GgzySeal)


def load_bidder_key(path: Path) -> Any:
    """The bidder's P-256 decryption key (bidder-decrypts mode): a PEM from
    ``ggzy bid keygen --decrypt`` or the JSON key file the bid page lets a bidder download."""
    from Crypto.PublicKey import ECC

    text = path.read_text(encoding="utf-8")
    try:
        if text.lstrip().startswith("{"):
            document = json.loads(text)
            if document.get("format") != BIDDER_KEY_FORMAT:
                raise ValueError("unknown key file format")
            key = custody.import_opening_private_key(b64decode(document["privateKeyB64"]))
        else:
            key = ECC.import_key(text, passphrase=passphrase().encode()
                                 if "ENCRYPTED" in text else None)
    except (ValueError, KeyError, TypeError) as exc:
        raise CliError("无法读取投标人解密私钥（口令错误？）",
                       "cannot read the bidder decryption key (wrong passphrase?)") from exc
    if key.curve != "NIST P-256" or not key.has_private():
        raise CliError("投标人解密私钥须为 P-256 私钥",
                       "the bidder decryption key must be a P-256 private key")
    return key


def read_platform_key(value: str) -> bytes:
    """A platform receipt key given as base64, as a file holding base64, as a JSON file
    ``{"public_key_b64": ...}``, or as the URL publishing that document
    (``…/api/v1/receipts/public-key``; fetching it from the very platform that signed the
    receipt only proves consistency: compare the key with the one the trading center
    publishes elsewhere)."""
    text = value
    path = Path(value)
    if value.startswith(("http://", "https://")):
        import httpx

        try:
            text = str(check(httpx.get(value, timeout=30.0)).get("public_key_b64", ""))
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            raise CliError(f"无法获取平台公钥：{exc}", f"cannot fetch the platform key: {exc}") from exc
    elif path.exists():
        text = path.read_text(encoding="utf-8").strip()
        if text.startswith("{"):
            text = str(json.loads(text).get("public_key_b64", ""))
    try:
        key = b64decode(text.strip())
    except ValueError as exc:
        raise CliError("平台公钥无效", "invalid platform public key") from exc
    if len(key) != 32:
        raise CliError("平台公钥须为 32 字节 Ed25519 公钥", "the platform key must be 32-byte Ed25519")
    return key


def verify_receipt_file(receipt_path: Path, platform_key: bytes,
                        envelope_path: Path | None = None) -> receipts.Receipt:
    try:
        receipt = receipts.Receipt.from_json(receipt_path.read_text(encoding="utf-8"))
        receipts.verify_receipt(receipt, platform_key)
    except (OSError, receipts.ReceiptError) as exc:
        raise fail_from(exc) from exc
    if envelope_path is not None:
        with envelope_path.open("rb") as src:
            info = envelope.inspect_stream(src, max_size=1 << 62)
        if info.envelope_sha256 != receipt.fields["envelope_sha256"]:
            raise CliError("回执中的摘要与本地投标文件不符",
                           "the receipt's digest does not match the local envelope")
    return receipt


def write_new(path: Path, data: bytes, *, private: bool = False) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
