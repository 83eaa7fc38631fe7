"""Opening without ever assembling the key: per-bid partial decryptions with proofs.

Custodian j answers for one envelope's encapsulated key E with x_j·E and a Chaum–Pedersen
(DLEQ) proof that log_G(Y_j) == log_E(x_j·E); any k valid answers combine (Lagrange at 0) into
the ECDH point x·E, from which ``dkg.hpke_open_with_shared_point`` finishes HPKE. Nobody, the
platform included, holds x. Specification: docs/dkg.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from Crypto.PublicKey._point import EccPoint

from bidding.sealing.crypto.common import length_prefixed, sha256
from bidding.sealing.crypto.custody import BadShareError, NotEnoughSharesError
from bidding.sealing.crypto.dkg import custodian_ids, lagrange_at_zero, random_scalar, share_matches
from bidding.sealing.crypto.dkg_transcript import (
    G,
    PartialDecryption,
    Q,
    Transcript,
    TranscriptError,
    decode_scalar,
    encode_scalar,
    mul_public,
)
from bidding.sealing.crypto.points import decode_point, encode_point

DLEQ_LABEL = b"ggzy-dkg-dleq/1\x00"
PARTIAL_LABEL = b"ggzy-dkg-partial/1\x00"


# --------------------------------------------------------------------------- DLEQ proofs

def _challenge(context: bytes, *points: EccPoint) -> int:
    data = DLEQ_LABEL + length_prefixed(context, *(encode_point(p) for p in (G, *points)))
    return int.from_bytes(sha256(data), "big") % Q


def dleq_prove(secret: int, base: EccPoint, context: bytes) -> tuple[int, int]:
    """Chaum–Pedersen proof (Fiat–Shamir) that log_G(secret·G) == log_base(secret·base)."""
    r = random_scalar()
    c = _challenge(context, G * secret, base, base * secret, G * r, base * r)
    return c, (r + c * secret) % Q


def dleq_verify(public: EccPoint, base: EccPoint, image: EccPoint, proof: tuple[int, int],
                context: bytes) -> bool:
    c, z = proof
    if not (0 <= c < Q and 0 <= z < Q):
        return False
    a = mul_public(G, z) + (-mul_public(public, c))
    b = mul_public(base, z) + (-mul_public(image, c))
    if a.is_point_at_infinity() or b.is_point_at_infinity():
        return False  # an honest prover's r is never 0
    return c == _challenge(context, public, base, image, a, b)


# --------------------------------------------------------------------------- partial decryption

def _proof_context(transcript: Transcript, enc: bytes, context: bytes) -> bytes:
    return PARTIAL_LABEL + length_prefixed(bytes.fromhex(transcript.hash), enc, context)


def partial_decrypt(transcript: Transcript, index: int, share: int, enc: bytes,
                    context: bytes = b"") -> PartialDecryption:
    """Custodian ``index``'s partial decryption of ``enc`` (an HPKE encapsulated key sealed to
    Y). ``context`` names what is opened (e.g. the envelope digest); the custodian's tool must
    only answer for envelopes received before the deadline: each answer is a DH value."""
    if not share_matches(transcript, index, share):
        raise TranscriptError("share_mismatch", "份额与份额公钥不符", "the share does not match Y_j")
    base = decode_point(enc)
    c, z = dleq_prove(share, base, _proof_context(transcript, enc, context))
    return PartialDecryption(index, encode_point(base * share), encode_scalar(c),
                             encode_scalar(z))


def verify_partial_decryption(transcript: Transcript, partial: PartialDecryption, enc: bytes,
                              context: bytes = b"") -> bool:
    try:
        public = decode_point(transcript.public_share(partial.index))
        image = decode_point(partial.point)
        proof = (decode_scalar(partial.challenge), decode_scalar(partial.response))
        base = decode_point(enc)
    except ValueError:
        return False
    return dleq_verify(public, base, image, proof, _proof_context(transcript, enc, context))


def combine_partial_decryptions(transcript: Transcript, partials: Sequence[PartialDecryption],
                                enc: bytes, context: bytes = b"") -> bytes:
    """The ECDH point x·E (uncompressed) from k valid partial decryptions, each checked on
    its own (``BadShareError`` names the bad ones). Finish with
    ``hpke_open_with_shared_point(point, enc, transcript.public_key, info, ciphertext)``."""
    k = transcript.ceremony.k
    seen: set[int] = set()
    good: dict[int, EccPoint] = {}
    bad: list[int] = []
    for partial in partials:
        if partial.index in seen:
            raise ValueError(f"two partial decryptions from custodian {partial.index}")
        seen.add(partial.index)
        if verify_partial_decryption(transcript, partial, enc, context):
            good[partial.index] = decode_point(partial.point)
        elif 1 <= partial.index <= transcript.ceremony.n:
            bad.append(partial.index)
        else:
            raise ValueError(f"no custodian {partial.index}")
    if bad:
        raise BadShareError(custodian_ids(transcript, bad))
    if len(good) < k:
        raise NotEnoughSharesError(len(good), k)
    chosen = sorted(good)[:k]
    coefficients = lagrange_at_zero(chosen)
    total = mul_public(good[chosen[0]], coefficients[chosen[0]])
    for j in chosen[1:]:
        total = total + mul_public(good[j], coefficients[j])
    return encode_point(total)

