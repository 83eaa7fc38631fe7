"""The dealer-free key ceremony on the platform side (docs/dkg.md, docs/bidding.md).

The platform publishes the ceremony document (the tender's panel and their registered keys),
collects each custodian's signed contribution, complaints and reveals, judges complaints from
public data and derives the opening public key from the transcript. It never sees a secret:
each custodian deals and checks on its own machine (``ggzy custody ...``), and the private
key exists nowhere until k custodians submit shares after the deadline. Staff may start a
ceremony, close a phase when a custodian stays away and watch; only the tender's custodians
contribute. Every step, and every refused attempt, is on the supervision log.

Phases: dealing (until all n contributed, or staff close it with at least k) → checking
(until all n confirmed or complained, or staff close it) → answering (while a complaint has no
reveal, or staff close it: an unanswered complaint then goes against the accused) → completed
or failed. A failed or superseded round is followed by a new round.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.lookup import get_tender, panel_of, subject
from bidding.models import CeremonyState, CeremonyStep, KeyCeremony, PanelMember, Tender, TenderState
from bidding.sealing.crypto import custody, dkg
from bidding.sealing.crypto.common import b64encode
from bidding.sealing.panels import active_key, custodian_id
from supervision import services as supervision
from trading import clock
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.audit import Actor
from trading.errors import NotFoundError, UserError

OPEN_STATES = (CeremonyState.DEALING.value, CeremonyState.CHECKING.value,
               CeremonyState.ANSWERING.value)
MAX_STEP_ITEMS = 255  # complaints or reveals in one request: at most one per custodian
Parsed = TypeVar("Parsed")


class StepRefused(UserError):
    """A ceremony step refused with its reason; the caller logs the attempt on its own."""

    def __init__(self, zh: str, en: str, code: str, status: int = 422) -> None:
        super().__init__(zh, en, status=status, code=code, field="body")


def _refuse(error: custody.CustodyError, code: str) -> StepRefused:
    return StepRefused(error.reason_zh, error.reason_en, getattr(error, "code", code))


# --- reading --------------------------------------------------------------------------------


def latest(session: Session, tender_id: uuid.UUID) -> KeyCeremony | None:
    query = select(KeyCeremony).where(KeyCeremony.tender_id == tender_id)
    return session.scalars(query.order_by(KeyCeremony.round.desc()).limit(1)).first()


def steps(session: Session, ceremony: KeyCeremony, kind: str | None = None) -> list[CeremonyStep]:
    query = select(CeremonyStep).where(CeremonyStep.ceremony_id == ceremony.id)
    if kind is not None:
        query = query.where(CeremonyStep.kind == kind)
    return list(session.scalars(query.order_by(CeremonyStep.author, CeremonyStep.about)))


def document_of(ceremony: KeyCeremony) -> dkg.Ceremony:
    return dkg.Ceremony.from_document(ceremony.document)


def transcript_of(session: Session, tender: Tender) -> dkg.Transcript:
    """The transcript of the tender's opening key (the completed round it was derived from)."""
    wanted = (tender.ceremony or {}).get("transcript_hash")
    found = session.scalars(select(KeyCeremony).where(
        KeyCeremony.tender_id == tender.id, KeyCeremony.transcript_hash == wanted,
        KeyCeremony.state == CeremonyState.COMPLETED.value)).first()
    if found is None or found.transcript is None:
        raise NotFoundError("开标密钥生成记录", "Key ceremony transcript")
    return dkg.Transcript.from_bytes(found.transcript)


def logged_key_id(session: Session, tender_id: uuid.UUID) -> str | None:
    """The key id the supervision log says the tender's last completed ceremony produced.
    Checked against instead of the tender row, which a DBA could change; rewriting the log
    entry too would break the log's signed checkpoints (``ggzy log verify`` names it)."""
    found = supervision.entries(session, action="custody.ceremony_completed",
                                subject=subject(tender_id), limit=1000)
    key_id = found[-1].body.get("key_id") if found else None
    return str(key_id) if key_id else None


def index_of(ceremony: KeyCeremony, user_id: uuid.UUID) -> int | None:
    """The custodian's number in the ceremony's roster, None when not on it."""
    cid = custodian_id(user_id)
    for entry in ceremony.document.get("custodians", []):
        if entry.get("custodian_id") == cid:
            return int(entry["index"])
    return None


def public_view(session: Session, ceremony: KeyCeremony) -> dict[str, Any]:
    """What every participant and watcher sees: the document, every signed step, the result."""
    by_kind: dict[str, list[Any]] = {"contribution": [], "complaint": [], "reveal": []}
    checked = []
    for step in steps(session, ceremony):
        if step.kind == "checked":
            checked.append(step.author)
        else:
            by_kind[step.kind].append(step.document)
    return {"round": ceremony.round, "state": ceremony.state, "ceremony": ceremony.document,
            "ceremony_digest": ceremony.digest, "contributions": by_kind["contribution"],
            "complaints": by_kind["complaint"], "reveals": by_kind["reveal"],
            "checked": checked, "failure": ceremony.failure,
            "transcript_hash": ceremony.transcript_hash,
            "transcript": (dkg.Transcript.from_bytes(ceremony.transcript).to_document()
                           if ceremony.transcript else None)}


def summary(session: Session, tender_id: uuid.UUID) -> dict[str, Any] | None:
    """What the tender page shows of the latest round (labels, never internal codes)."""
    found = latest(session, tender_id)
    if found is None:
        return None
    view = public_view(session, found)
    zh, en = phase_label(found.state)
    return {"round": found.round, "state": found.state, "label_zh": zh, "label_en": en,
            "running": found.state in OPEN_STATES,
            "custodians": len(view["ceremony"]["custodians"]),
            "contributions": len(view["contributions"]), "checked": len(view["checked"]),
            "complaints": len(view["complaints"]), "transcript_hash": found.transcript_hash,
            "failure": found.failure,
            "failure_zh": FAILURES.get(found.failure or "", FAILURES["failed"])[0],
            "failure_en": FAILURES.get(found.failure or "", FAILURES["failed"])[1]}


# --- starting -------------------------------------------------------------------------------


def start(session: Session, actor: Actor, user: CurrentUser, tender_id: uuid.UUID) -> KeyCeremony:
    """A new round for a draft tender: the roster is its panel with their registered keys."""
    tender = get_tender(session, tender_id, lock=True)
    members = panel_of(session, tender_id)
    on_panel = any(m.user_id == user.id for m in members)
    if Role.STAFF.value not in user.roles and not on_panel:
        raise StepRefused("只有交易中心工作人员或本项目的保管人可以发起密钥生成",
                          "Only staff or a custodian of this tender may start the ceremony",
                          "forbidden", status=403)
    if tender.state != TenderState.DRAFT.value:
        raise StepRefused("发布后不能更换开标密钥", "The opening key cannot change after "
                          "publication", "published", status=409)
    roster = _roster(session, members)
    previous = latest(session, tender_id)
    if previous is not None and previous.state in OPEN_STATES:
        _fail(session, previous, "superseded", "被新一轮取代", "superseded by a new round")
    number = previous.round + 1 if previous else 1
    document = dkg.Ceremony(str(tender.id), f"dkg-{number}", number, tender.custody_k,
                            tuple(roster))
    now = clock.now(session)
    ceremony = KeyCeremony(tender_id=tender.id, round=number, state=CeremonyState.DEALING.value,
                           document=document.to_document(), digest=document.digest,
                           started_by=user.id, started_at=now)
    session.add(ceremony)
    tender.opening_public_key, tender.opening_key_id, tender.ceremony = None, None, None
    session.flush()
    supervision.record(session, actor, "custody.ceremony_started", subject(tender.id), {
        "ceremony_id": document.ceremony_id, "round": number, "k": document.k, "n": document.n,
        "ceremony_digest": document.digest,
        "custodians": [{"index": j, "custodian_id": c.custodian_id, "fingerprint": c.fingerprint}
                       for j, c in enumerate(document.custodians, start=1)]})
    return ceremony


def _roster(session: Session, members: Sequence[PanelMember]) -> list[custody.CustodianPublic]:
    roster = []
    for member in members:
        key = active_key(session, member.user_id)
        if key is None or key.signing_public_key is None:
            raise StepRefused(f"第 {member.position} 号保管人尚未登记公钥",
                              f"custodian number {member.position} has not registered a key",
                              "custodian_without_key", status=409)
        roster.append(custody.CustodianPublic(custodian_id(member.user_id), key.public_key,
                                              key.signing_public_key))
    return roster


# --- the custodians' steps -------------------------------------------------------------------


def _open_ceremony(session: Session, user: CurrentUser, tender_id: uuid.UUID,
                   phase: CeremonyState) -> tuple[Tender, KeyCeremony, int]:
    """The tender (locked), its running ceremony in ``phase`` and the caller's index."""
    tender = get_tender(session, tender_id, lock=True)
    ceremony = latest(session, tender_id)
    if ceremony is None or ceremony.state not in OPEN_STATES:
        raise StepRefused("该项目没有进行中的密钥生成", "No key ceremony is running for this "
                          "tender", "no_ceremony", status=409)
    index = index_of(ceremony, user.id)
    if index is None or Role.CUSTODIAN.value not in user.roles:
        raise StepRefused("您不是本轮密钥生成的保管人", "You are not a custodian of this "
                          "ceremony", "not_on_panel", status=403)
    if ceremony.state != phase.value:
        raise StepRefused(f"步骤顺序不对：当前阶段为「{phase_label(ceremony.state)[0]}」",
                          f"out of order: the ceremony is at {phase_label(ceremony.state)[1]}",
                          "out_of_order", status=409)
    return tender, ceremony, index


def contribute(session: Session, actor: Actor, user: CurrentUser, tender_id: uuid.UUID,
               document: Mapping[str, Any]) -> KeyCeremony:
    tender, ceremony, index = _open_ceremony(session, user, tender_id, CeremonyState.DEALING)
    contribution = _parse(dkg.Contribution.from_document, document, "贡献", "contribution")
    if contribution.dealer != index:
        raise StepRefused(f"您是第 {index} 号保管人，不能以第 {contribution.dealer} 号提交",
                          f"you are custodian {index}, not {contribution.dealer}",
                          "wrong_dealer", status=403)
    try:
        dkg.verify_contribution(document_of(ceremony), contribution)
    except custody.CustodyError as error:
        raise _refuse(error, "bad_contribution") from error
    _add_step(session, ceremony, "contribution", index, 0, contribution.to_document(),
              contribution.digest)
    supervision.record(session, actor, "custody.contribution_accepted", subject(tender.id), {
        "ceremony_id": ceremony.document["ceremony_id"], "dealer": index,
        "digest": contribution.digest})
    if len(steps(session, ceremony, "contribution")) == len(ceremony.document["custodians"]):
        _advance(session, actor, tender, ceremony, "all")
    return ceremony


def check(session: Session, actor: Actor, user: CurrentUser, tender_id: uuid.UUID,
          complaints: Sequence[Mapping[str, Any]]) -> KeyCeremony:
    """The caller checked every share dealt to it: none, or signed complaints naming dealers."""
    tender, ceremony, index = _open_ceremony(session, user, tender_id, CeremonyState.CHECKING)
    if len(complaints) > MAX_STEP_ITEMS:
        raise StepRefused("投诉过多", "Too many complaints", "too_many")
    contributions = {s.author: dkg.Contribution.from_document(s.document)
                     for s in steps(session, ceremony, "contribution")}
    parsed = [_complaint(document_of(ceremony), doc, index, contributions) for doc in complaints]
    _add_step(session, ceremony, "checked", index, 0, None, None)
    for complaint in parsed:
        _add_step(session, ceremony, "complaint", index, complaint.accused,
                  complaint.to_document(), complaint.digest)
    supervision.record(session, actor, "custody.shares_checked", subject(tender.id), {
        "ceremony_id": ceremony.document["ceremony_id"], "custodian": index,
        "complaints": [{"accused": c.accused, "reason": c.reason, "digest": c.digest}
                       for c in parsed]})
    if len(steps(session, ceremony, "checked")) == len(ceremony.document["custodians"]):
        _advance(session, actor, tender, ceremony, "all")
    return ceremony


def _complaint(ceremony: dkg.Ceremony, document: Mapping[str, Any], index: int,
               contributions: Mapping[int, dkg.Contribution]) -> dkg.Complaint:
    complaint = _parse(dkg.Complaint.from_document, document, "投诉", "complaint")
    if complaint.complainer != index:
        raise StepRefused("投诉只能以本人名义提出", "A complaint is filed in one's own name",
                          "wrong_complainer", status=403)
    accused = contributions.get(complaint.accused)
    if accused is None:
        raise StepRefused(f"第 {complaint.accused} 号保管人没有被接受的贡献",
                          f"custodian {complaint.accused} has no accepted contribution",
                          "unknown_contribution")
    try:
        dkg.verify_complaint(ceremony, complaint, accused)
    except custody.CustodyError as error:
        raise _refuse(error, "bad_complaint") from error
    return complaint


def reveal(session: Session, actor: Actor, user: CurrentUser, tender_id: uuid.UUID,
           reveals: Sequence[Mapping[str, Any]]) -> KeyCeremony:
    """The accused answers complaints against it by revealing the complained-of shares."""
    tender, ceremony, index = _open_ceremony(session, user, tender_id, CeremonyState.ANSWERING)
    if not reveals or len(reveals) > MAX_STEP_ITEMS:
        raise StepRefused("请提交 1 至 255 份答复", "Give 1 to 255 reveals", "bad_count")
    complaints = {(s.about, s.author): dkg.Complaint.from_document(s.document)
                  for s in steps(session, ceremony, "complaint")}
    answered = {(s.author, s.about) for s in steps(session, ceremony, "reveal")}
    for document in reveals:
        answer = _reveal(document_of(ceremony), document, index, complaints, answered)
        answered.add((answer.dealer, answer.recipient))
        _add_step(session, ceremony, "reveal", index, answer.recipient, answer.to_document(),
                  answer.digest)
        supervision.record(session, actor, "custody.share_revealed", subject(tender.id), {
            "ceremony_id": ceremony.document["ceremony_id"], "dealer": index,
            "recipient": answer.recipient, "digest": answer.digest})
    if answered >= set(complaints):
        _advance(session, actor, tender, ceremony, "all")
    return ceremony


def _reveal(ceremony: dkg.Ceremony, document: Mapping[str, Any], index: int,
            complaints: Mapping[tuple[int, int], dkg.Complaint],
            answered: set[tuple[int, int]]) -> dkg.Reveal:
    answer = _parse(dkg.Reveal.from_document, document, "答复", "reveal")
    if answer.dealer != index:
        raise StepRefused("只能答复针对本人的投诉", "Only the accused answers a complaint",
                          "wrong_dealer", status=403)
    complaint = complaints.get((answer.dealer, answer.recipient))
    if complaint is None:
        raise StepRefused("没有对应的投诉", "No complaint to answer", "unknown_complaint")
    if (answer.dealer, answer.recipient) in answered:
        raise StepRefused("该投诉已答复", "This complaint is already answered", "duplicate",
                          status=409)
    try:
        dkg.verify_reveal(ceremony, answer, complaint)
    except custody.CustodyError as error:
        raise _refuse(error, "bad_reveal") from error
    return answer


def _parse(reader: Callable[[Any], Parsed], document: Mapping[str, Any], what_zh: str,
           what_en: str) -> Parsed:
    try:
        return reader(document)
    except (ValueError, TypeError, custody.CustodyError) as error:
        raise StepRefused(f"{what_zh}格式无效", f"Malformed {what_en}", "malformed") from error


def _add_step(session: Session, ceremony: KeyCeremony, kind: str, author: int, about: int,
              document: dict[str, Any] | None, digest: str | None) -> None:
    exists = session.scalars(select(CeremonyStep.id).where(
        CeremonyStep.ceremony_id == ceremony.id, CeremonyStep.kind == kind,
        CeremonyStep.author == author, CeremonyStep.about == about)).first()
    if exists is not None:
        raise StepRefused("该步骤已提交过，不能重复", "This step was already taken", "duplicate",
                          status=409)
    session.add(CeremonyStep(ceremony_id=ceremony.id, kind=kind, author=author, about=about,
                             document=document, digest=digest,
                             submitted_at=clock.now(session)))
    session.flush()


# --- phases and the result ------------------------------------------------------------------


def advance(session: Session, actor: Actor, user: CurrentUser, tender_id: uuid.UUID) -> KeyCeremony:
    """Staff close the current phase when a custodian stays away (the record says so)."""
    if Role.STAFF.value not in user.roles:
        raise StepRefused("只有交易中心工作人员可以结束当前阶段", "Only staff close a phase",
                          "forbidden", status=403)
    tender = get_tender(session, tender_id, lock=True)
    ceremony = latest(session, tender_id)
    if ceremony is None or ceremony.state not in OPEN_STATES:
        raise StepRefused("该项目没有进行中的密钥生成", "No key ceremony is running",
                          "no_ceremony", status=409)
    _advance(session, actor, tender, ceremony, "staff")
    return ceremony


def _advance(session: Session, actor: Actor, tender: Tender, ceremony: KeyCeremony,
             by: str) -> None:
    before = ceremony.state
    if before == CeremonyState.DEALING.value:
        dealt = len(steps(session, ceremony, "contribution"))
        if dealt < int(ceremony.document["k"]):
            _fail(session, ceremony, "too_few_contributions", f"贡献只有 {dealt} 份，少于门限",
                  f"only {dealt} contributions, fewer than k")
        else:
            ceremony.state = CeremonyState.CHECKING.value
    elif before == CeremonyState.CHECKING.value and steps(session, ceremony, "complaint"):
        ceremony.state = CeremonyState.ANSWERING.value
    else:
        _finish(session, actor, tender, ceremony)
    session.flush()
    supervision.record(session, actor, "custody.ceremony_advanced", subject(tender.id), {
        "ceremony_id": ceremony.document["ceremony_id"], "from": before, "to": ceremony.state,
        "by": by})


def _finish(session: Session, actor: Actor, tender: Tender, ceremony: KeyCeremony) -> None:
    by_kind: dict[str, list[CeremonyStep]] = {"contribution": [], "complaint": [], "reveal": []}
    for step in steps(session, ceremony):
        if step.kind in by_kind:
            by_kind[step.kind].append(step)
    try:
        transcript = dkg.build_transcript(
            document_of(ceremony),
            [dkg.Contribution.from_document(s.document) for s in by_kind["contribution"]],
            [dkg.Complaint.from_document(s.document) for s in by_kind["complaint"]],
            [dkg.Reveal.from_document(s.document) for s in by_kind["reveal"]])
    except custody.CustodyError as error:
        _fail(session, ceremony, getattr(error, "code", "failed"), error.reason_zh,
              error.reason_en)
        return
    _complete(session, actor, tender, ceremony, transcript)


def _complete(session: Session, actor: Actor, tender: Tender, ceremony: KeyCeremony,
              transcript: dkg.Transcript) -> None:
    now = clock.now(session)
    ceremony.state, ceremony.ended_at = CeremonyState.COMPLETED.value, now
    ceremony.transcript, ceremony.transcript_hash = transcript.to_bytes(), transcript.hash
    tender.opening_public_key, tender.opening_key_id = transcript.public_key, transcript.key_id
    tender.ceremony = {"format": "ggzy-dkg/1", "ceremony_id": transcript.ceremony.ceremony_id,
                       "round": ceremony.round, "transcript_hash": transcript.hash,
                       "k": transcript.ceremony.k, "n": transcript.ceremony.n,
                       "qual": list(transcript.qual)}
    fingerprints = {c.custodian_id: c.fingerprint for c in transcript.ceremony.custodians}
    for member in panel_of(session, tender.id):
        member.key_id = fingerprints.get(custodian_id(member.user_id))
        member.share, member.share_submission, member.share_submitted_at = None, None, None
    session.flush()
    supervision.record(session, actor, "custody.ceremony_completed", subject(tender.id), {
        "ceremony_id": transcript.ceremony.ceremony_id, "round": ceremony.round,
        "key_id": transcript.key_id, "public_key": b64encode(transcript.public_key),
        "transcript_hash": transcript.hash, "transcript": transcript.to_document()})


def _fail(session: Session, ceremony: KeyCeremony, code: str, zh: str, en: str) -> None:
    ceremony.state, ceremony.failure = CeremonyState.FAILED.value, code
    ceremony.ended_at = clock.now(session)
    session.flush()
    supervision.record(session, Actor.system("custody"), "custody.ceremony_failed",
                       subject(ceremony.tender_id), {
                           "ceremony_id": ceremony.document["ceremony_id"],
                           "round": ceremony.round, "code": code, "reason_zh": zh,
                           "reason_en": en})


def record_refusal(session: Session, actor: Actor, tender_id: uuid.UUID, step: str,
                   code: str) -> None:
    """A refused step is evidence too (who tried what); logged in its own transaction."""
    ceremony = latest(session, tender_id)
    supervision.record(session, actor, "custody.step_refused", subject(tender_id), {
        "ceremony_id": ceremony.document["ceremony_id"] if ceremony else None,
        "step": step, "code": code})


PHASE_LABELS = {
    CeremonyState.DEALING.value: ("收集密钥贡献", "collecting contributions"),
    CeremonyState.CHECKING.value: ("保管人核验份额", "custodians checking their shares"),
    CeremonyState.ANSWERING.value: ("被投诉人答复", "the accused answering complaints"),
    CeremonyState.COMPLETED.value: ("已完成", "completed"),
    CeremonyState.FAILED.value: ("未成功", "failed"),
}


FAILURES = {
    "superseded": ("本轮已被新一轮取代", "This round was replaced by a new round"),
    "too_few_contributions": ("提交贡献的保管人少于门限，本轮未成功，请发起新一轮",
                              "Fewer custodians than the threshold dealt; start a new round"),
    "too_few_qualified": ("合格的贡献少于门限，本轮未成功，请发起新一轮",
                          "Fewer qualified contributions than the threshold; start a new round"),
    "degenerate_key": ("生成的公钥无效（极小概率事件），请发起新一轮",
                       "The resulting key is degenerate (vanishingly rare); start a new round"),
    "failed": ("本轮未成功，请发起新一轮", "This round failed; start a new round"),
}


def phase_label(state: str) -> tuple[str, str]:
    return PHASE_LABELS.get(state, (state, state))

