"""The standard notice types: one schema each, and the validation that names a missing item.

Each notice is structured data. A schema lists its items in display order with their Chinese
and English labels, whether they are required (R-41: tenderee, project scope, scale, funding,
technical requirements, agent, bidders, winner with amount, signing date and term; R-42: the
candidates' ranking, price, quality, duration, key personnel and how to object) and their kind,
which decides normalization and redaction: personal addresses are always masked, money and
dates are typed values that cannot carry free text.

The tender announcement also carries the tender's opening public key, its key id and the hash
of the key ceremony's transcript: bidders' clients seal only to the key this logged notice
names (docs/bidding.md, "The opening key on the public record"). Keys and digests are typed
values too (``hex``, ``base64``): the redaction must never touch them, or a digit run inside a
key id would be "masked" as a phone number and the key would no longer match.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import enum
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from trading.errors import UserError

MAX_TEXT = 5000
MAX_LIST = 200
MAX_CANDIDATES = 3
MIN_PUBLICITY_DAYS = 3


class NoticeType(enum.StrEnum):
    TENDER_ANNOUNCEMENT = "tender_announcement"
    CLARIFICATION = "clarification"
    CORRECTION = "correction"
    OPENING_RECORD = "opening_record"
    CANDIDATE_PUBLICITY = "candidate_publicity"
    RESULT_ANNOUNCEMENT = "result_announcement"
    CONTRACT_NOTICE = "contract_notice"
    FAILED_TENDER = "failed_tender"
    INTAKE_RESULT = "intake_result"


class Kind(enum.StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    MONEY = "money"  # yuan, kept as a decimal string with two places
    DATETIME = "datetime"  # ISO 8601, normalized to UTC with "Z"
    DATE = "date"
    INTEGER = "integer"
    PERSONAL_ADDRESS = "personal_address"  # masked before publication, always
    LIST = "list"  # a list of objects described by ``items``
    HEX = "hex"  # a digest or key id: lower-case hexadecimal, ``length`` digits
    BASE64 = "base64"  # a public key: standard base64 of ``length`` bytes
    # An official reference number (文号, the platform's decision numbers): public by law and
    # what people verify a document with, so never masked; it must open with its issuer's
    # mark (letters or characters), which a personal ID or phone number never does.
    REFERENCE = "reference"


# Kinds whose values are typed (numbers, dates, keys, digests): they cannot hold an ID or a
# phone number, and masking digits in them would falsify amounts or break keys.
TYPED_KINDS = frozenset({Kind.MONEY, Kind.DATETIME, Kind.DATE, Kind.INTEGER, Kind.HEX,
                         Kind.BASE64, Kind.REFERENCE})


@dataclass(frozen=True)
class Field:
    key: str
    zh: str
    en: str
    kind: Kind = Kind.TEXT
    required: bool = True
    items: tuple[Field, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    length: int | None = None  # HEX: digits; BASE64: decoded bytes


@dataclass(frozen=True)
class NoticeSpec:
    type: NoticeType
    zh: str
    en: str
    fields: tuple[Field, ...]
    requires_corrects: bool = False
    # Intake results are not contracting processes: no OCDS release for them.
    ocds: bool = True

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)


def _f(key: str, zh: str, en: str, kind: Kind = Kind.TEXT, required: bool = True,
       **extra: Any) -> Field:
    return Field(key, zh, en, kind, required, **extra)


TENDEREE = _f("tenderee", "招标人", "Tenderee")
AGENT = _f("agent", "招标代理机构", "Tendering agent", required=False)
CONTACT = _f("contact", "联系人及联系方式", "Contact")
# The platform's readable project number (bidding.project_codes); optional because a notice
# about a project run elsewhere has its own reference only.
PROJECT_CODE = _f("project_code", "项目编号", "Project number", required=False)

BID_ITEMS = (
    _f("bidder", "投标人", "Bidder"),
    _f("price", "投标报价（元）", "Bid price (yuan)", Kind.MONEY),
    _f("duration", "工期/交货期", "Duration / delivery", required=False),
    _f("quality", "质量标准", "Quality", required=False),
    _f("status", "投标状态", "Bid status", required=False),
    _f("remarks", "备注", "Remarks", Kind.LONG_TEXT, required=False),
)

CANDIDATE_ITEMS = (
    _f("rank", "排名", "Rank", Kind.INTEGER, minimum=1, maximum=MAX_CANDIDATES),
    _f("bidder", "中标候选人", "Candidate"),
    _f("price", "投标报价（元）", "Bid price (yuan)", Kind.MONEY),
    _f("quality", "质量标准", "Quality"),
    _f("duration", "工期/交货期", "Duration / delivery"),
    _f("key_personnel", "项目负责人及主要人员", "Key personnel"),
    _f("score", "评标得分", "Evaluation score", required=False),
)

# A P-256 point (SEC1 uncompressed, 65 bytes), the first 32 hex digits of its SHA-256, and the
# SHA-256 of the ceremony transcript (docs/envelope.md, docs/dkg.md).
KEY_ITEMS = (
    _f("opening_public_key", "开标公钥", "Opening public key", Kind.BASE64, required=False,
       length=65),
    _f("opening_key_id", "开标公钥编号", "Opening key ID", Kind.HEX, required=False, length=32),
    _f("ceremony_transcript_hash", "密钥生成记录摘要", "Key ceremony transcript hash", Kind.HEX,
       required=False, length=64),
)

SPECS: dict[NoticeType, NoticeSpec] = {
    spec.type: spec
    for spec in (
        NoticeSpec(NoticeType.TENDER_ANNOUNCEMENT, "招标公告", "Tender announcement", (
            PROJECT_CODE, TENDEREE, AGENT,
            _f("project_name", "项目名称", "Project name"),
            _f("project_scope", "招标范围", "Scope"),
            _f("project_scale", "建设规模/采购数量", "Scale"),
            _f("funding_source", "资金来源", "Funding source"),
            _f("technical_requirements", "技术要求", "Technical requirements", Kind.LONG_TEXT),
            _f("qualification", "投标人资格要求", "Bidder qualification", Kind.LONG_TEXT),
            _f("maximum_price", "最高投标限价（元）", "Maximum price (yuan)", Kind.MONEY,
               required=False),
            _f("bid_deadline", "投标截止时间", "Bid deadline", Kind.DATETIME),
            _f("opening_time", "开标时间", "Opening time", Kind.DATETIME),
            _f("opening_place", "开标地点", "Opening place"),
            CONTACT,
            # The key bidders seal to, bound to the public record (last: they are for
            # machines and for checking, not for reading first). Optional because a manual
            # notice about a tender run elsewhere has no platform key; the platform's own
            # announcements always carry the first two (bidding.tendering.announcement.announcement_data).
            *KEY_ITEMS,
        )),
        NoticeSpec(NoticeType.CLARIFICATION, "澄清/修改公告", "Clarification / amendment", (
            PROJECT_CODE, TENDEREE, AGENT,
            _f("content", "澄清或修改内容", "Clarification or amendment", Kind.LONG_TEXT),
            _f("new_bid_deadline", "变更后的投标截止时间", "New bid deadline", Kind.DATETIME,
               required=False),
            CONTACT,
        )),
        NoticeSpec(NoticeType.CORRECTION, "更正公告", "Correction notice", (
            PROJECT_CODE, TENDEREE,
            _f("reason", "更正事项", "What is corrected"),
            _f("content", "更正内容", "Correction", Kind.LONG_TEXT),
            CONTACT,
        ), requires_corrects=True),
        NoticeSpec(NoticeType.OPENING_RECORD, "开标记录", "Opening record", (
            PROJECT_CODE, TENDEREE,
            _f("opening_time", "开标时间", "Opening time", Kind.DATETIME),
            _f("opening_place", "开标地点", "Opening place"),
            _f("bids", "投标情况", "Bids", Kind.LIST, items=BID_ITEMS),
            _f("supervisor", "监督单位", "Supervising department", required=False),
        )),
        NoticeSpec(NoticeType.CANDIDATE_PUBLICITY, "中标候选人公示", "Candidate publicity", (
            PROJECT_CODE, TENDEREE, AGENT,
            _f("candidates", "中标候选人", "Candidates", Kind.LIST, items=CANDIDATE_ITEMS),
            _f("publicity_days", "公示期（日）", "Publicity period (days)", Kind.INTEGER,
               minimum=MIN_PUBLICITY_DAYS, maximum=30),
            _f("objection_method", "提出异议的渠道和方式", "How to object", Kind.LONG_TEXT),
            _f("objection_contact", "异议受理联系人及电话", "Objection contact"),
        )),
        NoticeSpec(NoticeType.RESULT_ANNOUNCEMENT, "中标结果公告", "Result announcement", (
            PROJECT_CODE, TENDEREE, AGENT,
            _f("winner", "中标人", "Winner"),
            _f("winning_price", "中标价（元）", "Winning price (yuan)", Kind.MONEY),
            _f("duration", "工期/交货期", "Duration / delivery"),
            _f("quality", "质量标准", "Quality", required=False),
            _f("project_manager", "项目负责人", "Project manager", required=False),
        )),
        NoticeSpec(NoticeType.CONTRACT_NOTICE, "合同公告", "Award / contract notice", (
            PROJECT_CODE, TENDEREE,
            _f("winner", "中标人（供应商）", "Winner (supplier)"),
            _f("contract_name", "合同名称", "Contract"),
            _f("contract_amount", "合同金额（元）", "Contract amount (yuan)", Kind.MONEY),
            _f("signing_date", "合同签订日期", "Signing date", Kind.DATE),
            _f("term", "合同履行期限", "Contract term"),
        )),
        NoticeSpec(NoticeType.FAILED_TENDER, "流标公告", "Failed-tender notice", (
            PROJECT_CODE, TENDEREE, AGENT,
            _f("reason", "流标原因", "Reason", Kind.LONG_TEXT),
            _f("next_steps", "后续安排", "Next steps", Kind.LONG_TEXT, required=False),
        )),
        NoticeSpec(NoticeType.INTAKE_RESULT, "审批结果公开", "Intake decision", (
            _f("service_item", "办理事项", "Service item"),
            _f("applicant", "申请人", "Applicant"),
            _f("applicant_address", "申请人住址", "Applicant's address", Kind.PERSONAL_ADDRESS,
               required=False),
            _f("department", "办理部门", "Department"),
            _f("decision", "办理结果", "Decision"),
            _f("decided_at", "办结日期", "Decision date", Kind.DATE),
            _f("document_number", "批准文号", "Document number", Kind.REFERENCE,
               required=False),
        ), ocds=False),
    )
}


def spec_for(notice_type: str) -> NoticeSpec:
    try:
        return SPECS[NoticeType(notice_type)]
    except ValueError:
        raise UserError(f"未知的公告类型：{notice_type[:40]}", f"unknown notice type: "
                        f"{notice_type[:40]}", field="notice_type", code="unknown_type") from None


# --- validation ------------------------------------------------------------------------------


def validate(spec: NoticeSpec, data: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``data`` normalized, or raise ``UserError`` naming the first item at fault."""
    if not isinstance(data, Mapping):
        raise UserError("公告数据必须是对象", "notice data must be an object", field="data")
    return _validate_object(spec.fields, data, prefix="", label_zh="", label_en="")


def _validate_object(fields: tuple[Field, ...], data: Mapping[str, Any], prefix: str,
                     label_zh: str, label_en: str) -> dict[str, Any]:
    known = {f.key for f in fields}
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        name = unknown[0][:40]
        raise UserError(f"{label_zh}包含未定义的数据项：{name}", f"{label_en}unknown item: {name}",
                        field=prefix + name, code="unknown_item")
    result: dict[str, Any] = {}
    for field in fields:
        value = data.get(field.key)
        path = prefix + field.key
        zh, en = label_zh + field.zh, label_en + field.en
        if _is_blank(value):
            if field.required:
                raise UserError(f"缺少必填项：{zh}", f"missing required item: {en}", field=path,
                                code="missing_item")
            continue
        result[field.key] = _normalize(field, value, path, zh, en)
    return result


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not _strip(value))


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _bad(path: str, zh: str, en: str, why_zh: str, why_en: str) -> UserError:
    return UserError(f"{zh}：{why_zh}", f"{en}: {why_en}", field=path, code="invalid_item")


def _normalize(field: Field, value: Any, path: str, zh: str, en: str) -> Any:
    if field.kind is Kind.LIST:
        return _normalize_list(field, value, path, zh, en)
    if field.kind is Kind.MONEY:
        return _money(value, path, zh, en)
    if field.kind is Kind.DATETIME:
        return _datetime(value, path, zh, en)
    if field.kind is Kind.DATE:
        return _date(value, path, zh, en)
    if field.kind is Kind.INTEGER:
        return _integer(field, value, path, zh, en)
    if field.kind is Kind.HEX:
        return _hex(field, value, path, zh, en)
    if field.kind is Kind.BASE64:
        return _base64(field, value, path, zh, en)
    if field.kind is Kind.REFERENCE:
        return _reference(value, path, zh, en)
    return _text(value, path, zh, en)


def _text(value: Any, path: str, zh: str, en: str) -> str:
    if isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _bad(path, zh, en, "应为文本", "must be text")
    text: str = "".join(c for c in value.strip()
                        if c in "\n\t" or unicodedata.category(c) != "Cc")
    if len(text) > MAX_TEXT:
        raise _bad(path, zh, en, f"不能超过 {MAX_TEXT} 字", f"at most {MAX_TEXT} characters")
    return text


def _money(value: Any, path: str, zh: str, en: str) -> str:
    try:
        if isinstance(value, bool | float):
            raise decimal.InvalidOperation  # floats lose fen; bools are not amounts
        amount = decimal.Decimal(str(value).replace(",", "").strip())
    except (decimal.InvalidOperation, ValueError):
        raise _bad(path, zh, en, "应为金额（元）", "must be an amount in yuan") from None
    if not amount.is_finite() or amount < 0 or amount >= decimal.Decimal(10) ** 13:
        raise _bad(path, zh, en, "金额超出范围", "amount out of range")
    return str(amount.quantize(decimal.Decimal("0.01")))


def _datetime(value: Any, path: str, zh: str, en: str) -> str:
    moment = value
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            moment = None
    if not isinstance(moment, dt.datetime) or moment.tzinfo is None:
        raise _bad(path, zh, en, "应为带时区的时间（ISO 8601）",
                   "must be an ISO 8601 time with a zone")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date(value: Any, path: str, zh: str, en: str) -> str:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise _bad(path, zh, en, "应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)") from None


def _integer(field: Field, value: Any, path: str, zh: str, en: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _bad(path, zh, en, "应为整数", "must be a whole number")
    try:
        number = int(value)
    except ValueError:
        raise _bad(path, zh, en, "应为整数", "must be a whole number") from None
    if field.minimum is not None and number < field.minimum:
        raise _bad(path, zh, en, f"不得小于 {field.minimum}", f"at least {field.minimum}")
    if field.maximum is not None and number > field.maximum:
        raise _bad(path, zh, en, f"不得大于 {field.maximum}", f"at most {field.maximum}")
    return number


_HEX = re.compile(r"[0-9a-f]+")


def _hex(field: Field, value: Any, path: str, zh: str, en: str) -> str:
    text = value.strip().lower() if isinstance(value, str) else ""
    if not _HEX.fullmatch(text) or (field.length is not None and len(text) != field.length):
        digits = f" {field.length} 位" if field.length else ""
        count = f" of {field.length} digits" if field.length else ""
        raise _bad(path, zh, en, f"应为{digits}十六进制数", f"must be a hexadecimal number{count}")
    return text


def _base64(field: Field, value: Any, path: str, zh: str, en: str) -> str:
    try:
        raw = base64.b64decode(value.strip() if isinstance(value, str) else "", validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if not raw or (field.length is not None and len(raw) != field.length):
        size = f"（{field.length} 字节）" if field.length else ""
        count = f" of {field.length} bytes" if field.length else ""
        raise _bad(path, zh, en, f"应为 base64 编码的数据{size}", f"must be base64{count}")
    return base64.b64encode(raw).decode()


# An issuer's mark (a letter or character, not a digit or punctuation), then no spaces.
_REFERENCE = re.compile(r"[^\W\d_]\S*")
MAX_REFERENCE = 64


def _reference(value: Any, path: str, zh: str, en: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > MAX_REFERENCE:
        raise _bad(path, zh, en, f"不能超过 {MAX_REFERENCE} 字",
                   f"at most {MAX_REFERENCE} characters")
    if not _REFERENCE.fullmatch(text):
        raise _bad(path, zh, en, "应为文号，以发文机关代字或字母开头（如“阳审〔2026〕1号”）",
                   "must be a reference number opening with its issuer's mark "
                   "(e.g. 阳审〔2026〕1号)")
    return text


def _normalize_list(field: Field, value: Any, path: str, zh: str, en: str) -> list[Any]:
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise _bad(path, zh, en, "应为列表", "must be a list of entries")
    if len(value) > MAX_LIST:
        raise _bad(path, zh, en, "条目过多", "too many entries")
    limit = MAX_CANDIDATES if field.key == "candidates" else None
    if limit is not None and len(value) > limit:
        raise _bad(path, zh, en, f"最多 {limit} 名", f"at most {limit} entries")
    return [
        _validate_object(field.items, item, f"{path}[{i}].", f"{zh}第{i + 1}项", f"{en} #{i + 1} ")
        for i, item in enumerate(value)
    ]
