"""Shared helpers of the pool tests (no tests here): a valid input and a staff actor."""

from __future__ import annotations

import uuid
from typing import Any

from expert_pool.pool import ExpertInput, QualificationInput
from expert_pool.specialties import seed_specialties
from tests.integration.expert_pool.conftest import credit_code, id_number
from trading import db
from trading.audit import Actor

STAFF = Actor(user_id=str(uuid.uuid4()), role="staff")


def seeded() -> None:
    with db.transaction() as session:
        seed_specialties(session)


def sample(serial: int = 1, **changes: Any) -> ExpertInput:
    """A valid record; odd serials are men (digit 17 of the ID number is odd)."""
    values: dict[str, Any] = dict(
        name=f"专家{serial}", id_number=id_number(serial), sex="male" if serial % 2 else "female",
        mobile=f"139{serial:08d}", email=f"e{serial}@example.cn", employer_name="阳泉市设计院",
        employer_credit_code=credit_code(900 + serial), region="山西省阳泉市", education="bachelor",
        title=3, title_name="高级工程师", title_date="2015-06-30", years_in_specialty=12,
        expert_type="technical", pool="platform", specialties=["A0101", "A0102"],
        main_specialty="A0101",
        qualifications=[QualificationInput("一级注册结构工程师", "S1", "2010-05-01", "2030-05-01")])
    values.update(changes)
    return ExpertInput(**values)


def form_of(serial: int = 1, **changes: str) -> dict[str, str]:
    """The record form's fields for ``sample(serial)``."""
    data = sample(serial)
    form = {
        "name": data.name, "id_number": data.id_number, "sex": data.sex, "mobile": data.mobile,
        "email": data.email, "employer_name": data.employer_name,
        "employer_credit_code": data.employer_credit_code or "", "region": data.region,
        "education": data.education, "title": str(data.title), "title_name": data.title_name,
        "title_date": str(data.title_date), "years_in_specialty": str(data.years_in_specialty),
        "expert_type": data.expert_type, "pool": data.pool, "main_specialty": "A0101",
        "other_specialties": "A0102", "qualifications": "一级注册结构工程师/S1/2010-05-01/2030-05-01",
    }
    form.update(changes)
    return form


def api_body(serial: int = 1, **changes: Any) -> dict[str, Any]:
    data = sample(serial)
    body: dict[str, Any] = {
        "name": data.name, "id_number": data.id_number, "sex": data.sex, "mobile": data.mobile,
        "email": data.email, "employer_name": data.employer_name,
        "employer_credit_code": data.employer_credit_code, "region": data.region,
        "education": data.education, "title": 3, "title_name": data.title_name,
        "title_date": "2015-06-30", "years_in_specialty": 12, "expert_type": "technical",
        "specialties": ["A0101", "A0102"], "main_specialty": "A0101",
        "qualifications": [{"name": "一级注册结构工程师", "certificate_number": "S1"}],
    }
    body.update(changes)
    return body
