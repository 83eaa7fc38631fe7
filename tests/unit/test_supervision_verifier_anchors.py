"""The verifier against an operator it does not trust: witnesses, pinned checkpoints, earlier
exports. The operator here holds the real signing key and re-signs whatever it rewrites, so
only what the regulator holds can convict it, and the place named must be the right one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from supervision import merkle, note, trust, verifier
from tests.unit.test_supervision_verifier import KEY, ORIGIN, _doc, build, run

WITNESS = note.generate_key("w.test/witness", note.COSIGNATURE_V1)
OTHER_WITNESS = note.generate_key("other.test/witness", note.COSIGNATURE_V1)

GENUINE = [_doc(i, body_n=i) for i in range(103)]
SIZES = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100}


def rewritten(at: int = 72) -> list[bytes]:
    """The whole log rewritten from entry ``at`` on, consistently, by the operator."""
    docs = list(GENUINE)
    docs[at] = _doc(at, body_n=at, amount="999999")
    return docs


def trusted_at(size: int, docs: list[bytes] = GENUINE) -> str:
    """A checkpoint of the genuine log the regulator kept (e.g. its witness cosigned it)."""
    root = merkle.root_from_leaves([merkle.leaf_hash(d) for d in docs[:size]])
    return note.sign_checkpoint(note.Checkpoint(ORIGIN, size, root), KEY)


def cosigned(lines: list[bytes], *witnesses: note.SignerKey, at: int = -2) -> list[bytes]:
    """``lines`` with the checkpoint line at ``at`` cosigned by ``witnesses``."""
    lines = list(lines)
    text = json.loads(lines[at])["checkpoint"]
    body, _ = note.parse_note(text)
    extra = "".join(note.cosign(body, w, 1_700_000_000).line() for w in witnesses)
    lines[at] = verifier.checkpoint_line(text + extra)
    return lines


def _checkpoint_lines(lines: list[bytes]) -> list[int]:
    return [i for i, line in enumerate(lines) if line.startswith(b'{"checkpoint"')]


# --- witnesses ----------------------------------------------------------------------------


def test_a_cosigned_newest_checkpoint_passes_with_the_witness_key() -> None:
    report = run(cosigned(build(GENUINE, SIZES), WITNESS), witnesses=(WITNESS.verifier,))
    assert report.ok, report.error
    assert report.witnessed_by == ["w.test/witness"] and report.cosignatures == 1


def test_stripped_cosignatures_fail_the_witness_check() -> None:
    stripped = build(GENUINE, SIZES)  # the platform's notes, no cosignature line
    report = run(stripped, witnesses=(WITNESS.verifier,))
    assert report.error is not None
    assert ("the newest checkpoint (size 103) carries no valid cosignature from the witness "
            "w.test/witness") in report.error.message_en
    assert "见证人 w.test/witness 的有效联署签名" in report.error.message_zh
    assert "ggzy log export --up-to-witnessed" in report.error.message_en


def test_a_cosignature_by_another_witness_does_not_count() -> None:
    report = run(cosigned(build(GENUINE, SIZES), OTHER_WITNESS), witnesses=(WITNESS.verifier,))
    assert report.error is not None and "from the witness w.test/witness" in report.error.message_en


def test_an_impostor_witness_key_of_the_same_name_does_not_count() -> None:
    impostor = note.generate_key(WITNESS.name, note.COSIGNATURE_V1)
    report = run(cosigned(build(GENUINE, SIZES), impostor), witnesses=(WITNESS.verifier,))
    assert report.error is not None and "no valid cosignature" in report.error.message_en


def test_a_cosignature_on_an_older_checkpoint_only_does_not_count() -> None:
    lines = build(GENUINE, SIZES)
    older = _checkpoint_lines(lines)[-2]  # the checkpoint of size 100
    report = run(cosigned(lines, WITNESS, at=older), witnesses=(WITNESS.verifier,))
    assert report.error is not None and "(size 103)" in report.error.message_en


def test_every_given_witness_must_have_cosigned() -> None:
    lines = cosigned(build(GENUINE, SIZES), WITNESS)
    report = run(lines, witnesses=(WITNESS.verifier, OTHER_WITNESS.verifier))
    assert report.error is not None
    assert "from the witness other.test/witness" in report.error.message_en
    assert run(cosigned(build(GENUINE, SIZES), WITNESS, OTHER_WITNESS),
               witnesses=(WITNESS.verifier, OTHER_WITNESS.verifier)).ok


def test_a_rewrite_cannot_carry_the_witness_cosignature_over() -> None:
    genuine = cosigned(build(GENUINE, SIZES), WITNESS)
    copied = json.loads(genuine[-2])["checkpoint"].split("\n\n")[1].splitlines()[1] + "\n"
    forged = build(rewritten(), SIZES)
    text = json.loads(forged[-2])["checkpoint"]
    forged[-2] = verifier.checkpoint_line(text + copied)
    report = run(forged, witnesses=(WITNESS.verifier,))
    assert report.error is not None
    assert "the cosignature of w.test/witness on the checkpoint of size 103 is invalid" in \
        report.error.message_en


def test_a_witness_key_alone_anchors_the_export() -> None:
    report = verifier.verify_lines(iter(cosigned(build(GENUINE, SIZES), WITNESS)), None, None,
                                   (WITNESS.verifier,))
    assert report.ok and not report.warnings, (report.error, report.warnings)
    rogue = note.generate_key(ORIGIN)  # a rewrite signed with a fresh key, uncosigned
    rewritten_export = build(rewritten(), SIZES, key=rogue)
    report = verifier.verify_lines(iter(rewritten_export), None, None, (WITNESS.verifier,))
    assert report.error is not None and "no valid cosignature" in report.error.message_en


# --- a whole-log rewrite re-signed with the operator's own key -------------------------------


def test_the_rewrite_passes_every_operator_signature() -> None:
    """What the auditor saw: with only the platform key pinned, nothing is wrong."""
    assert run(build(rewritten(), SIZES)).ok


def test_a_rewrite_is_placed_between_two_trusted_checkpoints() -> None:
    # The operator's own checkpoints right around the change must not narrow the range.
    forged = build(rewritten(), SIZES | {72, 73, 79})
    trusted = [trusted_at(50), trusted_at(80), trusted_at(100)]
    report = run(forged, trusted=trusted)
    assert report.error is not None and report.error.seq == 50
    assert ("inconsistent with your trusted checkpoint of size 80 (the log was rewritten, or the "
            "platform shows a split view): the first changed entry is in 50..79 (your trusted "
            "checkpoint of size 50 still matches)") in report.error.message_en
    assert "第一个被改动的条目在 50–79 之间" in report.error.message_zh


def test_a_single_trusted_checkpoint_gives_the_range_from_the_start() -> None:
    report = run(build(rewritten(), SIZES), trusted=trusted_at(100))
    assert report.error is not None and report.error.seq == 0
    assert "the first changed entry is in 0..99" in report.error.message_en


def test_adjacent_trusted_checkpoints_name_the_entry() -> None:
    report = run(build(rewritten(), SIZES), trusted=[trusted_at(72), trusted_at(73)])
    assert report.error is not None and report.error.seq == 72
    assert report.error.message_en.endswith(": entry 72 changed")
    assert report.error.message_zh.endswith("：条目 72 被改动")


def test_trusted_checkpoints_all_matching_pass() -> None:
    report = run(build(GENUINE, SIZES), trusted=[trusted_at(0), trusted_at(55), trusted_at(103)])
    assert report.ok and report.trusted_checked == 3


def test_trusted_checkpoints_that_disagree_with_each_other_fail() -> None:
    report = run(build(GENUINE, SIZES), trusted=[trusted_at(80), trusted_at(80, rewritten())])
    assert report.error is not None
    assert "your trusted checkpoints disagree: two different roots at size 80" in report.error.message_en


def test_a_trusted_checkpoint_beyond_the_export_is_truncation() -> None:
    report = run(build(GENUINE[:90], {50}), trusted=[trusted_at(50), trusted_at(100)])
    assert report.error is not None and report.error.seq == 90
    assert "it holds 90 entries, your trusted checkpoint has 100" in report.error.message_en


# --- an earlier export the regulator verified -----------------------------------------------


def test_a_trusted_export_names_the_exact_entry() -> None:
    earlier = build(GENUINE[:90], {50})  # verified by the regulator when the log held 90
    report = verifier.verify_lines(iter(build(rewritten(), SIZES)), KEY.verifier,
                                   trusted_export=iter(earlier))
    assert report.error is not None and report.error.seq == 72
    assert report.error.message_en.startswith("entry 72 changed: its content differs from your "
                                              "trusted export (fields that differ: body)")
    assert report.error.message_zh.startswith("条目 72 被改动")


def test_a_trusted_export_beats_trusted_checkpoints_to_the_place() -> None:
    report = verifier.verify_lines(iter(build(rewritten(), SIZES)), KEY.verifier,
                                   [trusted_at(100)], trusted_export=iter(build(GENUINE, SIZES)))
    assert report.error is not None and report.error.seq == 72


def test_a_trusted_export_that_the_new_one_extends_passes() -> None:
    report = verifier.verify_lines(iter(build(GENUINE, SIZES)), None,
                                   trusted_export=iter(build(GENUINE[:60], {20})))
    assert report.ok, report.error
    assert report.trusted_export_entries == 60
    assert any("entries beyond your trusted checkpoints or export" in w for w in report.warnings)


def test_an_export_shorter_than_the_trusted_one_fails() -> None:
    report = verifier.verify_lines(iter(build(GENUINE[:40], set())), KEY.verifier,
                                   trusted_export=iter(build(GENUINE, SIZES)))
    assert report.error is not None and report.error.seq == 40
    assert "it holds 40 entries, your trusted export 103" in report.error.message_en


def test_a_damaged_trusted_export_is_named_as_such() -> None:
    earlier = build(GENUINE[:30], set())
    earlier[4] = earlier[4].replace(b'"role":"t"', b'"role":"x"')
    report = verifier.verify_lines(iter(build(GENUINE, SIZES)), KEY.verifier,
                                   trusted_export=iter(earlier))
    assert report.error is not None and report.error.seq is None
    assert report.error.message_en.startswith("your trusted export does not verify: entry 3 was "
                                              "modified")


def test_a_trusted_export_under_another_key_is_refused() -> None:
    rogue = note.generate_key(ORIGIN)
    report = verifier.verify_lines(iter(build(rewritten(), SIZES, key=rogue)), None,
                                   trusted_export=iter(build(GENUINE[:90], {50})))
    assert report.error is not None and "names another platform key" in report.error.message_en


# --- the regulator's files and the command ---------------------------------------------------


def test_trusted_checkpoints_are_read_from_a_witness_folder(tmp_path: Path) -> None:
    folder = tmp_path / "witness"
    folder.mkdir()
    (folder / "held.note").write_text(trusted_at(10))
    (folder / "w.state").write_text(json.dumps({"size": 100, "checkpoint": trusted_at(100)}, indent=2))
    (folder / "w.state.history.jsonl").write_text(
        "".join(json.dumps({"size": n, "checkpoint": trusted_at(n)}) + "\n" for n in (50, 80, 100)))
    (folder / "w.key").write_text(WITNESS.encode() + "\n")
    (folder / "w.state.evidence-1.txt").write_text(f"# held\n{trusted_at(80)}\n# presented\n"
                                                   f"{trusted_at(80, rewritten())}")
    found = trust.read_trusted(folder)
    assert sorted(note.parse_checkpoint_body(note.parse_note(t)[0]).size for t in found) == \
        [10, 50, 80, 100, 100]
    report = run(build(rewritten(), SIZES), trusted=found)
    assert report.error is not None and "in 50..79" in report.error.message_en
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(note.NoteError, match="no checkpoint in the folder"):
        trust.read_trusted(empty)


def test_the_offline_command_names_the_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new, old = tmp_path / "new.jsonl", tmp_path / "old.jsonl"
    new.write_bytes(b"".join(build(rewritten(), SIZES)))
    old.write_bytes(b"".join(build(GENUINE[:90], {50})))
    held = tmp_path / "held.note"
    held.write_text(trusted_at(80))
    args = [str(new), "--log-key", KEY.verifier.encode()]
    assert verifier.main([*args, "--trusted-checkpoint", str(held)]) == 1
    assert "[first bad entry / 首个问题条目: 0]" in capsys.readouterr().err
    assert verifier.main([*args, "--trusted-export", str(old)]) == 1
    err = capsys.readouterr().err
    assert "[first bad entry / 首个问题条目: 72]" in err and "entry 72 changed" in err
    assert verifier.main([*args, "--trusted-export", str(tmp_path / "missing.jsonl")]) == 2
    assert "missing.jsonl" in capsys.readouterr().err
    assert verifier.main([*args, "--trusted-checkpoint", str(new)]) == 2  # not a checkpoint
    assert "bad input" in capsys.readouterr().err


def test_a_log_key_given_as_a_witness_key_is_bad_input(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "log.jsonl"
    export.write_bytes(b"".join(build(GENUINE, SIZES)))
    assert verifier.main([str(export), "--witness-key", KEY.verifier.encode()]) == 2
    assert f"{ORIGIN} is not a witness key" in capsys.readouterr().err


def test_a_trusted_checkpoint_not_signed_by_the_platform_is_refused() -> None:
    stranger = note.generate_key(ORIGIN)
    root = merkle.root_from_leaves([merkle.leaf_hash(d) for d in GENUINE[:50]])
    report = run(build(GENUINE, SIZES),
                 trusted=note.sign_checkpoint(note.Checkpoint(ORIGIN, 50, root), stranger))
    assert report.error is not None
    assert report.error.message_en.startswith("your trusted checkpoint: checkpoint of size 50 "
                                              "carries no signature by the trusted key")
