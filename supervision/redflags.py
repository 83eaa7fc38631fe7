"""Collusion red flags, computed from the facts of a tender's bids at closing and opening.

The detectors are pure functions of ``BidFacts`` (unit-tested without a database); ``assess``
stores what they find, with its evidence, for regulators only, and logs a digest of each flag
(the evidence itself stays out of the log, which more people read than the flags page).

Rules (thresholds are module constants, documented in docs/supervision.md):
``same_ip``, ``same_device``, ``same_envelope``, ``same_document``, ``same_metadata``,
``price_equal_steps``, ``price_tight_spread``, ``price_near_ceiling``, ``same_persons``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from supervision import services
from supervision.models import RedFlag
from trading import clock
from trading.audit import Actor

DETECTOR = Actor.system("collusion-detector")
# Metadata fields that name a person, an organization or a machine: sharing one is a sign
# the documents were written in the same office. Generic fields (producer, page size) are not.
IDENTITY_METADATA = ("author", "last_modified_by", "company", "creator_machine", "mac_address",
                     "software_serial", "template")
TIGHT_SPREAD = Decimal("0.005")  # all prices within 0.5 % of each other (3+ bids)
NEAR_CEILING = Decimal("0.005")  # all prices within 0.5 % below the maximum price (3+ bids)
MIN_PRICED_BIDS = 3


@dataclass(frozen=True)
class BidFacts:
    """What the bidding domain knows about one bid, as plain values.

    ``price_fen`` is the bid price in integer fen (分); ``document_metadata`` maps a document
    hash to that document's metadata (author, last_modified_by, company, ...); ``persons`` are
    identifiers of the people named in the bid (ID numbers of the project manager, the legal
    representative, the contact...).
    """

    bidder_id: str
    ip: str | None = None
    device_fingerprint: str | None = None
    envelope_hash: str | None = None
    document_hashes: tuple[str, ...] = ()
    document_metadata: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    price_fen: int | None = None
    persons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    rule: str
    bidders: tuple[str, ...]
    evidence: dict[str, Any]

    @property
    def fingerprint(self) -> str:
        raw = json.dumps([self.rule, self.bidders, self.evidence], sort_keys=True, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class StoredFlag:
    id: int
    tender_subject: str
    stage: str
    rule: str
    bidders: list[str]
    evidence: dict[str, Any]
    log_seq: int
    created_at: dt.datetime


# --- detectors ------------------------------------------------------------------------------


def _shared(bids: Iterable[BidFacts], values: Callable[[BidFacts], Iterable[str | None]],
            rule: str, what: str) -> list[Finding]:
    """One finding per value that two or more *different* bidders share."""
    owners: dict[str, set[str]] = defaultdict(set)
    for bid in bids:
        for value in values(bid):
            if value:
                owners[value].add(bid.bidder_id)
    return [Finding(rule, tuple(sorted(who)), {what: value})
            for value, who in sorted(owners.items()) if len(who) > 1]


def same_ip(bids: Sequence[BidFacts]) -> list[Finding]:
    return _shared(bids, lambda b: [b.ip], "same_ip", "ip")


def same_device(bids: Sequence[BidFacts]) -> list[Finding]:
    return _shared(bids, lambda b: [b.device_fingerprint], "same_device", "device_fingerprint")


def same_envelope(bids: Sequence[BidFacts]) -> list[Finding]:
    return _shared(bids, lambda b: [b.envelope_hash], "same_envelope", "envelope_hash")


def same_document(bids: Sequence[BidFacts]) -> list[Finding]:
    return _shared(bids, lambda b: set(b.document_hashes), "same_document", "document_hash")


def same_persons(bids: Sequence[BidFacts]) -> list[Finding]:
    return _shared(bids, lambda b: set(b.persons), "same_persons", "person")


def same_metadata(bids: Sequence[BidFacts]) -> list[Finding]:
    def identity(bid: BidFacts) -> set[str]:
        found = set()
        for meta in bid.document_metadata.values():
            for name in IDENTITY_METADATA:
                value = str(meta.get(name, "")).strip()
                if value:
                    found.add(f"{name}={value}")
        return found

    return _shared(bids, identity, "same_metadata", "metadata")


def _priced(bids: Sequence[BidFacts]) -> list[tuple[int, str]]:
    return sorted((b.price_fen, b.bidder_id) for b in bids if b.price_fen is not None)


def price_equal_steps(bids: Sequence[BidFacts]) -> list[Finding]:
    """Three or more prices forming an arithmetic progression (one hand set them)."""
    priced = _priced(bids)
    if len(priced) < MIN_PRICED_BIDS:
        return []
    steps = {b[0] - a[0] for a, b in itertools.pairwise(priced)}
    if len(steps) != 1 or 0 in steps:
        return []
    return [Finding("price_equal_steps", tuple(sorted(b for _, b in priced)),
                    {"prices_fen": [p for p, _ in priced], "step_fen": steps.pop()})]


def price_tight_spread(bids: Sequence[BidFacts]) -> list[Finding]:
    priced = _priced(bids)
    if len(priced) < MIN_PRICED_BIDS or priced[-1][0] <= 0:
        return []
    spread = Decimal(priced[-1][0] - priced[0][0]) / Decimal(priced[-1][0])
    if spread > TIGHT_SPREAD:
        return []
    return [Finding("price_tight_spread", tuple(sorted(b for _, b in priced)),
                    {"prices_fen": [p for p, _ in priced],
                     "spread": str(spread.quantize(Decimal("0.00001")))})]


def price_near_ceiling(bids: Sequence[BidFacts], max_price_fen: int | None) -> list[Finding]:
    """Every priced bid within a hair below the maximum price: no real competition."""
    priced = _priced(bids)
    if max_price_fen is None or max_price_fen <= 0 or len(priced) < MIN_PRICED_BIDS:
        return []
    gaps = [Decimal(max_price_fen - p) / Decimal(max_price_fen) for p, _ in priced]
    if not all(Decimal(0) <= gap <= NEAR_CEILING for gap in gaps):
        return []
    return [Finding("price_near_ceiling", tuple(sorted(b for _, b in priced)),
                    {"prices_fen": [p for p, _ in priced], "max_price_fen": max_price_fen})]


def detect(bids: Sequence[BidFacts], max_price_fen: int | None = None) -> list[Finding]:
    """Every finding for one tender's bids, in rule order."""
    return [*same_ip(bids), *same_device(bids), *same_envelope(bids), *same_document(bids),
            *same_metadata(bids), *price_equal_steps(bids), *price_tight_spread(bids),
            *price_near_ceiling(bids, max_price_fen), *same_persons(bids)]


# --- storing ------------------------------------------------------------------------------


def assess_bids(session: Session, tender_subject: str, bids: Sequence[BidFacts],
                stage: str = "closing", max_price_fen: int | None = None) -> list[StoredFlag]:
    """Run every detector and store new findings (idempotent: a repeat adds nothing).

    Call at closing (facts of submission: addresses, devices, envelopes) and again at
    opening (documents, metadata, prices), before your own ``record()``.
    """
    if stage not in ("closing", "opening"):
        raise ValueError("stage is 'closing' or 'opening'")
    now = clock.now(session)
    known = set(session.scalars(select(RedFlag.fingerprint).where(
        RedFlag.tender_subject == tender_subject)))
    stored = []
    for finding in detect(bids, max_price_fen):
        if finding.fingerprint in known:
            continue
        known.add(finding.fingerprint)
        seq = services.record(session, DETECTOR, "redflag.raised", tender_subject, {
            "rule": finding.rule, "stage": stage, "bidders": list(finding.bidders),
            "evidence_sha256": finding.fingerprint})
        row = RedFlag(tender_subject=tender_subject, stage=stage, rule=finding.rule,
                      bidders=list(finding.bidders), evidence=finding.evidence,
                      fingerprint=finding.fingerprint, log_seq=seq, created_at=now)
        session.add(row)
        session.flush()
        stored.append(_view(row))
    return stored


def list_flags(session: Session, tender_subject: str | None = None,
               limit: int = 500) -> list[StoredFlag]:
    query = select(RedFlag).order_by(RedFlag.id.desc()).limit(limit)
    if tender_subject is not None:
        query = query.where(RedFlag.tender_subject == tender_subject)
    return [_view(row) for row in session.scalars(query)]


def flags_per_month(session: Session) -> list[tuple[str, int]]:
    """(``YYYY-MM`` in the display zone, count), oldest first."""
    counts: dict[str, int] = defaultdict(int)
    for created in session.scalars(select(RedFlag.created_at)):
        counts[clock.to_local(created).strftime("%Y-%m")] += 1
    return sorted(counts.items())


def count_flags(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(RedFlag)) or 0


def _view(row: RedFlag) -> StoredFlag:
    return StoredFlag(row.id, row.tender_subject, row.stage, row.rule, list(row.bidders),
                      dict(row.evidence), row.log_seq, row.created_at)
