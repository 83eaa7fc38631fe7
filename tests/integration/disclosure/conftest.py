"""Helpers for the disclosure tests: valid notices of every type, published for real."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import unicodedata
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from disclosure import services
from disclosure.notice_types import NoticeType
from tests.integration.trading.conftest import client, make_user  # noqa: F401
from trading import db
from trading.audit import Actor

CORPUS = Path(__file__).parents[2] / "data" / "disclosure" / "redaction_corpus"
STAFF_ACTOR = Actor(user_id=None, role="staff", ip="127.0.0.1")

SAMPLES: dict[NoticeType, dict[str, Any]] = {
    NoticeType.TENDER_ANNOUNCEMENT: {
        "tenderee": "阳泉市城市建设投资有限公司", "agent": "山西诚信招标代理有限公司",
        "project_name": "南外环道路改造工程", "project_scope": "道路、排水、照明工程施工",
        "project_scale": "全长 3.2 公里", "funding_source": "财政资金",
        "technical_requirements": "符合 CJJ 1-2008。", "qualification": "市政二级及以上",
        "maximum_price": "28600000", "bid_deadline": "2026-12-20T09:30:00+08:00",
        "opening_time": "2026-12-20T09:30:00+08:00", "opening_place": "第一开标室",
        "contact": "王工，0353-2025118",
    },
    NoticeType.CLARIFICATION: {"tenderee": "阳泉市城市建设投资有限公司",
                               "content": "沥青面层厚度更正为 5 厘米。",
                               "contact": "王工，0353-2025118",
                               "new_bid_deadline": "2026-12-25T09:30:00+08:00"},
    NoticeType.CORRECTION: {"tenderee": "阳泉市城市建设投资有限公司", "reason": "开标地点",
                            "content": "开标地点更正为第三开标室。",
                            "contact": "王工，0353-2025118"},
    NoticeType.OPENING_RECORD: {
        "tenderee": "阳泉市城市建设投资有限公司", "opening_time": "2026-12-20T09:30:00+08:00",
        "opening_place": "第一开标室",
        "bids": [{"bidder": "甲建设公司", "price": "27650000"},
                 {"bidder": "乙路桥公司", "price": "27980000.5"},
                 {"bidder": "丙科技公司", "price": "28120000", "remarks": "商务偏离说明"}],
    },
    NoticeType.CANDIDATE_PUBLICITY: {
        "tenderee": "阳泉市城市建设投资有限公司", "publicity_days": 3,
        "candidates": [{"rank": i + 1, "bidder": b, "price": p, "quality": "合格",
                        "duration": "240日历天", "key_personnel": f"项目经理 {m}"}
                       for i, (b, p, m) in enumerate((("甲建设公司", "27650000", "张伟"),
                                                      ("乙路桥公司", "27980000.5", "刘洋")))],
        "objection_method": "公示期内书面提出。", "objection_contact": "王工，0353-2025118",
    },
    NoticeType.RESULT_ANNOUNCEMENT: {"tenderee": "阳泉市城市建设投资有限公司",
                                     "winner": "甲建设公司", "winning_price": "27650000",
                                     "duration": "240日历天"},
    NoticeType.CONTRACT_NOTICE: {"tenderee": "阳泉市城市建设投资有限公司",
                                 "winner": "甲建设公司", "contract_name": "施工合同",
                                 "contract_amount": "27650000", "signing_date": "2026-12-30",
                                 "term": "240日历天"},
    NoticeType.FAILED_TENDER: {"tenderee": "阳泉市教育局", "reason": "投标人不足 3 家。"},
    NoticeType.INTAKE_RESULT: {"service_item": "建设工程规划许可证核发", "applicant": "李明",
                               "applicant_address": "城区南大街12号", "department": "审批局",
                               "decision": "准予许可", "decided_at": "2026-11-20"},
}

# The order a tender's notices come in (intake results are not tender notices).
LIFECYCLE = (NoticeType.TENDER_ANNOUNCEMENT, NoticeType.CLARIFICATION,
             NoticeType.OPENING_RECORD, NoticeType.CANDIDATE_PUBLICITY,
             NoticeType.RESULT_ANNOUNCEMENT, NoticeType.CONTRACT_NOTICE)


def sample(kind: NoticeType) -> dict[str, Any]:
    return copy.deepcopy(SAMPLES[kind])


def publish(kind: NoticeType, tender_ref: str = "T-001", *, title: str | None = None,
            data: dict[str, Any] | None = None, region: str = "阳泉市城区",
            category: str = "construction", **extra: Any) -> services.PublishedNotice:
    with db.transaction() as session:
        return services.publish(
            session, STAFF_ACTOR, notice_type=kind, tender_ref=tender_ref,
            title=title or f"{tender_ref} {kind.value}", data=data or sample(kind),
            region=region, category=category, **extra)


def publish_lifecycle(tender_ref: str, **extra: Any) -> list[services.PublishedNotice]:
    return [publish(kind, tender_ref, **extra) for kind in LIFECYCLE]


@pytest.fixture(autouse=True)
def fresh_page_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has its own database: forget pages and sync on every request."""
    from disclosure import page_cache

    monkeypatch.setattr(page_cache, "SYNC_SECONDS", 0.0)
    page_cache.PAGES.clear()


@pytest.fixture
def publisher(database: str) -> Callable[..., services.PublishedNotice]:
    return publish


def corpus() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.json"))]


def bare(text: str) -> str:
    """Digits and letters only (full-width folded): how a leaked number is looked for."""
    return re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", text).upper())


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def utc(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=dt.UTC)
