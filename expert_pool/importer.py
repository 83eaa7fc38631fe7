"""Importing experts from a CSV or Excel (.xlsx) file: all rows or none.

One column layout (Chinese headers, ``TEMPLATE_HEADERS``; the template is downloadable from
``/experts/import/template.csv``). Every cell is checked as the form checks it, and duplicates
are looked for inside the file and against the pool (by ID number). If anything is wrong the
report lists each (row, column, reason) and nothing is written; otherwise every row becomes an
expert in the caller's one transaction.

CSV files are read as UTF-8 (with or without BOM), falling back to GB 18030, which is what
Excel on a Chinese Windows saves as "CSV". Rows are numbered as the spreadsheet shows them
(the header is row 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.models import Expert, ExpertStatus
from expert_pool.pool import (
    ExpertInput,
    QualificationInput,
    create_expert,
    problems,
    take_numbers,
)
from supervision import services as supervision
from trading import clock
from trading.audit import Actor
from trading.errors import UserError
from trading.row_problems import Problem

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
MAX_PROBLEMS = 1000  # the report stops listing after this many (the file is refused anyway)
# Header → ExpertInput attribute (None: handled apart).
COLUMNS: dict[str, str] = {
    "姓名": "name", "身份证号码": "id_number", "性别": "sex", "手机号码": "mobile",
    "电子邮箱": "email", "工作单位": "employer_name", "单位统一社会信用代码": "employer_credit_code",
    "所在地区": "region", "学历": "education", "职称级别": "title", "职称名称": "title_name",
    "职称取得日期": "title_date", "从事专业年限": "years_in_specialty", "专家类别": "expert_type",
    "所属专家库": "pool", "主专业代码": "main_specialty", "其他专业代码": "specialties",
    "执业资格": "qualifications",
}
REQUIRED = ("姓名", "身份证号码", "性别", "手机号码", "工作单位", "所在地区", "学历", "专家类别",
            "主专业代码")
TEMPLATE_HEADERS = list(COLUMNS)
EXAMPLE = ["张三", "140302198001010013", "男", "13912345678", "zhangsan@example.cn",
           "阳泉市建筑设计研究院", "", "山西省阳泉市", "本科", "副高级", "高级工程师",
           "2012-06-30", "15", "技术专家", "本平台专家库", "A0101", "A0102；A0104",
           "一级注册结构工程师/S114000123/2010-05-01/2028-05-01"]
FIELD_HEADERS = {attr: header for header, attr in COLUMNS.items()}
FIELD_HEADERS["main_specialty"] = "主专业代码"
FIELD_HEADERS["specialties"] = "其他专业代码"
LIST_SEPARATORS = ("；", ";", "、", ",", "，")


@dataclass
class ImportResult:
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # expert numbers

    @property
    def ok(self) -> bool:
        return not self.problems


def template_csv() -> bytes:
    """The layout with one example row, UTF-8 with BOM so that Excel opens it right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerow(EXAMPLE)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as error:
        raise UserError("无法识别文件编码，请保存为 UTF-8 或 GB18030 编码的 CSV",
                        "Unknown encoding: save the CSV as UTF-8 or GB18030", field="file") from error


def _too_many() -> UserError:
    return UserError(f"一次最多导入 {MAX_ROWS} 行", f"At most {MAX_ROWS} rows at a time", field="file")


def read_rows(filename: str, content: bytes) -> list[list[str]]:
    """The table of the file (header first), every cell as text; bounded in size and rows."""
    if len(content) > MAX_BYTES:
        raise UserError(f"文件不能超过 {MAX_BYTES // 1024 // 1024} MB",
                        f"The file is larger than {MAX_BYTES // 1024 // 1024} MB", field="file")
    if not content:
        raise UserError("文件为空", "The file is empty", field="file")
    rows: list[list[str]] = []
    if content[:4] == b"PK\x03\x04":  # a zip container: .xlsx
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise UserError("无法读取该 Excel 文件，请另存为 .xlsx 后重试",
                            "Cannot read this Excel file; save it as .xlsx", field="file") from error
        try:
            sheet = book.worksheets[0]
            for values in sheet.iter_rows(values_only=True):
                if len(rows) > MAX_ROWS:
                    raise _too_many()
                rows.append([_cell(v) for v in values])
        finally:
            book.close()
    elif filename.lower().endswith((".xls", ".et")):
        raise UserError("不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV", "Old .xls files are not "
                        "supported; save as .xlsx or CSV", field="file")
    else:
        for values in csv.reader(io.StringIO(_decode(content))):
            if len(rows) > MAX_ROWS:
                raise _too_many()
            rows.append([v.strip() for v in values])
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise UserError("文件为空", "The file is empty", field="file")
    return rows


def split_codes(text: str) -> list[str]:
    for separator in LIST_SEPARATORS[1:]:
        text = text.replace(separator, LIST_SEPARATORS[0])
    return [part.strip() for part in text.split(LIST_SEPARATORS[0]) if part.strip()]


def parse_qualifications(text: str) -> list[QualificationInput]:
    found = []
    for item in [p.strip() for p in text.replace(";", "；").split("；") if p.strip()]:
        parts = [p.strip() for p in item.split("/")] + ["", "", ""]
        found.append(QualificationInput(parts[0], parts[1], parts[2] or None, parts[3] or None))
    return found


def row_input(cells: dict[str, str]) -> ExpertInput:
    main = cells.get("主专业代码", "").strip().upper()
    others = [c.upper() for c in split_codes(cells.get("其他专业代码", ""))]
    return ExpertInput(
        name=cells.get("姓名", ""), id_number=cells.get("身份证号码", ""), sex=cells.get("性别", ""),
        mobile=cells.get("手机号码", ""), email=cells.get("电子邮箱", ""),
        employer_name=cells.get("工作单位", ""),
        employer_credit_code=cells.get("单位统一社会信用代码", "") or None,
        region=cells.get("所在地区", ""), education=cells.get("学历", ""),
        title=cells.get("职称级别", "") or "0", title_name=cells.get("职称名称", ""),
        title_date=cells.get("职称取得日期", "") or None,
        years_in_specialty=cells.get("从事专业年限", "") or "0",
        expert_type=cells.get("专家类别", ""), pool=cells.get("所属专家库", "") or "platform",
        specialties=[main, *[c for c in others if c != main]] if main else others,
        main_specialty=main, qualifications=parse_qualifications(cells.get("执业资格", "")))


def _header(row: list[str]) -> list[str]:
    header = [h.strip().lstrip("\ufeff") for h in row]
    unknown = [h for h in header if h and h not in COLUMNS]
    missing = [h for h in REQUIRED if h not in header]
    if unknown or missing:
        zh = "表头与模板不符：" + "；".join(
            ([f"缺少列 {'、'.join(missing)}"] if missing else []) +
            ([f"无法识别的列 {'、'.join(unknown)}"] if unknown else []))
        raise UserError(zh + "。请使用下载的模板。", "The header row does not match the template "
                        f"(missing: {', '.join(missing) or '-'}; unknown: {', '.join(unknown) or '-'})",
                        field="file")
    return header


def check_file(session: Session, filename: str, content: bytes) -> tuple[ImportResult, list[Any]]:
    """The report, and for a clean file the rows' checked records (nothing written)."""
    table = read_rows(filename, content)
    header = _header(table[0])
    result = ImportResult()
    today = clock.legal_day(clock.now(session))
    checked_rows: list[Any] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(table[1:], start=2):
        if not any(row):
            continue
        result.rows += 1
        cells = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header) if h}
        checked, errors = problems(session, row_input(cells), today)
        for error in errors:
            column = FIELD_HEADERS.get(error.field or "", error.field or "")
            result.problems.append(Problem(number, column, error.message_zh, error.message_en))
        if checked is not None:
            id_number = checked.columns["id_number"]
            if id_number in seen:
                result.problems.append(Problem(number, "身份证号码", f"与第 {seen[id_number]} 行重复",
                                               f"Same ID number as row {seen[id_number]}"))
            seen.setdefault(id_number, number)
            checked_rows.append((number, checked))
    if result.rows == 0:
        raise UserError("文件中没有数据行", "The file has no data rows", field="file")
    if seen:
        in_pool = {id_number: found for id_number, found in session.execute(
            select(Expert.id_number, Expert.number).where(Expert.id_number.in_(list(seen))))}
        for number, checked in checked_rows:
            found = in_pool.get(checked.columns["id_number"])
            if found:
                result.problems.append(Problem(number, "身份证号码", f"已在专家库中（{found}）",
                                               f"Already in the pool ({found})"))
    result.problems.sort(key=lambda p: p.row)
    del result.problems[MAX_PROBLEMS:]
    return result, checked_rows


def import_experts(session: Session, actor: Actor, filename: str, content: bytes, *,
                   admit: bool = False) -> ImportResult:
    """Check the whole file; import every row (status applied, or in pool when ``admit``) or none."""
    result, checked_rows = check_file(session, filename, content)
    if not result.ok:
        return result
    status = ExpertStatus.IN_POOL if admit else ExpertStatus.APPLIED
    numbers = take_numbers(session, len(checked_rows))
    for (_row, checked), number in zip(checked_rows, numbers, strict=True):
        expert = create_expert(session, actor, checked, status=status, source="import",
                               number=number)
        result.created.append(expert.number)
    supervision.record(session, actor, "expert.import_finished", "expert:import",
                       {"rows": result.rows, "created": len(result.created), "status": status.value,
                        "first": result.created[0], "last": result.created[-1]})
    return result

