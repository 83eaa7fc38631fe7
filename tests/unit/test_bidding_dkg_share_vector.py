"""The custodian's share vector (``tests/data/bidding/dkg-share-vector.json``): a 2-of-3
dealer-free ceremony's transcript, custodian 2's key file (few KDF iterations: a test, not a
real file) and the signed share submission it yields after the deadline. Python derives it
here; the browser (share-open.js, tests/e2e/test_bidding_browser_crypto.py) must derive
exactly the same bytes (Ed25519 is deterministic).

Regenerate with ``.venv/bin/python -m tests.unit.test_bidding_dkg_share_vector``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bidding.sealing.crypto import custody, dkg, dkg_custodian

VECTOR = Path(__file__).resolve().parents[1] / "data" / "bidding" / "dkg-share-vector.json"
PASSPHRASE = "测试口令 passphrase"


def load_vector() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTOR.read_text(encoding="utf-8"))
    return data


def build_vector() -> dict[str, Any]:
    keys = [custody.generate_custodian_keys() for _ in range(3)]
    ceremony = dkg.Ceremony("T-2026-0001", "dkg-1", 1, 2, tuple(
        k.public(f"C-0{i}") for i, k in enumerate(keys, start=1)))
    contributions = [dkg.make_contribution(ceremony, i, k)[0] for i, k in enumerate(keys, 1)]
    transcript = dkg.build_transcript(ceremony, contributions, [], [])
    submission = dkg_custodian.share_submission(transcript, keys[1])
    return {"description": "ggzy DKG share vector; see docs/dkg.md section 6",
            "transcript": transcript.to_document(), "passphrase": PASSPHRASE,
            "key_file": custody.key_file_document(keys[1], PASSPHRASE, iterations=1000),
            "submission": submission}


def test_custodian_two_derives_the_recorded_share() -> None:
    v = load_vector()
    transcript = dkg.Transcript.from_document(v["transcript"])
    dkg.verify_transcript(transcript)
    keys = custody.keys_from_document(v["key_file"], v["passphrase"])
    assert dkg_custodian.share_submission(transcript, keys) == v["submission"]
    index, share = dkg_custodian.share_from_transcript(transcript, keys)
    assert index == 2
    dkg.check_share(transcript, index, share)


def test_another_custodians_key_file_is_not_on_the_roster() -> None:
    v = load_vector()
    transcript = dkg.Transcript.from_document(v["transcript"])
    stranger = custody.generate_custodian_keys()
    try:
        dkg_custodian.share_from_transcript(transcript, stranger)
    except dkg.DkgError as error:
        assert error.code == "not_on_roster"
    else:
        raise AssertionError("a key file not on the roster derived a share")


if __name__ == "__main__":
    VECTOR.write_text(json.dumps(build_vector(), indent=2, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    print(f"wrote {VECTOR}")
