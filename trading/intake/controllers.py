"""JSON API of the intake: the public catalog and service guides (no log-in, like the pages)."""

from __future__ import annotations

from litestar import get
from litestar.params import FromPath, FromQuery

from trading import db
from trading.intake import items
from trading.intake.models import ServiceItem
from trading.intake.schemas import ItemGuide, ItemList, ItemSummary, MaterialOut
from trading.web import blocking


def summary(item: ServiceItem) -> ItemSummary:
    return ItemSummary(code=item.code, name=item.name, department=item.department.code,
                       department_name=item.department.name_zh,
        region=item.department.region.code, region_name=item.department.region.name_zh,
        kind=item.kind,
                       promised_days=item.promised_days, online=item.online,
                       guide_url=f"/intake/items/{item.code}")


def guide(item: ServiceItem) -> ItemGuide:
    return ItemGuide(
        code=item.code, name=item.name, department=item.department.code,
        department_name=item.department.name_zh,
        region=item.department.region.code, region_name=item.department.region.name_zh,
        kind=item.kind,
        legal_basis=item.legal_basis, conditions=item.conditions, fee_basis=item.fee_basis,
        fee_fen=item.fee_fen, promised_days=item.promised_days,
        statutory_days=item.statutory_days, excluded_kinds=list(item.excluded_kinds),
        online=item.online, participants=[p.department_code for p in item.participants],
        collection=item.collection, version=item.version, updated_at=item.updated_at,
        materials=[MaterialOut(
            name=m.name, required=m.required, form=m.form, copies=m.copies,
            validity_needed=m.validity_needed, note=m.note,
            template_url=f"/intake/items/{item.code}/materials/{m.id}/template"
            if m.template_name else None) for m in item.materials])


@get("/api/v1/intake/items", operation_id="listServiceItems",
     summary="The catalog of service items of every region, by region code, department code "
             "and keyword")
async def list_items(department: FromQuery[str | None] = None,
                     q: FromQuery[str | None] = None,
                     region: FromQuery[str | None] = None) -> ItemList:
    return await blocking(_list, (department or "")[:32], (q or "")[:100], (region or "")[:12])


def _list(department: str, keyword: str, region: str) -> ItemList:
    with db.read_only() as session:
        found = items.catalog(session, department or None, keyword or None, region or None)
        return ItemList([summary(item) for item in found])


@get("/api/v1/intake/items/{code:str}", operation_id="getServiceGuide",
     summary="One service item's guide (办事指南): conditions, materials, fees, limits")
async def get_item(code: FromPath[str]) -> ItemGuide:
    return await blocking(_get, code[:32])


def _get(code: str) -> ItemGuide:
    with db.read_only() as session:
        return guide(items.get_item(session, code))


ROUTES = [list_items, get_item]
