"""Dealer-free key ceremonies for the DKG tests: real custodian keys, real contributions, and a
dealer that cheats on purpose (tests/unit/test_bidding_crypto_dkg*.py)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace

from Crypto.PublicKey._point import EccPoint

from bidding.sealing.crypto import custody, dkg
from bidding.sealing.crypto.dkg import Ceremony, Contribution
from bidding.sealing.crypto.dkg_transcript import Q, encode_scalar
from bidding.sealing.crypto.points import decode_point

TENDER = "T-2026-0042"


def custodian_keys(count: int = 5) -> list[custody.CustodianKeys]:
    return [custody.generate_custodian_keys() for _ in range(count)]


def make_ceremony(keys, k: int, n: int, *, tender: str = TENDER, ceremony_id: str = "DKG-1",
                  round_: int = 1) -> Ceremony:
    return Ceremony(tender, ceremony_id, round_, k,
                    tuple(key.public(f"C-{j}") for j, key in enumerate(keys[:n], start=1)))


@dataclass
class Run:
    ceremony: Ceremony
    keys: list[custody.CustodianKeys]
    contributions: list[Contribution]
    secrets: list[dkg.DealerSecrets]

    def key(self, j: int) -> custody.CustodianKeys:
        return self.keys[j - 1]

    def contribution(self, i: int) -> Contribution:
        return self.contributions[i - 1]

    def open_all(self, skip: Collection[tuple[int, int]] = ()) -> dict[int, dict[int, int]]:
        """Every custodian opens and verifies every share dealt to it: {j: {i: s_ij}}."""
        return {j: {c.dealer: dkg.open_share(self.ceremony, c, j, self.key(j))
                    for c in self.contributions if (c.dealer, j) not in skip}
                for j in range(1, self.ceremony.n + 1)}


def deal(keys, k: int, n: int, **kwargs) -> Run:
    ceremony = make_ceremony(keys, k, n, **kwargs)
    pairs = [dkg.make_contribution(ceremony, i, keys[i - 1]) for i in range(1, n + 1)]
    return Run(ceremony, keys[:n], [c for c, _ in pairs], [s for _, s in pairs])


def cheat(run: Run, dealer: int, recipient: int, *, plaintext: bytes | None = None,
          info_of: tuple[int, int] | None = None) -> None:
    """Dealer re-seals its share to ``recipient`` as s+1 (or ``plaintext``; or under the HPKE
    info of another (dealer, recipient) pair), re-signs, and keeps the new ephemeral key."""
    ceremony, old = run.ceremony, run.contribution(dealer)
    honest = dkg.open_share(ceremony, old, recipient, run.key(recipient))
    ephemeral = dkg.random_scalar()
    body = plaintext if plaintext is not None else encode_scalar((honest + 1) % Q)
    info = dkg.share_info(ceremony, *(info_of or (dealer, recipient)))
    receiver = ceremony.custodian(recipient).hpke_public_key
    enc, sealed = dkg.hpke_seal_with_ephemeral(receiver, info, body, ephemeral)
    shares = list(old.sealed_shares)
    shares[recipient - 1] = bytes([1]) + enc + sealed
    new = replace(old, sealed_shares=tuple(shares)).signed(run.key(dealer))
    run.contributions[dealer - 1] = new
    ephemerals = list(run.secrets[dealer - 1].ephemeral_keys)
    ephemerals[recipient - 1] = ephemeral
    run.secrets[dealer - 1] = dkg.DealerSecrets(dealer, new.digest, tuple(ephemerals))


def shares_of(transcript: dkg.Transcript, dealt: dict[int, dict[int, int]]) -> dict[int, int]:
    return {j: dkg.secret_share(transcript, j, dealt[j]) for j in dealt}


def point_sum(raws: Iterable[bytes]) -> EccPoint:
    points = [decode_point(r) for r in raws]
    total = points[0]
    for p in points[1:]:
        total = total + p
    return total


def interpolate(shares: dict[int, int]) -> int:
    coefficients = dkg.lagrange_at_zero(sorted(shares))
    return sum(coefficients[j] * x for j, x in shares.items()) % Q


def honest_run(keys: list[custody.CustodianKeys]) -> tuple[Run, dkg.Transcript, dict[int, int]]:
    """3-of-5, every dealer honest: the run, its transcript and every custodian's share."""
    run = deal(keys, 3, 5)
    dealt = run.open_all()
    transcript = dkg.build_transcript(run.ceremony, run.contributions, [], [])
    return run, transcript, shares_of(transcript, dealt)


def disputed_run(keys: list[custody.CustodianKeys]) -> tuple[Run, dkg.Transcript, dict[int, int]]:
    """3-of-5 where dealer 2 cheats custodian 4 (and is caught) and custodian 3 falsely accuses
    the honest dealer 1."""
    run = deal(keys, 3, 5)
    cheat(run, 2, 4)
    c = run.ceremony
    complaints = [dkg.make_complaint(c, run.contribution(2), 4, "mismatch", run.key(4)),
                  dkg.make_complaint(c, run.contribution(1), 3, "cannot_open", run.key(3))]
    reveals = [dkg.answer_complaint(c, run.contribution(2), complaints[0], run.secrets[1],
                                    run.key(2)),
               dkg.answer_complaint(c, run.contribution(1), complaints[1], run.secrets[0],
                                    run.key(1))]
    transcript = dkg.build_transcript(c, run.contributions, complaints, reveals)
    dealt = run.open_all(skip={(2, 4), (1, 3)})
    return run, transcript, shares_of(transcript, dealt)
