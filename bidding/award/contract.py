"""The contract (合同, R-37): filed by the tenderee (or staff) within 30 days of the award
notice, with its file, amount, signing date and term; the contract notice goes to disclosure
(OCDS contracts) and e-supervision's watch of the limit is cleared."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

from sqlalchemy.orm import Session

from bidding import config
from bidding.award import common
from bidding.award.decision import CONTRACT_ALERT_KIND, contract_alert_subject
from bidding.award.models import AwardContract
from bidding.lookup import subject
from bidding.opening.notices import org_names, tenderee_name
from bidding.security import refunds
from bidding.tendering import sniff
from bidding.tendering.announcement import yuan_text
from supervision import services as supervision
from trading import clock, files
from trading.audit import Actor
from trading.errors import ConflictError, UserError

MAX_AMOUNT_FEN = 10**15  # what a BIGINT of fen holds with room to spare


def contracts_dir() -> Path:
    return config.storage_root() / "contracts"


def _text(value: str, field: str, zh: str, en: str) -> str:
    clean = value.strip()
    if not clean:
        raise UserError(f"请填写{zh}", f"{en} is required", field=field)
    if len(clean) > 200:
        raise UserError(f"{zh}至多 200 字", f"{en}: at most 200 characters", field=field)
    return clean


def file_contract(session: Session, actor: Actor, tender_id: uuid.UUID, section_id: uuid.UUID,
                  *, filename: str, content: bytes, name: str, amount_fen: int,
                  signed_on: dt.date, term: str) -> AwardContract:
    """File the signed contract of an awarded section, once (R-37)."""
    tender, section = common.section(session, tender_id, section_id)
    row = common.state_of(session, section_id, lock=True)
    if row is None or row.awarded_at is None or row.winner_org_id is None:
        raise ConflictError("该标段尚未定标，不能备案合同", "The section is not awarded: no contract "
                            "yet")
    if session.get(AwardContract, section_id) is not None:
        raise ConflictError("该标段的合同已备案", "The contract of this section is already filed")
    clean_name = _text(name, "name", "合同名称", "The contract name")
    clean_term = _text(term, "term", "合同履行期限", "The contract term")
    if not 0 < amount_fen <= MAX_AMOUNT_FEN:
        raise UserError("合同金额应大于零", "The amount must be above zero", field="amount")
    if signed_on < clock.legal_day(row.awarded_at):
        raise UserError("合同签订日期不能早于中标通知书发出之日", "The contract cannot be signed "
                        "before the award notice", field="signed_on")
    now = clock.now(session)
    if signed_on > clock.legal_day(now):
        raise UserError("合同签订日期不能晚于今天", "The signing date cannot be in the future",
                        field="signed_on")
    if not content or len(content) > config.MAX_DOCUMENT_BYTES:
        raise UserError("文件为空或过大（上限 50 MiB）", "The file is empty or too large (50 MiB)",
                        field="file")
    digest, path = files.store_by_digest(contracts_dir() / str(tender_id), content)
    contract = AwardContract(
        section_id=section_id, tender_id=tender_id, name=clean_name, amount_fen=amount_fen,
        signed_on=signed_on, term=clean_term,
        filename=(os.path.basename(filename.strip()) or "contract")[:255],
        content_type=sniff.content_type(content), sha256=digest, size=len(content),
        storage_key=str(path.relative_to(config.storage_root())),
        filed_by=uuid.UUID(actor.user_id) if actor.user_id else uuid.UUID(int=0), filed_at=now)
    session.add(contract)
    session.flush()
    from disclosure import services as disclosure

    winner = org_names(session, {row.winner_org_id}).get(row.winner_org_id, "—")
    published = disclosure.publish(
        session, actor, notice_type="contract_notice", tender_ref=str(tender.id),
        title=f"{tender.title} 标段 {section.number} 合同公告",
        data={"project_code": tender.code, "tenderee": tenderee_name(session, tender),
              "winner": winner,
              "contract_name": clean_name, "contract_amount": yuan_text(amount_fen),
              "signing_date": signed_on.isoformat(), "term": clean_term},
        region=tender.region, category=tender.category)
    contract.notice_id = published.id
    session.flush()
    supervision.resolve_deadline(session, CONTRACT_ALERT_KIND, contract_alert_subject(section_id),
                                 "filed")
    # R-16 (Regs §57): the security kept at the award is owed back within 5 days of the contract.
    second = next((uuid.UUID(c["org_id"]) for c in row.candidates or []
                   if uuid.UUID(c["org_id"]) != row.winner_org_id), None)
    refunds.refunds_after_contract(session, actor, section_id,
                                   {row.winner_org_id} | ({second} if second else set()))
    supervision.record(session, actor, "award.contract_filed", subject(tender_id), {
        "rule": "R-37", "section": str(section_id), "sha256": digest, "size": len(content),
        "amount_fen": amount_fen, "signed_on": signed_on.isoformat(),
        "notice": str(published.id),
        "late": row.contract_due is not None and now > row.contract_due})
    return contract


def contract_of(session: Session, section_id: uuid.UUID) -> AwardContract | None:
    return session.get(AwardContract, section_id)


def contract_path(contract: AwardContract) -> Path:
    return config.storage_root() / contract.storage_key
