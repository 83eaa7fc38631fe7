"""The verifier's rule for sealed bids' keys: a ceremony's transcript is checked offline (with
its own code, not bidding's) and every bid must be sealed to the key of its tender's latest
ceremony. Real 2-of-3 ceremonies are run here with ``bidding.sealing.crypto.dkg`` (tests only).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import subprocess
import sys
import uuid
from typing import Any

import pytest
import rfc8785

from bidding.sealing.crypto import custody, dkg
from supervision import ceremonies, verifier
from tests.unit.test_supervision_verifier import _doc, build, run

TENDER = f"tender/{uuid.UUID(int=42)}"


@pytest.fixture(scope="module")
def keys() -> list[custody.CustodianKeys]:
    return [custody.generate_custodian_keys() for _ in range(3)]


def ceremony_body(keys: list[custody.CustodianKeys], round_: int = 1,
                  complain: bool = False) -> dict[str, Any]:
    """A completed 2-of-3 ceremony as bidding logs it; with ``complain``, custodian 2
    complains about dealer 1, who never answers, so QUAL is {2, 3}."""
    ceremony = dkg.Ceremony(TENDER.split("/")[1], f"DKG-{round_}", round_, 2,
                            tuple(k.public(f"C-{j}") for j, k in enumerate(keys, start=1)))
    contributions = [dkg.make_contribution(ceremony, i, keys[i - 1])[0] for i in (1, 2, 3)]
    complaints = [dkg.make_complaint(ceremony, contributions[0], 2, "mismatch", keys[1])] if complain else []
    transcript = dkg.build_transcript(ceremony, contributions, complaints, [])
    return {"ceremony_id": ceremony.ceremony_id, "round": round_, "key_id": transcript.key_id,
            "public_key": base64.b64encode(transcript.public_key).decode(),
            "transcript_hash": transcript.hash, "transcript": transcript.to_document()}


def rehash(body: dict[str, Any]) -> dict[str, Any]:
    """What a forger does after editing the transcript: fix its hash (the platform's way)."""
    body["transcript_hash"] = hashlib.sha256(rfc8785.dumps(body["transcript"])).hexdigest()
    return body


def check(*entries: tuple[str, str, dict[str, Any]]) -> verifier.Report:
    docs = [_doc(seq, action, subject, **body) for seq, (action, subject, body) in enumerate(entries)]
    return run(build(docs, set()))


def ceremony(body: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    return ("custody.ceremony_completed", TENDER, body)


def bid(key_id: str, subject: str = TENDER) -> tuple[str, str, dict[str, Any]]:
    return ("bid.submitted", subject, {"bid": "b-1", "envelope_sha256": "00" * 32, "key_id": key_id})


def test_a_sound_ceremony_and_a_bid_sealed_to_its_key_pass(keys: list[custody.CustodianKeys]) -> None:
    body = ceremony_body(keys)
    report = check(ceremony(body), ("tender.published", TENDER, {}), bid(body["key_id"]))
    assert report.ok, report.violations


def test_a_disqualified_dealer_is_left_out_of_the_key(keys: list[custody.CustodianKeys]) -> None:
    body = ceremony_body(keys, complain=True)
    assert body["transcript"]["qual"] == [2, 3]
    report = check(ceremony(body), bid(body["key_id"]))
    assert report.ok, report.violations


def test_a_bid_sealed_to_a_foreign_key_is_named(keys: list[custody.CustodianKeys]) -> None:
    body = ceremony_body(keys)
    foreign = "ab" * 16
    report = check(ceremony(body), bid(body["key_id"]), bid(foreign))
    assert report.violations == [
        f"条目 2：投标加密所用的密钥 {foreign} 不是 {TENDER} 的密钥仪式（条目 0）产生的 {body['key_id']} / "
        f"entry 2: a bid sealed to key {foreign}, not to {body['key_id']} which the key ceremony "
        f"of {TENDER} (entry 0) produced"]


def test_a_bid_without_a_ceremony_for_its_tender_is_named(keys: list[custody.CustodianKeys]) -> None:
    body = ceremony_body(keys)
    other = f"tender/{uuid.UUID(int=7)}"
    report = check(bid(body["key_id"]), ceremony(body), bid(body["key_id"], subject=other))
    assert [v.split("：")[0] for v in report.violations] == ["条目 0", "条目 2"]
    assert f"no key ceremony of {TENDER} was logged before it" in report.violations[0]
    assert f"no key ceremony of {other} was logged before it" in report.violations[1]


def test_a_bid_is_held_to_the_latest_ceremony(keys: list[custody.CustodianKeys]) -> None:
    first, second = ceremony_body(keys), ceremony_body(keys, round_=2)
    report = check(ceremony(first), ceremony(second), bid(second["key_id"]), bid(first["key_id"]))
    assert len(report.violations) == 1 and report.violations[0].startswith("条目 3：")
    assert f"not to {second['key_id']} which the key ceremony of {TENDER} (entry 1)" in \
        report.violations[0]


def test_a_public_key_that_is_not_the_sum_of_the_commitments_is_named(
        keys: list[custody.CustodianKeys]) -> None:
    body = copy.deepcopy(ceremony_body(keys))
    # Claim dealer 1's first commitment alone as the key: a valid point with a matching key
    # id everywhere and a fixed hash, so only the sum gives it away.
    planted = body["transcript"]["contributions"][0]["commitments"][0]
    planted_id = ceremonies.key_id_of(base64.b64decode(planted))
    body["transcript"]["public_key"] = body["public_key"] = planted
    body["transcript"]["key_id"] = body["key_id"] = planted_id
    report = check(ceremony(rehash(body)), bid(planted_id))
    assert report.violations == [
        f"条目 0：{TENDER} 的密钥仪式 DKG-1 不成立：仪式记录中的开标公钥不是合格保管人首项承诺之和 / "
        f"entry 0: the key ceremony DKG-1 of {TENDER} does not check: the transcript's public key "
        "is not the sum of the qualified dealers' first commitments"]


def test_a_tampered_contribution_signature_is_named(keys: list[custody.CustodianKeys]) -> None:
    body = copy.deepcopy(ceremony_body(keys))
    contribution = body["transcript"]["contributions"][1]
    signature = bytearray(base64.b64decode(contribution["signature"]))
    signature[10] ^= 0x01
    contribution["signature"] = base64.b64encode(bytes(signature)).decode()
    report = check(("tender.published", TENDER, {}), ceremony(rehash(body)))
    assert len(report.violations) == 1 and report.violations[0].startswith("条目 1：")
    assert "第 2 号保管人的贡献签名无效" in report.violations[0]
    assert "the signature on dealer 2's contribution is invalid" in report.violations[0]


def test_a_commitment_swapped_after_signing_is_named(keys: list[custody.CustodianKeys]) -> None:
    body = copy.deepcopy(ceremony_body(keys))
    contributions = body["transcript"]["contributions"]
    contributions[2]["commitments"][0] = contributions[0]["commitments"][0]
    report = check(ceremony(rehash(body)))
    assert "the signature on dealer 3's contribution is invalid" in report.violations[0]


def test_a_transcript_that_does_not_match_its_hash_is_named(keys: list[custody.CustodianKeys]) -> None:
    body = copy.deepcopy(ceremony_body(keys))
    body["transcript"]["qual"] = [1, 2]  # edited after the hash was taken
    report = check(ceremony(body))
    assert "not to its transcript_hash" in report.violations[0]
    assert "与记录的 transcript_hash 不符" in report.violations[0]


def test_the_logged_key_must_be_the_transcripts(keys: list[custody.CustodianKeys]) -> None:
    body, other = ceremony_body(keys), ceremony_body(keys, round_=2)
    body["key_id"], body["public_key"] = other["key_id"], other["public_key"]
    report = check(ceremony(body), bid(other["key_id"]))
    assert len(report.violations) == 1
    assert "the logged public key is not the transcript's" in report.violations[0]


@pytest.mark.parametrize("damage", ["no transcript", "not a list", "qual", "public shares"])
def test_malformed_transcripts_are_violations_not_crashes(keys: list[custody.CustodianKeys],
                                                          damage: str) -> None:
    body = copy.deepcopy(ceremony_body(keys))
    if damage == "no transcript":
        del body["transcript"]
    elif damage == "not a list":
        body["transcript"]["contributions"] = {"1": None}
    elif damage == "qual":
        body["transcript"]["qual"] = [1, 2]
    else:
        body["transcript"]["public_shares"].reverse()
    report = check(ceremony(rehash(body) if "transcript" in body else body))
    assert report.error is None and len(report.violations) == 1
    assert report.violations[0].startswith(f"条目 0：{TENDER} 的密钥仪式 DKG-1 不成立：")


def test_a_dealer_based_ceremony_no_longer_fixes_a_key() -> None:
    public = b"\x04" + bytes(range(64))
    commitment = hashlib.sha256(public).hexdigest()
    uploaded = ("custody.ceremony_uploaded", TENDER,
                {"key_id": commitment[:32], "commitment": commitment})
    [violation] = check(uploaded, bid(commitment[:32])).violations
    assert violation.startswith("条目 1：")


@pytest.mark.parametrize("value", [
    {"b": 1, "a": [True, False, None], "€": "x", "\U0001F600": 2, "\ufb01": 3},
    {"s": "tab\t quote\" back\\ ctl\x01 del\x7f 中文 \u2028"},
    [0, -1, 2**53 - 1, 1.5, -0.25, 1e21, 1e-7, 123456789.125, 5e-324, 1.7976931348623157e308],
    [1e20, 100.0, 0.1, 1 / 3, 4.35, 0.000001, 1e-6, 123e-20],
])
def test_the_canonical_json_is_rfc_8785(value: Any) -> None:
    assert ceremonies.jcs(value) == rfc8785.dumps(value)


def test_the_canonical_json_of_a_transcript_is_rfc_8785(keys: list[custody.CustodianKeys]) -> None:
    document = ceremony_body(keys, complain=True)["transcript"]
    assert ceremonies.jcs(document) == rfc8785.dumps(document)


def test_the_offline_rules_import_neither_bidding_nor_rfc8785() -> None:
    code = ("import sys, supervision.verifier, supervision.trust, supervision.ceremonies; "
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            "('bidding', 'rfc8785', 'sqlalchemy', 'trading', 'httpx')]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_transcript_replayed_under_another_tender_is_named(keys: list[custody.CustodianKeys]) -> None:
    body = ceremony_body(keys)
    other = f"tender/{uuid.UUID(int=7)}"
    report = check(("custody.ceremony_completed", other, body))
    assert len(report.violations) == 1
    assert f"the ceremony is for tender {TENDER.split('/')[1]}, not {other.split('/')[1]}" in \
        report.violations[0]
