"""One network of approval centers for the city and its counties (City §5, §30, issue 12 part
7). Regions are data (city, counties and districts, towns); every department belongs to one.
Staff work in the regions of the departments they are tied to (``StaffDepartment``): they see
and act on only those regions' applications; regulators see every region (read only). The
public catalog and the progress look-up work across regions.

A region is matched exactly: a county's center does not see the city's applications, nor the
city's center a county's (each center runs its own intake; the city's oversight is the
regulators')."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from trading import audit
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.errors import UserError
from trading.intake.completion_models import StaffDepartment
from trading.intake.models import Application, Department, Region, RegionLevel, ServiceItem

CITY = "140300"  # 阳泉市; the migration puts the departments it finds here
L = RegionLevel
# code, name zh, name en, level, parent code: the city, its three districts and two counties,
# and a few towns (administrative division codes).
TREE: tuple[tuple[str, str, str, RegionLevel, str | None], ...] = (
    (CITY, "阳泉市", "Yangquan City", L.CITY, None),
    ("140302", "城区", "Chengqu District", L.COUNTY, CITY),
    ("140303", "矿区", "Kuangqu District", L.COUNTY, CITY),
    ("140311", "郊区", "Jiaoqu District", L.COUNTY, CITY),
    ("140321", "平定县", "Pingding County", L.COUNTY, CITY),
    ("140322", "盂县", "Yu County", L.COUNTY, CITY),
    ("140321100", "冠山镇", "Guanshan Town", L.TOWN, "140321"),
    ("140321101", "冶西镇", "Yexi Town", L.TOWN, "140321"),
    ("140322100", "秀水镇", "Xiushui Town", L.TOWN, "140322"),
    ("140322101", "孙家庄镇", "Sunjiazhuang Town", L.TOWN, "140322"),
)


def ensure(session: Session, actor: audit.Actor, code: str, name_zh: str, name_en: str,
           level: RegionLevel, parent_code: str | None) -> Region:
    """The region of ``code``, created (and logged) if missing."""
    found = session.scalar(select(Region).where(Region.code == code))
    if found is not None:
        return found
    parent = by_code(session, parent_code) if parent_code else None
    found = Region(id=uuid.uuid4(), code=code, name_zh=name_zh, name_en=name_en,
                   level=level.value, parent_id=parent.id if parent else None)
    session.add(found)
    session.flush()
    audit.record(session, actor, "intake.region_created", f"intake-region:{code}",
                 {"code": code, "name": name_zh, "region_level": level.value,
                  "parent": parent_code})
    return found


def city(session: Session, actor: audit.Actor) -> Region:
    """The city's region (the migration creates it; a bare test database may not have it)."""
    return ensure(session, actor, *TREE[0])


def seed(session: Session, actor: audit.Actor) -> None:
    for row in TREE:
        ensure(session, actor, *row)


def by_code(session: Session, code: str) -> Region | None:
    return session.scalar(select(Region).where(Region.code == code[:12]))


def listed(session: Session) -> list[Region]:
    """Every region, the city first, then by code (a tree of a few hundred rows at most)."""
    return list(session.scalars(select(Region).order_by(Region.code).limit(1000)))


def seen_by(session: Session, user: CurrentUser) -> frozenset[uuid.UUID] | None:
    """The regions whose applications ``user`` sees: None = all (a regulator); a staff user's
    are the regions of the departments it is tied to (none tied: none)."""
    if Role.REGULATOR.value in user.roles:
        return None
    return frozenset(session.scalars(select(Department.region_id).join(
        StaffDepartment, StaffDepartment.department_id == Department.id).where(
        StaffDepartment.user_id == user.id)))


def of_applications(regions: Sequence[uuid.UUID] | frozenset[uuid.UUID]) -> ColumnElement[bool]:
    """A condition on ``Application``: its item's department is in one of ``regions``."""
    return Application.item_id.in_(select(ServiceItem.id).join(
        Department, Department.id == ServiceItem.department_id).where(
        Department.region_id.in_(list(regions))))


def refuse(region: Region) -> UserError:
    return UserError(f"该事项属于{region.name_zh}，不在您所在地区的办理范围内",
                     f"This belongs to {region.name_en}, outside your region",
                     status=403, code="forbidden")


def require_department(session: Session, user: CurrentUser, department: Department) -> None:
    """Staff act only for the departments of their own regions (403 otherwise)."""
    regions = seen_by(session, user)
    if regions is not None and department.region_id not in regions:
        raise refuse(department.region)


def require_item(session: Session, user: CurrentUser, item: ServiceItem) -> None:
    """Staff act only on the items of their own regions: their applications, their window
    registration, their maintenance (403 otherwise)."""
    require_department(session, user, item.department)


def require_maintenance(session: Session, user: CurrentUser, item_code: str,
                        department_code: str | None = None) -> None:
    """Staff maintain their own regions' items: the item's department, and the one it would
    move to (403 otherwise; an unknown code is left to the service's own answer)."""
    if item_code:
        item = session.scalar(select(ServiceItem).where(ServiceItem.code == item_code[:32]))
        if item is not None:
            require_item(session, user, item)
    if department_code:
        department = session.scalar(select(Department).where(
            Department.code == department_code[:32]))
        if department is not None:
            require_department(session, user, department)


def require(session: Session, user: CurrentUser, application: Application) -> None:
    require_item(session, user, application.item)


def seal_of(department: Department) -> str:
    """The approval seal of the department's region's approval bureau."""
    return f"{department.region.name_zh}行政审批服务管理局（政务服务审批专用章）"
