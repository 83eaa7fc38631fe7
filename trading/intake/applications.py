"""One registration for every channel: an application made online by the applicant or
registered at the window by staff gives the same record, tracking number, verification code and
receipt. Nothing is registered half-way: every check passes before the first row is written."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from trading import audit, clock
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.errors import NotFoundError, UserError
from trading.intake import decisions, regions
from trading.intake.items import get_item
from trading.intake.models import (
    ApplicantKind,
    Application,
    ApplicationFile,
    ApplicationStatus,
    Channel,
    Material,
    MaterialForm,
    ServiceItem,
)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_BODY_BYTES = 32 * 1024 * 1024  # all files of one application together
PHONE = re.compile(r"^[0-9+\- ]{6,20}$")
ID_NUMBER = re.compile(r"^[0-9A-Za-z]{8,32}$")
# Uploaded materials: sniffed, never trusted from the browser.
SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"),
              (b"\xff\xd8\xff", "image/jpeg"), (b"PK\x03\x04", "application/zip"))
STAFF_ROLES = frozenset({Role.STAFF.value, Role.REGULATOR.value})


@dataclass(frozen=True)
class Applicant:
    kind: ApplicantKind
    name: str
    id_number: str
    contact_name: str
    contact_phone: str


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


@dataclass(frozen=True)
class Registered:
    tracking_number: str
    verification_code: str


def check_applicant(applicant: Applicant) -> None:
    if not applicant.name.strip() or len(applicant.name) > 200:
        raise UserError("请填写申请人名称", "Enter the applicant's name", field="applicant_name")
    if not ID_NUMBER.match(applicant.id_number):
        raise UserError("证件号码应为8至32位字母或数字（身份证号或统一社会信用代码）", "The ID number "
                        "takes 8-32 letters or digits (ID card or credit code)",
                        field="applicant_id_number")
    if not applicant.contact_name.strip() or len(applicant.contact_name) > 100:
        raise UserError("请填写联系人", "Enter the contact person", field="contact_name")
    if not PHONE.match(applicant.contact_phone):
        raise UserError("请填写有效的联系电话", "Enter a valid phone number", field="contact_phone")


def sniff(upload: Upload, material: Material) -> str:
    """The file's type from its first bytes; anything but PDF, images and office files is
    refused (with the material it was for)."""
    if len(upload.content) > MAX_FILE_BYTES:
        raise UserError(f"“{material.name}”的文件超过5 MiB", f"The file for '{material.name}' is "
                        "over 5 MiB", status=413, field=f"material-{material.id}")
    for magic, content_type in SIGNATURES:
        if upload.content.startswith(magic):
            return content_type
    raise UserError(f"“{material.name}”只接受PDF、图片或OFD/Office文件", f"'{material.name}' takes "
                    "PDF, image or OFD/Office files only", status=415,
                    field=f"material-{material.id}")


def missing_materials(item: ServiceItem, uploads: Mapping[uuid.UUID, Upload],
                      on_paper: frozenset[uuid.UUID], channel: Channel) -> list[Material]:
    """Every required material not handed in: online, each needs a file; at the window a
    paper material may be handed in on paper instead (staff tick it)."""
    missing = []
    for material in item.materials:
        if not material.required or material.id in uploads:
            continue
        paper_ok = channel is Channel.WINDOW and material.form != MaterialForm.ELECTRONIC.value
        if not (paper_ok and material.id in on_paper):
            missing.append(material)
    return missing


def _tracking_number(session: Session) -> str:
    day = clock.legal_day(clock.now(session))
    while True:
        number = f"SP{day:%Y%m%d}{secrets.randbelow(10**6):06d}"
        if session.scalar(select(Application.id).where(
                Application.tracking_number == number)) is None:
            return number


def register(session: Session, actor: audit.Actor, user: CurrentUser, item_code: str,
             channel: Channel, applicant: Applicant, uploads: Mapping[uuid.UUID, Upload],
             on_paper: frozenset[uuid.UUID] = frozenset()) -> Registered:
    """Register one application (online by the applicant, or at the window by staff)."""
    item = get_item(session, item_code)
    if channel is Channel.WINDOW:
        regions.require_item(session, user, item)  # a window takes its own region's items
    if channel is Channel.ONLINE and not item.online:
        raise UserError("该事项不能网上申请，请到窗口办理", "This item cannot be applied for online; "
                        "please come to the window", status=409, field="item", code="not_online")
    check_applicant(applicant)
    known = {m.id: m for m in item.materials}
    unknown = [key for key in uploads if key not in known]
    if unknown:
        raise UserError("上传的文件不属于该事项的材料", "An uploaded file is not for this item's "
                        "materials", field="materials")
    missing = missing_materials(item, uploads, on_paper, channel)
    if missing:
        names = "、".join(m.name for m in missing)
        raise UserError(f"以下必需材料未提交：{names}", "Required materials missing: "
                        + ", ".join(m.name for m in missing), field="materials",
                        code="materials_missing")
    types = {key: sniff(upload, known[key]) for key, upload in uploads.items()}
    code = f"{secrets.randbelow(10**6):06d}"
    application = Application(
        id=uuid.uuid4(), tracking_number=_tracking_number(session), verification_code=code,
        item_id=item.id, item_version=item.version, channel=channel.value,
        applicant_kind=applicant.kind.value, applicant_name=applicant.name.strip(),
        applicant_id_number=applicant.id_number, contact_name=applicant.contact_name.strip(),
        contact_phone=applicant.contact_phone.strip(),
        applicant_user_id=user.id if channel is Channel.ONLINE else None,
        applicant_org_id=user.organization_id if channel is Channel.ONLINE else None,
        registered_by=user.id if channel is Channel.WINDOW else None,
        submitted_at=clock.now(session), status=ApplicationStatus.RECEIVED.value)
    for material in item.materials:
        upload = uploads.get(material.id)
        if upload is None:
            continue
        application.files.append(ApplicationFile(
            id=uuid.uuid4(), material_id=material.id, position=material.position,
            material_name=material.name, filename=upload.filename[:200] or "file",
            content_type=types[material.id], size=len(upload.content),
            sha256=hashlib.sha256(upload.content).hexdigest(), content=upload.content))
    session.add(application)
    session.flush()
    decisions.set_receipt_limit(session, application, application.submitted_at)
    # No personal data in the log: the record names the application, the item and the files.
    audit.record(session, actor, "intake.application_received",
                 f"intake-application:{application.tracking_number}", {
                     "tracking_number": application.tracking_number, "item": item.code,
                     "item_version": item.version, "channel": channel.value,
                     "files": [{"material": f.material_name, "sha256": f.sha256, "size": f.size}
                               for f in application.files],
                     "on_paper": sorted(known[k].name for k in on_paper if k in known)})
    return Registered(application.tracking_number, code)


def is_applicant(user: CurrentUser, application: Application) -> bool:
    """The applicant itself, or a member of its organisation."""
    if application.applicant_user_id == user.id:
        return True
    return application.applicant_org_id is not None and \
        application.applicant_org_id == user.organization_id


def may_see(user: CurrentUser, application: Application) -> bool:
    """Staff and regulators (further limited to their regions by ``application_for``); an
    applicant its own, and its organisation's."""
    return not STAFF_ROLES.isdisjoint(user.roles) or is_applicant(user, application)


def application_for(session: Session, user: CurrentUser, tracking_number: str) -> Application:
    found = session.scalar(select(Application).where(
        Application.tracking_number == tracking_number[:32]))
    if found is None:
        raise NotFoundError("申请", "Application")
    if not may_see(user, found):
        raise UserError("您无权查看该申请", "You may not see this application", status=403,
                        code="forbidden")
    if not is_applicant(user, found):
        regions.require(session, user, found)  # staff of another region (City §30): 403
    return found


def mine(session: Session, user: CurrentUser) -> list[Application]:
    query = select(Application).where(Application.applicant_user_id == user.id)
    if user.organization_id is not None:
        query = select(Application).where(
            (Application.applicant_user_id == user.id)
            | (Application.applicant_org_id == user.organization_id))
    return list(session.scalars(query.order_by(Application.submitted_at.desc()).limit(200)))
