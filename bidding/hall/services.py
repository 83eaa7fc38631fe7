"""The opening hall (开标大厅, issue 13): bidder sign-in, the opening record read out and
confirmed line by line (唱标确认), objections raised at the opening and answered on the spot
(R-24: 《招标投标法实施条例》第四十四条), and what each viewer may see of it.

Rules this module keeps (docs/bidding.md, "The opening hall"):
- Sign-in opens at the deadline. Before it nobody may learn who bid (R-14/R-22), so a bidder
  cannot sign in early and nothing in the hall names a bidder before the deadline.
- A bidder acts only on its own lines, once, within ``CONFIRM_WINDOW`` of the record's
  creation. A line without an answer when the window ends is deemed not objected to: that is
  derived from the record's time and the log (no entry), so no job has to write it.
- Staff or the tender's own tenderee answer an objection, once, at any time after it is raised.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import lookup, rules
from bidding.hall.models import HallLine, HallSignIn, HallVerdict
from bidding.models import Bid, OpeningRecord, Tender, TenderState
from bidding.opening import records
from bidding.opening.notices import org_names
from bidding.sealing import panels
from bidding.submission import intake
from bidding.tendering import limits, notifications
from bidding.web import check_manager, is_manager
from supervision import services as supervision
from trading import clock
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.audit import Actor
from trading.errors import NotFoundError, UserError

#: How long after the opening record is made a bidder may confirm its line or object.
CONFIRM_WINDOW = dt.timedelta(minutes=30)
#: An objection's reason and an answer (characters).
MAX_TEXT = 1000


@dataclass(frozen=True)
class Line:
    """One line of the record as the hall shows it to a participant."""

    bid_id: str
    verdict: str | None  # confirmed, objected, or None (deemed once the window is over)
    reason: str | None
    answer: str | None
    mine: bool


@dataclass
class Hall:
    tender: Tender
    now: dt.datetime
    progress: records.Progress
    record: OpeningRecord | None
    participant: bool
    manager: bool
    my_org: uuid.UUID | None
    window_ends: dt.datetime | None
    sign_ins: list[tuple[str, dt.datetime]] = field(default_factory=list)
    signed_in: bool = False
    may_sign_in: bool = False
    lines: dict[str, Line] = field(default_factory=dict)
    viewer_bids: bool = False  # the viewer holds the bidder role (whether it bid is not read)

    @property
    def after_deadline(self) -> bool:
        return self.tender.deadline is not None and self.now >= self.tender.deadline

    @property
    def bidder_waiting(self) -> bool:
        """A bidder before the deadline is told when sign-in opens (which reveals nothing)."""
        return self.viewer_bids and not self.after_deadline

    @property
    def window_open(self) -> bool:
        return self.window_ends is not None and self.now < self.window_ends

    @property
    def live(self) -> bool:
        """Before the record exists: the page refreshes itself (no-JS) or polls."""
        return self.tender.state in (TenderState.PUBLISHED.value, TenderState.CLOSED.value)


# --- who may see what ----------------------------------------------------------------------


def _org_bids(session: Session, tender_id: uuid.UUID, org_id: uuid.UUID) -> list[Bid]:
    """The organization's bids frozen at the close (those in the opening record)."""
    return list(session.scalars(select(Bid).where(
        Bid.tender_id == tender_id, Bid.bidder_id == org_id, Bid.open_status.is_not(None))))


def _bidder_org(session: Session, user: CurrentUser | None, tender_id: uuid.UUID) -> uuid.UUID | None:
    if user is None or Role.BIDDER.value not in user.roles or user.organization_id is None:
        return None
    return user.organization_id if _org_bids(session, tender_id, user.organization_id) else None


def is_participant(session: Session, user: CurrentUser | None, tender: Tender,
                   bidder_org: uuid.UUID | None) -> bool:
    """Bidders of the tender, its managers, its custodians and regulators see sign-ins and the
    confirmations; anyone else sees the countdown, the progress and the published record."""
    if user is None:
        return False
    if bidder_org is not None or is_manager(user, tender) or Role.REGULATOR.value in user.roles:
        return True
    if Role.CUSTODIAN.value in user.roles:
        try:
            panels.my_membership(session, user, tender.id)
        except UserError:
            return False
        return True
    return False


def hall(session: Session, tender_id: uuid.UUID, user: CurrentUser | None) -> Hall:
    tender = lookup.get_tender(session, tender_id)
    if tender.state == TenderState.DRAFT.value:
        raise NotFoundError("招标项目", "Tender")
    now = clock.now(session)
    record = records.record_of(session, tender_id)
    # Before the deadline nobody is a known bidder of the tender (the close freezes the bids).
    org = _bidder_org(session, user, tender_id)
    view = Hall(tender, now, records.progress(session, tender_id), record,
                is_participant(session, user, tender, org), is_manager(user, tender), org,
                record.created_at + CONFIRM_WINDOW if record else None,
                viewer_bids=user is not None and Role.BIDDER.value in user.roles)
    if not view.participant or not view.after_deadline:
        return view
    rows = list(session.scalars(select(HallSignIn).where(HallSignIn.tender_id == tender_id)
                                .order_by(HallSignIn.signed_in_at)))
    names = org_names(session, {r.bidder_org_id for r in rows})
    view.sign_ins = [(names.get(r.bidder_org_id, "—"), r.signed_in_at) for r in rows]
    view.signed_in = org is not None and any(r.bidder_org_id == org for r in rows)
    view.may_sign_in = org is not None and not view.signed_in
    answers = {str(a.bid_id): a for a in session.scalars(
        select(HallLine).where(HallLine.tender_id == tender_id))}
    for section in (record.record["sections"] if record else []):
        for entry in section["bids"]:
            found = answers.get(entry["bid_id"])
            view.lines[entry["bid_id"]] = Line(
                entry["bid_id"], found.verdict if found else None,
                found.reason if found else None, found.answer if found else None,
                org is not None and entry["bidder_id"] == str(org))
    return view


def live(session: Session, tender_id: uuid.UUID) -> dict[str, Any]:
    """The polled state: only what the public hall shows (no names, nothing before the
    deadline about who bid)."""
    tender = lookup.get_tender(session, tender_id)
    if tender.state == TenderState.DRAFT.value:
        raise NotFoundError("招标项目", "Tender")
    now = clock.now(session)
    state = records.progress(session, tender_id)
    after = tender.deadline is not None and now >= tender.deadline
    signed = len(list(session.scalars(select(HallSignIn.bidder_org_id).where(
        HallSignIn.tender_id == tender_id)))) if after else None
    return {"state": state.state, "shares": state.shares, "need": state.need,
            "total": state.total, "done": state.done, "key_rebuilt": state.key_rebuilt,
            "record_ready": records.record_of(session, tender_id) is not None,
            "deadline_passed": after, "signed_in": signed,
            "seconds_left": max(0, int((tender.deadline - now).total_seconds()))
            if tender.deadline else None}


# --- the bidder's actions ------------------------------------------------------------------


def sign_in(session: Session, actor: Actor, user: CurrentUser, tender_id: uuid.UUID) -> None:
    tender = lookup.get_tender(session, tender_id)
    if tender.deadline is None or clock.now(session) < tender.deadline:
        raise UserError("签到在投标截止时间（开标时间）开始，此前不公开投标人",
                        "Sign-in opens at the bid deadline (the opening); before it no bidder "
                        "is named", status=409, code="hall_not_open")
    org = intake.bidder_org(session, user)
    if not _org_bids(session, tender_id, org.id):
        raise UserError("贵单位未参加本项目投标，无需签到", "Your organization has no bid in "
                        "this tender", status=403, code="forbidden")
    if session.get(HallSignIn, (tender_id, org.id)) is not None:
        return  # signed in already: the page says so
    session.add(HallSignIn(tender_id=tender_id, bidder_org_id=org.id, user_id=user.id,
                           signed_in_at=clock.now(session)))
    supervision.record(session, actor, "opening.hall_signed_in", lookup.subject(tender_id),
                       {"bidder": str(org.id), "user": str(user.id)})
    session.flush()


def _own_line(session: Session, user: CurrentUser, tender_id: uuid.UUID,
              bid_id: uuid.UUID) -> tuple[OpeningRecord, Bid]:
    record = records.record_of(session, tender_id)
    if record is None:
        raise UserError("开标记录尚未生成", "The opening record is not made yet", status=409,
                        code="no_record")
    org = intake.bidder_org(session, user)
    bid = session.get(Bid, bid_id)
    if bid is None or bid.tender_id != tender_id or bid.open_status is None:
        raise NotFoundError("开标记录中的投标", "Bid in the opening record")
    if bid.bidder_id != org.id:
        raise UserError("只能确认本单位的开标记录", "You may act only on your own line of the "
                        "record", status=403, code="forbidden")
    if clock.now(session) >= record.created_at + CONFIRM_WINDOW:
        raise UserError("唱标确认时间已过，未提出异议的视为无异议",
                        "The time to confirm is over; a line not objected to is deemed accepted",
                        status=409, code="window_closed")
    if session.get(HallLine, bid_id) is not None:
        raise UserError("您已对该行开标记录作出确认或提出异议", "You have already answered "
                        "this line", status=409, code="already_answered")
    return record, bid


def confirm(session: Session, actor: Actor, user: CurrentUser, tender_id: uuid.UUID,
            bid_id: uuid.UUID) -> None:
    _record, bid = _own_line(session, user, tender_id, bid_id)
    session.add(HallLine(bid_id=bid.id, tender_id=tender_id, bidder_org_id=bid.bidder_id,
                         verdict=HallVerdict.CONFIRMED.value, acted_by=user.id,
                         acted_at=clock.now(session)))
    supervision.record(session, actor, "opening.record_confirmed", lookup.subject(tender_id),
                       {"bid": str(bid.id), "bidder": str(bid.bidder_id)})
    session.flush()


def _text(value: str, field_name: str, what_zh: str, what_en: str) -> str:
    text = value.strip()
    limits.required_text(text, field_name, MAX_TEXT, what_zh, what_en,
                         (f"请填写{what_zh}", f"Enter the {what_en.lower()}"))
    return text


def object_to(session: Session, actor: Actor, user: CurrentUser, tender_id: uuid.UUID,
              bid_id: uuid.UUID, reason: str) -> None:
    """R-24 (Regs Art. 44): an objection to the opening, raised in the hall."""
    text = _text(reason, "reason", "异议理由", "Reason")
    _record, bid = _own_line(session, user, tender_id, bid_id)
    session.add(HallLine(bid_id=bid.id, tender_id=tender_id, bidder_org_id=bid.bidder_id,
                         verdict=HallVerdict.OBJECTED.value, reason=text, acted_by=user.id,
                         acted_at=clock.now(session)))
    supervision.record(session, actor, "opening.record_objected", lookup.subject(tender_id),
                       {"bid": str(bid.id), "bidder": str(bid.bidder_id), "reason": text,
                        "rule": "R-24"})
    tender = lookup.get_tender(session, tender_id)
    notifications.notify(session, tender_id, [tender.created_by] if tender.created_by else [],
                         "opening", f"「{tender.title}」开标大厅有投标人提出异议，请当场答复",
                         f"A bidder objected in the opening hall of '{tender.title}'; "
                         "answer it there")
    session.flush()


def answer(session: Session, actor: Actor, user: CurrentUser, tender_id: uuid.UUID,
           bid_id: uuid.UUID, text: str) -> None:
    """R-24: the tenderee (or staff) answers the objection on the spot; on the record."""
    tender = lookup.get_tender(session, tender_id)
    check_manager(user, tender)
    reply = _text(text, "answer", "答复", "Answer")
    line = session.get(HallLine, bid_id)
    if line is None or line.tender_id != tender_id or line.verdict != HallVerdict.OBJECTED.value:
        raise NotFoundError("异议", "Objection")
    if line.answer is not None:
        raise UserError("该异议已答复", "This objection is answered already", status=409,
                        code="already_answered")
    line.answer, line.answered_by, line.answered_at = reply, user.id, clock.now(session)
    supervision.record(session, actor, "opening.objection_answered", lookup.subject(tender_id),
                       {"bid": str(bid_id), "bidder": str(line.bidder_org_id), "answer": reply,
                        "rule": "R-24"})
    notifications.notify(session, tender_id, [line.acted_by], "opening",
                         f"您在「{tender.title}」开标大厅提出的异议已答复：{reply}",
                         f"Your objection in the opening hall of '{tender.title}' was "
                         f"answered: {reply}")
    session.flush()


def cite_r24(lang: str) -> str:
    return rules.cite("R-24", lang)
