"""The specialty classification (A 工程 / B 货物 / C 服务 and levels below): seed, read, maintain.

Codes are the parent's code plus two digits, so a code says where it sits in the tree. Nodes are
never deleted (experts and past draws name them): an administrator deactivates one instead, and
an inactive code can no longer be given to an expert or asked for in a draw.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from expert_pool.models import ExpertSpecialty, Specialty
from supervision import services as supervision
from trading.audit import Actor
from trading.errors import NotFoundError, UserError

DATA = Path(__file__).parent / "data" / "specialties.csv"
ROOTS = {"A": ("工程", "Engineering"), "B": ("货物", "Goods"), "C": ("服务", "Services")}
MAX_LEVEL = 4
CODE = re.compile(r"[ABC](?:[0-9]{2}){0,3}")
NAME_MAX = 100
NAME_EN_MAX = 200


def subject(code: str) -> str:
    return f"specialty:{code}"


def seed_specialties(session: Session) -> int:
    """Add the codes of the shipped tree that are missing (idempotent); return how many."""
    existing = set(session.scalars(select(Specialty.code)))
    with DATA.open(encoding="utf-8", newline="") as handle:
        missing = [{"code": row["code"], "parent_code": row["parent_code"] or None,
                    "name_zh": row["name_zh"], "name_en": row["name_en"],
                    "level": int(row["level"]), "active": True}
                   for row in csv.DictReader(handle) if row["code"] not in existing]
    if missing:
        # One multi-row INSERT, parents before their children as in the file: a row and a
        # flush per code cost every demo seed and expert-pool test about 0.4 s.
        session.execute(insert(Specialty), missing)
    return len(missing)


@dataclass(frozen=True)
class Node:
    code: str
    name_zh: str
    name_en: str
    level: int
    active: bool
    experts: int  # experts holding the code

    def name(self, lang: str) -> str:
        return self.name_en or self.name_zh if lang == "en" else self.name_zh


def tree(session: Session) -> list[Node]:
    """Every node in code order (depth-first, since a child's code extends its parent's)."""
    counts = {code: int(n) for code, n in session.execute(
        select(ExpertSpecialty.specialty_code, func.count()).group_by(ExpertSpecialty.specialty_code))}
    return [Node(s.code, s.name_zh, s.name_en, s.level, s.active, counts.get(s.code, 0))
            for s in session.scalars(select(Specialty).order_by(Specialty.code))]


def active_choices(session: Session) -> list[Specialty]:
    return list(session.scalars(select(Specialty).where(Specialty.active.is_(True))
                                .order_by(Specialty.code)))


def names(session: Session, codes: list[str], lang: str) -> dict[str, str]:
    if not codes:
        return {}
    rows = session.scalars(select(Specialty).where(Specialty.code.in_(codes)))
    return {s.code: (s.name_en or s.name_zh) if lang == "en" else s.name_zh for s in rows}


def get(session: Session, code: str) -> Specialty:
    node = session.get(Specialty, code)
    if node is None:
        raise NotFoundError("专业代码", "Specialty code")
    return node


def _check_names(name_zh: str, name_en: str) -> tuple[str, str]:
    name_zh, name_en = name_zh.strip(), name_en.strip()
    if not name_zh:
        raise UserError("请填写中文名称", "Enter the Chinese name", field="name_zh")
    if len(name_zh) > NAME_MAX:
        raise UserError(f"中文名称最多 {NAME_MAX} 字", f"At most {NAME_MAX} characters",
                        field="name_zh")
    if len(name_en) > NAME_EN_MAX:
        raise UserError(f"英文名称最多 {NAME_EN_MAX} 字符", f"At most {NAME_EN_MAX} characters",
                        field="name_en")
    return name_zh, name_en


def add_node(session: Session, actor: Actor, parent_code: str, name_zh: str,
             name_en: str = "") -> Specialty:
    """A new child of ``parent_code`` with the next free two-digit code."""
    parent = get(session, parent_code.strip().upper())
    if not parent.active:
        raise UserError("上级专业已停用，不能在其下新增", "The parent is deactivated",
                        field="parent_code")
    if parent.level >= MAX_LEVEL:
        raise UserError(f"分类最多 {MAX_LEVEL} 级", f"The tree has at most {MAX_LEVEL} levels",
                        field="parent_code")
    name_zh, name_en = _check_names(name_zh, name_en)
    siblings = session.scalars(select(Specialty.code).where(Specialty.parent_code == parent.code))
    used = {int(code[-2:]) for code in siblings}
    serial = next((n for n in range(1, 100) if n not in used), None)
    if serial is None:
        raise UserError("该级已满 99 个专业", "This level is full (99 codes)", field="parent_code")
    node = Specialty(code=f"{parent.code}{serial:02d}", parent_code=parent.code, name_zh=name_zh,
                     name_en=name_en, level=parent.level + 1, active=True)
    session.add(node)
    session.flush()
    supervision.record(session, actor, "specialty.added", subject(node.code),
                       {"code": node.code, "parent": parent.code, "name_zh": name_zh,
                        "name_en": name_en})
    return node


def rename(session: Session, actor: Actor, code: str, name_zh: str, name_en: str) -> Specialty:
    node = get(session, code)
    name_zh, name_en = _check_names(name_zh, name_en)
    before = node.name_zh
    node.name_zh, node.name_en = name_zh, name_en
    supervision.record(session, actor, "specialty.renamed", subject(code),
                       {"code": code, "from": before, "name_zh": name_zh, "name_en": name_en})
    return node


def set_active(session: Session, actor: Actor, code: str, active: bool) -> Specialty:
    """Deactivate (with every node below it) or reactivate (under an active parent)."""
    node = get(session, code)
    if active and node.parent_code is not None and not get(session, node.parent_code).active:
        raise UserError("上级专业已停用，请先启用上级", "Reactivate the parent first",
                        field="code")
    changed = [node] if active else list(session.scalars(
        select(Specialty).where(Specialty.code.startswith(code, autoescape=True))))
    for each in changed:
        each.active = active
    supervision.record(session, actor, "specialty.activated" if active else "specialty.deactivated",
                       subject(code), {"code": code, "nodes": len(changed)})
    return node


def check_codes(session: Session, codes: list[str], field: str = "specialties") -> list[str]:
    """Each code exists and is active; returns them normalized, in the given order."""
    cleaned = []
    for raw in codes:
        code = raw.strip().upper()
        if not code or code in cleaned:
            continue
        node = session.get(Specialty, code) if CODE.fullmatch(code) else None
        if node is None:
            raise UserError(f"专业代码“{code}”不存在", f"Specialty code {code!r} does not exist",
                            field=field)
        if not node.active:
            raise UserError(f"专业代码“{code}”已停用", f"Specialty code {code} is deactivated",
                            field=field)
        cleaned.append(code)
    return cleaned
