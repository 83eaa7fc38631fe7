"""The offline verifier of a log export: ``ggzy log verify FILE`` and importable as is.

Standard library, pycryptodome (through ``supervision.note``), ``supervision.merkle``, the
domain rules (``supervision.rules``, ``supervision.ceremonies``) and ``supervision.trust``
only (an import-linter contract keeps it so): a regulator runs it on a machine that has never
seen the platform. One streaming pass, memory O(log n) for the tree plus O(tenders + draws)
for the domain rules (and one more O(log n) pass over an earlier export read in step).

Export format ``ggzy-log-export/v1`` (JSON Lines, UTF-8; docs/supervision.md):

1. header ``{"format": "ggzy-log-export/v1", "origin": ..., "log_key": <vkey>, "size": N}``;
2. per entry, in sequence order:
   ``{"entry":<the entry's canonical RFC 8785 bytes, verbatim>,"leaf":"<base64 leaf hash>"}``
   (exactly this spelling: the verifier hashes the bytes between ``{"entry":`` and
   ``,"leaf":"``, so any edit to them shows);
3. after the entry that brings the tree to size s, every checkpoint of size s:
   ``{"checkpoint": "<signed note text, cosignatures included>"}``;
4. trailer ``{"end": {"entries": N, "checkpoints": K}}``.

Trust: the operator can rewrite the whole log and re-sign every checkpoint with its own key,
so what anchors a verification is held by the regulator: the platform's key obtained out of
band (``log_key``), checkpoints it holds (``trusted``, e.g. its witness's), an export it
verified before (``trusted_export``), witness keys (``witness_keys``: the newest checkpoint
must carry a valid cosignature of each). Otherwise ``trust_export_key`` must be set, which
only catches accidents.

What is caught and how it is named:

- an edit of an entry's bytes: its recomputed leaf differs from the listed leaf → that entry;
- an edit of bytes *and* listed leaf under the platform's real checkpoints: the next
  checkpoint root differs → the range between the last matching checkpoint and that one;
- a rewrite re-signed by the operator: the root at a trusted checkpoint's size differs → the
  range from the last trusted checkpoint that matches to the first that does not (never
  narrowed with the operator's checkpoints); against a trusted export, compared leaf by
  leaf → exactly the first changed entry;
- the newest checkpoint without a valid cosignature of a given witness;
- deletion, insertion, reorder: the ``seq`` inside the entry is not its position → there;
- truncation: no trailer, wrong counts, or a larger trusted checkpoint or export;
- a checkpoint not signed by the trusted key or of another origin;
- the domain rules of ``supervision.rules`` (violations, in log order).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, NoReturn

from supervision import merkle, note
from supervision.rules import BID_ACTIONS as BID_ACTIONS
from supervision.rules import CEREMONY_ACTION as CEREMONY_ACTION
from supervision.rules import DomainRules as DomainRules
from supervision.rules import notified_commitment as notified_commitment

if TYPE_CHECKING:
    from supervision import trust

FORMAT = "ggzy-log-export/v1"
ENTRY_PREFIX = b'{"entry":'
LEAF_INFIX = b',"leaf":"'
LINE_SUFFIX = b'"}'
B64_HASH_LEN = 44
UP_TO_WITNESSED = "ggzy log export --up-to-witnessed"


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
    witnessed_by: list[str] = field(default_factory=list)  # valid on the newest checkpoint
    trusted_checked: int = 0  # trusted checkpoints compared (sizes within the export)
    trusted_export_entries: int = 0  # entries compared with the trusted export
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

    def __init__(self, log_key: note.VerifierKey | None = None,
                 trusted: str | Sequence[str] | None = None,
                 witness_keys: Sequence[note.VerifierKey] = (),
                 trust_export_key: bool = False,
                 trusted_export: Iterable[bytes] | None = None, rules: bool = True) -> None:
        self.log_key = log_key
        self.trust_export_key = trust_export_key
        self.trusted_texts = [trusted] if isinstance(trusted, str) else list(trusted or ())
        self.trusted: dict[int, bytes] = {}  # size -> root, from the regulator's checkpoints
        self.trusted_sizes: list[int] = []
        self.trusted_good = 0  # size of the last trusted checkpoint the export matched
        self.witness_keys = list(dict.fromkeys(witness_keys))
        self.newest_cosigned: set[note.VerifierKey] = set()
        self.earlier_lines = trusted_export
        self.earlier: trust.TrustedExport | None = None
        self.tree = _Tree()
        self.rules = DomainRules() if rules else None
        self.report = Report()
        self.line_no = 0
        self.header: dict[str, Any] | None = None
        self.ended: dict[str, Any] | None = None
        self.last_good = 0  # size of the last platform checkpoint whose root matched
        self.last_checkpoint = -1
        self.last_leaf, self.last_doc = b"", None

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
        self._check_witnessed()
        if self.earlier is not None:
            self.report.trusted_export_entries = self.earlier.finish(self.tree.size)
        self.report.entries = self.tree.size
        self.report.root = self.tree.root()
        if self.rules is not None:
            self.rules.finish()
        self.report.violations = list(self.rules.violations) if self.rules else []
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
        self._open_trusted()
        if self.earlier_lines is not None:
            from supervision import trust  # imports this module: loaded on first use

            self.earlier = trust.TrustedExport(self.earlier_lines, self.log_key)

    def _take_export_key(self, header: dict[str, Any]) -> None:
        # The export's own key proves nothing against whoever wrote the export: a rewritten
        # log re-signed with a new (or the operator's own) key passes. Only what the
        # regulator holds anchors the check; without it, refuse unless told.
        anchored = bool(self.trusted_texts or self.witness_keys) or self.earlier_lines is not None
        if not anchored and not self.trust_export_key:
            self._fail("没有信任锚点：请用 --log-key 指定另行获得的平台公钥，或用 --trusted-checkpoint "
                       "指定您持有的检查点、--trusted-export 指定您验证过的旧导出文件、--witness-key "
                       "指定见证人公钥（--trust-log-key-from-export 可强行使用导出文件自带的公钥，"
                       "但这只能发现无意损坏，发现不了改写）",
                       "no trust anchor: pass --log-key (the platform's key obtained out of band), "
                       "--trusted-checkpoint (a checkpoint you hold), --trusted-export (an export "
                       "you verified before) or --witness-key (a witness whose cosignature the "
                       "newest checkpoint must carry); --trust-log-key-from-export uses the key "
                       "inside the export, which catches accidents only, never a rewrite")
        try:
            self.log_key = note.parse_vkey(str(header.get("log_key", "")))
        except note.NoteError as error:
            self._fail(error.message_zh, error.message_en)
        if not anchored:
            self.report.warnings.append(
                "使用导出文件自带的公钥（未固定平台公钥）：改写后重新签名的日志也会通过 / "
                "checked against the key inside the export, not a pinned one: a rewritten and "
                "re-signed log would pass too")
        elif not self.witness_keys:
            self.report.warnings.append(
                "未固定平台公钥：您信任的检查点或旧导出文件之后的条目只由导出文件自带的公钥担保 / "
                "no pinned log key: entries beyond your trusted checkpoints or export are vouched "
                "for only by the key inside the export")

    def _open_trusted(self) -> None:
        assert self.log_key is not None
        opened: set[str] = set()  # a witness history repeats bodies: verify each body once
        for text in dict.fromkeys(self.trusted_texts):
            if text.rpartition("\n\n")[0] in opened:
                continue
            try:
                checkpoint = note.open_checkpoint(text, self.log_key)[0]
            except note.NoteError as error:
                self._fail(f"您信任的检查点：{error.message_zh}",
                           f"your trusted checkpoint: {error.message_en}")
            opened.add(text.rpartition("\n\n")[0])
            held = self.trusted.setdefault(checkpoint.size, checkpoint.root)
            if held != checkpoint.root:
                self._fail(f"您信任的检查点彼此矛盾：大小 {checkpoint.size} 有两个不同的根（分叉视图的证据）",
                           f"your trusted checkpoints disagree: two different roots at size "
                           f"{checkpoint.size} (evidence of a split view)")
        self.trusted_sizes = sorted(self.trusted, reverse=True)  # popped from the end
        if self.trusted_sizes and self.trusted_sizes[-1] == 0:
            self._check_trusted()

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
        if self.earlier is not None:
            self.earlier.compare(seq, leaf, doc)
        self.tree.append(leaf)
        self.last_leaf, self.last_doc = leaf, doc
        if self.rules is not None:
            self.rules.check(seq, doc)
        if self.trusted_sizes and self.trusted_sizes[-1] == self.tree.size:
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
        self.newest_cosigned = self._check_cosignatures(checkpoint, others)
        self.report.cosignatures += len(self.newest_cosigned)

    def _check_cosignatures(self, checkpoint: note.Checkpoint,
                            others: list[note.NoteSignature]) -> set[note.VerifierKey]:
        good: set[note.VerifierKey] = set()
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
            good.add(key)
        return good

    def _check_witnessed(self) -> None:
        """Every given witness must have cosigned the newest checkpoint: only then did it see
        (and prove consistent with what it saw before) the very tree this export holds."""
        missing = [key.name for key in self.witness_keys if key not in self.newest_cosigned]
        if missing:
            names = "、".join(missing)
            self._fail(f"最新的检查点（大小 {self.tree.size}）没有见证人 {names} 的有效联署签名："
                       f"无法证明见证人看到过这份日志（可用 {UP_TO_WITNESSED} 导出到已见证的检查点）",
                       f"the newest checkpoint (size {self.tree.size}) carries no valid "
                       f"cosignature from the witness {', '.join(missing)}: nothing shows the "
                       f"witness saw this log (export up to a witnessed checkpoint with "
                       f"`{UP_TO_WITNESSED}`)")
        self.report.witnessed_by = [key.name for key in self.witness_keys]

    def _open(self, text: str, what_zh: str,
              what_en: str) -> tuple[note.Checkpoint, list[note.NoteSignature]]:
        assert self.log_key is not None
        try:
            return note.open_checkpoint(text, self.log_key)
        except note.NoteError as error:
            self._fail(f"{what_zh}（第 {self.line_no} 行）：{error.message_zh}",
                       f"{what_en} (line {self.line_no}): {error.message_en}")

    def _check_trusted(self) -> None:
        """The tree at a trusted checkpoint's size must have its root. A mismatch is placed
        between the last trusted checkpoint that matched and this one: the operator's own
        checkpoints narrow nothing here, since the operator may have re-signed them all."""
        size = self.trusted_sizes.pop()
        self.report.trusted_checked += 1
        if self.tree.root() == self.trusted[size]:
            self.trusted_good = size
            return
        start = self.trusted_good
        if start == size - 1:
            zh, en = f"条目 {start} 被改动", f"entry {start} changed"
        else:
            zh = f"第一个被改动的条目在 {start}–{size - 1} 之间"
            en = f"the first changed entry is in {start}..{size - 1}"
            if start:
                zh += f"（您信任的大小为 {start} 的检查点仍然相符）"
                en += f" (your trusted checkpoint of size {start} still matches)"
            zh += "；用 --trusted-export 指定您验证过的旧导出文件可精确到条目"
            en += "; pass an export you verified before with --trusted-export to name the entry"
        self._fail(f"导出文件与您信任的检查点（大小 {size}）不一致（日志被改写，或平台呈现了分叉视图）：{zh}",
                   f"the export is inconsistent with your trusted checkpoint of size {size} (the "
                   f"log was rewritten, or the platform shows a split view): {en}", seq=start)

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
        if self.trusted_sizes:
            largest = self.trusted_sizes[0]
            self._fail(f"导出文件被截断：只有 {size} 个条目，而您信任的检查点有 {largest} 个",
                       f"the export is truncated: it holds {size} entries, your trusted "
                       f"checkpoint has {largest}", seq=size)

    def _fail(self, zh: str, en: str, seq: int | None = None) -> NoReturn:
        raise VerificationError(zh, en, seq=seq, line=self.line_no)


def _parse_json(raw: bytes, line_no: int, seq: int | None = None) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        where = f"条目 {seq}" if seq is not None else "内容"
        where_en = f"entry {seq}" if seq is not None else "content"
        raise VerificationError(f"第 {line_no} 行的{where}不是有效的 JSON（被修改？）",
                                f"the {where_en} on line {line_no} is not valid JSON (modified?)",
                                seq=seq, line=line_no) from None


def verify_lines(lines: Iterator[bytes] | IO[bytes], log_key: note.VerifierKey | None = None,
                 trusted: str | Sequence[str] | None = None,
                 witness_keys: Sequence[note.VerifierKey] = (), trust_export_key: bool = False,
                 trusted_export: Iterable[bytes] | None = None) -> Report:
    """Verify an export given as binary lines; never raises for a bad export (see ``error``)."""
    verifier = Verifier(log_key, trusted, witness_keys, trust_export_key, trusted_export)
    try:
        for line in lines:
            verifier.feed(line)
        return verifier.finish()
    except VerificationError as error:
        verifier.report.error = error
        verifier.report.entries = verifier.tree.size
        verifier.report.violations = list(verifier.rules.violations) if verifier.rules else []
        return verifier.report


def verify_file(path: str, log_key: note.VerifierKey | None = None,
                trusted: str | Sequence[str] | None = None,
                witness_keys: Sequence[note.VerifierKey] = (), trust_export_key: bool = False,
                trusted_export: str | None = None) -> Report:
    """``trusted_export`` is the path of an earlier export, read in step (both streamed)."""
    with open(path, "rb", buffering=1 << 20) as handle:
        if trusted_export is None:
            return verify_lines(handle, log_key, trusted, witness_keys, trust_export_key)
        with open(trusted_export, "rb", buffering=1 << 20) as earlier:
            return verify_lines(handle, log_key, trusted, witness_keys, trust_export_key, earlier)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m supervision.verifier EXPORT [options]``: see ``supervision.trust.main``."""
    from supervision import trust

    return trust.main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
