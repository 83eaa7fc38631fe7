"""Dealer-free opening keys (Pedersen DKG, Feldman commitments, P-256): the ceremony itself.
Real crypto, no mocks.

Seen as an auditor: every share verifies and any k shares open while k-1 do not. Seen as an
attacker: a cheating dealer is caught, judged and dropped, a false complaint is pinned on the
complainer, and forged, replayed or malformed material is refused with a reason. (What follows
the ceremony, the transcript and the opening, is tests/unit/test_bidding_crypto_dkg_opening.py.)
"""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import pytest
from Crypto.Protocol import HPKE

from bidding.sealing.crypto import custody, dkg
from bidding.sealing.crypto.custody import NotEnoughSharesError
from bidding.sealing.crypto.dkg import Ceremony, Complaint, Contribution, Reveal
from bidding.sealing.crypto.dkg_transcript import G, encode_scalar
from bidding.sealing.crypto.points import encode_point
from tests.unit.dkg_runs import (
    TENDER,
    Run,
    cheat,
    custodian_keys,
    deal,
    disputed_run,
    honest_run,
    interpolate,
    make_ceremony,
    point_sum,
    shares_of,
)


@pytest.fixture(scope="module")
def keys() -> list[custody.CustodianKeys]:
    return custodian_keys()


@pytest.fixture(scope="module")
def run35(keys):
    return honest_run(keys)


@pytest.fixture(scope="module")
def disputed(keys):
    """3-of-5 where dealer 2 cheats custodian 4 (and is caught) and custodian 3 falsely accuses
    the honest dealer 1."""
    return disputed_run(keys)


# --------------------------------------------------------------------------- honest ceremonies

def test_3_of_5_every_share_verifies_and_any_3_open(run35) -> None:
    run, t, x = run35
    assert t.qual == (1, 2, 3, 4, 5) and not t.complaints and not t.judgements
    # Y is the sum of the constant-term commitments; each Y_j is x_j·G.
    assert encode_point(point_sum(c.commitments[0] for c in run.contributions)) == t.public_key
    for j, x_j in x.items():
        assert encode_point(G * x_j) == t.public_share(j)
    assert t.key_id == custody.key_id_for(t.public_key)
    for subset in itertools.combinations(range(1, 6), 3):
        key = dkg.combine_shares(t, {j: x[j] for j in subset})
        assert key.public_key().export_key(format="raw") == t.public_key
    # All five together work too (any k of them are used).
    assert int(dkg.combine_shares(t, x).d) == interpolate({j: x[j] for j in (1, 2, 3)})


def test_2_of_3_every_pair_opens_and_one_share_does_not(keys) -> None:
    run = deal(keys, 2, 3)
    dealt = run.open_all()
    t = dkg.build_transcript(run.ceremony, run.contributions, [], [])
    x = shares_of(t, dealt)
    secrets_ = set()
    for subset in itertools.combinations((1, 2, 3), 2):
        key = dkg.combine_shares(t, {j: x[j] for j in subset})
        assert key.public_key().export_key(format="raw") == t.public_key
        secrets_.add(int(key.d))
    assert len(secrets_) == 1
    for j in (1, 2, 3):  # k-1 shares: interpolation gives another point; combine refuses
        assert encode_point(G * interpolate({j: x[j]})) != t.public_key
        with pytest.raises(NotEnoughSharesError):
            dkg.combine_shares(t, {j: x[j]})


def test_k_minus_1_shares_do_not_give_the_key(run35) -> None:
    _, t, x = run35
    for subset in itertools.combinations(range(1, 6), 2):
        wrong = interpolate({j: x[j] for j in subset})
        assert wrong == 0 or encode_point(G * wrong) != t.public_key
        with pytest.raises(NotEnoughSharesError) as caught:
            dkg.combine_shares(t, {j: x[j] for j in subset})
        assert (caught.value.have, caught.value.need) == (2, 3)


def test_threshold_one(keys) -> None:
    run = deal(keys, 1, 2)
    t = dkg.build_transcript(run.ceremony, run.contributions, [], [])
    x = shares_of(t, run.open_all())
    assert x[1] == x[2]
    assert dkg.combine_shares(t, {2: x[2]}).public_key().export_key(format="raw") == t.public_key


# --------------------------------------------------------------------------- cheating dealer

def test_bad_share_is_caught_judged_and_the_dealer_excluded(disputed, keys) -> None:
    run, t, x = disputed
    c = run.ceremony
    with pytest.raises(dkg.DealtShareError) as caught:  # the recipient's own check
        dkg.open_share(c, run.contribution(2), 4, run.key(4))
    assert caught.value.code == "mismatch"
    complaint = t.complaints[1]
    assert (complaint.accused, complaint.complainer) == (2, 4)
    dkg.verify_complaint(c, complaint, run.contribution(2))
    judgement = t.judgements[1]
    assert (judgement.at_fault, judgement.code) == ("accused", "share_mismatch")
    # Without a reveal the accused is at fault too.
    silent = dkg.judge_complaint(c, run.contribution(2), complaint, None)
    assert (silent.at_fault, silent.code) == ("accused", "no_reveal")
    # QUAL drops dealer 2; Y and every Y_j follow, and any 3 shares still open.
    assert t.qual == (1, 3, 4, 5)
    assert encode_point(point_sum(run.contribution(i).commitments[0] for i in t.qual)) == \
        t.public_key
    assert t.public_key != encode_point(point_sum(k.commitments[0] for k in run.contributions))
    for j, x_j in x.items():  # custodian 2 still holds a valid share of the new key
        assert encode_point(G * x_j) == t.public_share(j)
    for subset in itertools.combinations(range(1, 6), 3):
        key = dkg.combine_shares(t, {j: x[j] for j in subset})
        assert key.public_key().export_key(format="raw") == t.public_key
    assert dkg.recompute(t) == (t.public_key, dict(enumerate(t.public_shares, start=1)))


def _reveal_for(run: Run, dealer: int, recipient: int, **changes) -> tuple[Complaint, Reveal]:
    c = run.ceremony
    complaint = dkg.make_complaint(c, run.contribution(dealer), recipient, "mismatch",
                                   run.key(recipient))
    try:
        reveal = dkg.answer_complaint(c, run.contribution(dealer), complaint,
                                      run.secrets[dealer - 1], run.key(dealer))
    except dkg.DkgError as exc:  # its own ciphertext does not open: it can only make one up
        assert exc.code == "cannot_answer"
        ephemeral = run.secrets[dealer - 1].ephemeral_keys[recipient - 1]
        reveal = Reveal(c.digest, dealer, recipient, complaint.digest, encode_scalar(ephemeral),
                        bytes(32))
    return complaint, replace(reveal, **changes).signed(run.key(dealer))


def test_a_lying_reveal_is_judged_against_the_dealer(keys) -> None:
    run = deal(keys, 3, 5)
    honest = dkg.open_share(run.ceremony, run.contribution(2), 4, run.key(4))
    cheat(run, 2, 4)
    c, contribution = run.ceremony, run.contribution(2)
    cases = {"reveal_differs": {"share": encode_scalar(honest)},  # claims the right share
             "ephemeral_key_mismatch": {"ephemeral_key": encode_scalar(dkg.random_scalar())},
             "bad_ephemeral_key": {"ephemeral_key": b"\xff" * 32}}
    for code, changes in cases.items():
        complaint, reveal = _reveal_for(run, 2, 4, **changes)
        judgement = dkg.judge_complaint(c, contribution, complaint, reveal)
        assert (judgement.at_fault, judgement.code) == ("accused", code)
    # A reveal not signed by the accused is refused (a complainer cannot forge one).
    complaint, reveal = _reveal_for(run, 2, 4)
    with pytest.raises(dkg.ComplaintError) as forged:
        dkg.judge_complaint(c, contribution, complaint, reveal.signed(run.key(4)))
    assert forged.value.code == "bad_signature"


@pytest.mark.parametrize(("sealed", "reason", "verdict"), [
    ("garbage", "malformed", "malformed_share"),
    ("wrong_info", "cannot_open", "does_not_open"),
])
def test_unreadable_shares_are_complained_about_and_judged(keys, sealed, reason,
                                                           verdict) -> None:
    run = deal(keys, 2, 3)
    if sealed == "garbage":
        cheat(run, 1, 2, plaintext=b"\xff" * 32)  # not a scalar below q
    else:
        cheat(run, 1, 2, info_of=(1, 3))  # sealed under another recipient's binding
    with pytest.raises(dkg.DealtShareError) as caught:
        dkg.open_share(run.ceremony, run.contribution(1), 2, run.key(2))
    assert caught.value.code == reason
    complaint, reveal = _reveal_for(run, 1, 2)
    judgement = dkg.judge_complaint(run.ceremony, run.contribution(1), complaint, reveal)
    assert (judgement.at_fault, judgement.code) == ("accused", verdict)


def test_false_complaint_is_judged_against_the_complainer(disputed) -> None:
    _, t, x = disputed
    judgement = t.judgements[0]
    assert (judgement.accused, judgement.complainer) == (1, 3)
    assert (judgement.at_fault, judgement.code) == ("complainer", "share_valid")
    assert 1 in t.qual  # the honest dealer stays
    # Custodian 3 "could not open" dealer 1's share: the revealed one is used, and fits Y_3.
    assert encode_point(G * x[3]) == t.public_share(3)


def test_too_few_qualified_dealers_fail_the_round(keys) -> None:
    run = deal(keys, 2, 3)
    cheat(run, 1, 2)
    complaint = dkg.make_complaint(run.ceremony, run.contribution(1), 2, "mismatch",
                                   run.key(2))
    with pytest.raises(dkg.TranscriptError) as caught:
        dkg.build_transcript(run.ceremony, run.contributions[:2], [complaint], [])
    assert caught.value.code == "too_few_qualified"


# --------------------------------------------------------------------------- refused material

def _resigned(run: Run, i: int, **changes) -> Contribution:
    return replace(run.contribution(i), **changes).signed(run.key(i))


def test_malformed_or_foreign_contributions_are_rejected(keys) -> None:
    run = deal(keys, 3, 5)
    c1 = run.contribution(1)
    other = {name: dkg.make_contribution(make_ceremony(keys, *kn, **kw), 1, keys[0])[0]
             for name, kn, kw in (("wrong_tender", (3, 5), {"tender": "T-2026-0043"}),
                                  ("wrong_ceremony", (3, 5), {"ceremony_id": "DKG-2"}),
                                  ("wrong_round", (3, 5), {"round_": 2}),
                                  ("wrong_roster", (2, 5), {}))}
    off_curve = bytearray(c1.commitments[1])
    off_curve[-1] ^= 1
    big_x = b"\x04" + b"\xff" * 64
    bad_sig = bytearray(c1.signature)
    bad_sig[0] ^= 1
    cases = {
        **other,
        "bad_signature": replace(c1, signature=bytes(bad_sig)),
        "unsigned_change": replace(c1, commitments=c1.commitments[::-1]),
        "impostor": replace(c1, dealer=2).signed(run.key(1)),
        "wrong_dealer": _resigned(run, 1, dealer=6),
        "point_not_on_curve": _resigned(run, 1, commitments=(c1.commitments[0], bytes(off_curve),
                                                             c1.commitments[2])),
        "coordinate_too_big": _resigned(run, 1, commitments=(big_x, *c1.commitments[1:])),
        "point_at_infinity": _resigned(run, 1, commitments=(b"\x04" + bytes(64),
                                                            *c1.commitments[1:])),
        "infinity_one_byte": _resigned(run, 1, commitments=(b"\x00", *c1.commitments[1:])),
        "too_few": _resigned(run, 1, commitments=c1.commitments[:2]),
        "too_many": _resigned(run, 1, commitments=(*c1.commitments, c1.commitments[0])),
        "missing_share": _resigned(run, 1, sealed_shares=c1.sealed_shares[:4]),
        "bad_enc": _resigned(run, 1, sealed_shares=(
            c1.sealed_shares[0][:1] + b"\x04" + bytes(64) + c1.sealed_shares[0][66:],
            *c1.sealed_shares[1:])),
    }
    expected = {"unsigned_change": "bad_signature", "impostor": "bad_signature",
                "coordinate_too_big": "point_not_on_curve", "infinity_one_byte":
                "point_at_infinity", "too_few": "commitment_count", "too_many":
                "commitment_count", "missing_share": "sealed_share_format",
                "bad_enc": "point_at_infinity"}
    for name, contribution in cases.items():
        with pytest.raises(dkg.ContributionError) as caught:
            dkg.verify_contribution(run.ceremony, contribution)
        assert caught.value.code == expected.get(name, name), name
        assert caught.value.reason_en and caught.value.reason_zh
        with pytest.raises(dkg.ContributionError):  # a recipient refuses it as well
            dkg.open_share(run.ceremony, contribution, 3, run.key(3))
        with pytest.raises(dkg.ContributionError):
            dkg.build_transcript(run.ceremony, [contribution, *run.contributions[1:]], [], [])
    with pytest.raises(dkg.ContributionError) as foreign:
        dkg.verify_contribution(run.ceremony, other["wrong_tender"])
    assert "T-2026-0043" in str(foreign.value)


def test_sealed_shares_cannot_be_replayed(keys) -> None:
    run = deal(keys, 2, 3)
    c = run.ceremony
    sealed = run.contribution(1).sealed_shares[1]  # dealer 1 -> custodian 2
    # To another recipient: placed in custodian 3's slot (and re-signed), it does not open.
    replayed = _resigned(run, 1, sealed_shares=(run.contribution(1).sealed_shares[0], sealed,
                                                sealed))
    with pytest.raises(dkg.DealtShareError) as caught:
        dkg.open_share(c, replayed, 3, run.key(3))
    assert caught.value.code == "cannot_open"
    # Into another tender, round or ceremony, or as if dealt by another dealer: the same key
    # cannot open it, because the HPKE info differs.
    for ceremony, dealer in ((make_ceremony(keys, 2, 3, tender="T-2026-0099"), 1),
                             (make_ceremony(keys, 2, 3, round_=2), 1),
                             (make_ceremony(keys, 2, 3, ceremony_id="DKG-9"), 1), (c, 3)):
        context = HPKE.new(receiver_key=run.key(2).hpke_key, aead_id=HPKE.AEAD.AES256_GCM,
                           enc=sealed[1:66], info=dkg.share_info(ceremony, dealer, 2))
        with pytest.raises(ValueError):
            context.unseal(sealed[66:])
    other = make_ceremony(keys, 2, 3, tender="T-2026-0099")
    moved = dkg.make_contribution(other, 1, run.key(1))[0]
    moved = replace(moved, sealed_shares=(moved.sealed_shares[0], sealed,
                                          moved.sealed_shares[2])).signed(run.key(1))
    with pytest.raises(dkg.DealtShareError):
        dkg.open_share(other, moved, 2, run.key(2))
    assert dkg.open_share(c, run.contribution(1), 2, run.key(2)) >= 0  # where it belongs


def test_complaints_must_be_signed_and_bound(run35) -> None:
    run, _, _ = run35
    c, contribution = run.ceremony, run.contribution(1)
    complaint = dkg.make_complaint(c, contribution, 2, "mismatch", run.key(2))
    for bad, code in ((complaint.signed(run.key(3)), "bad_signature"),
                      (replace(complaint, contribution="00" * 32).signed(run.key(2)),
                       "wrong_binding"),
                      (replace(complaint, reason="dislike").signed(run.key(2)), "malformed")):
        with pytest.raises(dkg.ComplaintError) as caught:
            dkg.verify_complaint(c, bad, contribution)
        assert caught.value.code == code
    with pytest.raises(dkg.ComplaintError):  # against another dealer's contribution
        dkg.verify_complaint(c, complaint, run.contribution(2))
    with pytest.raises(dkg.ComplaintError):  # against oneself
        dkg.make_complaint(c, contribution, 1, "mismatch", run.key(1))
    with pytest.raises(dkg.DkgError) as wrong_keys:  # keys not the custodian's
        dkg.make_complaint(c, contribution, 2, "mismatch", run.key(3))
    assert wrong_keys.value.code == "wrong_keys"


def test_ceremony_parameters_are_checked(keys) -> None:
    for k, n in ((0, 3), (4, 3)):
        with pytest.raises(ValueError):
            make_ceremony(keys, k, n)
    one, two = keys[0].public("C-1"), keys[1].public("C-2")
    for twice in ((one, replace(one, custodian_id="C-2")),
                  (one, replace(two, hpke_public_key=one.hpke_public_key)),
                  (one, replace(two, signing_public_key=one.signing_public_key)),
                  (one, replace(two, custodian_id="C-1"))):
        with pytest.raises(ValueError):
            Ceremony(TENDER, "DKG-1", 1, 1, twice)
    with pytest.raises(ValueError):
        make_ceremony(keys, 2, 3, tender="T 1")
    c = make_ceremony(keys, 2, 3)
    assert Ceremony.from_document(json.loads(json.dumps(c.to_document()))) == c
    with pytest.raises(dkg.DkgError):
        dkg.make_contribution(c, 1, keys[1])
