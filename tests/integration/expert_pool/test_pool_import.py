"""Importing experts: CSV (UTF-8, BOM, GB18030) and .xlsx; a bad file imports nothing."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook

from expert_pool import importer, pool
from expert_pool.models import ExpertStatus
from tests.integration.bidding.conftest import log_actions
from tests.integration.expert_pool.conftest import credit_code, id_number
from tests.integration.expert_pool.test_pool_support import STAFF, seeded
from trading import db
from trading.errors import UserError


@pytest.fixture(autouse=True)
def _tree(database: str) -> None:
    seeded()


def row(serial: int, **changes: str) -> list[str]:
    values = dict(zip(importer.TEMPLATE_HEADERS, importer.EXAMPLE, strict=True))
    values.update({"姓名": f"专家{serial}", "身份证号码": id_number(serial),
                   "性别": "男" if serial % 2 else "女", "手机号码": f"139{serial:08d}",
                   "电子邮箱": "", "单位统一社会信用代码": credit_code(700 + serial)})
    values.update(changes)
    return [values[h] for h in importer.TEMPLATE_HEADERS]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([importer.TEMPLATE_HEADERS, *rows])
    return out.getvalue().encode(encoding)


def run(content: bytes, name: str = "experts.csv", admit: bool = False) -> importer.ImportResult:
    with db.transaction() as session:
        return importer.import_experts(session, STAFF, name, content, admit=admit)


def pool_size() -> int:
    with db.read_only() as session:
        return pool.search_experts(session).total


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_a_good_csv_imports_every_row(encoding: str) -> None:
    result = run(csv_bytes([row(1), row(2), row(3)], encoding))
    assert result.ok and result.created == ["E000001", "E000002", "E000003"]
    with db.read_only() as session:
        expert = pool.expert_by_number(session, "E000002")
        assert expert.status == ExpertStatus.APPLIED.value and expert.sex == "female"
        assert [link.specialty_code for link in pool.links_of(session, expert)] == [
            "A0101", "A0102", "A0104"]
        assert len(pool.qualifications_of(session, expert)) == 1
    actions = log_actions()
    assert actions.count("expert.created") == 3 and "expert.import_finished" in actions


def test_a_good_xlsx_imports_and_admits() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(importer.TEMPLATE_HEADERS)
    first = row(1)
    first[importer.TEMPLATE_HEADERS.index("从事专业年限")] = 15  # type: ignore[call-overload]
    sheet.append(first)
    sheet.append(row(2))
    out = io.BytesIO()
    book.save(out)
    result = run(out.getvalue(), "experts.xlsx", admit=True)
    assert result.ok and len(result.created) == 2
    with db.read_only() as session:
        expert = pool.expert_by_number(session, "E000001")
    assert expert.status == ExpertStatus.IN_POOL.value and expert.years_in_specialty == 15


def test_a_bad_csv_reports_every_cell_and_imports_nothing() -> None:
    rows = [row(1), row(2, 身份证号码="140302198001010012", 手机号码="12345"),
            row(3, 主专业代码="Z99", 学历="小学"), row(1, 手机号码="13900000099")]
    result = run(csv_bytes(rows))
    assert not result.ok and result.created == []
    found = {(p.row, p.column) for p in result.problems}
    assert {(3, "身份证号码"), (3, "手机号码"), (4, "学历"), (5, "身份证号码")} <= found
    assert any(p.row == 4 and p.column == "主专业代码" for p in result.problems)
    duplicate = next(p for p in result.problems if p.row == 5)
    assert "第 2 行" in duplicate.reason_zh
    assert pool_size() == 0
    assert "expert.created" not in log_actions()


def test_an_id_number_already_in_the_pool_is_reported() -> None:
    assert run(csv_bytes([row(1)])).ok
    result = run(csv_bytes([row(5), row(1, 手机号码="13900000077")]))
    assert [(p.row, p.column) for p in result.problems] == [(3, "身份证号码")]
    assert "E000001" in result.problems[0].reason_zh
    assert pool_size() == 1


def test_file_level_refusals() -> None:
    with pytest.raises(UserError, match="表头"):
        run("姓名,电话\n张三,1\n".encode())
    with pytest.raises(UserError, match="没有数据"):
        run(csv_bytes([]))
    with pytest.raises(UserError, match="MB"):
        run(b"x" * (importer.MAX_BYTES + 1))
    with pytest.raises(UserError, match="5000"):
        run(csv_bytes([row(1)] * (importer.MAX_ROWS + 1)))
    with pytest.raises(UserError, match="Excel"):
        run(b"PK\x03\x04 not really a zip", "x.xlsx")


def test_the_template_reads_back() -> None:
    rows = importer.read_rows("t.csv", importer.template_csv())
    assert rows[0] == importer.TEMPLATE_HEADERS and len(rows) == 2
