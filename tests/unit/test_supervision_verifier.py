"""The offline verifier against exports built here, then damaged in every way the issue names.

Each damage must be refused with a non-zero outcome and name the first bad entry (or, for a
forgery that also rewrote the leaf hashes, the range between two signed checkpoints).
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys

import pytest
import rfc8785

from supervision import merkle, note, verifier

ORIGIN = "ggzy.test/log"
KEY = note.generate_key(ORIGIN)
OTHER_KEY = note.generate_key(ORIGIN)


def _doc(seq: int, action: str = "test.step", subject: str = "test:1", **body: object) -> bytes:
    return rfc8785.dumps({"seq": seq, "time": "2026-01-01T00:00:00.000Z", "action": action,
                          "subject": subject, "actor": {"user_id": None, "role": "t", "ip": None},
                          "body": body})


def build(docs: list[bytes], checkpoints: set[int], key: note.SignerKey = KEY) -> list[bytes]:
    """An export with a checkpoint at each size in ``checkpoints`` (and at the end)."""
    lines = [verifier.header_line(key.name, key.verifier.encode(), len(docs))]
    leaves: list[bytes] = []
    sizes = sorted(checkpoints | {len(docs)})

    def checkpoint() -> None:
        root = merkle.root_from_leaves(leaves)
        lines.append(verifier.checkpoint_line(note.sign_checkpoint(
            note.Checkpoint(key.name, len(leaves), root), key)))

    if 0 in sizes:
        checkpoint()
    for doc in docs:
        leaves.append(merkle.leaf_hash(doc))
        lines.append(verifier.entry_line(doc, leaves[-1]))
        if len(leaves) in sizes:
            checkpoint()
    lines.append(verifier.end_line(len(docs), len(sizes)))
    return lines


def run(lines: list[bytes], key: note.SignerKey | None = KEY, trusted: str | None = None,
        witnesses: tuple[note.VerifierKey, ...] = ()) -> verifier.Report:
    return verifier.verify_lines(iter(lines), key.verifier if key else None, trusted, witnesses)


DOCS = [_doc(i) for i in range(20)]
GOOD = build(DOCS, {5, 12})


def _entry_line(lines: list[bytes], seq: int) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(b'{"entry":{') and
                f'"seq":{seq},'.encode() in line)


def test_a_sound_export_verifies() -> None:
    report = run(GOOD)
    assert report.ok, report.error
    assert (report.entries, report.checkpoints) == (20, 3)
    assert report.root == merkle.root_from_leaves([merkle.leaf_hash(d) for d in DOCS])


def test_one_edited_byte_names_the_entry() -> None:
    lines = list(GOOD)
    at = _entry_line(lines, 7)
    lines[at] = lines[at].replace(b'"role":"t"', b'"role":"x"')
    report = run(lines)
    assert report.error is not None and report.error.seq == 7
    assert "entry 7 was modified" in report.error.message_en


def test_an_edit_with_a_recomputed_leaf_is_caught_by_the_checkpoint_range() -> None:
    docs = list(DOCS)
    docs[8] = docs[8].replace(b'"role":"t"', b'"role":"x"')
    forged = build(docs, {5, 12})
    # Keep the platform's genuine checkpoints: the forger cannot sign.
    genuine = [line for line in GOOD if line.startswith(b'{"checkpoint"')]
    lines = [line for line in forged if not line.startswith(b'{"checkpoint"')]
    for size, text in zip((5, 12, 20), genuine, strict=True):
        lines.insert(_entry_line(lines, size - 1) + 1, text)
    report = run(lines)
    assert report.error is not None and report.error.seq == 5
    assert "entries 5..11 do not match the checkpoint of size 12" in report.error.message_en


def test_a_deleted_entry_is_named() -> None:
    lines = list(GOOD)
    del lines[_entry_line(lines, 3)]
    report = run(lines)
    assert report.error is not None and report.error.seq == 3
    assert "entry 3 is missing" in report.error.message_en


def test_an_inserted_entry_is_named() -> None:
    lines = list(GOOD)
    lines.insert(_entry_line(lines, 9), lines[_entry_line(lines, 2)])
    report = run(lines)
    assert report.error is not None and report.error.seq == 9
    assert "entry 2 appears at position 9" in report.error.message_en


def test_a_reorder_is_named() -> None:
    lines = list(GOOD)
    a, b = _entry_line(lines, 13), _entry_line(lines, 14)
    lines[a], lines[b] = lines[b], lines[a]
    report = run(lines)
    assert report.error is not None and report.error.seq == 13


@pytest.mark.parametrize("cut", [1, 2, 10, 20])
def test_truncation_at_any_line_is_caught(cut: int) -> None:
    report = run(GOOD[:-cut])
    assert report.error is not None
    assert "truncated" in report.error.message_en or "follows entry" in report.error.message_en


def test_truncation_inside_a_line_is_caught() -> None:
    lines = list(GOOD)
    lines[-3] = lines[-3][:30]
    assert run(lines).error is not None


def test_a_shortened_export_with_a_fresh_end_marker_fails_against_the_trusted_checkpoint() -> None:
    trusted = note.sign_checkpoint(note.Checkpoint(ORIGIN, 20, run(GOOD).root), KEY)
    short = build(DOCS[:12], {5})
    report = run(short, trusted=trusted)
    assert report.error is not None and report.error.seq == 12
    assert "truncated" in report.error.message_en


def test_a_trusted_checkpoint_from_a_different_history_is_refused() -> None:
    other = [_doc(i, subject="test:other") for i in range(10)]
    root = merkle.root_from_leaves([merkle.leaf_hash(d) for d in other])
    trusted = note.sign_checkpoint(note.Checkpoint(ORIGIN, 10, root), KEY)
    report = run(GOOD, trusted=trusted)
    assert report.error is not None and "inconsistent with your trusted checkpoint" in report.error.message_en


def test_a_consistent_trusted_checkpoint_passes() -> None:
    root = merkle.root_from_leaves([merkle.leaf_hash(d) for d in DOCS[:9]])
    assert run(GOOD, trusted=note.sign_checkpoint(note.Checkpoint(ORIGIN, 9, root), KEY)).ok


def test_the_wrong_key_is_named() -> None:
    report = run(GOOD, key=OTHER_KEY)
    assert report.error is not None
    assert "no signature by the trusted key" in report.error.message_en


def test_an_unknown_origin_is_named() -> None:
    stranger = note.generate_key("evil.example/log")
    report = run(build(DOCS, set(), key=stranger))
    assert report.error is not None and "unknown log origin 'evil.example/log'" in report.error.message_en


def test_without_a_pinned_key_or_checkpoint_verification_refuses() -> None:
    report = run(GOOD, key=None)
    assert report.error is not None and "no trust anchor" in report.error.message_en


def test_a_rewrite_resigned_with_another_key_passes_only_on_the_export_key() -> None:
    """Why the export's own key is no anchor: a rewritten log, re-signed, is consistent."""
    rewriter = note.generate_key(ORIGIN)
    rewritten = build(DOCS, set(), key=rewriter)
    trusting = verifier.verify_lines(iter(rewritten), None, None, (), trust_export_key=True)
    assert trusting.ok and any("re-signed log would pass" in w for w in trusting.warnings)
    assert run(rewritten).error is not None  # against the pinned key it fails


def test_a_trusted_checkpoint_alone_is_an_anchor() -> None:
    root = merkle.root_from_leaves([merkle.leaf_hash(d) for d in DOCS[:9]])
    trusted = note.sign_checkpoint(note.Checkpoint(ORIGIN, 9, root), KEY)
    report = verifier.verify_lines(iter(GOOD), None, trusted)
    assert report.ok, report.error


def test_a_removed_checkpoint_is_caught() -> None:
    lines = [line for i, line in enumerate(GOOD) if not (line.startswith(b'{"checkpoint"') and i < 10)]
    assert run(lines).error is not None


def test_cosignatures_of_known_witnesses_are_checked() -> None:
    witness = note.generate_key("w.test/witness", note.COSIGNATURE_V1)
    lines = list(GOOD)
    last = len(lines) - 2
    text = verifier.json.loads(lines[last])["checkpoint"]
    body, _ = note.parse_note(text)
    good = note.cosign(body, witness, 1_700_000_000).line()
    lines[last] = verifier.checkpoint_line(text + good)
    report = run(lines, witnesses=(witness.verifier,))
    assert report.ok and report.cosignatures == 1
    bad = note.cosign(body.replace("20\n", "21\n"), witness, 1_700_000_000).line()
    lines[last] = verifier.checkpoint_line(text + bad)
    assert run(lines, witnesses=(witness.verifier,)).error is not None


def test_domain_rules_visible_in_the_log() -> None:
    docs = [
        _doc(0, "tender.opened", "tender:1"),
        _doc(1, "bid.submitted", "bid:1", tender="tender:2"),
        _doc(2, "tender.closed", "tender:2"),
        _doc(3, "bid.submitted", "bid:2", tender="tender:2"),
        _doc(4, "tender.opened", "tender:2"),
        _doc(5, "draw.result", "draw:1", r_platform="00"),
        _doc(6, "draw.committed", "draw:2", commitment=hashlib.sha256(b"\x01").hexdigest()),
        _doc(7, "draw.result", "draw:2", r_platform="02"),
        _doc(8, "draw.committed", "draw:3", commitment=hashlib.sha256(b"\x03").hexdigest()),
        _doc(9, "draw.result", "draw:3", r_platform="03"),
        _doc(10, "tender.closed", "tender/9"),
        _doc(11, "bid.submitted", "tender/9", bid="b-1"),
    ]
    report = run(build(docs, set()))
    assert report.error is None and not report.ok
    broken = [v.split("：")[0] for v in report.violations]
    assert broken == ["条目 0", "条目 3", "条目 5", "条目 7", "条目 11"], report.violations


def test_the_verifier_imports_no_web_or_database_code() -> None:
    code = ("import sys, supervision.verifier, supervision.note; "
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            "('sqlalchemy', 'litestar', 'trading', 'celery', 'httpx', 'rfc8785')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_note_round_trip_and_key_formats() -> None:
    checkpoint = note.Checkpoint(ORIGIN, 3, hashlib.sha256(b"r").digest())
    text = note.sign_checkpoint(checkpoint, KEY)
    assert text.startswith(f"{ORIGIN}\n3\n{base64.b64encode(checkpoint.root).decode()}\n\n— {ORIGIN} ")
    assert note.open_checkpoint(text, KEY.verifier)[0] == checkpoint
    assert note.parse_vkey(KEY.verifier.encode()) == KEY.verifier
    assert note.parse_signer(KEY.encode()) == KEY
    with pytest.raises(note.NoteError, match="signature on the checkpoint of size 4 is invalid"):
        note.open_checkpoint(text.replace("\n3\n", "\n4\n", 1), KEY.verifier)
    name, key_id, material = KEY.verifier.encode().split("+", 2)
    with pytest.raises(note.NoteError, match="key ID does not match"):
        note.parse_vkey(f"{name}+{'0' * 8 if key_id != '0' * 8 else '1' * 8}+{material}")
