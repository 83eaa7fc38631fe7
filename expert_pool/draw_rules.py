"""The rules a draw request must meet before anything is saved or logged (R-30, R-31).

Each refusal is a ``UserError`` naming the field and the numbers, in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from bidding.services import SectionFacts
from trading.accounts.models import Organization, Role, User, UserRole
from trading.errors import UserError

if TYPE_CHECKING:
    from expert_pool.drawing import DrawInput

MIN_COMMITTEE = 5
GP_LARGE_COMMITTEE = 7
GP_LARGE_FEN = 10_000_000 * 100  # 10 million yuan (GP 87号令 §47)
MAX_COMMITTEE = 99
MAX_BACKUPS = 10
MAX_DAYS = 30
MAX_PLACE = 200
MAX_REASON = 500
MAX_REGIONS = 50
MAX_ANSWER_MINUTES = 7 * 24 * 60
LAW_37 = "《招标投标法》第三十七条"
GP_47 = "《政府采购货物和服务招标投标管理办法》（财政部令第87号）第四十七条"


def committee_problems(data: DrawInput, facts: SectionFacts) -> list[UserError]:
    """R-30: odd, at least 5 (7 in large government procurement), experts at least 2/3."""
    found: list[UserError] = []
    size = data.committee_size
    if size < MIN_COMMITTEE or size % 2 == 0 or size > MAX_COMMITTEE:
        found.append(UserError(
            f"评标委员会须为 5 人以上单数，现为 {size} 人（{LAW_37}）",
            f"The committee must have an odd number of members, at least 5; got {size} "
            "(Bidding Law §37)", field="committee_size"))
    elif (facts.government_procurement and facts.estimated_price_fen >= GP_LARGE_FEN
          and size < GP_LARGE_COMMITTEE):
        found.append(UserError(
            f"政府采购预算 {facts.estimated_price_fen // 100:,} 元达 1000 万元以上，评审委员会须 7 人以上"
            f"单数，现为 {size} 人（{GP_47}）",
            f"Government procurement of {facts.estimated_price_fen // 100:,} yuan (10 million or "
            f"more) needs at least 7 members; got {size} (GP Order 87 §47)", field="committee_size"))
    experts = sum(r.count for r in data.requirements)
    if data.tenderee_representatives < 0 or experts + data.tenderee_representatives != size:
        found.append(UserError(
            f"专家 {experts} 名加招标人代表 {data.tenderee_representatives} 名应等于委员会人数 {size} 名",
            f"{experts} experts plus {data.tenderee_representatives} tenderee representatives must "
            f"equal the committee size {size}", field="tenderee_representatives"))
    if size > 0 and experts * 3 < size * 2:
        found.append(UserError(
            f"技术、经济等方面的专家不得少于成员总数的三分之二：{size} 人中专家只有 {experts} 名（{LAW_37}）",
            f"Experts must be at least two thirds of the committee: {experts} of {size} "
            "(Bidding Law §37)", field="requirements"))
    return found


def request_problems(data: DrawInput, now: dt.datetime, supervisor: tuple[str | None] | None,
                     known: Collection[str]) -> list[UserError]:
    """Everything but the committee and the counts: specialties (``known``: the active codes),
    regions, dates, supervisor."""
    found: list[UserError] = []
    if not data.requirements:
        found.append(UserError("至少需要一个专业", "At least one specialty is needed",
                               field="requirements"))
    seen: set[str] = set()
    for requirement in data.requirements:
        code = requirement.specialty_code
        if code in seen:
            found.append(UserError(f"专业 {code} 重复", f"Specialty {code} is listed twice",
                                   field="requirements"))
        seen.add(code)
        if code not in known:
            found.append(UserError(f"专业代码 {code} 不存在或已停用",
                                   f"Specialty {code} does not exist or is inactive",
                                   field="requirements"))
        if requirement.count < 1:
            found.append(UserError(f"专业 {code} 至少抽取 1 名，现为 {requirement.count} 名",
                                   f"Specialty {code} needs at least 1 expert; got {requirement.count}",
                                   field="requirements"))
        if not 0 <= requirement.backups <= MAX_BACKUPS:
            found.append(UserError(f"专业 {code} 的备选人数须在 0 至 {MAX_BACKUPS} 之间，现为 "
                                   f"{requirement.backups}",
                                   f"Backups for {code} must be 0 to {MAX_BACKUPS}; got "
                                   f"{requirement.backups}", field="requirements"))
    if (data.regions_include or data.regions_exclude) and not data.region_reason.strip():
        found.append(UserError("限定或排除地区须说明理由", "A regional limit needs a stated reason",
                               field="region_reason"))
    if len(data.regions_include) + len(data.regions_exclude) > MAX_REGIONS:
        found.append(UserError(f"地区最多 {MAX_REGIONS} 个", f"At most {MAX_REGIONS} regions",
                               field="regions_include"))
    if not 0 <= data.min_title <= 4:
        found.append(UserError("最低职称无效", "Invalid minimum title", field="min_title"))
    if not 0 <= data.min_years <= 60:
        found.append(UserError(f"最低从业年限须在 0 至 60 之间，现为 {data.min_years}",
                               f"Minimum years must be 0 to 60; got {data.min_years}",
                               field="min_years"))
    if data.evaluation_at.tzinfo is None or data.evaluation_at <= now:
        found.append(UserError("评标时间须晚于现在", "The evaluation must be in the future",
                               field="evaluation_at"))
    if not 1 <= data.expected_days <= MAX_DAYS:
        found.append(UserError(f"预计评标天数须在 1 至 {MAX_DAYS} 天之间，现为 {data.expected_days}",
                               f"Expected days must be 1 to {MAX_DAYS}; got {data.expected_days}",
                               field="expected_days"))
    if not data.place.strip() or len(data.place) > MAX_PLACE:
        found.append(UserError(f"须填写评标地点（至多 {MAX_PLACE} 字）",
                               f"The place is required (at most {MAX_PLACE} characters)", field="place"))
    if len(data.region_reason) > MAX_REASON:
        found.append(UserError(f"理由至多 {MAX_REASON} 字", f"At most {MAX_REASON} characters",
                               field="region_reason"))
    if (data.cap_draws is None) != (data.cap_days is None) or (
            data.cap_draws is not None and data.cap_days is not None
            and not (1 <= data.cap_draws <= 100 and 1 <= data.cap_days <= 3650)):
        found.append(UserError("抽取次数上限须同时给出次数（1–100）和天数（1–3650）",
                               "A draw cap needs both a number (1–100) and days (1–3650)",
                               field="cap_draws"))
    if not 1 <= data.answer_minutes <= MAX_ANSWER_MINUTES:
        found.append(UserError("答复时限无效", "Invalid time to answer", field="answer_minutes"))
    if supervisor is None:  # supervisor_code(...) of the request
        found.append(UserError("监督人须为监管部门账户", "The supervisor must be a regulator account",
                               field="supervisor_user_id"))
    return found


def supervisor_code(session: Session, user_id: uuid.UUID) -> tuple[str | None] | None:
    """(the supervising department's credit code,) for an active regulator account, else None.

    One Core statement, built once: loading the user through the ORM took three (its
    organization, its roles, the role check), twice a draw (request and commit)."""
    row = session.connection().execute(_SUPERVISOR_CODE, {"user_id": user_id}).one_or_none()
    return None if row is None else (row[0],)


_SUPERVISOR_CODE = (
    select(Organization.credit_code).select_from(User)
    .outerjoin(Organization, Organization.id == User.organization_id)
    .where(User.id == bindparam("user_id"), User.is_active.is_(True),
           exists().where(UserRole.user_id == User.id, UserRole.role == Role.REGULATOR.value)))
