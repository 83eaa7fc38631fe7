"""Service items and their guides: create, change (every change a new version, logged), add and
remove materials, and the public catalog."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, undefer

from trading import audit, clock
from trading.errors import ConflictError, NotFoundError, UserError
from trading.intake import regions
from trading.intake.models import (
    Collection,
    Department,
    ExcludedKind,
    ItemKind,
    ItemParticipant,
    Material,
    MaterialForm,
    Region,
    ServiceItem,
    ServiceItemVersion,
)

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{1,31}$")
MAX_DAYS = 365  # a limit in working days; far beyond any legal limit
MAX_FEE_FEN = 100_000_000_00  # one hundred million yuan
MAX_MATERIALS = 30
MAX_TEMPLATE_BYTES = 2 * 1024 * 1024
STATUTORY_DEFAULT_DAYS = 20  # Licensing Law §42
# The logged action of each kind of new version.
VERSION_ACTIONS = {"created": "intake.item_created", "changed": "intake.item_changed",
                   "material_added": "intake.material_added",
                   "material_removed": "intake.material_removed"}
# Template files are served with their type only when it is one of these (never HTML).
TEMPLATE_TYPES = frozenset({
    "application/pdf", "application/msword", "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/ofd",
})


@dataclass(frozen=True)
class ItemInput:
    code: str
    department_code: str
    name: str
    kind: ItemKind
    legal_basis: str
    conditions: str
    fee_basis: str | None
    fee_fen: int | None
    promised_days: int
    statutory_days: int
    excluded_kinds: tuple[ExcludedKind, ...]
    online: bool
    collection: Collection
    participant_codes: tuple[str, ...]


@dataclass(frozen=True)
class MaterialInput:
    name: str
    required: bool
    form: MaterialForm
    copies: int
    validity_needed: bool
    note: str


@dataclass(frozen=True)
class TemplateFile:
    filename: str
    content_type: str
    content: bytes


# ------------------------------------------------------------------------------- checks
def check_item(data: ItemInput) -> None:
    """Refuse an item that breaks the rules of a guide (each error names its field)."""
    if not CODE.match(data.code):
        raise UserError("事项编码只能包含字母、数字和连字符（2–32位）",
                        "The item code takes 2-32 letters, digits and hyphens", field="code")
    if not data.name.strip() or len(data.name) > 200:
        raise UserError("请填写事项名称（不超过200字）", "Enter the item name (at most 200 characters)",
                        field="name")
    if not data.legal_basis.strip():
        raise UserError("请填写设定依据", "Enter the legal basis", field="legal_basis")
    if not data.conditions.strip():
        raise UserError("请填写受理条件", "Enter the conditions", field="conditions")
    if not 1 <= data.statutory_days <= MAX_DAYS:
        raise UserError(f"法定办结时限应为1至{MAX_DAYS}个工作日",
                        f"The statutory limit is 1 to {MAX_DAYS} working days", field="statutory_days")
    if data.kind is ItemKind.IMMEDIATE and data.promised_days != 0:
        raise UserError("即办件当场办结，承诺时限应为0", "An item handled on the spot has a promised "
                        "limit of 0", field="promised_days")
    if data.kind is ItemKind.PROMISED and not 1 <= data.promised_days <= data.statutory_days:
        raise UserError("承诺件的承诺时限应为1个工作日至法定时限（R-05）", "A promised item's limit is 1 "
                        "working day up to the statutory limit (R-05)", field="promised_days")
    has_basis, has_fee = bool(data.fee_basis and data.fee_basis.strip()), data.fee_fen is not None
    if has_basis != has_fee:
        raise UserError("收费须同时填写公布的收费依据和金额，否则不收费", "A fee needs both its published "
                        "legal item and its amount; otherwise there is no fee", field="fee_basis")
    if data.fee_fen is not None and not 0 < data.fee_fen <= MAX_FEE_FEN:
        raise UserError("收费金额应大于0", "The fee must be more than 0", field="fee_yuan")


def check_material(data: MaterialInput) -> None:
    if not data.name.strip() or len(data.name) > 200:
        raise UserError("请填写材料名称（不超过200字）", "Enter the material's name (at most 200 "
                        "characters)", field="material_name")
    if not 1 <= data.copies <= 20:
        raise UserError("份数应为1至20", "Copies: 1 to 20", field="copies")
    if len(data.note) > 500:
        raise UserError("说明不超过500字", "The note takes at most 500 characters", field="note")


# ------------------------------------------------------------------------------- reading
def departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.code)))


def department(session: Session, code: str) -> Department:
    found = session.scalar(select(Department).where(Department.code == code))
    if found is None:
        raise UserError(f"部门 {code} 不存在", f"Department {code} does not exist",
                        field="department")
    return found


def get_item(session: Session, code: str) -> ServiceItem:
    found = session.scalar(select(ServiceItem).where(ServiceItem.code == code))
    if found is None:
        raise NotFoundError("服务事项", "Service item")
    return found


def catalog(session: Session, department_code: str | None = None,
            keyword: str | None = None, region_code: str | None = None) -> list[ServiceItem]:
    """Items by department, optionally narrowed by a region, a department and a keyword (name,
    code, legal basis or conditions)."""
    query = select(ServiceItem).join(ServiceItem.department)
    if region_code:
        query = query.where(Department.region_id.in_(
            select(Region.id).where(Region.code == region_code[:12])))
    if department_code:
        query = query.where(Department.code == department_code)
    if keyword and keyword.strip():
        pattern = f"%{keyword.strip()[:100]}%"
        query = query.where(or_(ServiceItem.name.ilike(pattern), ServiceItem.code.ilike(pattern),
                                ServiceItem.legal_basis.ilike(pattern),
                                ServiceItem.conditions.ilike(pattern)))
    return list(session.scalars(query.order_by(Department.code, ServiceItem.code)))


def versions(session: Session, item: ServiceItem) -> list[ServiceItemVersion]:
    return list(session.scalars(select(ServiceItemVersion).where(
        ServiceItemVersion.item_id == item.id).order_by(ServiceItemVersion.version.desc())))


def material_template(session: Session, code: str, material_id: uuid.UUID) -> TemplateFile:
    item = get_item(session, code)
    material = session.scalar(select(Material).options(undefer(Material.template_content)).where(
        Material.id == material_id, Material.item_id == item.id))
    if material is None or material.template_content is None:
        raise NotFoundError("材料模板", "Material template")
    return TemplateFile(material.template_name or "template", material.template_type
                        or "application/octet-stream", material.template_content)


def snapshot(item: ServiceItem) -> dict[str, Any]:
    """An item's full published content, as kept in its version history."""
    return {
        "code": item.code, "department": item.department.code, "name": item.name,
        "kind": item.kind, "legal_basis": item.legal_basis, "conditions": item.conditions,
        "fee_basis": item.fee_basis, "fee_fen": item.fee_fen, "promised_days": item.promised_days,
        "statutory_days": item.statutory_days, "excluded_kinds": list(item.excluded_kinds),
        "online": item.online, "collection": item.collection,
        "participants": [p.department_code for p in item.participants],
        "materials": [{
            "name": m.name, "required": m.required, "form": m.form, "copies": m.copies,
            "validity_needed": m.validity_needed, "note": m.note, "template": m.template_name,
        } for m in item.materials],
    }


# ------------------------------------------------------------------------------- changing
def _apply(session: Session, item: ServiceItem, data: ItemInput) -> None:
    lead = department(session, data.department_code)
    item.department_id, item.department = lead.id, lead
    item.name, item.kind = data.name.strip(), data.kind.value
    item.legal_basis, item.conditions = data.legal_basis.strip(), data.conditions.strip()
    item.fee_basis = data.fee_basis.strip() if data.fee_basis else None
    item.fee_fen = data.fee_fen
    item.promised_days, item.statutory_days = data.promised_days, data.statutory_days
    item.excluded_kinds = [k.value for k in ExcludedKind if k in data.excluded_kinds]
    item.online, item.collection = data.online, data.collection.value
    wanted = [department(session, code) for code in sorted(set(data.participant_codes))
              if code != lead.code]
    item.participants = [ItemParticipant(department_id=d.id, department_code=d.code, department=d)
                         for d in wanted]


def _new_version(session: Session, actor: audit.Actor, item: ServiceItem, change: str,
                 detail: str, details: dict[str, Any]) -> None:
    """Keep the item's content as a new version and log the change (same transaction)."""
    session.flush()
    session.refresh(item)
    content = snapshot(item)
    session.add(ServiceItemVersion(
        item_id=item.id, version=item.version, changed_at=item.updated_at,
        changed_by=uuid.UUID(actor.user_id) if actor.user_id else None, change=change,
        detail=detail[:500], content=content))
    action = VERSION_ACTIONS[change]
    audit.record(session, actor, action, f"intake-item:{item.code}",
                 {"item": item.code, "version": item.version, **details})


def create_item(session: Session, actor: audit.Actor, data: ItemInput) -> ServiceItem:
    check_item(data)
    if session.scalar(select(func.count()).where(ServiceItem.code == data.code)):
        raise ConflictError(f"事项编码 {data.code} 已存在", f"Item code {data.code} exists",
                            field="code")
    item = ServiceItem(id=uuid.uuid4(), code=data.code, version=1, updated_at=clock.now(session))
    _apply(session, item, data)
    session.add(item)
    _new_version(session, actor, item, "created", "", {"name": item.name})
    return item


def update_item(session: Session, actor: audit.Actor, code: str, data: ItemInput) -> ServiceItem:
    check_item(data)
    item = get_item(session, code)
    if data.code != code:
        raise UserError("事项编码不可修改", "The item code cannot change", field="code")
    before = snapshot(item)
    _apply(session, item, data)
    session.flush()
    session.refresh(item)
    after = snapshot(item)
    changed = sorted(k for k in after if after[k] != before[k])
    if not changed:
        raise UserError("没有任何修改", "Nothing changed", field="name", code="unchanged")
    item.version += 1
    item.updated_at = clock.now(session)
    _new_version(session, actor, item, "changed", ",".join(changed), {"fields": changed})
    return item


def add_material(session: Session, actor: audit.Actor, code: str, data: MaterialInput,
                 template: TemplateFile | None) -> Material:
    check_material(data)
    item = get_item(session, code)
    if len(item.materials) >= MAX_MATERIALS:
        raise UserError(f"每个事项最多{MAX_MATERIALS}项材料", f"At most {MAX_MATERIALS} materials "
                        "per item", field="material_name")
    if template is not None and len(template.content) > MAX_TEMPLATE_BYTES:
        raise UserError("模板文件不能超过2 MiB", "A template file takes at most 2 MiB",
                        status=413, field="template")
    position = max((m.position for m in item.materials), default=0) + 1
    material = Material(
        id=uuid.uuid4(), item_id=item.id, position=position, name=data.name.strip(),
        required=data.required, form=data.form.value, copies=data.copies,
        validity_needed=data.validity_needed, note=data.note.strip(),
        template_name=template.filename[:200] if template else None,
        template_type=(template.content_type if template.content_type in TEMPLATE_TYPES
                       else "application/octet-stream") if template else None,
        template_content=template.content if template else None)
    item.materials.append(material)
    item.version += 1
    item.updated_at = clock.now(session)
    _new_version(session, actor, item, "material_added", material.name,
                 {"material": material.name})
    return material


def remove_material(session: Session, actor: audit.Actor, code: str,
                    material_id: uuid.UUID) -> None:
    item = get_item(session, code)
    material = next((m for m in item.materials if m.id == material_id), None)
    if material is None:
        raise NotFoundError("材料", "Material")
    item.materials.remove(material)
    item.version += 1
    item.updated_at = clock.now(session)
    _new_version(session, actor, item, "material_removed", material.name,
                 {"material": material.name})


def ensure_department(session: Session, actor: audit.Actor, code: str, name_zh: str,
                      name_en: str, region_code: str | None = None) -> Department:
    """The department of ``code`` in the region of ``region_code`` (default: the city),
    created (and logged) if missing."""
    found = session.scalar(select(Department).where(Department.code == code))
    if found is None:
        region = (regions.by_code(session, region_code) if region_code else None) or \
            regions.city(session, actor)
        found = Department(id=uuid.uuid4(), code=code, name_zh=name_zh, name_en=name_en,
                           region_id=region.id)
        session.add(found)
        session.flush()
        audit.record(session, actor, "intake.department_created", f"intake-department:{code}",
                     {"code": code, "name": name_zh, "region": region.code})
    return found


def grouped(items: Sequence[ServiceItem]) -> list[tuple[Department, list[ServiceItem]]]:
    """Catalog items grouped by their department, in order."""
    groups: dict[uuid.UUID, tuple[Department, list[ServiceItem]]] = {}
    for item in items:
        groups.setdefault(item.department_id, (item.department, []))[1].append(item)
    return list(groups.values())
