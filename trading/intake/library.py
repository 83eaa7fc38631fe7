"""The applicant's materials library (电子信息库, City §34): files on record are reused, never
asked for again (R-07). An entry belongs to the applicant's organisation when the user has one,
otherwise to the user. Materials submitted online go into the library; on a later application
a required material can be picked from it instead of uploaded. An entry past its validity is
flagged and refused."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from trading import audit, clock
from trading.accounts.models import User
from trading.accounts.services import CurrentUser
from trading.errors import NotFoundError, UserError
from trading.intake.applications import SIGNATURES, Upload, sniff
from trading.intake.items import get_item
from trading.intake.library_models import LibraryCategory, LibraryEntry
from trading.intake.models import Application, Material

MAX_ENTRIES = 500  # per owner: the page lists them all
FIELD_PREFIX = "library-"  # the apply form's picker for a material: library-<material id>


def _owned_by(user: CurrentUser) -> ColumnElement[bool]:
    if user.organization_id is not None:
        return LibraryEntry.owner_org_id == user.organization_id
    return (LibraryEntry.owner_user_id == user.id) & LibraryEntry.owner_org_id.is_(None)


def subject_of(user: CurrentUser) -> str:
    owner = user.organization_id or user.id
    return f"intake-library:{owner}"


def entries(session: Session, user: CurrentUser) -> list[LibraryEntry]:
    return list(session.scalars(select(LibraryEntry).where(_owned_by(user)).order_by(
        LibraryEntry.category, LibraryEntry.added_at.desc()).limit(MAX_ENTRIES)))


def expired(entry: LibraryEntry, today: dt.date) -> bool:
    return entry.valid_until is not None and entry.valid_until < today


def today(session: Session) -> dt.date:
    return clock.legal_day(clock.now(session))


def entry_for(session: Session, user: CurrentUser, entry_id: uuid.UUID) -> LibraryEntry:
    found = session.scalar(select(LibraryEntry).where(LibraryEntry.id == entry_id, _owned_by(user)))
    if found is None:  # another applicant's entry is answered like a missing one
        raise NotFoundError("资料库文件", "Library file")
    return found


def _check_type(content: bytes, title: str) -> str:
    for magic, content_type in SIGNATURES:
        if content.startswith(magic):
            return content_type
    raise UserError(f"“{title}”只接受PDF、图片或OFD/Office文件", f"'{title}' takes PDF, image or "
                    "OFD/Office files only", status=415, field="file")


def _find_same(session: Session, user: CurrentUser, sha256: str) -> LibraryEntry | None:
    return session.scalar(select(LibraryEntry).where(_owned_by(user),
                                                     LibraryEntry.sha256 == sha256).limit(1))


def _owner(user: CurrentUser) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    return user.organization_id, None if user.organization_id else user.id


def _new_entry(session: Session, owner: tuple[uuid.UUID | None, uuid.UUID | None],
               category: LibraryCategory, title: str, upload: Upload, content_type: str,
               valid_until: dt.date | None, source: str | None) -> LibraryEntry:
    entry = LibraryEntry(
        id=uuid.uuid4(), owner_org_id=owner[0], owner_user_id=owner[1], category=category.value,
        title=title[:200], filename=upload.filename[:200] or "file", content_type=content_type,
        size=len(upload.content), sha256=hashlib.sha256(upload.content).hexdigest(),
        valid_until=valid_until, source_tracking=source, added_at=clock.now(session),
        content=upload.content)
    session.add(entry)
    return entry


def add(session: Session, actor: audit.Actor, user: CurrentUser, category: LibraryCategory,
        title: str, upload: Upload, valid_until: dt.date | None) -> LibraryEntry:
    """File a document in the library by hand. The same file twice is kept once."""
    title = title.strip()
    if not title or len(title) > 200:
        raise UserError("请填写材料名称（不超过200字）", "Enter the document's title (at most 200 "
                        "characters)", field="title")
    if not upload.content:
        raise UserError("请选择文件", "Choose a file", field="file")
    if len(upload.content) > 5 * 1024 * 1024:
        raise UserError("文件超过5 MiB", "The file is over 5 MiB", status=413, field="file")
    if valid_until is not None and valid_until < today(session):
        raise UserError("该材料已过有效期，不能入库", "This document has expired and cannot be "
                        "filed", field="valid_until", code="library_expired")
    content_type = _check_type(upload.content, title)
    if len(entries(session, user)) >= MAX_ENTRIES:
        raise UserError(f"资料库最多保存{MAX_ENTRIES}份文件", f"The library keeps at most "
                        f"{MAX_ENTRIES} files", status=409, field="file")
    same = _find_same(session, user, hashlib.sha256(upload.content).hexdigest())
    if same is not None:
        raise UserError(f"该文件已在资料库中（{same.title}）", f"This file is already in the "
                        f"library ('{same.title}')", status=409, field="file",
                        code="library_duplicate")
    entry = _new_entry(session, _owner(user), category, title, upload, content_type,
                       valid_until, None)
    session.flush()
    audit.record(session, actor, "intake.library_added", subject_of(user), {
        "entries": [{"category": entry.category, "title": entry.title, "sha256": entry.sha256,
                     "valid_until": valid_until.isoformat() if valid_until else None}],
        "source": "upload"})
    return entry


def remove(session: Session, actor: audit.Actor, user: CurrentUser, entry_id: uuid.UUID) -> str:
    entry = entry_for(session, user, entry_id)
    title = entry.title
    audit.record(session, actor, "intake.library_removed", subject_of(user), {
        "category": entry.category, "title": title, "sha256": entry.sha256})
    session.delete(entry)
    return title


def _picks(data: Mapping[str, Any]) -> dict[uuid.UUID, uuid.UUID]:
    found: dict[uuid.UUID, uuid.UUID] = {}
    for name, value in data.items():
        if not name.startswith(FIELD_PREFIX) or not isinstance(value, str) or not value:
            continue
        try:
            found[uuid.UUID(name.removeprefix(FIELD_PREFIX))] = uuid.UUID(value)
        except ValueError:
            raise UserError("未知的资料库文件", "Unknown library file", field=name) from None
    return found


def picked(session: Session, user: CurrentUser, item_code: str,
           data: Mapping[str, Any]) -> dict[uuid.UUID, Upload]:
    """The files picked from the library on the apply form (``library-<material id>`` =
    entry id), as uploads; an expired entry is refused with the material it was for (R-07)."""
    picks = _picks(data)
    if not picks:
        return {}
    materials: dict[uuid.UUID, Material] = {m.id: m for m in get_item(session, item_code).materials}
    day = today(session)
    found: dict[uuid.UUID, Upload] = {}
    for material_id, entry_id in picks.items():
        material = materials.get(material_id)
        if material is None:
            raise UserError("所选文件不属于该事项的材料", "A picked file is not for this item's "
                            "materials", field="materials")
        entry = entry_for(session, user, entry_id)
        if expired(entry, day):
            assert entry.valid_until is not None
            raise UserError(
                f"资料库中的“{entry.title}”已于{entry.valid_until:%Y年%m月%d日}过期，不能用于"
                f"“{material.name}”，请上传有效文件",
                f"'{entry.title}' in the library expired on {entry.valid_until:%Y-%m-%d}; upload "
                f"a valid file for '{material.name}'", status=409,
                field=f"material-{material.id}", code="library_expired")
        upload = Upload(entry.filename, entry.content)
        sniff(upload, material)
        found[material_id] = upload
    return found


def reused(picked_files: Mapping[uuid.UUID, Upload],
           uploads: Mapping[uuid.UUID, Upload]) -> list[str]:
    """SHA-256 of the library files that stood in for an upload (for the log)."""
    return [hashlib.sha256(p.content).hexdigest() for k, p in picked_files.items()
            if k not in uploads]


def keep_submitted(session: Session, actor: audit.Actor, user: CurrentUser,
                   tracking_number: str, reused: Sequence[str] = ()) -> None:
    """File the application's materials in the applicant's library; a file already on record
    (same SHA-256) is not kept twice. Logged once, naming the files added and reused."""
    application = session.scalar(select(Application).where(
        Application.tracking_number == tracking_number))
    if application is None:
        return
    added = []
    for f in application.files:
        if _find_same(session, user, f.sha256) is not None:
            continue
        entry = _new_entry(session, _owner(user), LibraryCategory.SUBMITTED, f.material_name,
                           Upload(f.filename, f.content), f.content_type, None, tracking_number)
        session.flush()
        added.append({"title": entry.title, "sha256": entry.sha256})
    if added or reused:
        audit.record(session, actor, "intake.library_added", subject_of(user), {
            "source": "application", "tracking_number": tracking_number, "entries": added,
            "reused": list(reused)})


def file_issued(session: Session, actor: audit.Actor, application: Application,
                category: LibraryCategory, title: str, upload: Upload, content_type: str,
                valid_until: dt.date | None) -> LibraryEntry | None:
    """A conclusion or licence issued on an application goes into its applicant's library (for
    the completion of an application: the result document). A walk-in applicant without an
    account has no library: None."""
    owner_user = None if application.applicant_org_id else application.applicant_user_id
    if application.applicant_org_id is None and owner_user is None:
        return None
    entry = _new_entry(session, (application.applicant_org_id, owner_user), category, title,
                       upload, content_type, valid_until, application.tracking_number)
    session.flush()
    audit.record(session, actor, "intake.library_added",
                 f"intake-library:{application.applicant_org_id or owner_user}", {
                     "source": "issued", "tracking_number": application.tracking_number,
                     "entries": [{"category": entry.category, "title": entry.title,
                                  "sha256": entry.sha256}]})
    return entry


DEMO_USER = "demo-tenderee"  # trading.demo's tenderee: its organisation's library
DEMO_FILE = b"%PDF-1.7\n% demo: business licence on record in the materials library\n%%EOF\n"


def seed_demo(session: Session) -> None:
    """``make run``: the demo tenderee's organisation has its business licence on record, so
    applying for JY-001 can pick it instead of uploading it (R-07). Idempotent."""
    user = session.scalar(select(User).where(User.username == DEMO_USER))
    if user is None or user.organization_id is None:
        return
    digest = hashlib.sha256(DEMO_FILE).hexdigest()
    if session.scalar(select(LibraryEntry.id).where(
            LibraryEntry.owner_org_id == user.organization_id,
            LibraryEntry.sha256 == digest)) is not None:
        return
    entry = _new_entry(session, (user.organization_id, None), LibraryCategory.BASIC,
                       "申请人身份证明（营业执照或身份证）", Upload("营业执照（演示）.pdf", DEMO_FILE),
                       "application/pdf", dt.date(2030, 12, 31), None)
    session.flush()
    audit.record(session, audit.Actor.system("demo-seed"), "intake.library_added",
                 f"intake-library:{user.organization_id}", {
                     "source": "upload", "entries": [{
                         "category": entry.category, "title": entry.title,
                         "sha256": entry.sha256, "valid_until": "2030-12-31"}]})
