"""The offline verifier of a log export: ``ggzy log verify FILE`` and importable as is.

Standard library, pycryptodome (through ``supervision.note``) and ``supervision.merkle``
only (an import-linter contract keeps it so): a regulator runs it on a machine that has never
seen the platform. One streaming pass, memory O(log n) for the tree plus O(tenders + draws)
for the domain rules.

Export format ``ggzy-log-export/v1`` (JSON Lines, UTF-8; docs/supervision.md):

1. header ``{"format": "ggzy-log-export/v1", "origin": ..., "log_key": <vkey>, "size": N}``;
2. per entry, in sequence order:
   ``{"entry":<the entry's canonical RFC 8785 bytes, verbatim>,"leaf":"<base64 leaf hash>"}``
   (exactly this spelling: the verifier hashes the bytes between ``{"entry":`` and
   ``,"leaf":"``, so any edit to them shows);
3. after the entry that brings the tree to size s, every checkpoint of size s:
   ``{"checkpoint": "<signed note text, cosignatures included>"}``;
4. trailer ``{"end": {"entries": N, "checkpoints": K}}``.

What is caught and how it is named:

- an edit of an entry's bytes: its recomputed leaf differs from the listed leaf → that entry;
- an edit of bytes *and* listed leaf (a deliberate forgery): the next checkpoint root differs
  → the range between the last matching checkpoint and that one (the signed roots are the
  only trusted values, so offline no finer naming is possible; the platform's inclusion
  proof API narrows it down);
- deletion, insertion, reorder: the sequence number inside the entry's bytes is not the
  position → that position;
- truncation: the trailer is missing, its counts differ, or the trusted checkpoint is larger;
- a checkpoint not signed by the trusted key, of another origin, or a root that differs from
  the regulator's trusted checkpoint at its size.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, NoReturn

from supervision import merkle, note

FORMAT = "ggzy-log-export/v1"
ENTRY_PREFIX = b'{"entry":'
LEAF_INFIX = b',"leaf":"'
LINE_SUFFIX = b'"}'
B64_HASH_LEN = 44
MAX_RULE_VIOLATIONS = 100

# Actions whose order the verifier checks (the bidding and expert_pool domains log these).
CLOSE_ACTION = "tender.closed"
OPEN_ACTION = "tender.opened"
BID_ACTIONS = frozenset({"bid.submitted", "bid.modified", "bid.replaced", "bid.withdrawn"})
DRAW_COMMIT_ACTION = "draw.committed"
CLARIFIED_ACTION = "tender.clarified"
DOWNLOADS_REVEALED_ACTION = "tender.downloads_revealed"
DRAW_RESULT_ACTIONS = frozenset({"draw.result", "draw.revealed", "draw.completed"})


class VerificationError(Exception):
    """The export does not hold; ``seq`` is the first bad entry when one can be named."""

    def __init__(self, message_zh: str, message_en: str, seq: int | None = None,
                 line: int | None = None) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh, self.message_en, self.seq, self.line = message_zh, message_en, seq, line


@dataclass
class Report:
    entries: int = 0
    checkpoints: int = 0
    cosignatures: int = 0
    root: bytes = merkle.EMPTY_ROOT
    warnings: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)  # domain-rule breaches, in log order
    error: VerificationError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.violations


# --- writing (used by the platform's exporter and the benchmark) -------------------------------


def header_line(origin: str, log_key: str, size: int) -> bytes:
    return _json_line({"format": FORMAT, "origin": origin, "log_key": log_key, "size": size})


def entry_line(canonical: bytes, leaf: bytes) -> bytes:
    return ENTRY_PREFIX + canonical + LEAF_INFIX + base64.b64encode(leaf) + LINE_SUFFIX + b"\n"


def checkpoint_line(note_text: str) -> bytes:
    return _json_line({"checkpoint": note_text})


def end_line(entries: int, checkpoints: int) -> bytes:
    return _json_line({"end": {"entries": entries, "checkpoints": checkpoints}})


def _json_line(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


# --- domain rules -------------------------------------------------------------------------


def notified_commitment(clarification: str, notified: int, salt_hex: str) -> str:
    """R-14: the commitment a ``tender.clarified`` entry holds instead of the number of
    downloaders notified; ``tender.downloads_revealed`` opens it at the closing."""
    text = f"ggzy-notified/1\n{clarification}\n{notified}\n{salt_hex}"
    return hashlib.sha256(text.encode()).hexdigest()


class DomainRules:
    """Order rules the log makes visible; state is per tender and per draw, not per entry."""

    def __init__(self) -> None:
        self.closed: dict[str, int] = {}
        self.commitments: dict[str, tuple[int, str | None]] = {}
        self.notified: dict[str, tuple[int, str]] = {}  # clarification -> (seq, commitment)
        self.violations: list[str] = []

    def check(self, seq: int, doc: dict[str, Any]) -> None:
        action = doc.get("action")
        subject = str(doc.get("subject"))
        found = doc.get("body")
        body: dict[str, Any] = found if isinstance(found, dict) else {}
        if action == CLOSE_ACTION:
            self.closed.setdefault(subject, seq)
        elif action in BID_ACTIONS:
            # The tender is named in the body, or is the entry's subject (as bidding logs it).
            tender = str(body.get("tender") or subject)
            if tender in self.closed:
                self._breach(seq, f"投标在其招标项目 {tender} 截标（条目 {self.closed[tender]}）之后",
                             f"a bid for {tender} after its close (entry {self.closed[tender]})")
        elif action == OPEN_ACTION and subject not in self.closed:
            self._breach(seq, f"{subject} 开标前没有截标记录", f"{subject} opened without a close")
        elif action == DRAW_COMMIT_ACTION:
            commitment = body.get("commitment")
            self.commitments.setdefault(subject, (seq, commitment if isinstance(commitment, str) else None))
        elif action in DRAW_RESULT_ACTIONS:
            self._check_draw(seq, subject, body)
        elif action == CLARIFIED_ACTION:
            self._check_clarified(seq, subject, body)
        elif action == DOWNLOADS_REVEALED_ACTION:
            self._check_revealed(seq, subject, body)

    def _check_clarified(self, seq: int, subject: str, body: dict[str, Any]) -> None:
        if "notified" in body and subject not in self.closed:
            self._breach(seq, f"{subject} 截标前公开了被通知的下载人数（R-14）",
                         f"{subject}: the number of downloaders notified is public before the "
                         f"deadline (R-14)")
        commitment = body.get("notified_commitment")
        if isinstance(commitment, str):
            self.notified[str(body.get("clarification"))] = (seq, commitment)

    def _check_revealed(self, seq: int, subject: str, body: dict[str, Any]) -> None:
        if subject not in self.closed:
            self._breach(seq, f"{subject} 截标前公开了下载人数（R-14）",
                         f"{subject}: downloads revealed before the close (R-14)")
        items = body.get("clarifications")
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            clarification = str(item.get("clarification"))
            committed = self.notified.get(clarification)
            notified, salt = item.get("notified"), item.get("salt")
            if committed is None or not isinstance(notified, int) or not isinstance(salt, str):
                self._breach(seq, f"澄清 {clarification} 的下载人数公开内容不完整或没有承诺",
                             f"clarification {clarification}: reveal without a commitment")
            elif notified_commitment(clarification, notified, salt) != committed[1]:
                self._breach(seq, f"澄清 {clarification} 公开的通知人数与承诺（条目 {committed[0]}）不符",
                             f"clarification {clarification}: the revealed number notified does "
                             f"not match the commitment (entry {committed[0]})")

    def _check_draw(self, seq: int, subject: str, body: dict[str, Any]) -> None:
        committed = self.commitments.get(subject)
        if committed is None:
            self._breach(seq, f"抽取 {subject} 的结果之前没有承诺记录",
                         f"draw {subject} has a result without an earlier commitment")
            return
        revealed = body.get("r_platform")
        if committed[1] and isinstance(revealed, str):
            digest = hashlib.sha256(bytes.fromhex(revealed)).hexdigest() if _is_hex(revealed) else ""
            if digest != committed[1].lower():
                self._breach(seq, f"抽取 {subject} 公开的随机数与承诺（条目 {committed[0]}）不符",
                             f"draw {subject}: the revealed random value does not match "
                             f"the commitment (entry {committed[0]})")

    def _breach(self, seq: int, zh: str, en: str) -> None:
        if len(self.violations) < MAX_RULE_VIOLATIONS:
            self.violations.append(f"条目 {seq}：{zh} / entry {seq}: {en}")


def _is_hex(value: str) -> bool:
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True


# --- verifying ----------------------------------------------------------------------------


class _Tree:
    """The Merkle frontier: O(log n) hashes, enough for the root at the current size."""

    def __init__(self) -> None:
        self.stack: list[bytes] = []
        self.size = 0

    def append(self, leaf: bytes) -> None:
        node, n, stack = leaf, self.size, self.stack
        sha = hashlib.sha256
        while n & 1:
            node = sha(b"\x01" + stack.pop() + node).digest()
            n >>= 1
        stack.append(node)
        self.size += 1

    def root(self) -> bytes:
        return merkle.fold_nodes(self.stack) if self.stack else merkle.EMPTY_ROOT


class Verifier:
    """Feed it the lines of an export in order; ``finish()`` returns the report."""

    def __init__(self, log_key: note.VerifierKey | None = None, trusted: str | None = None,
                 witness_keys: Sequence[note.VerifierKey] = (),
                 trust_export_key: bool = False) -> None:
        self.log_key = log_key
        self.trust_export_key = trust_export_key
        self.trusted_text = trusted
        self.trusted: note.Checkpoint | None = None
        self.witness_keys = list(witness_keys)
        self.tree = _Tree()
        self.rules = DomainRules()
        self.report = Report()
        self.line_no = 0
        self.header: dict[str, Any] | None = None
        self.ended: dict[str, Any] | None = None
        self.last_good = 0  # size of the last checkpoint whose root matched
        self.last_checkpoint = -1

    # -- the pass --

    def feed(self, line: bytes) -> None:
        self.line_no += 1
        if self.ended is not None:
            self._fail("导出文件在结束标记之后还有内容", "content after the end marker")
        if self.header is None:
            self._read_header(line)
        elif line.startswith(ENTRY_PREFIX):
            self._read_entry(line)
        else:
            self._read_other(line)

    def finish(self) -> Report:
        if self.header is None:
            self._fail("导出文件为空或缺少文件头", "the export is empty or has no header")
        if self.ended is None:
            last = self.tree.size - 1
            self._fail(f"导出文件被截断：条目 {last} 之后缺少结束标记（第 {self.line_no} 行）",
                       f"the export is truncated after entry {last} (line {self.line_no}): "
                       "the end marker is missing", seq=self.tree.size)
        self._check_end()
        self.report.entries = self.tree.size
        self.report.root = self.tree.root()
        self.report.violations = list(self.rules.violations)
        return self.report

    def _read_header(self, line: bytes) -> None:
        header = _parse_json(line, self.line_no)
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            self._fail("不是 ggzy 日志导出文件（格式标记不符）",
                       f"not a ggzy log export (format is not {FORMAT})")
        assert isinstance(header, dict)
        self.header = header
        if self.log_key is None:
            self._take_export_key(header)
        assert self.log_key is not None
        if header.get("origin") != self.log_key.name:
            self._fail(f"未知的日志来源“{header.get('origin')}”（信任的日志为“{self.log_key.name}”）",
                       f"unknown log origin {header.get('origin')!r} "
                       f"(the trusted log is {self.log_key.name!r})")
        if self.trusted_text is not None:
            self.trusted = self._open(self.trusted_text, "信任的检查点", "trusted checkpoint")[0]
            if self.trusted.size == 0:
                self._check_trusted()

    def _take_export_key(self, header: dict[str, Any]) -> None:
        # The export's own key proves nothing against whoever wrote the export: a rewritten
        # log re-signed with a new (or the operator's own) key passes. Only a key or a
        # checkpoint obtained out of band anchors the check; without one, refuse unless told.
        if self.trusted_text is None and not self.trust_export_key:
            self._fail("没有信任锚点：请用 --log-key 指定另行获得的平台公钥，或用 --trusted-checkpoint "
                       "指定您持有的检查点（--trust-log-key-from-export 可强行使用导出文件自带的公钥，"
                       "但这只能发现无意损坏，发现不了改写）",
                       "no trust anchor: pass --log-key (the platform's key obtained out of band) "
                       "or --trusted-checkpoint (a checkpoint you hold); "
                       "--trust-log-key-from-export uses the key inside the export, which catches "
                       "accidents only, never a rewrite")
        try:
            self.log_key = note.parse_vkey(str(header.get("log_key", "")))
        except note.NoteError as error:
            self._fail(error.message_zh, error.message_en)
        self.report.warnings.append(
            "使用导出文件自带的公钥（未固定平台公钥）：改写后重新签名的日志也会通过 / "
            "checked against the key inside the export, not a pinned one: a rewritten and "
            "re-signed log would pass too")

    def _read_entry(self, line: bytes) -> None:
        seq = self.tree.size
        body = line.rstrip(b"\n")
        cut = body.rfind(LEAF_INFIX)
        if cut < 0 or not body.endswith(LINE_SUFFIX) or len(body) - cut != len(LEAF_INFIX) + B64_HASH_LEN + 2:
            self._fail(f"第 {self.line_no} 行（应为条目 {seq}）格式损坏",
                       f"line {self.line_no} (entry {seq} expected) is malformed", seq=seq)
        canonical = body[len(ENTRY_PREFIX):cut]
        leaf = hashlib.sha256(b"\x00" + canonical).digest()
        doc = _parse_json(canonical, self.line_no, seq)
        found = doc.get("seq") if isinstance(doc, dict) else None
        if found != seq:
            self._misplaced(seq, found)
        if base64.b64encode(leaf) != body[cut + len(LEAF_INFIX):-2]:
            self._fail(f"条目 {seq} 被修改：其内容的哈希与记录的叶哈希不符（第 {self.line_no} 行）",
                       f"entry {seq} was modified: its bytes do not hash to its recorded leaf "
                       f"hash (line {self.line_no})", seq=seq)
        self.tree.append(leaf)
        self.rules.check(seq, doc)
        if self.trusted is not None and self.trusted.size == self.tree.size:
            self._check_trusted()

    def _misplaced(self, seq: int, found: Any) -> None:
        if isinstance(found, int) and found > seq:
            self._fail(f"条目 {seq} 缺失（该位置是条目 {found}，第 {self.line_no} 行）：有条目被删除",
                       f"entry {seq} is missing (entry {found} stands in its place, line "
                       f"{self.line_no}): an entry was deleted", seq=seq)
        if isinstance(found, int):
            self._fail(f"位置 {seq} 出现条目 {found}（第 {self.line_no} 行）：有条目被插入或调换顺序",
                       f"entry {found} appears at position {seq} (line {self.line_no}): an entry "
                       "was inserted or the order changed", seq=seq)
        self._fail(f"条目 {seq} 缺少序号（第 {self.line_no} 行）",
                   f"entry {seq} has no sequence number (line {self.line_no})", seq=seq)

    def _read_other(self, line: bytes) -> None:
        item = _parse_json(line, self.line_no)
        if isinstance(item, dict) and isinstance(item.get("checkpoint"), str):
            self._read_checkpoint(item["checkpoint"])
        elif isinstance(item, dict) and isinstance(item.get("end"), dict):
            self.ended = item["end"]
        else:
            self._fail(f"第 {self.line_no} 行既不是条目也不是检查点",
                       f"line {self.line_no} is neither an entry nor a checkpoint", seq=self.tree.size)

    def _read_checkpoint(self, text: str) -> None:
        checkpoint, others = self._open(text, "检查点", "checkpoint")
        size = self.tree.size
        if checkpoint.size != size:
            self._fail(f"大小为 {checkpoint.size} 的检查点出现在条目 {size - 1} 之后"
                       f"（第 {self.line_no} 行）：条目被删除、插入或截断",
                       f"the checkpoint of size {checkpoint.size} follows entry {size - 1} (line "
                       f"{self.line_no}): entries were deleted, inserted or cut",
                       seq=min(size, checkpoint.size))
        if checkpoint.root != self.tree.root():
            self._fail(f"条目 {self.last_good}–{size - 1} 与平台签名的检查点（大小 {size}）不符："
                       "其中有条目连同叶哈希一起被改动",
                       f"entries {self.last_good}..{size - 1} do not match the checkpoint of size "
                       f"{size} signed by the platform: an entry in this range was altered together "
                       "with its leaf hash", seq=self.last_good)
        self.last_good = self.last_checkpoint = size
        self.report.checkpoints += 1
        self.report.cosignatures += self._check_cosignatures(checkpoint, others)

    def _check_cosignatures(self, checkpoint: note.Checkpoint, others: list[note.NoteSignature]) -> int:
        good = 0
        for signature in others:
            key = next((k for k in self.witness_keys
                        if k.name == signature.name and k.id == signature.key_id), None)
            if key is None:
                continue  # a cosigner we were not told to trust: ignored, as C2SP says
            try:
                note.verify_cosignature(checkpoint.body(), signature, key)
            except note.NoteError as error:
                self._fail(f"大小 {checkpoint.size} 的检查点上 {key.name} 的联署签名无效：{error.message_zh}",
                           f"the cosignature of {key.name} on the checkpoint of size "
                           f"{checkpoint.size} is invalid: {error.message_en}")
            good += 1
        return good

    def _open(self, text: str, what_zh: str,
              what_en: str) -> tuple[note.Checkpoint, list[note.NoteSignature]]:
        assert self.log_key is not None
        try:
            return note.open_checkpoint(text, self.log_key)
        except note.NoteError as error:
            self._fail(f"{what_zh}（第 {self.line_no} 行）：{error.message_zh}",
                       f"{what_en} (line {self.line_no}): {error.message_en}")

    def _check_trusted(self) -> None:
        assert self.trusted is not None
        if self.tree.root() != self.trusted.root:
            self._fail(f"导出文件与您信任的检查点（大小 {self.trusted.size}）不一致：条目 {self.last_good}–"
                       f"{self.trusted.size - 1} 中有改动（或平台呈现了分叉视图）",
                       f"the export is inconsistent with your trusted checkpoint of size "
                       f"{self.trusted.size}: entries {self.last_good}..{self.trusted.size - 1} were "
                       "changed (or the platform shows a split view)", seq=self.last_good)

    def _check_end(self) -> None:
        assert self.ended is not None and self.header is not None
        size = self.tree.size
        if self.ended.get("entries") != size or self.header.get("size") != size:
            self._fail(f"导出文件声明 {self.header.get('size')} 个条目，实际 {size} 个：文件被截断或拼接",
                       f"the export declares {self.header.get('size')} entries and holds {size}: "
                       "it was truncated or spliced", seq=size)
        if self.ended.get("checkpoints") != self.report.checkpoints:
            self._fail("导出文件的检查点数量与结束标记不符：有检查点被删除",
                       "the number of checkpoints differs from the end marker: one was removed")
        if self.last_checkpoint != size:
            self._fail(f"条目 {max(self.last_checkpoint, 0)}–{size - 1} 不在任何签名检查点之内",
                       f"entries {max(self.last_checkpoint, 0)}..{size - 1} are covered by no "
                       "signed checkpoint", seq=max(self.last_checkpoint, 0))
        if self.trusted is not None and self.trusted.size > size:
            self._fail(f"导出文件被截断：只有 {size} 个条目，而您信任的检查点有 {self.trusted.size} 个",
                       f"the export is truncated: it holds {size} entries, your trusted "
                       f"checkpoint has {self.trusted.size}", seq=size)

    def _fail(self, zh: str, en: str, seq: int | None = None) -> NoReturn:
        raise VerificationError(zh, en, seq=seq, line=self.line_no)


def _parse_json(raw: bytes, line_no: int, seq: int | None = None) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        where = f"条目 {seq}" if seq is not None else "内容"
        where_en = f"entry {seq}" if seq is not None else "content"
        raise VerificationError(f"第 {line_no} 行的{where}不是有效的 JSON（被修改？）",
                                f"the {where_en} on line {line_no} is not valid JSON (modified?)",
                                seq=seq, line=line_no) from None


def verify_lines(lines: Iterator[bytes] | IO[bytes], log_key: note.VerifierKey | None = None,
                 trusted: str | None = None, witness_keys: Sequence[note.VerifierKey] = (),
                 trust_export_key: bool = False) -> Report:
    """Verify an export given as binary lines; never raises for a bad export (see ``error``)."""
    verifier = Verifier(log_key, trusted, witness_keys, trust_export_key)
    try:
        for line in lines:
            verifier.feed(line)
        return verifier.finish()
    except VerificationError as error:
        verifier.report.error = error
        verifier.report.entries = verifier.tree.size
        verifier.report.violations = list(verifier.rules.violations)
        return verifier.report


def verify_file(path: str, log_key: note.VerifierKey | None = None, trusted: str | None = None,
                witness_keys: Sequence[note.VerifierKey] = (),
                trust_export_key: bool = False) -> Report:
    with open(path, "rb", buffering=1 << 20) as handle:
        return verify_lines(handle, log_key, trusted, witness_keys, trust_export_key)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m supervision.verifier EXPORT [--log-key K] [--trusted-checkpoint F]``: the
    same check as ``ggzy log verify`` for a machine with only this package and pycryptodome."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m supervision.verifier")
    parser.add_argument("export")
    parser.add_argument("--log-key")
    parser.add_argument("--trusted-checkpoint")
    parser.add_argument("--witness-key", action="append", default=[])
    parser.add_argument("--trust-log-key-from-export", action="store_true")
    args = parser.parse_args(argv)
    try:
        key = note.read_vkey(args.log_key) if args.log_key else None
        witnesses = [note.read_vkey(value) for value in args.witness_key]
        trusted = None
        if args.trusted_checkpoint:
            with open(args.trusted_checkpoint, encoding="utf-8") as handle:
                trusted = handle.read()
        report = verify_file(args.export, key, trusted, witnesses,
                             args.trust_log_key_from_export)
    except note.NoteError as error:
        print(f"输入无效 / bad input: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"无法读取 / cannot read: {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    for line in [*report.warnings, *report.violations]:
        print(line, file=sys.stderr)
    if report.error is not None:
        print(f"验证失败 / FAILED [entry {report.error.seq}]: {report.error}", file=sys.stderr)
        return 1
    print(f"{'通过 / OK' if report.ok else '违反规则 / RULES BROKEN'}: {report.entries} entries, "
          f"{report.checkpoints} checkpoints, root {report.root.hex()}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
