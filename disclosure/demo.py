"""Demo notices for ``make run``: three tenders and an intake result, published for real.

Idempotent: nothing is published when the first demo tender already has notices. The data
holds ID and mobile numbers on purpose, so that the demo shows them masked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from disclosure import services
from disclosure.models import Notice
from disclosure.notice_types import NoticeType
from trading import clock
from trading.audit import Actor

SEED_ACTOR = Actor.system("demo-seed")
TENDEREE = "阳泉市城市建设投资有限公司（演示）"
AGENT = "山西诚信招标代理有限公司（演示）"
CONTACT = "王工，0353-2025118"
BIDDERS = ("山西晋阳建设工程有限公司（演示）", "阳泉华通路桥有限公司（演示）",
           "太行智造科技股份有限公司（演示）")


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def seed(session: Session) -> None:
    if session.scalar(select(Notice.id).where(Notice.tender_ref == "YQ-2026-GC-0001").limit(1)):
        return
    now = clock.now(session)
    _road_tender(session, now)
    _failed_procurement(session, now)
    _corrected_tender(session, now)
    _publish(session, NoticeType.INTAKE_RESULT, "SP-2026-0001", "阳泉市城区", "intake",
             "建设工程规划许可证核发结果公开", {
                 "service_item": "建设工程规划许可证核发", "applicant": "李明（个人建房）",
                 "applicant_address": "阳泉市城区南大街12号院3号楼2单元501",
                 "department": "阳泉市行政审批服务管理局", "decision": "准予许可",
                 "decided_at": now.date().isoformat(), "document_number": "阳审规〔2026〕118号"})


def _publish(session: Session, kind: NoticeType, ref: str, region: str, category: str,
             title: str, data: dict[str, Any], **extra: Any) -> services.PublishedNotice:
    return services.publish(session, SEED_ACTOR, notice_type=kind, tender_ref=ref, title=title,
                            data=data, region=region, category=category, **extra)


def _announcement(name: str, scope: str, deadline: dt.datetime, price: str) -> dict[str, Any]:
    return {
        "tenderee": TENDEREE, "agent": AGENT, "project_name": name, "project_scope": scope,
        "project_scale": "道路全长约 3.2 公里，双向四车道", "funding_source": "财政资金",
        "technical_requirements": "符合《城镇道路工程施工与质量验收规范》CJJ 1-2008。",
        "qualification": "具备市政公用工程施工总承包二级及以上资质，项目经理具备二级及以上注册建造师资格。",
        "maximum_price": price, "bid_deadline": _iso(deadline), "opening_time": _iso(deadline),
        "opening_place": "阳泉市公共资源交易中心第一开标室", "contact": CONTACT,
    }


def _road_tender(session: Session, now: dt.datetime) -> None:
    ref, region = "YQ-2026-GC-0001", "阳泉市城区"
    deadline = now - dt.timedelta(days=2)
    name = "阳泉市南外环道路改造工程施工"
    _publish(session, NoticeType.TENDER_ANNOUNCEMENT, ref, region, "construction",
             f"{name}招标公告", _announcement(name, "道路、排水、照明工程施工", deadline,
                                               "28600000"))
    _publish(session, NoticeType.CLARIFICATION, ref, region, "construction",
             f"{name}澄清公告（第1号）", {
                 "tenderee": TENDEREE, "agent": AGENT, "contact": CONTACT,
                 "content": "招标文件第三章技术标准第2.4条“沥青面层厚度”更正为 5 厘米。"})
    prices = ("27650000", "27980000", "28120000")
    _publish(session, NoticeType.OPENING_RECORD, ref, region, "construction", f"{name}开标记录", {
        "tenderee": TENDEREE, "opening_time": _iso(deadline),
        "opening_place": "阳泉市公共资源交易中心第一开标室", "supervisor": "阳泉市住房和城乡建设局",
        "bids": [{"bidder": b, "price": p, "duration": "240日历天", "quality": "合格"}
                 for b, p in zip(BIDDERS, prices, strict=True)]})
    _publish(session, NoticeType.CANDIDATE_PUBLICITY, ref, region, "construction",
             f"{name}中标候选人公示", {
                 "tenderee": TENDEREE, "agent": AGENT, "publicity_days": 3,
                 "candidates": [
                     {"rank": i + 1, "bidder": b, "price": p, "quality": "合格",
                      "duration": "240日历天",
                      "key_personnel": f"项目经理：{m}（身份证号 {n}，联系电话 {t}）"}
                     for i, (b, p, m, n, t) in enumerate(zip(
                         BIDDERS, prices, ("张伟", "刘洋", "陈静"),
                         ("140302198805120036", "140303199001014521", "14030219850315002X"),
                         ("13935312345", "139 3531 2346", "+86 135-1234-5678"), strict=True))],
                 "objection_method": "在公示期内以书面形式向招标人提出，并附有效身份证明和证明材料。",
                 "objection_contact": "招标人异议受理：王工，0353-2025118"})
    _publish(session, NoticeType.RESULT_ANNOUNCEMENT, ref, region, "construction",
             f"{name}中标结果公告", {
                 "tenderee": TENDEREE, "agent": AGENT, "winner": BIDDERS[0],
                 "winning_price": prices[0], "duration": "240日历天", "quality": "合格",
                 "project_manager": "张伟"})
    _publish(session, NoticeType.CONTRACT_NOTICE, ref, region, "construction",
             f"{name}合同公告", {
                 "tenderee": TENDEREE, "winner": BIDDERS[0], "contract_name": f"{name}施工合同",
                 "contract_amount": prices[0], "signing_date": now.date().isoformat(),
                 "term": "240日历天"})


def _failed_procurement(session: Session, now: dt.datetime) -> None:
    ref, region = "YQ-2026-CG-0002", "阳泉市郊区"
    name = "阳泉市郊区中小学教学设备采购"
    data = _announcement(name, "教学一体机 120 台及安装调试", now - dt.timedelta(days=1),
                         "3600000")
    data["project_scale"] = "教学一体机 120 台"
    _publish(session, NoticeType.TENDER_ANNOUNCEMENT, ref, region, "procurement",
             f"{name}招标公告", data)
    _publish(session, NoticeType.OPENING_RECORD, ref, region, "procurement", f"{name}开标记录", {
        "tenderee": TENDEREE, "opening_time": _iso(now - dt.timedelta(days=1)),
        "opening_place": "阳泉市公共资源交易中心第二开标室",
        "bids": [{"bidder": BIDDERS[2], "price": "3520000"}]})
    _publish(session, NoticeType.FAILED_TENDER, ref, region, "procurement", f"{name}流标公告", {
        "tenderee": TENDEREE, "agent": AGENT, "reason": "投标人不足 3 家，依法不得开标评标。",
        "next_steps": "招标人将依法重新组织招标。"})


def _corrected_tender(session: Session, now: dt.datetime) -> None:
    ref, region = "YQ-2026-GC-0003", "平定县"
    name = "平定县冠山镇供水管网改造工程监理"
    original = _publish(session, NoticeType.TENDER_ANNOUNCEMENT, ref, region, "construction",
                        f"{name}招标公告", _announcement(
                            name, "供水管网改造工程施工阶段监理", now + dt.timedelta(days=20),
                            "860000"))
    _publish(session, NoticeType.CORRECTION, ref, region, "construction", f"{name}更正公告", {
        "tenderee": TENDEREE, "reason": "开标地点", "contact": CONTACT,
        "content": "开标地点更正为：阳泉市公共资源交易中心第三开标室。"},
        corrects=original.id)
