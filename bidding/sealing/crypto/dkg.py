"""Dealer-free opening keys: Pedersen's DKG with Feldman commitments on P-256.

Every custodian deals a random polynomial of degree k-1, publishes a signed *contribution*
(Feldman commitments to its coefficients and one HPKE-sealed share per custodian), and checks
the share dealt to itself against the commitments. A bad share gives a signed *complaint*; the
accused answers with a signed *reveal* of the HPKE ephemeral key of that one sealed share, from
which anyone can decide who lies (``judge_complaint``). ``build_transcript`` derives QUAL, the
opening public key Y and each custodian's public share point Y_j; the opening private key is
never held by anyone until k custodians' shares, each checked against Y_j, are combined
(``combine_shares``), or never at all with partial decryptions (``bidding.sealing.crypto.dkg_partial``).

The objects and their encodings live in ``bidding.sealing.crypto.dkg_transcript`` (re-exported here);
the specification is ``docs/dkg.md``. Standard library, pycryptodome and ``rfc8785`` only, so
the offline verifier can run it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence

from Crypto.Protocol import HPKE
from Crypto.PublicKey import ECC
from Crypto.PublicKey._point import EccPoint
from Crypto.PublicKey.ECC import EccKey

from bidding.sealing.crypto.custody import BadShareError, CustodianKeys, NotEnoughSharesError
from bidding.sealing.crypto.dkg_hpke import hpke_open_with_shared_point, hpke_seal_with_ephemeral
from bidding.sealing.crypto.dkg_transcript import (
    COMPLAINT_REASONS,
    SEALED_LENGTH,
    SEALED_VERSION,
    Ceremony,
    Complaint,
    ComplaintError,
    Contribution,
    ContributionError,
    DealerSecrets,
    DealtShareError,
    DkgError,
    G,
    Judgement,
    PartialDecryption,
    Q,
    Reveal,
    Transcript,
    TranscriptError,
    decode_scalar,
    encode_scalar,
    mul_public,
    share_info,
)
from bidding.sealing.crypto.points import PointError, decode_point, encode_point

__all__ = [
    "Ceremony", "Complaint", "ComplaintError", "Contribution", "ContributionError",
    "DealerSecrets", "DealtShareError", "DkgError", "Judgement", "PartialDecryption",
    "Reveal", "Transcript", "TranscriptError", "answer_complaint", "build_transcript",
    "check_share", "combine_shares", "custodian_ids", "decode_scalar", "encode_scalar",
    "hpke_open_with_shared_point",
    "judge_complaint", "make_complaint", "make_contribution", "open_share", "recompute",
    "secret_share", "share_info", "verify_complaint", "verify_contribution", "verify_reveal",
    "verify_transcript",
]


# --------------------------------------------------------------------------- group

def random_scalar() -> int:
    return secrets.randbelow(Q - 1) + 1


def evaluate_commitments(commitments: Sequence[EccPoint], index: int) -> EccPoint:
    """Σ_l index^l · C_l (Horner), the public image of the committed polynomial at ``index``."""
    acc = commitments[-1].copy()
    for point in reversed(commitments[:-1]):
        acc = mul_public(acc, index) + point
    return acc


def lagrange_at_zero(indices: Sequence[int]) -> dict[int, int]:
    coefficients = {}
    for j in indices:
        num, den = 1, 1
        for m in indices:
            if m != j:
                num, den = num * m % Q, den * (m - j) % Q
        coefficients[j] = num * pow(den, -1, Q) % Q
    return coefficients


def to_private_key(scalar: int) -> EccKey:
    return ECC.construct(curve="p256", d=scalar)


def seal_share(ceremony: Ceremony, dealer: int, recipient: int, share: int,
               ephemeral: int) -> bytes:
    """``version | enc | ciphertext`` (114 bytes); ``ephemeral`` must be fresh and random."""
    enc, sealed = hpke_seal_with_ephemeral(ceremony.custodian(recipient).hpke_public_key,
                                           share_info(ceremony, dealer, recipient),
                                           encode_scalar(share), ephemeral)
    return bytes([SEALED_VERSION]) + enc + sealed


def _check_own_keys(ceremony: Ceremony, index: int, keys: CustodianKeys) -> None:
    if keys.public().fingerprint != ceremony.custodian(index).fingerprint:
        raise DkgError("wrong_keys", f"这不是第 {index} 号保管人的密钥",
                       f"these are not the keys of custodian number {index}")


# --------------------------------------------------------------------------- dealing

def _evaluate(coefficients: Sequence[int], x: int) -> int:
    acc = 0
    for a in reversed(coefficients):
        acc = (acc * x + a) % Q
    return acc


def make_contribution(ceremony: Ceremony, dealer: int,
                      keys: CustodianKeys) -> tuple[Contribution, DealerSecrets]:
    """Deal a fresh polynomial: the signed contribution to publish, the secrets to keep."""
    _check_own_keys(ceremony, dealer, keys)
    coefficients = [random_scalar() for _ in range(ceremony.k)]
    ephemeral = [random_scalar() for _ in range(ceremony.n)]
    contribution = Contribution(
        ceremony.tender_id, ceremony.ceremony_id, ceremony.round, ceremony.digest, dealer,
        tuple(encode_point(G * a) for a in coefficients),
        tuple(seal_share(ceremony, dealer, j, _evaluate(coefficients, j), ephemeral[j - 1])
              for j in range(1, ceremony.n + 1))).signed(keys)
    coefficients.clear()  # best effort: Python cannot wipe ints, but drop the references
    return contribution, DealerSecrets(dealer, contribution.digest, tuple(ephemeral))


def _reject(code: str, zh: str, en: str) -> ContributionError:
    return ContributionError(code, zh, en)


def verify_contribution(ceremony: Ceremony, contribution: Contribution) -> tuple[EccPoint, ...]:
    """Check a contribution before accepting it; returns its commitments as points. Raises
    ``ContributionError`` whose ``code`` names the first problem found."""
    c = contribution
    for name, zh, mine, theirs in (("tender", "项目", ceremony.tender_id, c.tender_id),
                                   ("ceremony", "仪式", ceremony.ceremony_id, c.ceremony_id),
                                   ("round", "轮次", ceremony.round, c.round),
                                   ("roster", "保管人名单或门限", ceremony.digest, c.ceremony)):
        if mine != theirs:
            raise _reject(f"wrong_{name}", f"贡献属于另一{zh}（{theirs}）",
                          f"the contribution belongs to another {name} ({theirs})")
    if type(c.dealer) is not int or not 1 <= c.dealer <= ceremony.n:
        raise _reject("wrong_dealer", f"没有第 {c.dealer} 号保管人", f"no custodian {c.dealer}")
    if not c.signature_valid(ceremony.custodian(c.dealer).signing_public_key):
        raise _reject("bad_signature", f"第 {c.dealer} 号保管人的贡献签名无效",
                      f"the signature of custodian {c.dealer}'s contribution is invalid")
    if len(c.commitments) != ceremony.k:
        raise _reject("commitment_count", f"承诺个数应为 {ceremony.k}，实为 {len(c.commitments)}",
                      f"{len(c.commitments)} commitments instead of k={ceremony.k}")
    if len(c.sealed_shares) != ceremony.n or any(
            len(s) != SEALED_LENGTH or s[0] != SEALED_VERSION for s in c.sealed_shares):
        raise _reject("sealed_share_format", "密封份额个数或格式无效",
                      f"the contribution needs {ceremony.n} sealed shares of {SEALED_LENGTH} bytes")
    try:
        points = tuple(decode_point(raw) for raw in c.commitments)
        for sealed in c.sealed_shares:
            decode_point(sealed[1:66])
    except PointError as exc:
        what = "无穷远点" if exc.code == "point_at_infinity" else "不在 P-256 曲线上的点"
        raise _reject(exc.code, f"贡献中含有{what}",
                      f"the contribution contains {exc.code.replace('_', ' ')}") from exc
    return points


# --------------------------------------------------------------------------- receiving

def open_share(ceremony: Ceremony, contribution: Contribution, recipient: int,
               keys: CustodianKeys) -> int:
    """The share s_ij dealt to ``recipient``, checked against the dealer's commitments.
    Raises ``ContributionError`` for a contribution to refuse outright, ``DealtShareError``
    (code = complaint reason) for a share to complain about."""
    _check_own_keys(ceremony, recipient, keys)
    commitments = verify_contribution(ceremony, contribution)
    sealed, i = contribution.sealed_shares[recipient - 1], contribution.dealer
    try:
        context = HPKE.new(receiver_key=keys.hpke_key, aead_id=HPKE.AEAD.AES256_GCM,
                           enc=sealed[1:66], info=share_info(ceremony, i, recipient))
        plaintext = bytes(context.unseal(sealed[66:]))
    except ValueError as exc:
        raise DealtShareError("cannot_open", f"无法解开第 {i} 号保管人发来的份额",
                              f"cannot open the share sealed by custodian {i}") from exc
    try:
        share = decode_scalar(plaintext)
    except ValueError as exc:
        raise DealtShareError("malformed", f"第 {i} 号保管人发来的份额格式无效",
                              f"the share from custodian {i} is malformed") from exc
    if G * share != evaluate_commitments(commitments, recipient):
        raise DealtShareError("mismatch", f"第 {i} 号保管人发来的份额与其承诺不符",
                              f"the share from custodian {i} does not match its commitments")
    return share


def make_complaint(ceremony: Ceremony, contribution: Contribution, complainer: int,
                   reason: str, keys: CustodianKeys) -> Complaint:
    _check_own_keys(ceremony, complainer, keys)
    complaint = Complaint(ceremony.digest, complainer, contribution.dealer, contribution.digest,
                          reason).signed(keys)
    verify_complaint(ceremony, complaint, contribution)
    return complaint


def verify_complaint(ceremony: Ceremony, complaint: Complaint,
                     contribution: Contribution) -> None:
    """Raises ``ComplaintError`` unless ``complaint`` is a signed complaint of this ceremony
    against exactly this (accepted) contribution."""
    c = complaint
    if (c.ceremony != ceremony.digest or c.contribution != contribution.digest
            or c.accused != contribution.dealer):
        raise ComplaintError("wrong_binding", "投诉不属于本仪式或本贡献",
                             "the complaint is not about this ceremony's contribution")
    if (type(c.complainer) is not int or not 1 <= c.complainer <= ceremony.n
            or c.complainer == c.accused or c.reason not in COMPLAINT_REASONS):
        raise ComplaintError("malformed", "投诉内容无效", "invalid complaint")
    if not c.signature_valid(ceremony.custodian(c.complainer).signing_public_key):
        raise ComplaintError("bad_signature", f"第 {c.complainer} 号保管人的投诉签名无效",
                             f"the signature of custodian {c.complainer}'s complaint is invalid")


# --------------------------------------------------------------------------- answering, judging

def answer_complaint(ceremony: Ceremony, contribution: Contribution, complaint: Complaint,
                     secrets_: DealerSecrets, keys: CustodianKeys) -> Reveal:
    """The accused dealer's signed reveal for one complaint."""
    _check_own_keys(ceremony, contribution.dealer, keys)
    verify_complaint(ceremony, complaint, contribution)
    if secrets_.contribution != contribution.digest:
        raise DkgError("wrong_secrets", "保存的秘密不属于该贡献",
                       "the kept secrets are not those of this contribution")
    j = complaint.complainer
    ephemeral = secrets_.ephemeral_keys[j - 1]
    try:
        share = _open_with_ephemeral(ceremony, contribution, j, ephemeral)
    except ValueError as exc:  # not this dealer's ciphertext: no honest answer exists
        raise DkgError("cannot_answer", "用保存的临时密钥打不开该密封份额",
                       "the kept ephemeral key does not open this sealed share") from exc
    return Reveal(ceremony.digest, contribution.dealer, j, complaint.digest,
                  encode_scalar(ephemeral), share).signed(keys)


def _open_with_ephemeral(ceremony: Ceremony, contribution: Contribution, recipient: int,
                         ephemeral: int) -> bytes:
    receiver = ceremony.custodian(recipient).hpke_public_key
    sealed = contribution.sealed_shares[recipient - 1]
    shared = encode_point(decode_point(receiver) * ephemeral)
    return hpke_open_with_shared_point(shared, sealed[1:66], receiver,
                                       share_info(ceremony, contribution.dealer, recipient),
                                       sealed[66:])


def verify_reveal(ceremony: Ceremony, reveal: Reveal, complaint: Complaint) -> None:
    """Raises ``ComplaintError`` unless the accused signed this reveal for this complaint (its
    content is judged by ``judge_complaint``)."""
    if (reveal.ceremony != ceremony.digest or reveal.complaint != complaint.digest
            or reveal.dealer != complaint.accused or reveal.recipient != complaint.complainer):
        raise ComplaintError("wrong_binding", "公开的份额不是对该投诉的答复",
                             "the reveal does not answer this complaint")
    if not reveal.signature_valid(ceremony.custodian(reveal.dealer).signing_public_key):
        raise ComplaintError("bad_signature", "被投诉人的公开签名无效",
                             "the accused's reveal is not validly signed")


def judge_complaint(ceremony: Ceremony, contribution: Contribution, complaint: Complaint,
                    reveal: Reveal | None) -> Judgement:
    """Decide a complaint from public data alone (anyone can run it). The accused is at fault
    when it did not answer, or its ephemeral key does not match the sealed share, or the share
    does not open, differs from the one it claims, or fails the commitments. Otherwise the
    sealed share was good, so the complainer is at fault (a false complaint)."""
    verify_complaint(ceremony, complaint, contribution)
    if reveal is not None:
        verify_reveal(ceremony, reveal, complaint)
    code = _judge(ceremony, contribution, complaint.complainer, reveal)
    return Judgement(complaint.digest, complaint.accused, complaint.complainer,
                     "complainer" if code == "share_valid" else "accused", code)


def _judge(ceremony: Ceremony, contribution: Contribution, j: int,
           reveal: Reveal | None) -> str:
    if reveal is None:
        return "no_reveal"
    try:
        ephemeral = decode_scalar(reveal.ephemeral_key)
    except ValueError:
        return "bad_ephemeral_key"
    sealed = contribution.sealed_shares[j - 1]
    if ephemeral == 0 or encode_point(G * ephemeral) != sealed[1:66]:
        return "ephemeral_key_mismatch"
    try:
        plaintext = _open_with_ephemeral(ceremony, contribution, j, ephemeral)
    except ValueError:
        return "does_not_open"
    if plaintext != reveal.share:
        return "reveal_differs"
    try:
        share = decode_scalar(plaintext)
    except ValueError:
        return "malformed_share"
    commitments = verify_contribution(ceremony, contribution)
    if G * share != evaluate_commitments(commitments, j):
        return "share_mismatch"
    return "share_valid"


# --------------------------------------------------------------------------- building, checking

def _fail(code: str, zh: str, en: str) -> TranscriptError:
    return TranscriptError(code, zh, en)


def build_transcript(ceremony: Ceremony, contributions: Sequence[Contribution],
                     complaints: Sequence[Complaint], reveals: Sequence[Reveal]) -> Transcript:
    """Check everything, judge every complaint (a complaint without a reveal goes against the
    accused: call this after the reveal deadline) and derive QUAL, Y and Y_1..Y_n.

    QUAL must have at least k dealers: with at most k-1 dishonest custodians (the assumption
    under which k-1 shares reveal nothing) it then holds an honest dealer, whose random
    polynomial alone keeps the opening key secret. Otherwise start a new round."""
    by_dealer: dict[int, Contribution] = {}
    points: dict[int, tuple[EccPoint, ...]] = {}
    for contribution in contributions:
        points[contribution.dealer] = verify_contribution(ceremony, contribution)
        if by_dealer.setdefault(contribution.dealer, contribution) != contribution:
            raise _fail("duplicate_contribution", f"第 {contribution.dealer} 号保管人有两份贡献",
                        f"two contributions by custodian {contribution.dealer}")
    by_pair: dict[tuple[int, int], Complaint] = {}
    for complaint in complaints:
        accused = by_dealer.get(complaint.accused)
        if accused is None:
            raise _fail("unknown_contribution", "投诉针对的贡献未被接受",
                        "a complaint names a contribution that was not accepted")
        verify_complaint(ceremony, complaint, accused)
        if by_pair.setdefault((complaint.accused, complaint.complainer), complaint) != complaint:
            raise _fail("duplicate_complaint", "同一保管人对同一贡献投诉了两次",
                        "two complaints by the same custodian against the same contribution")
    answers: dict[tuple[int, int], Reveal] = {}
    for reveal in reveals:
        key = (reveal.dealer, reveal.recipient)
        if key not in by_pair:
            raise _fail("unknown_complaint", "公开的份额没有对应的投诉",
                        "a reveal answers no complaint")
        verify_reveal(ceremony, reveal, by_pair[key])
        if answers.setdefault(key, reveal) != reveal:
            raise _fail("duplicate_reveal", "对同一投诉有两次公开", "two reveals for one complaint")
    order = sorted(by_pair)
    judgements = tuple(judge_complaint(ceremony, by_dealer[a], by_pair[(a, c)],
                                       answers.get((a, c))) for a, c in order)
    excluded = {j.accused for j in judgements if j.at_fault == "accused"}
    qual = tuple(i for i in sorted(by_dealer) if i not in excluded)
    if len(qual) < ceremony.k:
        raise _fail("too_few_qualified", f"合格的贡献只有 {len(qual)} 份，少于门限 {ceremony.k}",
                    f"only {len(qual)} qualified contributions, fewer than k={ceremony.k}")
    public_key, shares = _public_points(ceremony, [points[i] for i in qual])
    return Transcript(ceremony, tuple(by_dealer[i] for i in sorted(by_dealer)),
                      tuple(by_pair[p] for p in order), tuple(answers[p] for p in sorted(answers)),
                      judgements, qual, public_key, shares)


def _public_points(ceremony: Ceremony,
                   commitments: Sequence[Sequence[EccPoint]]) -> tuple[bytes, tuple[bytes, ...]]:
    # Summing the commitments first: C_l = Σ_i A_il, then Y = C_0 and Y_j = Σ_l j^l·C_l.
    total = list(commitments[0])
    for other in commitments[1:]:
        total = [a + b for a, b in zip(total, other, strict=True)]
    try:
        return (encode_point(total[0]),
                tuple(encode_point(evaluate_commitments(total, j))
                      for j in range(1, ceremony.n + 1)))
    except PointError as exc:  # only if dealers cancelled each other out: a new round
        raise _fail("degenerate_key", "开标公钥或份额公钥为无穷远点",
                    "the opening key or a share point is the point at infinity") from exc


def verify_transcript(transcript: Transcript) -> None:
    """Redo every check and computation; raises ``TranscriptError`` (or the ``DkgError`` of the
    first invalid item) unless the recorded judgements, QUAL, Y and Y_j are what they must be."""
    t = transcript
    rebuilt = build_transcript(t.ceremony, t.contributions, t.complaints, t.reveals)
    for name in ("contributions", "complaints", "reveals", "judgements", "qual",
                 "public_key", "public_shares"):
        if getattr(rebuilt, name) != getattr(t, name):
            raise _fail(f"wrong_{name}", f"仪式记录中的 {name} 与重新计算的结果不符",
                        f"the transcript's {name} differ from the recomputed ones")


def recompute(transcript: Transcript) -> tuple[bytes, dict[int, bytes]]:
    """(Y, {j: Y_j}) derived again from the contributions, complaints and reveals alone."""
    t = transcript
    rebuilt = build_transcript(t.ceremony, t.contributions, t.complaints, t.reveals)
    return rebuilt.public_key, dict(enumerate(rebuilt.public_shares, start=1))


# --------------------------------------------------------------------------- shares

def secret_share(transcript: Transcript, index: int, dealt: Mapping[int, int]) -> int:
    """Custodian ``index``'s share x_j = Σ_{i∈QUAL} s_ij from the shares it opened (dealer ->
    s_ij, each from ``open_share``); a share revealed after a false complaint is taken from
    the transcript. Checked against Y_j."""
    total = 0
    for i in transcript.qual:
        share = dealt.get(i)
        if share is None:
            share = next((decode_scalar(r.share) for r in transcript.reveals
                          if (r.dealer, r.recipient) == (i, index)), None)
        if share is None:
            raise _fail("missing_share", f"缺少第 {i} 号保管人发来的份额",
                        f"the share dealt by custodian {i} is missing")
        total = (total + share) % Q
    if G * total != decode_point(transcript.public_share(index)):
        raise _fail("share_mismatch", "本人的份额与仪式记录中的份额公钥不符",
                    "this custodian's share does not match its public share point")
    return total


def custodian_ids(transcript: Transcript, indices: Sequence[int]) -> list[str]:
    return [transcript.ceremony.custodian(j).custodian_id for j in sorted(indices)]


def share_matches(transcript: Transcript, index: int, share: int) -> bool:
    return 0 <= share < Q and G * share == decode_point(transcript.public_share(index))


def check_share(transcript: Transcript, index: int, share: int) -> None:
    """Check one submitted share x_j against Y_j on its own (on submission)."""
    if not share_matches(transcript, index, share):
        raise BadShareError(custodian_ids(transcript, [index]))


def combine_shares(transcript: Transcript, shares: Mapping[int, int]) -> EccKey:
    """The opening private key from custodian index -> x_j. Every share is checked on its own;
    ``BadShareError`` names the bad ones (with ``key`` set when the good ones sufficed)."""
    k = transcript.ceremony.k
    bad = [j for j, x in shares.items() if not share_matches(transcript, j, x)]
    good = sorted(j for j in shares if j not in bad)
    if len(good) < k:
        if bad:
            raise BadShareError(custodian_ids(transcript, bad))
        raise NotEnoughSharesError(len(good), k)
    coefficients = lagrange_at_zero(good[:k])
    secret = sum(coefficients[j] * shares[j] for j in good[:k]) % Q
    if secret == 0 or encode_point(G * secret) != transcript.public_key:
        raise _fail("inconsistent", "份额与开标公钥不符（记录不一致）",
                    "the shares do not rebuild the opening key (inconsistent transcript)")
    key = to_private_key(secret)
    if bad:
        raise BadShareError(custodian_ids(transcript, bad), key=key)
    return key
