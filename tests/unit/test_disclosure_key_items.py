"""The announcement's key items: validated as keys and digests, never touched by redaction,
and the content hash a bidder's client recomputes is disclosure's own."""

from __future__ import annotations

import base64
import hashlib
import uuid

import pytest

from bidding.cli import record_check
from disclosure import redaction, services
from disclosure.models import Notice
from disclosure.notice_types import NoticeType, spec_for, validate
from trading.errors import UserError

SPEC = spec_for(NoticeType.TENDER_ANNOUNCEMENT)
POINT = b"\x04" + bytes(range(64))
# A key id with a run that looks like a mobile number and an 18-digit run like an ID number.
KEY_ID = "a13812345678b" + "0" * 19
TRANSCRIPT = "110101199003071234" + "f" * 46
BASE = {
    "tenderee": "甲公司", "project_name": "工程", "project_scope": "施工", "project_scale": "1 公里",
    "funding_source": "财政", "technical_requirements": "规范", "qualification": "二级",
    "bid_deadline": "2026-12-20T09:30:00+08:00", "opening_time": "2026-12-20T09:30:00+08:00",
    "opening_place": "线上", "contact": "王工 0353-2020888",
}


def test_key_items_are_kept_exactly_through_validation_and_redaction() -> None:
    data = validate(SPEC, {**BASE, "opening_public_key": base64.b64encode(POINT).decode(),
                           "opening_key_id": KEY_ID.upper(), "ceremony_transcript_hash": TRANSCRIPT})
    assert data["opening_key_id"] == KEY_ID  # one spelling: lower case
    public = redaction.redact_notice(SPEC, "招标公告", data)
    assert public.data["opening_key_id"] == KEY_ID
    assert public.data["ceremony_transcript_hash"] == TRANSCRIPT
    assert base64.b64decode(public.data["opening_public_key"]) == POINT
    assert not [m for m in public.masked if m.startswith(("opening", "ceremony"))]


@pytest.mark.parametrize(("item", "value"), [
    ("opening_key_id", "a1" * 15),  # 30 digits, not 32
    ("opening_key_id", "g" * 32),
    ("ceremony_transcript_hash", "ab" * 31),
    ("opening_public_key", base64.b64encode(POINT[:33]).decode()),  # not 65 bytes
    ("opening_public_key", "not base64!"),
    ("opening_public_key", 65),
])
def test_malformed_key_items_are_refused_by_name(item: str, value: object) -> None:
    with pytest.raises(UserError) as refused:
        validate(SPEC, {**BASE, item: value})
    assert refused.value.field == item


def test_the_clients_content_hash_is_disclosures() -> None:
    data = validate(SPEC, {**BASE, "opening_public_key": base64.b64encode(POINT).decode(),
                           "opening_key_id": KEY_ID})
    notice = Notice(id=uuid.uuid4(), notice_type="tender_announcement", tender_ref="T-1",
                    title="招标公告 “引号” \u2028", region="城区", category="construction",
                    corrects_id=None, data=data)
    as_json = {"id": str(notice.id), "notice_type": notice.notice_type, "tender_ref": "T-1",
               "title": notice.title, "region": "城区", "category": "construction",
               "corrects": None, "data": data, "log_index": 3, "url": "ignored"}
    assert record_check.content_hash(as_json) == services.content_hash(notice)
    assert record_check.key_id_of(POINT) == hashlib.sha256(POINT).hexdigest()[:32]
