"""What the regulator trusts, read from its own files, and the offline command.

- ``read_trusted(path)``: checkpoints the regulator holds — a signed note, a witness state
  file (``ggzy log witness --state``), the witness's history of every checkpoint it cosigned
  (``<state>.history.jsonl``, JSON Lines), or a folder of these (the witness's state folder);
- ``TrustedExport``: an export verified before, read in step with a new one;
- ``main``: ``python -m supervision.verifier`` (the same check as ``ggzy log verify``).

Standard library and the verifier's own modules only (import-linter keeps it so).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from supervision import note
from supervision.verifier import Report, VerificationError, Verifier, verify_file

HISTORY_SUFFIX = ".history.jsonl"
# Files of a witness's folder that hold no trusted checkpoint: the evidence of a split view
# (its "presented" note is exactly what is not trusted) and half-written state.
SKIPPED_MARKS = (".evidence-", ".tmp")
PRIVATE_KEY_MARK = b"PRIVATE+KEY+"


def read_trusted(path: str | os.PathLike[str]) -> list[str]:
    """The checkpoint notes in a file or a folder; ``NoteError`` when there are none."""
    where = Path(path)
    if not where.is_dir():
        return _read_file(where)
    found: list[str] = []
    for child in sorted(where.iterdir()):
        if not child.is_file() or any(mark in child.name for mark in SKIPPED_MARKS):
            continue
        try:
            found += _read_file(child)
        except note.NoteError:
            continue  # not a checkpoint: the witness's key, a note of one's own, ...
    if not found:
        raise note.NoteError(f"文件夹 {where} 中没有检查点", f"no checkpoint in the folder {where}")
    return found


def read_witness_key(value: str) -> note.VerifierKey:
    """A witness's verifier key (inline or a file): a cosignature/v1 key, not a log key."""
    key = note.read_vkey(value)
    if key.key_type != note.COSIGNATURE_V1:
        raise note.NoteError(f"{key.name} 不是见证人公钥（须为 cosignature/v1 类型 0x04）",
                             f"{key.name} is not a witness key (it must be a cosignature/v1 "
                             "key, type 0x04)")
    return key


def _read_file(path: Path) -> list[str]:
    with open(path, "rb") as handle:
        if handle.read(len(PRIVATE_KEY_MARK)) == PRIVATE_KEY_MARK:
            raise note.NoteError(f"{path} 是私钥文件", f"{path} is a private key")
        handle.seek(0)
        raw = handle.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise note.NoteError(f"{path} 不是 UTF-8 文本", f"{path} is not UTF-8 text") from None
    if not text.lstrip().startswith("{"):
        return [_checked(text, path)]
    try:  # a witness state file: one JSON document
        return [_checked(_note_of(json.loads(text), path), path)]
    except ValueError:
        pass
    notes = []  # a history: JSON Lines
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                notes.append(_checked(_note_of(json.loads(line), path), path))
            except ValueError:
                raise note.NoteError(f"{path} 第 {number} 行不是检查点",
                                     f"line {number} of {path} is not a checkpoint") from None
    return notes


def _note_of(document: Any, path: Path) -> str:
    if not isinstance(document, dict) or not isinstance(document.get("checkpoint"), str):
        raise note.NoteError(f"{path} 中没有检查点", f"no checkpoint in {path}")
    return str(document["checkpoint"])


def _checked(text: str, path: Path) -> str:
    """Only the form here; the signature is checked against the log key by the verifier."""
    try:
        body, _ = note.parse_note(text)
        note.parse_checkpoint_body(body)
    except note.NoteError as error:
        raise note.NoteError(f"{path} 不是检查点：{error.message_zh}",
                             f"{path} is not a checkpoint: {error.message_en}") from None
    return text


class TrustedExport:
    """An export the regulator verified before, read in step with the new one: the new
    export must hold it as a prefix, byte for byte, so the first entry whose content differs
    is named exactly. It is verified again on the way (leaves, checkpoints, end marker)."""

    def __init__(self, lines: Iterable[bytes], log_key: note.VerifierKey) -> None:
        self.lines = iter(lines)
        self.log_key = log_key
        self.inner = Verifier(log_key, rules=False)
        self.key_checked = False
        self.done = False

    def _advance(self) -> bool:
        """Read up to the next entry of the earlier export; False once it has ended."""
        size = self.inner.tree.size
        try:
            for line in self.lines:
                self.inner.feed(line)
                if not self.key_checked and self.inner.header is not None:
                    self._check_key(self.inner.header)
                if self.inner.tree.size > size:
                    return True
            self.inner.finish()
        except VerificationError as error:
            raise VerificationError(f"您信任的旧导出文件本身验证失败：{error.message_zh}",
                                    f"your trusted export does not verify: {error.message_en}") from None
        self.done = True
        return False

    def _check_key(self, header: dict[str, Any]) -> None:
        self.key_checked = True
        if header.get("log_key") != self.log_key.encode():
            raise VerificationError("它记载的是另一个平台公钥（日志被用新密钥重新签名？）",
                                    "it names another platform key (was the log re-signed "
                                    "with a new key?)")

    def compare(self, seq: int, leaf: bytes, doc: Any) -> None:
        if self.done or not self._advance():
            return
        if self.inner.last_leaf != leaf:
            old: dict[str, Any] = self.inner.last_doc if isinstance(self.inner.last_doc, dict) else {}
            new: dict[str, Any] = doc if isinstance(doc, dict) else {}
            fields = ", ".join(sorted(k for k in {*old, *new} if old.get(k) != new.get(k)))
            raise VerificationError(f"条目 {seq} 被改动：其内容与您验证过的旧导出文件中的不同"
                                    f"（不同的字段：{fields}）",
                                    f"entry {seq} changed: its content differs from your trusted "
                                    f"export (fields that differ: {fields})", seq=seq)

    def finish(self, size: int) -> int:
        """The number of entries compared; the new export must not end before the old one."""
        if not self.done and self._advance():
            held = self.inner.header.get("size") if self.inner.header else None
            raise VerificationError(f"导出文件被截断：只有 {size} 个条目，而您验证过的旧导出文件有 {held} 个",
                                    f"the export is truncated: it holds {size} entries, your "
                                    f"trusted export {held}", seq=size)
        return self.inner.tree.size


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m supervision.verifier EXPORT [options]``: the same check as ``ggzy log
    verify`` for a machine with only this package and pycryptodome."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m supervision.verifier")
    parser.add_argument("export")
    parser.add_argument("--log-key")
    parser.add_argument("--trusted-checkpoint", action="append", default=[])
    parser.add_argument("--trusted-export")
    parser.add_argument("--witness-key", action="append", default=[])
    parser.add_argument("--trust-log-key-from-export", action="store_true")
    args = parser.parse_args(argv)
    try:
        key = note.read_vkey(args.log_key) if args.log_key else None
        witnesses = [read_witness_key(value) for value in args.witness_key]
        trusted = [text for path in args.trusted_checkpoint for text in read_trusted(path)]
        report = verify_file(args.export, key, trusted, witnesses,
                             args.trust_log_key_from_export, args.trusted_export)
    except note.NoteError as error:
        print(f"输入无效 / bad input: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"无法读取 / cannot read: {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    for line in describe(report):
        print(line, file=sys.stderr if report.error or line.startswith(("警告", "违反")) else sys.stdout)
    return 0 if report.ok else 1


def describe(report: Report) -> list[str]:
    """What a regulator reads: warnings, rule violations, then the verdict."""
    lines = [f"警告 / warning: {w}" for w in report.warnings]
    lines += [f"违反规则 / rule broken: {v}" for v in report.violations]
    if report.error is not None:
        seq = report.error.seq
        where = f" [first bad entry / 首个问题条目: {seq}]" if seq is not None else ""
        return [*lines, f"验证失败 / FAILED{where}: {report.error}"]
    status = "通过 / OK" if report.ok else "违反规则 / RULES BROKEN"
    lines.append(f"{status}: {report.entries} entries, {report.checkpoints} checkpoints, "
                 f"{report.cosignatures} cosignatures checked, root {report.root.hex()}")
    if report.witnessed_by:
        lines.append(f"最新检查点已由见证人联署 / newest checkpoint cosigned by: "
                     f"{', '.join(report.witnessed_by)}")
    if report.trusted_checked:
        lines.append(f"与您信任的 {report.trusted_checked} 个检查点一致 / matches "
                     f"{report.trusted_checked} trusted checkpoint(s)")
    if report.trusted_export_entries:
        lines.append(f"前 {report.trusted_export_entries} 个条目与您验证过的旧导出文件逐条相同 / the first "
                     f"{report.trusted_export_entries} entries equal your trusted export's")
    return lines


