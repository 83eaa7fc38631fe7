"""``ggzy bid ...``: the bidder's command-line client (``ggzy custody ...`` is
``bidding/cli/custodian.py``).

Everything secret happens on the user's machine: sealing a bid, opening one's own envelope.
The platform only ever receives envelopes and receipts' requests. The HTTP side talks to the
JSON API with a bearer token (``--token`` or ``GGZY_API_TOKEN``); passphrases are prompted for, or
read from ``GGZY_KEY_PASSPHRASE`` for scripts. Reading keys and checking receipts is ``keys``.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import click

from bidding.cli import landing, record_check
from bidding.cli.common import (
    TOKEN_ENV,
    CliError,
    check,
    client,
    echo_json,
    fail_from,
    passphrase,
    tender_path,
)
from bidding.cli.keys import (
    load_bidder_key,
    load_document,
    load_signing_key,
    load_tender_key,
    read_platform_key,
    verify_receipt_file,
    write_new,
)
from bidding.sealing.crypto import custody, envelope, receipts
from bidding.sealing.crypto.common import b64decode, b64encode

_CHUNK = 1 << 16


# --------------------------------------------------------------------------- ggzy bid

@click.group("bid")
def bid() -> None:
    """投标人工具 — seal, submit and check bids (the plaintext never leaves this machine)."""


@bid.command("seal")
@click.option("--tender-key", "tender_key", required=True,
              help="the tender's API URL (…/api/v1/tenders/ID) or a JSON file with "
                   "public_key_b64 and key_id")
@click.option("--tender", "tender_id", help="tender id (default: from the tender URL)")
@click.option("--section", "section_id", help="section id (default: the only section)")
@click.option("--bidder", "bidder_id",
              help="your bidder id on the platform (default: as the tender URL reports)")
@click.option("--price", help="bid price in yuan: seal a ggzy-bid/1 plaintext (first line: "
                              "the announced items; then SOURCE as the attachment)")
@click.option("--duration-days", type=int, help="announced duration (with --price)")
@click.option("--quality", help="announced quality (with --price)")
@click.option("--signing-key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="your Ed25519 key (PEM, from `ggzy bid keygen`): writes OUT.sig")
@click.option("--bidder-key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="bidder-decrypts tenders: your P-256 decryption key (from `ggzy bid keygen "
              "--decrypt` or the bid page); seals half of the file key to it")
@click.option("--segment-size", default=envelope.DEFAULT_SEGMENT_SIZE, show_default=True)
@click.option("--token", envvar=TOKEN_ENV, help="API token, if the tender URL needs one")
@click.option("--log-key", help="the platform's log verifier key (name+id+key, or a file "
              "holding it) as the trading center publishes it; default: fetched, and said so")
@click.option("--platform", "platform_url",
              help="platform base URL to check a --tender-key FILE against the public record "
              "(a tender URL is always checked against its own platform)")
@click.option("--no-record-check", "unchecked", is_flag=True,
              help="seal to a key read from a file without checking it against the public "
              "record (offline); compare its key id with the announcement yourself")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def seal(tender_key: str, tender_id: str | None, section_id: str | None, bidder_id: str | None,
         price: str | None, duration_days: int | None, quality: str | None,
         signing_key: Path | None, bidder_key: Path | None, segment_size: int,
         token: str | None, log_key: str | None, platform_url: str | None, unchecked: bool,
         source: Path, out: Path) -> None:
    """Seal SOURCE (the bid file) into the envelope OUT, on this machine.

    Against the platform, the opening key is first checked against the tender announcement
    on the public record (its logged hash and a signed checkpoint); a key that does not match
    is refused and nothing is sealed."""
    tender = load_tender_key(tender_key, token)
    tender_id = tender_id or tender.tender_id
    bidder_id = bidder_id or tender.bidder_id
    if section_id is None and len(tender.section_ids) == 1:
        section_id = tender.section_ids[0]
    if not (tender_id and section_id and bidder_id):
        raise CliError("请指定 --tender、--section 和 --bidder",
                       "give --tender, --section and --bidder")
    if unchecked and platform_url:
        raise CliError("--no-record-check 与 --platform 不能同时使用",
                       "--no-record-check and --platform exclude each other")
    checked = record_check.check_on_record(tender_key, platform_url, tender.public_key,
                                           tender.key_id, tender_id, log_key, unchecked)
    key = load_signing_key(signing_key) if signing_key else None
    bidder_public = (load_bidder_key(bidder_key).public_key().export_key(format="raw")
                     if bidder_key else None)
    if out.exists():
        raise CliError(f"{out} 已存在", f"{out} exists already")
    try:
        with _plaintext(source, price, duration_days, quality) as src, out.open("xb") as dst:
            result = envelope.seal_stream(
                src, dst, opening_public_key=tender.public_key, tender_id=tender_id,
                section_id=section_id, bidder_id=bidder_id, key_id=tender.key_id,
                segment_size=segment_size, bidder_signing_key=key,
                bidder_public_key=bidder_public)
    except (ValueError, envelope.EnvelopeError) as exc:
        out.unlink(missing_ok=True)
        raise fail_from(exc) from exc
    key_id = tender.key_id
    summary: dict[str, Any] = {"envelope": str(out), "envelope_sha256": result.envelope_sha256,
                               "envelope_size": result.envelope_size,
                               "plaintext_sha256": result.plaintext_sha256, "key_id": key_id}
    if result.signature is not None and key is not None:
        # The detached signature and the key that made it, sent by ``bid submit`` as the
        # X-Bid-Signature and X-Bidder-Public-Key headers.
        sig_path = out.with_name(out.name + ".sig")
        write_new(sig_path, json.dumps({
            "envelope_sha256": result.envelope_sha256,
            "signature_b64": b64encode(result.signature),
            "public_key_b64": b64encode(key.public_key().export_key(format="raw")),
        }, indent=2).encode() + b"\n")
        summary["signature_file"] = str(sig_path)
    summary["record_check"] = checked or "not checked"
    echo_json(summary)
    click.echo("请妥善保存原始投标文件和加密信封的备份 / keep backups of the bid file and the "
               "envelope", err=True)


def yuan_to_fen(text: str) -> int:
    match = re.fullmatch(r"\s*(\d{1,15})(?:\.(\d{1,2}))?\s*", text.replace(",", ""))
    if match is None:
        raise CliError("报价格式应为元，最多两位小数", "the price is yuan with at most two decimals")
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


def bid_plaintext_line(price: str, duration_days: int | None, quality: str | None) -> bytes:
    """The first line of a ``ggzy-bid/1`` plaintext (as the bid page writes it)."""
    document: dict[str, Any] = {"format": "ggzy-bid/1", "price_fen": yuan_to_fen(price)}
    if duration_days is not None:
        document["duration_days"] = duration_days
    if quality is not None:
        document["quality"] = quality
    document["items"] = {}
    return json.dumps(document, ensure_ascii=False).encode() + b"\n"


@contextlib.contextmanager
def _plaintext(source: Path, price: str | None, duration_days: int | None,
               quality: str | None) -> Iterator[BinaryIO]:
    if price is None:
        with source.open("rb") as src:
            yield src
        return
    with tempfile.TemporaryFile() as spool, source.open("rb") as src:
        spool.write(bid_plaintext_line(price, duration_days, quality))
        shutil.copyfileobj(src, spool)
        spool.seek(0)
        yield spool


def _stream(path: Path, size: int) -> Iterator[bytes]:
    sent = 0
    with path.open("rb") as src:
        while chunk := src.read(_CHUNK):
            sent += len(chunk)
            yield chunk
            if sys.stderr.isatty():
                click.echo(f"\r{sent * 100 // max(size, 1)}%", nl=False, err=True)
    if sys.stderr.isatty():
        click.echo("", err=True)


@bid.command("submit")
@click.option("--url", required=True, help="platform base URL, e.g. https://ggzy.example.cn")
@click.option("--token", envvar=TOKEN_ENV)
@click.option("--signature", "signature_file",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="detached signature file (default: ENVELOPE.sig if it exists)")
@click.option("--platform-key", help="platform receipt key (base64 or file) to verify the receipt")
@click.argument("envelope_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def submit(url: str, token: str | None, signature_file: Path | None, platform_key: str | None,
           envelope_file: Path) -> None:
    """Upload ENVELOPE (streamed) and save the platform's signed receipt next to it."""
    import httpx

    with envelope_file.open("rb") as src:
        try:
            info = envelope.inspect_stream(src, max_size=1 << 62)
        except envelope.EnvelopeError as exc:
            raise fail_from(exc) from exc
    headers = {"Content-Type": "application/octet-stream",
               "Content-Length": str(info.envelope_size)}
    default_sig = envelope_file.with_name(envelope_file.name + ".sig")
    if signature_file is None and default_sig.exists():
        signature_file = default_sig
    if signature_file is not None:
        try:
            signed = json.loads(signature_file.read_text(encoding="utf-8"))
            signature, signer = b64decode(signed["signature_b64"]), b64decode(
                signed["public_key_b64"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CliError("签名文件无效", "invalid signature file") from exc
        try:
            envelope.verify_envelope_signature(info.envelope_sha256, signature, signer)
        except envelope.EnvelopeError as exc:
            raise CliError("签名与该信封不符", "the signature does not match this envelope") from exc
        headers["X-Bid-Signature"] = b64encode(signature)
        headers["X-Bidder-Public-Key"] = b64encode(signer)
    path = f"{tender_path(info.tender_id)}/sections/{info.section_id}/bid"
    try:
        with client(url, token) as http:
            # After a lost connection or a 503, ask whether the bid landed before re-sending.
            answer = landing.submit_once_landed(
                http, lambda: http.put(path, content=_stream(envelope_file, info.envelope_size),
                                       headers=headers),
                info.tender_id, info.section_id, info.envelope_sha256)
    except httpx.HTTPError as exc:
        raise CliError(f"上传失败：{exc}", f"upload failed: {exc}") from exc
    receipt = receipts.Receipt.from_dict(answer)
    if receipt.fields.get("envelope_sha256") != info.envelope_sha256:
        raise CliError("回执中的摘要与上传的信封不符！请保留本地文件并联系交易中心",
                       "the receipt's digest differs from the uploaded envelope! keep your "
                       "files and contact the trading center")
    if platform_key:
        try:
            receipts.verify_receipt(receipt, read_platform_key(platform_key))
        except receipts.ReceiptError as exc:
            raise fail_from(exc) from exc
    receipt_path = envelope_file.with_name(envelope_file.name + ".receipt.json")
    receipt_path.write_text(receipt.to_json() + "\n", encoding="utf-8")
    echo_json({"receipt": str(receipt_path), **receipt.fields})


@bid.command("withdraw")
@click.option("--url", required=True)
@click.option("--token", envvar=TOKEN_ENV)
@click.option("--tender", "tender_id", required=True)
@click.option("--section", "section_id", required=True)
def withdraw(url: str, token: str | None, tender_id: str, section_id: str) -> None:
    """Withdraw your bid for a section (only before the deadline)."""
    with client(url, token) as http:
        answer = check(http.delete(f"{tender_path(tender_id)}/sections/{section_id}/bid"))
    echo_json(answer or {"withdrawn": True})


@bid.command("open-half")
@click.option("--url", required=True, help="platform base URL")
@click.option("--token", envvar=TOKEN_ENV)
@click.option("--key", "key_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="your P-256 decryption key (PEM or the bid page's JSON key file)")
@click.option("--print-only", is_flag=True, help="print the half instead of submitting it")
@click.argument("envelope_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def open_half(url: str, token: str | None, key_file: Path, print_only: bool,
              envelope_file: Path) -> None:
    """Bidder-decrypts tenders: unseal your half of the file key from ENVELOPE (your copy) and
    submit it in the window after the opening key is rebuilt."""
    key = load_bidder_key(key_file)
    try:
        with envelope_file.open("rb") as src:
            header = envelope.read_bidder_slot(src)[0]
            src.seek(0)
            half = envelope.open_bidder_half(src, key)
    except envelope.EnvelopeError as exc:
        raise fail_from(exc) from exc
    body = {"section_id": header.section_id, "half_b64": b64encode(half)}
    if print_only:
        echo_json({"tender_id": header.tender_id, **body})
        return
    with client(url, token) as http:
        answer = check(http.post(f"{tender_path(header.tender_id)}/halves", json=body))
    echo_json(answer)


@bid.command("verify-receipt")
@click.option("--platform-key", required=True,
              help="the platform's published receipt key: base64, or a file holding it")
@click.option("--envelope", "envelope_file",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="also check that the receipt is for this envelope")
@click.argument("receipt_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_receipt(platform_key: str, envelope_file: Path | None, receipt_file: Path) -> None:
    """Check a receipt's platform signature (and, with --envelope, its digest)."""
    receipt = verify_receipt_file(receipt_file, read_platform_key(platform_key), envelope_file)
    click.echo("回执有效 / the receipt is valid")
    echo_json(receipt.fields)


def load_opening_key(source: str, token: str | None) -> tuple[Any, str | None]:
    """The reconstructed opening key (after the opening) from the regulator's API URL
    (``…/api/v1/tenders/ID/opening/key``) or a JSON file of the same shape; checked against
    its public key."""
    document = load_document(source, token, "开标私钥")
    try:
        key = custody.import_opening_private_key(b64decode(str(
            document["opening_private_key_b64"])))
        public = b64decode(str(document["opening_public_key_b64"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise CliError("开标私钥文档无效", "invalid opening key document") from exc
    if key.public_key().export_key(format="raw") != public:
        raise CliError("开标私钥与公钥不符", "the opening private key does not match its public key")
    key_id = document.get("key_id")
    return key, str(key_id) if key_id else None


@bid.command("open")
@click.option("--opening-key", required=True,
              help="after the opening: …/api/v1/tenders/ID/opening/key (regulator) or a JSON "
                   "file with opening_private_key_b64 and opening_public_key_b64")
@click.option("--token", envvar=TOKEN_ENV)
@click.option("--receipt", "receipt_file",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="check the envelope against this receipt's digest as well")
@click.argument("envelope_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def open_envelope(opening_key: str, token: str | None, receipt_file: Path | None,
                  envelope_file: Path, out: Path) -> None:
    """Re-decrypt an envelope after the opening (regulator's re-check, or a bidder checking
    its backup copy), verifying every tag and the plaintext digest."""
    key, key_id = load_opening_key(opening_key, token)
    expected_sha = None
    if receipt_file is not None:
        try:
            expected_sha = str(receipts.Receipt.from_json(
                receipt_file.read_text(encoding="utf-8")).fields["envelope_sha256"])
        except (KeyError, receipts.ReceiptError) as exc:
            raise CliError("回执无效", "invalid receipt") from exc
    with envelope_file.open("rb") as src:
        try:
            info = envelope.inspect_stream(src, max_size=1 << 62)
        except envelope.EnvelopeError as exc:
            raise fail_from(exc) from exc
    expected = envelope.ExpectedIds(info.tender_id, info.section_id, info.bidder_id, key_id,
                                     expected_sha)
    if out.exists():
        raise CliError(f"{out} 已存在", f"{out} exists already")
    try:
        with envelope_file.open("rb") as src, out.open("xb") as dst:
            result = envelope.open_stream(src, dst, opening_private_key=key, expected=expected)
    except envelope.EnvelopeError as exc:
        out.unlink(missing_ok=True)  # never leave a partial plaintext behind
        fault = "平台" if exc.fault == "platform" else "投标人"
        raise CliError(f"{exc.reason_zh}（{fault}原因）",
                       f"{exc.reason_en} (fault: {exc.fault})") from exc
    echo_json({"plaintext": str(out), "plaintext_sha256": result.plaintext_sha256,
                "plaintext_length": result.plaintext_length,
                "envelope_sha256": result.info.envelope_sha256,
                "tender_id": info.tender_id, "section_id": info.section_id,
                "bidder_id": info.bidder_id})


@bid.command("keygen")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--decrypt", is_flag=True,
              help="make a P-256 decryption key for bidder-decrypts tenders instead")
def bid_keygen(out: Path, decrypt: bool) -> None:
    """Make an Ed25519 signing key for detached bid signatures (passphrase-protected PEM), or
    with --decrypt the P-256 key a bidder-decrypts envelope seals half of its file key to."""
    from Crypto.PublicKey import ECC

    if out.exists():
        raise CliError(f"{out} 已存在，不会覆盖", f"{out} exists; not overwritten")
    if decrypt:
        key = ECC.generate(curve="p256")
        pem = key.export_key(format="PEM", passphrase=passphrase(confirm=True).encode(),
                             protection="scryptAndAES256-CBC", use_pkcs8=True)
        try:
            write_new(out, pem.encode(), private=True)
        except FileExistsError as exc:
            raise CliError(f"{out} 已存在，不会覆盖", f"{out} exists; not overwritten") from exc
        public = key.public_key().export_key(format="raw")
        echo_json({"decrypt_public_key_b64": b64encode(public),
                    "bidder_key_id": envelope.bidder_key_id(public)})
        click.echo("开标时须用此私钥提交密钥半份，丢失则投标被撤销 / keep this key: without it "
                   "your bid cannot be opened and counts as revoked", err=True)
        return
    key = ECC.generate(curve="ed25519")
    pem = key.export_key(format="PEM", passphrase=passphrase(confirm=True),
                         protection="scryptAndAES256-CBC")
    try:
        write_new(out, pem.encode(), private=True)
    except FileExistsError as exc:
        raise CliError(f"{out} 已存在，不会覆盖", f"{out} exists; not overwritten") from exc
    echo_json({"signing_public_key_b64": b64encode(key.public_key().export_key(format="raw"))})
