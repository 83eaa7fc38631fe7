"""The bank-statement import (CSV): all rows or none.

Layout (docs/bidding.md, "Bid security"): a header row naming the columns 交易日期, 付款人名称,
付款人账号, 金额, 银行流水号, 收款子账号 (any order, other columns ignored), one credit per row;
the date as YYYY-MM-DD (or YYYY/MM/DD, YYYYMMDD), the amount in yuan with at most two decimals;
UTF-8 (with or without BOM) or GB18030, as banks' exports are. Any bad row refuses the whole
file with a report of (row, column, reason); the header is row 1."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.security import payments
from bidding.security.models import SecurityPayment
from trading.audit import Actor
from trading.errors import UserError
from trading.row_problems import Problem

COLUMNS = {"交易日期": "trade_date", "付款人名称": "payer_name", "付款人账号": "payer_account",
           "金额": "amount", "银行流水号": "bank_serial", "收款子账号": "sub_account"}
LABELS = {value: key for key, value in COLUMNS.items()}
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000


@dataclass
class StatementRefused(UserError):
    """The file is refused as a whole; ``problems`` says where and why."""

    problems: list[Problem] = field(default_factory=list)


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as error:
        raise UserError("无法识别文件编码，请保存为 UTF-8 或 GB18030 编码的 CSV",
                        "Unknown encoding: save the CSV as UTF-8 or GB18030",
                        field="file") from error


def _date(text: str) -> str:
    value = text.strip().replace("/", "-")
    if re.fullmatch(r"[0-9]{8}", value):
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value


def _refuse(problems: list[Problem]) -> StatementRefused:
    first = problems[0]
    return StatementRefused(
        f"对账单有 {len(problems)} 处错误，未导入任何记录（第 {first.row} 行 "
        f"{LABELS.get(first.column, first.column)}：{first.reason_zh}）",
        f"The statement has {len(problems)} error(s); nothing was imported (row {first.row}, "
        f"{first.column}: {first.reason_en})", field="file", code="statement_refused",
        problems=problems)


def read(session: Session, content: bytes) -> list[payments.PaymentInput]:
    """Every row checked; refused as a whole with every problem found."""
    if not content or len(content) > MAX_BYTES:
        raise UserError("对账单文件为空或过大（上限 2 MiB）",
                        "The statement is empty or too large (2 MiB)", field="file")
    rows = list(csv.reader(io.StringIO(_decode(content))))
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if len(rows) < 2:
        raise UserError("对账单没有数据行", "The statement has no rows", field="file")
    if len(rows) - 1 > MAX_ROWS:
        raise UserError(f"一次最多导入 {MAX_ROWS} 行", f"At most {MAX_ROWS} rows at a time",
                        field="file")
    header = [cell.strip().lstrip("\ufeff") for cell in rows[0]]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise _refuse([Problem(1, COLUMNS[name], f"缺少列「{name}」", f"missing column {name}")
                       for name in missing])
    index = {COLUMNS[name]: header.index(name) for name in COLUMNS}
    problems: list[Problem] = []
    found: list[payments.PaymentInput] = []
    serials: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = {key: (row[i].strip() if i < len(row) else "") for key, i in index.items()}
        try:
            amount = payments.parse_yuan(cells["amount"])
            data = payments.check_input(
                session, trade_date=_date(cells["trade_date"]), payer_name=cells["payer_name"],
                payer_account=cells["payer_account"], amount_fen=amount,
                bank_serial=cells["bank_serial"], sub_account=cells["sub_account"])
        except UserError as error:
            problems.append(Problem(number, error.field or "", error.message_zh,
                                    error.message_en))
            continue
        if data.bank_serial in serials:
            problems.append(Problem(number, "bank_serial",
                                    f"与第 {serials[data.bank_serial]} 行的银行流水号重复",
                                    f"same bank serial as row {serials[data.bank_serial]}"))
            continue
        serials[data.bank_serial] = number
        found.append(data)
    recorded = set(session.scalars(select(SecurityPayment.bank_serial).where(
        SecurityPayment.bank_serial.in_(list(serials)))))
    for serial in sorted(recorded, key=lambda s: serials[s]):
        problems.append(Problem(serials[serial], "bank_serial", "该银行流水号已登记过",
                                "this bank serial is already recorded"))
    if problems:
        raise _refuse(sorted(problems, key=lambda p: p.row))
    return found


def import_statement(session: Session, actor: Actor, content: bytes) -> int:
    """Record every row of the statement (all or none: the caller's transaction)."""
    rows = read(session, content)
    for data in rows:
        payments.record_payment(session, actor, data, "statement")
    return len(rows)
