"""Dealer-free opening keys after the ceremony: Y and each Y_j follow from the transcript
alone, any changed byte is caught, a bad submitted share is named on its own, and the shares
(or partial decryptions) open an envelope sealed to Y. Real crypto, no mocks. (The ceremony
itself, honest and attacked, is tests/unit/test_bidding_crypto_dkg.py.)
"""

from __future__ import annotations

import dataclasses
import io
import json
from dataclasses import replace

import pytest
from Crypto.Protocol import HPKE
from Crypto.PublicKey import ECC

from bidding.sealing.crypto import custody, dkg, dkg_partial, envelope
from bidding.sealing.crypto.common import sha256
from bidding.sealing.crypto.custody import BadShareError, NotEnoughSharesError
from bidding.sealing.crypto.dkg import Contribution
from bidding.sealing.crypto.dkg_transcript import G, Q, encode_scalar
from bidding.sealing.crypto.points import decode_point, encode_point
from tests.unit.dkg_runs import TENDER, custodian_keys, disputed_run, honest_run


@pytest.fixture(scope="module")
def run35():
    """An honest 3-of-5 ceremony (tests/unit/dkg_runs.py)."""
    return honest_run(custodian_keys())


@pytest.fixture(scope="module")
def disputed():
    """A 3-of-5 ceremony with a cheating dealer and a false complaint (tests/unit/dkg_runs.py)."""
    return disputed_run(custodian_keys())


# --------------------------------------------------------------------------- reconstruction

def test_a_submitted_share_not_matching_y_j_is_named(run35) -> None:
    _, t, x = run35
    for j, x_j in x.items():
        dkg.check_share(t, j, x_j)
    with pytest.raises(BadShareError) as one:
        dkg.check_share(t, 2, (x[2] + 1) % Q)
    assert one.value.custodian_ids == ("C-2",)
    wrong = {**x, 2: (x[2] + 1) % Q, 4: x[1]}  # a tampered and a copied share
    with pytest.raises(BadShareError) as named:
        dkg.combine_shares(t, wrong)
    assert named.value.custodian_ids == ("C-2", "C-4") and named.value.identified
    assert named.value.key is not None  # the three good ones sufficed
    assert named.value.key.public_key().export_key(format="raw") == t.public_key
    with pytest.raises(BadShareError) as short:
        dkg.combine_shares(t, {1: x[1], 2: wrong[2], 3: x[3]})
    assert short.value.custodian_ids == ("C-2",) and short.value.key is None


def test_an_envelope_sealed_to_y_opens_with_the_combined_key(run35) -> None:
    _, t, x = run35
    key = dkg.combine_shares(t, {j: x[j] for j in (2, 4, 5)})
    plain = "投标函：报价 1234567.89 元\n".encode() * 50
    out = io.BytesIO()
    sealed = envelope.seal_stream(io.BytesIO(plain), out, opening_public_key=t.public_key,
                                  tender_id=TENDER, section_id="S-01", bidder_id="B-1",
                                  key_id=t.key_id, segment_size=256)
    opened = io.BytesIO()
    envelope.open_stream(io.BytesIO(out.getvalue()), opened, opening_private_key=key,
                         expected=envelope.ExpectedIds(TENDER, "S-01", "B-1", t.key_id,
                                                       sealed.envelope_sha256))
    assert opened.getvalue() == plain
    assert custody.export_opening_private_key(key) == encode_scalar(int(key.d))


# --------------------------------------------------------------------------- the transcript

def test_transcript_round_trips_and_recompute_reproduces_y(disputed) -> None:
    _, t, _ = disputed
    data = t.to_bytes()
    assert dkg.Transcript.from_bytes(data) == t
    assert t.hash == sha256(data).hex()
    dkg.verify_transcript(t)
    y, points = dkg.recompute(dkg.Transcript.from_bytes(data))
    assert y == t.public_key and points == dict(enumerate(t.public_shares, start=1))
    pretty = json.dumps(json.loads(data), indent=1).encode()
    with pytest.raises(dkg.TranscriptError) as caught:
        dkg.Transcript.from_bytes(pretty)
    assert caught.value.code == "not_canonical"
    # Recorded results that do not follow from the record are caught.
    other_y = encode_point(G * dkg.random_scalar())
    for name, value in (("public_key", other_y), ("qual", (1, 2, 3, 4, 5)),
                        ("public_shares", (other_y, *t.public_shares[1:])),
                        ("judgements", t.judgements[::-1])):
        with pytest.raises(dkg.TranscriptError) as wrong:
            dkg.verify_transcript(replace(t, **{name: value}))
        assert wrong.value.code == f"wrong_{name}"
    with pytest.raises(dkg.DkgError):  # dropping the accused's reveal changes the verdict
        dkg.verify_transcript(replace(t, reveals=t.reveals[:1]))


def test_any_changed_byte_changes_the_hash_and_fails_verification(disputed) -> None:
    _, t, _ = disputed
    data = t.to_bytes()
    digest = t.hash
    for position in range(len(data)):  # every byte: the hash differs
        changed = bytearray(data)
        changed[position] ^= 0x01
        assert sha256(bytes(changed)).hex() != digest
    for position in range(0, len(data), max(1, len(data) // 120)):  # a sample: parse + verify
        changed = bytearray(data)
        changed[position] ^= 0x01
        try:
            parsed = dkg.Transcript.from_bytes(bytes(changed))
        except dkg.TranscriptError:
            continue
        assert parsed.hash != digest
        with pytest.raises(dkg.DkgError):  # every bit of the record is signed or derived
            dkg.verify_transcript(parsed)


def test_documents_round_trip_and_reject_unknown_fields(disputed) -> None:
    run, t, _ = disputed
    for obj in (*t.contributions, *t.complaints, *t.reveals):
        document = json.loads(json.dumps(obj.to_document()))
        assert type(obj).from_document(document) == obj
        with pytest.raises(dkg.DkgError) as caught:
            type(obj).from_document({**document, "extra": 1})
        assert caught.value.code == "malformed_document"
    with pytest.raises(dkg.DkgError):
        Contribution.from_document({**t.contributions[0].to_document(), "dealer": "1"})
    assert "ephemeral_keys" not in repr(run.secrets[0])
    assert str(run.secrets[0].ephemeral_keys[0]) not in repr(run.secrets[0])


# --------------------------------------------------------------------------- HPKE and partials

def test_own_hpke_sealing_interoperates_with_pycryptodome() -> None:
    receiver = ECC.generate(curve="p256")
    public = receiver.public_key().export_key(format="raw")
    enc, sealed = dkg.hpke_seal_with_ephemeral(public, b"info", b"secret bytes",
                                               dkg.random_scalar())
    context = HPKE.new(receiver_key=receiver, aead_id=HPKE.AEAD.AES256_GCM, enc=enc,
                       info=b"info")
    assert context.unseal(sealed) == b"secret bytes"
    sender = HPKE.new(receiver_key=receiver.public_key(), aead_id=HPKE.AEAD.AES256_GCM,
                      info=b"other info")
    ct = sender.seal(b"from pycryptodome", b"aad")
    shared = encode_point(decode_point(sender.enc) * int(receiver.d))
    assert dkg.hpke_open_with_shared_point(shared, sender.enc, public, b"other info", ct,
                                           b"aad") == b"from pycryptodome"
    with pytest.raises(ValueError):
        dkg.hpke_open_with_shared_point(shared, sender.enc, public, b"info", ct, b"aad")


def test_partial_decryptions_open_an_envelope_without_the_private_key(run35) -> None:
    _, t, x = run35
    plain = b"bid" * 100
    out = io.BytesIO()
    envelope.seal_stream(io.BytesIO(plain), out, opening_public_key=t.public_key,
                         tender_id=TENDER, section_id="S-01", bidder_id="B-7", key_id=t.key_id,
                         segment_size=64)
    env = out.getvalue()
    fixed = env[:11 + int.from_bytes(env[9:11], "big")]
    enc, sealed_key = env[len(fixed):len(fixed) + 65], env[len(fixed) + 65:len(fixed) + 113]
    context = sha256(env)  # bind the proofs to this envelope
    partials = [dkg_partial.partial_decrypt(t, j, x[j], enc, context) for j in (1, 3, 5)]
    for p in partials:
        assert dkg_partial.verify_partial_decryption(t, p, enc, context)
        assert dkg.PartialDecryption.from_document(json.loads(json.dumps(p.to_document()))) == p
        assert not dkg_partial.verify_partial_decryption(t, p, enc, b"another envelope")
    point = dkg_partial.combine_partial_decryptions(t, partials, enc, context)
    info = envelope.hpke_info(sha256(fixed))
    file_key = dkg.hpke_open_with_shared_point(point, enc, t.public_key, info, sealed_key)
    key = dkg.combine_shares(t, {j: x[j] for j in (2, 3, 4)})
    assert file_key == HPKE.new(receiver_key=key, aead_id=HPKE.AEAD.AES256_GCM, enc=enc,
                                info=info).unseal(sealed_key)
    # A wrong partial (another share's point, or a proof for another point) is named.
    forged = dataclasses.replace(partials[1], point=partials[0].point)
    with pytest.raises(BadShareError) as caught:
        dkg_partial.combine_partial_decryptions(t, [partials[0], forged, partials[2]], enc, context)
    assert caught.value.custodian_ids == ("C-3",)
    with pytest.raises(NotEnoughSharesError):
        dkg_partial.combine_partial_decryptions(t, partials[:2], enc, context)
    with pytest.raises(dkg.TranscriptError):  # a custodian's tool checks its share first
        dkg_partial.partial_decrypt(t, 2, x[3], enc, context)
