"""Request and response structs of the evaluation JSON API (msgspec). Marks and points travel
as decimal text ("18.5"), never as binary floats."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from bidding.evaluation.adjustments import MAX_REASON as MAX_ADJUSTMENT_REASON
from bidding.evaluation.marks import MAX_MARK_TEXT, MAX_REASON
from bidding.evaluation.methods import MAX_CRITERIA
from trading.params import Fen, IdText, Label
from trading.params import text_length as bounded

DecimalText = Annotated[str, bounded(MAX_MARK_TEXT)]
Code = Annotated[str, bounded(20)]


class CriterionPointsIn(msgspec.Struct, forbid_unknown_fields=True):
    criterion: Code
    points: DecimalText


class MethodIn(msgspec.Struct, forbid_unknown_fields=True):
    """A preset key, and adjustments of its criteria's points and its price (a draft only)."""

    preset: Label
    points: Annotated[list[CriterionPointsIn], msgspec.Meta(max_length=MAX_CRITERIA)] = []
    price_points: DecimalText | None = None
    coefficient: DecimalText | None = None


class MethodOut(msgspec.Struct):
    tender_id: str
    evaluation_method: str
    evaluation_plan: dict[str, Any]
    description: list[str]


class VoteIn(msgspec.Struct, forbid_unknown_fields=True):
    candidate_user_id: IdText


class MarkIn(msgspec.Struct, forbid_unknown_fields=True):
    criterion: Code
    mark: DecimalText
    reason: Annotated[str, bounded(MAX_REASON)] = ""


class MarksIn(msgspec.Struct, forbid_unknown_fields=True):
    marks: Annotated[list[MarkIn], msgspec.Meta(max_length=MAX_CRITERIA)]


class MemberOut(msgspec.Struct):
    user_id: str
    name: str
    expert_number: str
    checked_in: bool
    pledged: bool
    chair: bool
    submitted: bool | None  # None: not shown to this caller


class BidOut(msgspec.Struct):
    bid_id: str
    bidder: str
    price_fen: int | None
    open_status: str
    valid: bool


class RoomOut(msgspec.Struct):
    tender_id: str
    section_id: str
    election_round: int
    candidates: list[str]  # user ids of this round's candidates
    voted: int
    chair_user_id: str | None
    members: list[MemberOut]
    bids: list[BidOut]
    evaluation_plan: dict[str, Any]


class AdjustmentIn(msgspec.Struct, forbid_unknown_fields=True):
    """One of the committee's price adjustments (lowest evaluated price method), in fen."""

    bid_id: IdText
    direction: Annotated[str, bounded(4)]  # "up" or "down"
    amount_fen: Fen
    reason: Annotated[str, bounded(MAX_ADJUSTMENT_REASON)]


class AdjustmentOut(msgspec.Struct):
    id: int
    bid_id: str
    amount_fen: int  # positive: up; negative: down
    reason: str


class StandingOut(msgspec.Struct):
    rank: int
    bid_id: str
    bidder: str
    total: str  # comprehensive: the score; lowest evaluated price: the evaluated price in fen
    price_fen: int
    price_score: str | None
    candidate: bool
    # Lowest evaluated price (标价比较表): the bid price plus these adjustments.
    evaluated_price_fen: int | None = None
    adjustments: list[AdjustmentOut] = []


class OutlierOut(msgspec.Struct):
    expert_number: str
    bid_id: str
    criterion: str
    mark: str
    others_median: str


class SummaryOut(msgspec.Struct):
    complete: bool
    standings: list[StandingOut]
    rejected: dict[str, list[str]]
    outliers: list[OutlierOut]
    identical: list[list[str]]
    marks: dict[str, dict[str, dict[str, str]]]  # expert number -> bid id -> criterion -> mark
