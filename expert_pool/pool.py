"""The expert pool: the record, its validation, creation, application and reads.

Lifecycle transitions, availability and conflicts are in ``pool_lifecycle``; the review of an
expert's own changes to vetted fields in ``pool_changes``. Log bodies name fields, never their
values: ID numbers, mobiles and e-mails stay out of the append-only log (it cannot forget).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, func, or_, select
from sqlalchemy.orm import Session

from expert_pool import specialties
from expert_pool.idcard import check_id_number, check_mobile
from expert_pool.models import (
    EXPERT_SERIES,
    ConflictKind,
    DeclaredConflict,
    Expert,
    ExpertSpecialty,
    ExpertStatus,
    ExpertType,
    IntegrityKind,
    IntegrityRecord,
    Qualification,
    SerialCounter,
    Specialty,
    Title,
)
from supervision import services as supervision
from trading import clock, counters
from trading.accounts.credit_code import CreditCodeError, validate_credit_code
from trading.audit import Actor
from trading.errors import ConflictError, NotFoundError, UserError

STATUS_LABELS = {
    ExpertStatus.APPLIED.value: ("已申请", "Applied"),
    ExpertStatus.REVIEWED.value: ("已审核", "Reviewed"),
    ExpertStatus.IN_POOL.value: ("在库", "In pool"),
    ExpertStatus.SUSPENDED.value: ("暂停", "Suspended"),
    ExpertStatus.PENALIZED.value: ("处罚期内", "Penalized"),
    ExpertStatus.RETIRED.value: ("已退出", "Retired"),
}
SEXES = {"male": ("男", "Male"), "female": ("女", "Female")}
EDUCATIONS = {"college": ("大专", "College"), "bachelor": ("本科", "Bachelor"),
              "master": ("硕士研究生", "Master"), "doctor": ("博士研究生", "Doctorate")}
TITLES = {Title.NONE: ("无职称", "None"), Title.JUNIOR: ("初级", "Junior"),
          Title.INTERMEDIATE: ("中级", "Intermediate"),
          Title.ASSOCIATE_SENIOR: ("副高级", "Associate senior"), Title.SENIOR: ("正高级", "Senior")}
TYPES = {ExpertType.TECHNICAL.value: ("技术专家", "Technical"),
         ExpertType.ECONOMIC.value: ("经济专家", "Economic")}
POOLS = {"platform": ("本平台专家库", "Platform pool"), "shared": ("共享专家库", "Shared pool")}
CONFLICT_KINDS = {ConflictKind.PAST_EMPLOYER.value: ("曾任职单位", "Past employer"),
                  ConflictKind.SHAREHOLDING.value: ("持股或任职", "Shareholding or directorship"),
                  ConflictKind.RELATIVE_EMPLOYER.value: ("近亲属任职单位", "Relative's employer")}
MAX_YEARS = 80
PAGE_SIZE = 50
MAX_QUALIFICATIONS = 20
MAX_SPECIALTIES = 10
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
NUMBER = re.compile(r"E[0-9]{6}")
# The fields an expert may change alone; the rest were vetted and go back for review.
OWN_FIELDS = ("mobile", "email")
VETTED_FIELDS = ("name", "id_number", "sex", "employer_name", "employer_credit_code", "region",
                 "education", "title", "title_name", "title_date", "years_in_specialty",
                 "expert_type", "specialties", "qualifications")


def label(table: dict[Any, tuple[str, str]], key: Any, lang: str) -> str:
    zh, en = table.get(key, (str(key), str(key)))
    return en if lang == "en" else zh


def subject(expert: Expert) -> str:
    return f"expert:{expert.number}"


@dataclass
class QualificationInput:
    name: str
    certificate_number: str = ""
    issued_on: dt.date | str | None = None
    valid_until: dt.date | str | None = None


@dataclass
class ExpertInput:
    """Everything a pool record holds; text from forms and files, typed values from the API."""

    name: str
    id_number: str
    sex: str
    mobile: str
    employer_name: str
    region: str
    education: str
    expert_type: str
    specialties: list[str]
    main_specialty: str
    email: str = ""
    employer_credit_code: str | None = None
    title: int | str = 0
    title_name: str = ""
    title_date: dt.date | str | None = None
    years_in_specialty: int | str = 0
    pool: str = "platform"
    qualifications: list[QualificationInput] = field(default_factory=list)


@dataclass
class Checked:
    """The validated column values, specialty links and qualifications of a record."""

    columns: dict[str, Any]
    specialties: list[str]
    main: str
    qualifications: list[dict[str, Any]]


def parse_date(value: dt.date | str | None, field_name: str, *, required: bool = False) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip()
    if not text:
        if required:
            raise UserError("请填写日期", "Enter a date", field=field_name)
        return None
    try:
        return dt.date.fromisoformat(text.replace("/", "-"))
    except ValueError as error:
        raise UserError("日期格式应为 YYYY-MM-DD", "Use YYYY-MM-DD", field=field_name) from error


def parse_int(value: int | str, field_name: str, low: int, high: int) -> int:
    try:
        number = value if isinstance(value, int) else int(str(value).strip() or "0")
    except ValueError as error:
        raise UserError("请填写整数", "Enter a whole number", field=field_name) from error
    if not low <= number <= high:
        raise UserError(f"应在 {low} 至 {high} 之间", f"Must be {low} to {high}", field=field_name)
    return number


def _choice(value: str, table: dict[str, tuple[str, str]], field_name: str, what: str) -> str:
    text = value.strip()
    for key, (zh, en) in table.items():  # the Chinese or English label is accepted too
        if text in (key, zh) or text.lower() == en.lower():
            return key
    allowed = "、".join(zh for zh, _ in table.values())
    raise UserError(f"{what}应为：{allowed}", f"Not an allowed value ({', '.join(table)})",
                    field=field_name)


def _text(value: str, field_name: str, max_length: int, *, required: bool = True) -> str:
    text = value.strip()
    if required and not text:
        raise UserError("此项必填", "This field is required", field=field_name)
    if len(text) > max_length:
        raise UserError(f"最多 {max_length} 字", f"At most {max_length} characters", field=field_name)
    return text


def _title(value: int | str) -> int:
    if isinstance(value, str) and not value.strip().isdigit():
        by_label = {zh: int(t) for t, (zh, _) in TITLES.items()}
        if value.strip() in by_label:
            return by_label[value.strip()]
    return parse_int(value, "title", int(Title.NONE), int(Title.SENIOR))


def problems(session: Session, data: ExpertInput, today: dt.date) -> tuple[Checked | None, list[UserError]]:
    """Check every field; return the checked record (when nothing is wrong) and every problem."""
    errors: list[UserError] = []
    columns: dict[str, Any] = {}

    def attempt(name: str, check: Any) -> None:
        try:
            columns[name] = check()
        except UserError as error:
            errors.append(error)

    attempt("name", lambda: _text(data.name, "name", 50))
    attempt("id_number", lambda: check_id_number(data.id_number))
    attempt("sex", lambda: _choice(data.sex, SEXES, "sex", "性别"))
    attempt("mobile", lambda: check_mobile(data.mobile))
    attempt("email", lambda: _email(data.email))
    attempt("employer_name", lambda: _text(data.employer_name, "employer_name", 200))
    attempt("employer_credit_code", lambda: _credit_code(data.employer_credit_code))
    attempt("region", lambda: _text(data.region, "region", 64))
    attempt("education", lambda: _choice(data.education, EDUCATIONS, "education", "学历"))
    attempt("title", lambda: _title(data.title))
    attempt("title_name", lambda: _text(data.title_name, "title_name", 100, required=False))
    attempt("title_date", lambda: parse_date(data.title_date, "title_date"))
    attempt("years_in_specialty", lambda: parse_int(data.years_in_specialty, "years_in_specialty",
                                                    0, MAX_YEARS))
    attempt("expert_type", lambda: _choice(data.expert_type, TYPES, "expert_type", "专家类别"))
    attempt("pool", lambda: _choice(data.pool, POOLS, "pool", "所属专家库"))
    # GB 11643: the 17th digit is odd for men, even for women.
    if "id_number" in columns and "sex" in columns and \
            (int(columns["id_number"][16]) % 2 == 1) != (columns["sex"] == "male"):
        errors.append(UserError("性别与身份证号码第 17 位不符",
                                    "The sex does not match digit 17 of the ID number", field="sex"))
    if columns.get("title") and "title_date" in columns and columns["title_date"] is None:
        errors.append(UserError("有职称时请填写取得时间", "Enter the date the title was obtained",
                                field="title_date"))
    if columns.get("title_date") and columns["title_date"] > today:
        errors.append(UserError("职称取得时间不能晚于今天", "The title date is in the future",
                                field="title_date"))
    codes: list[str] = []
    main = data.main_specialty.strip().upper()
    try:
        if main:  # checked on its own first, so that a report names the main code's column
            specialties.check_codes(session, [main], field="main_specialty")
        codes = specialties.check_codes(session, data.specialties)
        if not codes:
            raise UserError("请至少选择一个专业", "Choose at least one specialty", field="specialties")
        if len(codes) > MAX_SPECIALTIES:
            raise UserError(f"最多 {MAX_SPECIALTIES} 个专业", f"At most {MAX_SPECIALTIES} specialties",
                            field="specialties")
        if main not in codes:
            raise UserError("请从所选专业中指定一个主专业", "Mark exactly one of the chosen "
                            "specialties as main", field="main_specialty")
    except UserError as error:
        errors.append(error)
    qualifications: list[dict[str, Any]] = []
    if len(data.qualifications) > MAX_QUALIFICATIONS:
        errors.append(UserError(f"执业资格最多 {MAX_QUALIFICATIONS} 项", "Too many qualifications",
                                field="qualifications"))
    for item in data.qualifications[:MAX_QUALIFICATIONS]:
        try:
            qualifications.append(_qualification(item))
        except UserError as error:
            errors.append(error)
    if errors:
        return None, errors
    return Checked(columns, codes, main, qualifications), []


def _email(value: str) -> str:
    text = value.strip()
    if text and (len(text) > 120 or not EMAIL.fullmatch(text)):
        raise UserError("电子邮箱格式不正确", "Not a valid e-mail address", field="email")
    return text


def _credit_code(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None  # a retired expert or a freelancer has no employer code
    try:
        return validate_credit_code(value)
    except CreditCodeError as error:
        raise UserError(error.reason_zh, error.reason_en, field="employer_credit_code") from error


def _qualification(item: QualificationInput) -> dict[str, Any]:
    issued = parse_date(item.issued_on, "qualifications")
    valid = parse_date(item.valid_until, "qualifications")
    if issued and valid and valid < issued:
        raise UserError("执业资格有效期早于取得日期", "A qualification expires before it was issued",
                        field="qualifications")
    return {"name": _text(item.name, "qualifications", 100),
            "certificate_number": _text(item.certificate_number, "qualifications", 64, required=False),
            "issued_on": issued, "valid_until": valid}


def validate(session: Session, data: ExpertInput) -> Checked:
    """The checked record, or the first problem raised (pages show it by its field)."""
    checked, errors = problems(session, data, clock.legal_day(clock.now(session)))
    if errors or checked is None:
        raise errors[0]
    return checked


def take_numbers(session: Session, count: int = 1) -> list[str]:
    """``count`` new expert numbers (``E`` + at least 6 digits) from the pool's counter: two
    records created at the same moment (an application and a staff entry) never get one
    number, as they did when both read the highest number in use (``trading.counters``)."""
    first = counters.take_next(session, cast(Table, SerialCounter.__table__), EXPERT_SERIES, count)
    return [f"E{serial:06d}" for serial in range(first, first + count)]


def check_unique(session: Session, id_number: str, user_id: uuid.UUID | None = None,
                 own: uuid.UUID | None = None) -> None:
    query = select(Expert.number).where(Expert.id_number == id_number)
    if own is not None:
        query = query.where(Expert.id != own)
    found = session.scalar(query)
    if found is not None:
        raise ConflictError(f"该身份证号码已在专家库中（{found}）",
                            f"This ID number is already in the pool ({found})", field="id_number")
    if user_id is not None and session.scalar(
            select(Expert.number).where(Expert.user_id == user_id)) is not None:
        raise ConflictError("该账号已关联专家记录", "This account already has an expert record")


def write(session: Session, expert: Expert, checked: Checked, *, fresh: bool = False) -> None:
    """Set the columns and replace the specialty links and qualifications of ``expert``
    (``fresh``: a new record, which has none to replace)."""
    for name, value in checked.columns.items():
        setattr(expert, name, value)
    session.flush()
    if not fresh:
        for link in session.scalars(select(ExpertSpecialty).where(ExpertSpecialty.expert_id == expert.id)):
            session.delete(link)
        for old in session.scalars(select(Qualification).where(Qualification.expert_id == expert.id)):
            session.delete(old)
        session.flush()
    for code in checked.specialties:
        session.add(ExpertSpecialty(expert_id=expert.id, specialty_code=code, is_main=code == checked.main))
    for item in checked.qualifications:
        session.add(Qualification(expert_id=expert.id, **item))
    session.flush()


def create_expert(session: Session, actor: Actor, data: ExpertInput | Checked, *,
                  status: ExpertStatus = ExpertStatus.APPLIED, user_id: uuid.UUID | None = None,
                  source: str = "staff", number: str | None = None) -> Expert:
    """Staff add an expert (status applied unless they admit at once); number ``E`` + 6 digits.

    ``data`` may be already checked, and ``number`` given (the import checks the whole file
    first and numbers its rows itself)."""
    checked = data if isinstance(data, Checked) else validate(session, data)
    check_unique(session, checked.columns["id_number"], user_id)
    moment = clock.now(session)
    expert = Expert(number=number or take_numbers(session)[0], user_id=user_id, status=status.value,
                    created_at=moment, updated_at=moment, version=1)
    session.add(expert)
    write(session, expert, checked, fresh=True)
    supervision.record(session, actor, "expert.created", subject(expert),
                       {"number": expert.number, "status": expert.status, "source": source,
                        "specialties": checked.specialties, "main": checked.main})
    return expert


def apply_as_expert(session: Session, actor: Actor, user_id: uuid.UUID, data: ExpertInput) -> Expert:
    """A signed-in user with role expert applies: the record waits for staff review."""
    checked = validate(session, data)
    check_unique(session, checked.columns["id_number"], user_id)
    expert = create_expert(session, actor, checked, user_id=user_id, source="application")
    supervision.record(session, actor, "expert.applied", subject(expert), {"number": expert.number})
    return expert


def update_expert(session: Session, actor: Actor, expert: Expert, data: ExpertInput) -> list[str]:
    """Staff edit a record directly; returns (and logs) the names of the changed fields."""
    checked = validate(session, data)
    check_unique(session, checked.columns["id_number"], own=expert.id)
    changed = changed_fields(session, expert, checked)
    if changed:
        write(session, expert, checked)
        touch(session, expert)
        supervision.record(session, actor, "expert.updated", subject(expert),
                           {"number": expert.number, "fields": changed, "by": "staff"})
    return changed


def changed_fields(session: Session, expert: Expert, checked: Checked) -> list[str]:
    current = checked_of(session, expert)
    changed = [name for name, value in checked.columns.items() if current.columns.get(name) != value]
    if (current.specialties, current.main) != (checked.specialties, checked.main):
        changed.append("specialties")
    if current.qualifications != checked.qualifications:
        changed.append("qualifications")
    return changed


def touch(session: Session, expert: Expert) -> None:
    expert.version += 1
    expert.updated_at = clock.now(session)


# --- reads ---------------------------------------------------------------------------------


def get_expert(session: Session, expert_id: uuid.UUID) -> Expert:
    expert = session.get(Expert, expert_id)
    if expert is None:
        raise NotFoundError("专家", "Expert")
    return expert


def expert_by_number(session: Session, number: str) -> Expert:
    expert = session.scalar(select(Expert).where(Expert.number == number.strip().upper()))
    if expert is None:
        raise NotFoundError("专家", "Expert")
    return expert


def expert_for_user(session: Session, user_id: uuid.UUID) -> Expert | None:
    return session.scalar(select(Expert).where(Expert.user_id == user_id))


def links_of(session: Session, expert: Expert) -> list[ExpertSpecialty]:
    return list(session.scalars(select(ExpertSpecialty).where(ExpertSpecialty.expert_id == expert.id)
                                .order_by(ExpertSpecialty.is_main.desc(), ExpertSpecialty.specialty_code)))


def qualifications_of(session: Session, expert: Expert) -> list[Qualification]:
    return list(session.scalars(select(Qualification).where(Qualification.expert_id == expert.id)
                                .order_by(Qualification.id)))


def checked_of(session: Session, expert: Expert) -> Checked:
    """The record as it stands, in the shape validation produces (to compare and to merge)."""
    names = ("name", "id_number", "sex", "mobile", "email", "employer_name", "employer_credit_code",
             "region", "education", "title", "title_name", "title_date", "years_in_specialty",
             "expert_type", "pool")
    links = links_of(session, expert)
    return Checked({n: getattr(expert, n) for n in names}, [link.specialty_code for link in links],
                   next((link.specialty_code for link in links if link.is_main), ""),
                   [{"name": q.name, "certificate_number": q.certificate_number,
                     "issued_on": q.issued_on, "valid_until": q.valid_until}
                    for q in qualifications_of(session, expert)])


def input_of(session: Session, expert: Expert) -> ExpertInput:
    """The record as an input (the edit forms start from it)."""
    checked = checked_of(session, expert)
    columns = dict(checked.columns)
    return ExpertInput(
        **{k: v for k, v in columns.items() if k not in ("title_date",)},
        title_date=columns["title_date"], specialties=checked.specialties, main_specialty=checked.main,
        qualifications=[QualificationInput(**q) for q in checked.qualifications])


@dataclass(frozen=True)
class SearchPage:
    rows: list[Expert]
    total: int
    page: int
    pages: int


def search_experts(session: Session, keyword: str = "", specialty: str = "", status: str = "",
                   region: str = "", page: int = 1) -> SearchPage:
    """Staff's list: keyword (number, name, employer, or a whole ID number), filters, 50 a page."""
    query = select(Expert)
    keyword = keyword.strip()[:100]
    if keyword:
        pattern = f"%{keyword}%"
        query = query.where(or_(Expert.number == keyword.upper(), Expert.id_number == keyword.upper(),
                                Expert.name.like(pattern), Expert.employer_name.like(pattern)))
    if specialty.strip():
        code = specialty.strip().upper()[:16]
        query = query.where(Expert.id.in_(select(ExpertSpecialty.expert_id).where(
            ExpertSpecialty.specialty_code.startswith(code, autoescape=True))))
    if status in STATUS_LABELS:
        query = query.where(Expert.status == status)
    if region.strip():
        query = query.where(Expert.region.like(f"%{region.strip()[:64]}%"))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.scalars(query.order_by(Expert.number).offset((page - 1) * PAGE_SIZE)
                           .limit(PAGE_SIZE)).all()
    return SearchPage(list(rows), total, page, pages)


def specialty_name(session: Session, code: str, lang: str) -> str:
    node = session.get(Specialty, code)
    if node is None:
        return code
    return (node.name_en or node.name_zh) if lang == "en" else node.name_zh


def conflicts_of(session: Session, expert: Expert) -> list[DeclaredConflict]:
    return list(session.scalars(select(DeclaredConflict).where(DeclaredConflict.expert_id == expert.id)
                                .order_by(DeclaredConflict.id)))


def integrity_of(session: Session, expert: Expert) -> list[IntegrityRecord]:
    return list(session.scalars(select(IntegrityRecord).where(IntegrityRecord.expert_id == expert.id)
                                .order_by(IntegrityRecord.occurred_on.desc(), IntegrityRecord.id.desc())))


# --- integrity -----------------------------------------------------------------------------


def record_integrity(session: Session, actor: Actor, expert: Expert, kind: IntegrityKind,
                     occurred_on: dt.date, basis: str, detail: str, *,
                     draw_id: uuid.UUID | None = None, until: dt.date | None = None) -> IntegrityRecord:
    """One entry of the expert's integrity record (rewards, penalties, declines, ratings …)."""
    if until is not None and until < occurred_on:
        raise UserError("截止日期早于发生日期", "The end date is before the date", field="until")
    recorder = uuid.UUID(actor.user_id) if actor.user_id else None
    record = IntegrityRecord(expert_id=expert.id, kind=IntegrityKind(kind).value,
                             occurred_on=occurred_on, until=until, basis=basis[:200],
                             detail=detail, draw_id=draw_id, recorded_by=recorder,
                             recorded_at=clock.now(session))
    session.add(record)
    session.flush()
    supervision.record(session, actor, "expert.integrity_recorded", subject(expert),
                       {"number": expert.number, "kind": record.kind,
                        "occurred_on": occurred_on.isoformat(),
                        "until": until.isoformat() if until else None, "basis": record.basis,
                        "draw_id": str(draw_id) if draw_id else None})
    return record
