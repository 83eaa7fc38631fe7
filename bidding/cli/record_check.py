"""Before a bid is sealed: is the opening key the one on the public record?

The key a client is handed (the tender row, read through the API or the bid page) is only a
database value: whoever can write the database could swap it for a key they hold, and read
every bid at the deadline. The tender announcement notice names the key (``opening_public_key``,
``opening_key_id``, ``ceremony_transcript_hash``); its content hash is in the supervision log,
and the log's root is signed by a key kept in a file outside the database. So the client checks,
trusting only the log key (pinned with ``--log-key``, or fetched and shown):

1. the checkpoint of the proof's tree size carries a valid signature of the log key;
2. the announcement's log entry is in that tree: leaf = SHA-256(0x00 || canonical entry), the
   RFC 9162 audit path leads to the signed root;
3. the entry is the ``notice.published`` entry of this notice, of this tender, and holds a
   content hash equal to the one recomputed from the notice (SHA-256 of the RFC 8785 bytes of
   the public document, as ``disclosure.services.public_document`` defines it);
4. the notice's key and key id are the ones about to be sealed to.

Any failure refuses the seal. The browser does the same in ``static/bidding/record-check.js``.
Only the Merkle and signed-note code of the offline verifier is used here (standard library and
pycryptodome), plus ``rfc8785`` and ``httpx``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import rfc8785

from bidding.cli.common import CliError, fail_from
from supervision import merkle, note

ANNOUNCEMENT = "tender_announcement"
DO_NOT_BID_ZH = "请勿投标，并联系交易中心。"
DO_NOT_BID_EN = "Do not bid; contact the trading center."


class RecordMismatch(Exception):
    """The key or the record does not hold up: the bid must not be sealed."""

    def __init__(self, zh: str, en: str) -> None:
        self.reason_zh = f"开标公钥未通过公开记录核对：{zh}。{DO_NOT_BID_ZH}"
        self.reason_en = (f"the opening key failed the check against the public record: {en}. "
                          f"{DO_NOT_BID_EN}")
        super().__init__(f"{self.reason_zh} / {self.reason_en}")


class RecordUnavailable(Exception):
    """The record could not be fetched (network, server error): nothing is sealed either."""

    def __init__(self, zh: str, en: str) -> None:
        self.reason_zh = f"无法核对开标公钥：{zh}；未加密投标文件"
        self.reason_en = f"cannot check the opening key: {en}; nothing was sealed"
        super().__init__(f"{self.reason_zh} / {self.reason_en}")


@dataclass(frozen=True)
class CheckedRecord:
    """What was checked, for the bidder to see (and compare with the notice they read)."""

    notice_id: str
    notice_path: str
    log_index: int
    checkpoint_size: int
    log_key: str
    key_id: str
    transcript_hash: str | None


# --------------------------------------------------------------------------- pure checks

def key_id_of(public_key: bytes) -> str:
    """The opening key's id: the first 32 hex digits of SHA-256 of the SEC1 point."""
    return hashlib.sha256(public_key).hexdigest()[:32]


def public_document(notice: dict[str, Any]) -> dict[str, Any]:
    """The document the notice's content hash covers, from its JSON (``GET /api/v1/notices``).
    The same keys as ``disclosure.services.public_document``."""
    return {key: notice.get(key) for key in ("id", "notice_type", "tender_ref", "title", "region",
                                              "category", "corrects", "data")}


def content_hash(notice: dict[str, Any]) -> str:
    try:
        return hashlib.sha256(rfc8785.dumps(public_document(notice))).hexdigest()
    except (rfc8785.CanonicalizationError, ValueError, TypeError) as exc:
        raise RecordMismatch("公告内容无法规范化", f"the notice cannot be canonicalized: {exc}") \
            from exc


def open_checkpoint(text: str, log_key: note.VerifierKey, size: int) -> bytes:
    """The root of a checkpoint signed by ``log_key`` for ``size`` entries."""
    try:
        checkpoint, _ = note.open_checkpoint(text, log_key)
    except note.NoteError as exc:
        raise RecordMismatch(f"检查点签名无效（{exc.message_zh}）",
                             f"the checkpoint signature is invalid ({exc.message_en})") from exc
    if checkpoint.size != size:
        raise RecordMismatch(f"检查点的树大小为 {checkpoint.size}，证明的树大小为 {size}",
                             f"the checkpoint is of size {checkpoint.size}, the proof of {size}")
    return checkpoint.root


def check_inclusion(proof: dict[str, Any], root: bytes) -> dict[str, Any]:
    """Check the entry's audit path against the signed ``root``; return the entry."""
    canonical = str(proof.get("canonical_entry", "")).encode()
    try:
        entry = json.loads(canonical)
        canonical_again = rfc8785.dumps(entry)
        path = [bytes.fromhex(str(h)) for h in proof.get("audit_path", [])]
        index, size = int(proof["log_index"]), int(proof["tree_size"])
    except (ValueError, TypeError, KeyError, rfc8785.CanonicalizationError) as exc:
        raise RecordMismatch("日志条目或证明格式无效", f"malformed log entry or proof: {exc}") \
            from exc
    if canonical_again != canonical or not isinstance(entry, dict):
        # One spelling only: a second "content_hash" key or another spelling of a value
        # must not let the parsed entry say something other than the hashed bytes.
        raise RecordMismatch("日志条目不是规范格式", "the log entry is not in canonical form")
    try:
        merkle.verify_inclusion(merkle.leaf_hash(canonical), index, size, path, root)
    except merkle.ProofError as exc:
        raise RecordMismatch(
            "公告的日志条目不在已签名的检查点中（根哈希不符，日志可能被改写）",
            f"the notice's log entry is not in the signed checkpoint ({exc.reason}; the log "
            "may have been rewritten)") from exc
    return entry


def check_entry(entry: dict[str, Any], notice: dict[str, Any], tender_id: str,
                log_index: int) -> None:
    """The entry is this notice's publication, of this tender, with the notice's content."""
    found = entry.get("body")
    body: dict[str, Any] = found if isinstance(found, dict) else {}
    notice_id = str(notice.get("id"))
    if (entry.get("seq") != log_index or entry.get("action") != "notice.published"
            or entry.get("subject") != f"notice/{notice_id}" or body.get("notice_id") != notice_id):
        raise RecordMismatch("日志条目不是该公告的发布记录",
                             "the log entry is not this notice's publication")
    if (body.get("notice_type") != ANNOUNCEMENT or notice.get("notice_type") != ANNOUNCEMENT
            or body.get("tender_ref") != tender_id or notice.get("tender_ref") != tender_id):
        raise RecordMismatch("该公告不是本项目的招标公告",
                             "the notice is not this tender's announcement")
    if body.get("content_hash") != content_hash(notice):
        raise RecordMismatch("公告内容与监督日志记录的摘要不符（公告可能被篡改）",
                             "the notice's content differs from the hash in the supervision "
                             "log (the notice may have been altered)")


def check_key(notice: dict[str, Any], public_key: bytes, key_id: str) -> tuple[str, str | None]:
    """The notice names exactly this key and key id; return the id and the transcript hash."""
    found = notice.get("data")
    data: dict[str, Any] = found if isinstance(found, dict) else {}
    try:
        published = base64.b64decode(str(data.get("opening_public_key", "")), validate=True)
    except (binascii.Error, ValueError):
        published = b""
    published_id = data.get("opening_key_id")
    if not published or not published_id:
        raise RecordMismatch("招标公告未载明开标公钥", "the announcement names no opening key")
    if published != public_key:
        raise RecordMismatch(
            f"所给的开标公钥与招标公告载明的开标公钥不同（公告：{published_id}，所给："
            f"{key_id_of(public_key)}）",
            f"the opening key given differs from the key in the announcement (announcement: "
            f"{published_id}, given: {key_id_of(public_key)})")
    if published_id != key_id or key_id != key_id_of(public_key):
        raise RecordMismatch(f"开标公钥编号与招标公告不符（公告：{published_id}，所给：{key_id}）",
                             f"the key id differs from the announcement's (announcement: "
                             f"{published_id}, given: {key_id})")
    transcript = data.get("ceremony_transcript_hash")
    return key_id, transcript if isinstance(transcript, str) else None


# --------------------------------------------------------------------------- fetching

def _get(client: Any, path: str, params: dict[str, str] | None = None) -> Any:
    import httpx

    try:
        response = client.get(path, params=params)
    except httpx.HTTPError as exc:
        raise RecordUnavailable(f"网络错误（{exc}）", f"network error ({exc})") from exc
    if response.status_code == 404:
        return None
    if not response.is_success:
        raise RecordUnavailable(f"平台返回 HTTP {response.status_code}（{path}）",
                                f"the platform answered HTTP {response.status_code} ({path})")
    try:
        return response.json()
    except ValueError as exc:
        raise RecordUnavailable(f"平台的回答不是 JSON（{path}）",
                                f"the platform's answer is not JSON ({path})") from exc


def fetch_log_key(client: Any) -> note.VerifierKey:
    """The log's verifier key as the platform serves it (not pinned: say so to the user)."""
    answer = _get(client, "/api/v1/log/key")
    try:
        return note.parse_vkey(str((answer or {})["vkey"]))
    except (KeyError, TypeError, note.NoteError) as exc:
        raise RecordUnavailable("无法获取日志公钥", "cannot get the log key") from exc


def announcement_of(client: Any, tender_id: str) -> dict[str, Any]:
    page = _get(client, "/api/v1/notices", {"tender_ref": tender_id, "type": ANNOUNCEMENT})
    items = [n for n in (page or {}).get("items", []) if isinstance(n, dict)
             and n.get("tender_ref") == tender_id and n.get("notice_type") == ANNOUNCEMENT]
    if not items:
        raise RecordMismatch("未找到本项目的招标公告", "no announcement of this tender was found")
    if len(items) > 1 or (page or {}).get("next_cursor"):
        raise RecordMismatch("本项目有多份招标公告，无法确定开标公钥",
                             "the tender has several announcements: the key cannot be decided")
    return items[0]


def verify_tender_key(client: Any, tender_id: str, public_key: bytes, key_id: str,
                      log_key: note.VerifierKey) -> CheckedRecord:
    """Check ``public_key``/``key_id`` against the tender's logged announcement, reading the
    platform through ``client`` (an ``httpx.Client`` with the platform's base URL). Raises
    ``RecordMismatch`` (do not bid) or ``RecordUnavailable`` (could not check)."""
    notice = announcement_of(client, tender_id)
    notice_id = str(notice.get("id"))
    proof = _get(client, f"/api/v1/notices/{notice_id}/proof")
    if not isinstance(proof, dict) or proof.get("log_index") != notice.get("log_index"):
        raise RecordMismatch("公告的存证证明缺失或不符", "the notice's proof is missing or wrong")
    try:
        size = int(proof["tree_size"])
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordMismatch("公告的存证证明缺少树大小", "the proof names no tree size") from exc
    signed = _get(client, f"/api/v1/log/checkpoints/{size}")
    if not isinstance(signed, dict) or not isinstance(signed.get("note"), str):
        raise RecordMismatch(f"没有覆盖该公告的已签名检查点（树大小 {size}）",
                             f"no signed checkpoint covers the announcement (tree size {size})")
    root = open_checkpoint(signed["note"], log_key, size)
    entry = check_inclusion(proof, root)
    check_entry(entry, notice, tender_id, int(proof["log_index"]))
    checked_id, transcript = check_key(notice, public_key, key_id)
    return CheckedRecord(notice_id, f"/notices/{notice_id}", int(proof["log_index"]), size,
                         log_key.encode(), checked_id, transcript)


# --------------------------------------------------------------------------- ggzy bid seal

def platform_of(tender_key: str, platform_url: str | None) -> str | None:
    """The platform to check against: ``--platform``, else the tender URL's own platform."""
    if platform_url:
        return platform_url.rstrip("/")
    if not tender_key.startswith(("http://", "https://")):
        return None
    if "/api/v1/" not in tender_key:
        raise CliError("无法从该地址确定平台地址，请用 --platform 指定",
                       "cannot tell the platform from this URL; give --platform")
    return tender_key.split("/api/v1/", 1)[0]


def check_on_record(tender_key: str, platform_url: str | None, public_key: bytes, key_id: str,
                    tender_id: str, log_key: str | None,
                    unchecked: bool) -> dict[str, Any] | None:
    """For ``ggzy bid seal``: refuse (CliError) unless the key matches the tender's
    announcement on the public record. A key read from a file is checked against
    ``--platform``; without one, only an explicit ``--no-record-check`` seals, loudly."""
    import click
    import httpx

    base = platform_of(tender_key, platform_url)
    if base is None and not unchecked:
        raise CliError("从文件读取的开标公钥须与公开记录核对：请用 --platform 指定平台地址"
                       "（离线时用 --no-record-check，并自行核对公钥编号）",
                       "a key read from a file is checked against the public record: give "
                       "--platform (offline: --no-record-check, and compare the key id "
                       "yourself)")
    if base is None:
        click.echo("!!! 开标公钥未与公开记录核对（从文件读取，且未给 --platform）。提交前请核对开标公钥"
                   f"编号 {key_id} 与招标公告一致 !!!\n"
                   "!!! THE OPENING KEY WAS NOT CHECKED against the public record (read from a "
                   f"file, no --platform). Before submitting, compare its key id {key_id} "
                   "with the tender announcement !!!", err=True)
        return None
    with httpx.Client(base_url=base, timeout=httpx.Timeout(30.0, connect=10.0),
                      headers={"Accept": "application/json"}) as client:
        try:
            if log_key:
                trusted = note.read_vkey(log_key)
            else:
                trusted = fetch_log_key(client)
                click.echo("注意：日志公钥未固定（--log-key），本次使用平台提供的公钥 "
                           f"{trusted.encode()}；请与交易中心另行公布的日志公钥核对 / note: the "
                           "log key was not pinned (--log-key); using the one the platform "
                           "serves, shown above: compare it with the log key the trading center "
                           "publishes elsewhere", err=True)
            checked = verify_tender_key(client, tender_id, public_key,
                                                     key_id, trusted)
        except note.NoteError as exc:
            raise CliError(f"日志公钥无效：{exc.message_zh}",
                           f"invalid log key: {exc.message_en}") from exc
        except (RecordMismatch, RecordUnavailable) as exc:
            raise fail_from(exc) from exc
    click.echo(f"开标公钥已核对：与招标公告 {base}{checked.notice_path} 一致（日志第 "
               f"{checked.log_index} 条，已签名检查点大小 {checked.checkpoint_size}，公钥编号 "
               f"{checked.key_id}）/ opening key checked against the tender announcement "
               f"(log entry {checked.log_index}, signed checkpoint of size "
               f"{checked.checkpoint_size}, key id {checked.key_id})", err=True)
    return {"notice": base + checked.notice_path, "log_index": checked.log_index,
            "checkpoint_size": checked.checkpoint_size, "log_key": checked.log_key,
            "key_id": checked.key_id, "ceremony_transcript_hash": checked.transcript_hash}
