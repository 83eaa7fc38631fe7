"""The envelope format: round trips, tamper detection (bit flips, truncation, reordering,
splicing, foreign ids), the keyless structural check, and the R-25 fault classification."""

from __future__ import annotations

import dataclasses
import io
import os
import random

import pytest
from Crypto.PublicKey import ECC

from bidding.sealing.crypto import envelope
from bidding.sealing.crypto.envelope import (
    DecryptionError,
    EnvelopeChecker,
    EnvelopeError,
    ExpectedIds,
    inspect_stream,
    open_stream,
    seal_stream,
)
from bidding.sealing.crypto.points import P256_B, P256_FIELD

SEGMENT = 64
IDS = ExpectedIds("T-1", "S-1", "B-1", "key-1")


@pytest.fixture(scope="module")
def opening_key():
    return ECC.generate(curve="p256")


def _seal(key, plain: bytes, *, segment: int = SEGMENT, tender: str = "T-1",
          section: str = "S-1", bidder: str = "B-1", signing_key=None):
    out = io.BytesIO()
    result = seal_stream(io.BytesIO(plain), out,
                         opening_public_key=key.public_key().export_key(format="raw"),
                         tender_id=tender, section_id=section, bidder_id=bidder,
                         key_id="key-1", segment_size=segment, bidder_signing_key=signing_key)
    return out.getvalue(), result


def _open(key, env: bytes, expected: ExpectedIds | None = IDS) -> bytes:
    out = io.BytesIO()
    open_stream(io.BytesIO(env), out, opening_private_key=key, expected=expected)
    return out.getvalue()


def _prefix_length(env: bytes) -> int:
    return 11 + int.from_bytes(env[9:11], "big") + 113


@pytest.fixture(scope="module")
def small(opening_key):
    """A 200-byte bid in segments of 64, 64, 64 and 8 bytes."""
    plain = bytes(random.Random(7).randrange(256) for _ in range(200))
    env, result = _seal(opening_key, plain)
    return plain, env, result


@pytest.mark.parametrize("length", [1, 63, 64, 65, 128, 1000])
def test_round_trip_at_segment_edges(opening_key, length: int) -> None:
    plain = os.urandom(length)
    env, result = _seal(opening_key, plain)
    assert len(env) == result.envelope_size
    assert result.segment_count == -(-length // SEGMENT)
    assert _open(opening_key, env) == plain
    info = inspect_stream(io.BytesIO(env), max_size=1 << 20, expected=IDS)
    assert (info.envelope_sha256, info.segment_count) == (result.envelope_sha256,
                                                          result.segment_count)


def test_sealing_a_non_seekable_stream(opening_key) -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            chunk = self.data.read(len(buffer))
            buffer[:len(chunk)] = chunk
            return len(chunk)

    plain = os.urandom(300)
    out = io.BytesIO()
    public = opening_key.public_key().export_key(format="raw")
    seal_stream(Pipe(plain), out, opening_public_key=public,  # type: ignore[arg-type]
                tender_id="T-1", section_id="S-1", bidder_id="B-1", key_id="key-1",
                segment_size=SEGMENT)
    assert _open(opening_key, out.getvalue()) == plain


def test_empty_bid_file_is_refused(opening_key) -> None:
    with pytest.raises(EnvelopeError) as caught:
        _seal(opening_key, b"")
    assert caught.value.code == "empty"


def test_every_single_bit_flip_is_detected(opening_key, small) -> None:
    """All 8 x len(envelope) one-bit changes: header, enc, key seal, flags, ciphertext, tags."""
    _, env, _ = small
    assert len(env) * 8 > 5000
    for position in range(len(env) * 8):
        tampered = bytearray(env)
        tampered[position // 8] ^= 1 << (position % 8)
        with pytest.raises(EnvelopeError) as caught:
            _open(opening_key, bytes(tampered))
        assert caught.value.fault == "bidder", position


def test_a_flip_in_storage_is_the_platforms_fault(opening_key, small) -> None:
    _, env, result = small
    receipted = ExpectedIds("T-1", "S-1", "B-1", "key-1", result.envelope_sha256)
    for position in (3, 40, len(env) - 20, len(env) - 1):
        tampered = bytearray(env)
        tampered[position] ^= 0x80
        with pytest.raises(EnvelopeError) as caught:
            _open(opening_key, bytes(tampered), receipted)
        assert caught.value.fault == "platform"
        assert caught.value.code == "storage_mismatch"


def test_a_substituted_valid_envelope_is_the_platforms_fault(opening_key, small) -> None:
    plain, _, result = small
    other, _ = _seal(opening_key, plain)  # a valid envelope, but not the receipted one
    with pytest.raises(EnvelopeError) as caught:
        _open(opening_key, other, ExpectedIds("T-1", "S-1", "B-1", "key-1",
                                              result.envelope_sha256))
    assert caught.value.fault == "platform"


def test_truncation_anywhere_is_detected(opening_key, small) -> None:
    _, env, result = small
    prefix = _prefix_length(env)
    boundaries = [prefix + i * (1 + SEGMENT + 16) for i in range(4)]
    cuts = sorted({0, 1, 5, 8, 11, 20, prefix - 1, prefix, len(env) - 1, len(env) - 16,
                   *boundaries, *(b + 1 for b in boundaries), *(b + 30 for b in boundaries[:3])})
    receipted = ExpectedIds("T-1", "S-1", "B-1", "key-1", result.envelope_sha256)
    for cut in cuts:
        piece = env[:cut]
        with pytest.raises(EnvelopeError) as structural:
            inspect_stream(io.BytesIO(piece), max_size=1 << 20)
        assert structural.value.code in {"truncated", "empty", "not_encrypted"}, cut
        with pytest.raises(EnvelopeError):
            _open(opening_key, piece)
        with pytest.raises(EnvelopeError) as caught:  # stored after a good receipt: platform
            _open(opening_key, piece, receipted)
        assert caught.value.fault == "platform"


def test_dropping_the_final_segment_and_rewriting_the_header_fails(opening_key, small) -> None:
    """The attacker who shortens the header and re-flags the last kept segment as final
    still fails: the header is bound into the HPKE info, the final flag into the nonce."""
    _, env, _ = small
    header_length = int.from_bytes(env[9:11], "big")
    header = env[11:11 + header_length].replace(b'"plaintext_length":200',
                                                b'"plaintext_length":192')
    assert len(header) == header_length
    prefix = _prefix_length(env)
    body = bytearray(env[prefix:prefix + 3 * (1 + SEGMENT + 16)])
    body[2 * (1 + SEGMENT + 16)] = 1
    forged = env[:11] + header + env[11 + header_length:prefix] + bytes(body)
    inspect_stream(io.BytesIO(forged), max_size=1 << 20)  # structurally fine...
    with pytest.raises(DecryptionError) as caught:  # ...but it does not open
        _open(opening_key, forged)
    assert caught.value.code == "bad_key_seal"


def test_reordered_segments_are_detected(opening_key, small) -> None:
    _, env, _ = small
    prefix, stride = _prefix_length(env), 1 + SEGMENT + 16
    segments = [env[prefix + i * stride:prefix + (i + 1) * stride] for i in range(3)]
    for order in ([1, 0, 2], [0, 2, 1], [2, 1, 0]):
        swapped = env[:prefix] + b"".join(segments[i] for i in order) + env[prefix + 3 * stride:]
        with pytest.raises(DecryptionError) as caught:
            _open(opening_key, swapped)
        assert caught.value.code == "bad_tag"


def test_segments_spliced_from_another_envelope_of_the_tender_are_detected(opening_key,
                                                                           small) -> None:
    plain, env, _ = small
    other, _ = _seal(opening_key, plain)  # same tender, section, bidder and plaintext
    prefix, stride = _prefix_length(env), 1 + SEGMENT + 16
    assert _prefix_length(other) == prefix
    for index in range(4):
        start = prefix + index * stride
        spliced = env[:start] + other[start:start + stride] + env[start + stride:]
        with pytest.raises(DecryptionError):
            _open(opening_key, spliced)
    with pytest.raises(DecryptionError):  # other's header and key seal, env's segments
        _open(opening_key, other[:prefix] + env[prefix:])


@pytest.mark.parametrize(("field", "value"), [("tender_id", "T-2"), ("section_id", "S-2"),
                                              ("bidder_id", "B-2"), ("key_id", "key-2")])
def test_wrong_target_is_refused_before_and_at_opening(opening_key, small, field: str,
                                                       value: str) -> None:
    _, env, _ = small
    expected = ExpectedIds(**{**IDS.__dict__, field: value})
    with pytest.raises(EnvelopeError) as caught:
        inspect_stream(io.BytesIO(env), max_size=1 << 20, expected=expected)
    assert caught.value.code in {"wrong_target", "wrong_key"}
    with pytest.raises(EnvelopeError) as caught:
        _open(opening_key, env, expected)
    assert caught.value.fault == "bidder"


def test_the_wrong_opening_key_cannot_open(small) -> None:
    _, env, _ = small
    with pytest.raises(DecryptionError) as caught:
        _open(ECC.generate(curve="p256"), env)
    assert caught.value.code == "bad_key_seal"


def test_bidder_signature_is_checked_at_opening(opening_key) -> None:
    signer = ECC.generate(curve="ed25519")
    plain = os.urandom(100)
    env, result = _seal(opening_key, plain, signing_key=signer)
    assert result.signature is not None
    public = signer.public_key().export_key(format="raw")
    good = ExpectedIds("T-1", "S-1", "B-1", "key-1", result.envelope_sha256, result.signature,
                       public)
    assert _open(opening_key, env, good) == plain
    bad_signature = bytes([result.signature[0] ^ 1]) + result.signature[1:]
    with pytest.raises(EnvelopeError) as caught:
        _open(opening_key, env, dataclasses.replace(good, bid_signature=bad_signature))
    assert (caught.value.code, caught.value.fault) == ("bad_signature", "bidder")
    other = ECC.generate(curve="ed25519").public_key().export_key(format="raw")
    with pytest.raises(EnvelopeError):
        envelope.verify_envelope_signature(result.envelope_sha256, result.signature, other)


# --------------------------------------------------------------------------- structural check

def test_a_pdf_is_refused_as_unencrypted() -> None:
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" * 20
    with pytest.raises(EnvelopeError) as caught:
        inspect_stream(io.BytesIO(pdf), max_size=1 << 20)
    assert caught.value.code == "not_encrypted"
    assert "未加密" in caught.value.reason_zh and "PDF" in caught.value.reason_en
    checker = EnvelopeChecker(max_size=1 << 20)
    with pytest.raises(EnvelopeError):  # refused at the first chunk: the upload can stop
        checker.feed(pdf[:4])


@pytest.mark.parametrize("data", [b"", b"\x89", b"\x89GGZYEN", b"hello world"])
def test_empty_and_tiny_files_are_refused(data: bytes) -> None:
    with pytest.raises(EnvelopeError) as caught:
        inspect_stream(io.BytesIO(data), max_size=1 << 20)
    assert caught.value.code in {"empty", "not_encrypted", "truncated"}


def test_oversize_is_refused_from_the_header(small) -> None:
    _, env, _ = small
    checker = EnvelopeChecker(max_size=len(env) - 1)
    with pytest.raises(EnvelopeError) as caught:
        checker.feed(env[:_prefix_length(env)])  # known from the header, before the body
    assert caught.value.code == "too_large"
    with pytest.raises(EnvelopeError):
        checker.finish()


def test_trailing_bytes_and_wrong_flags_are_refused(small) -> None:
    _, env, _ = small
    with pytest.raises(EnvelopeError) as caught:
        inspect_stream(io.BytesIO(env + b"\x00"), max_size=1 << 20)
    assert "trailing" in caught.value.reason_en
    flagged = bytearray(env)
    flagged[_prefix_length(env)] = 1  # first segment claims to be final
    with pytest.raises(EnvelopeError) as caught:
        inspect_stream(io.BytesIO(bytes(flagged)), max_size=1 << 20)
    assert "flag" in caught.value.reason_en


def test_malformed_headers_are_refused(small) -> None:
    _, env, _ = small
    header_length = int.from_bytes(env[9:11], "big")
    header = env[11:11 + header_length]
    variants = {
        "version": env[:8] + b"\x02" + env[9:],
        "suite": env[:11] + header.replace(b"AES256GCM/1", b"AES256GCM/9") + env[11 + header_length:],
        "json": env[:11] + b"{" * header_length + env[11 + header_length:],
        "enc": env[:11 + header_length] + b"\x05" + env[12 + header_length:],
    }
    for name, data in variants.items():
        with pytest.raises(EnvelopeError):
            inspect_stream(io.BytesIO(data), max_size=1 << 20)
        assert name


def _point(x: int) -> tuple[int, int] | None:
    """A point of P-256 with this x, if there is one (p = 3 mod 4: one square root formula)."""
    rhs = (x**3 - 3 * x + P256_B) % P256_FIELD
    y = pow(rhs, (P256_FIELD + 1) // 4, P256_FIELD)
    return (x, y) if y * y % P256_FIELD == rhs else None


def test_an_encapsulated_key_that_is_no_public_key_is_refused_at_upload(small) -> None:
    """The point at infinity (which pycryptodome spells (0, 0)), an x outside the field (x + p
    still fits in 32 bytes for a small x) and a point off the curve: each makes an envelope
    nobody can open, and the upload's check refuses it with the reason."""
    _, env, _ = small
    enc_at = 11 + int.from_bytes(env[9:11], "big")
    x, y = next(found for found in map(_point, range(1, 100)) if found is not None)
    bad = {
        "infinity": bytes(64),
        "x beyond the field": (x + P256_FIELD).to_bytes(32, "big") + y.to_bytes(32, "big"),
        "off the curve": x.to_bytes(32, "big") + (y + 1).to_bytes(32, "big"),
    }
    envelope.import_opening_public_key(b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big"))
    for name, point in bad.items():
        data = env[:enc_at + 1] + point + env[enc_at + 65:]
        with pytest.raises(EnvelopeError) as caught:
            inspect_stream(io.BytesIO(data), max_size=1 << 20)
        assert "encapsulated key" in caught.value.reason_en, name


def test_chunked_feeding_gives_the_same_result(small) -> None:
    _, env, result = small
    rng = random.Random(3)
    for _ in range(20):
        checker = EnvelopeChecker(max_size=1 << 20, expected=IDS)
        position = 0
        while position < len(env):
            step = rng.choice([1, 2, 7, 63, 81, 82, 300])
            checker.feed(env[position:position + step])
            position += step
        info = checker.finish()
        assert info.envelope_sha256 == result.envelope_sha256
        assert info.envelope_size == len(env)


def test_header_rejects_duplicate_and_unknown_fields() -> None:
    good = envelope.Header(suite=envelope.SUITE_ID, tender_id="T", section_id="S", bidder_id="B",
                           key_id="K", segment_size=64, plaintext_length=1,
                           plaintext_sha256="0" * 64).to_json_bytes()
    assert envelope.parse_header(good).tender_id == "T"
    for bad in (good.replace(b'"tender_id":"T"', b'"tender_id":"T","tender_id":"X"'),
                good.replace(b"{", b'{"extra":1,'),
                good.replace(b'"segment_size":64', b'"segment_size":true'),
                good.replace(b'"tender_id":"T"', b'"tender_id":"T\\u0000"')):
        with pytest.raises(EnvelopeError):
            envelope.parse_header(bad)


def test_no_plaintext_leaks_into_the_envelope(opening_key) -> None:
    """A marker in the bid appears nowhere in the envelope (nor its hex/base64 forms): the
    clear header carries ids, sizes and a digest only."""
    import base64

    marker = b"MARKER-7f3a9c-\xe6\x8a\x95\xe6\xa0\x87\xe6\x8a\xa5\xe4\xbb\xb7"
    plain = os.urandom(100) + marker + os.urandom(5000) + marker
    env, _ = _seal(opening_key, plain, segment=1024)
    for form in (marker, marker.hex().encode(), base64.b64encode(marker)[:16]):
        assert form not in env
