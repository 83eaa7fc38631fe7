"""Regenerate the redaction corpus: ``python tests/data/disclosure/make_corpus.py``.

Realistic notices of every type with ID and mobile numbers written the ways people write them
(plain, 3-4-4 with spaces or dashes, full-width digits, +86 / 86 / 0086, inside Chinese text,
lower-case and full-width X, split by ideographic spaces) in titles, items, list entries and
personal addresses. Each file lists, under ``sensitive``, the numbers that must never appear
in any public output (compared as bare digits), and under ``secrets`` the texts of the items
marked as business secrets. Deterministic (fixed seed), so the files only change on purpose.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).parent / "redaction_corpus"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
REGIONS = ("140302", "140303", "140311", "140321", "140322", "140102", "110105", "310115")
PLACES = ("阳泉市城区", "阳泉市矿区", "阳泉市郊区", "平定县", "盂县", "太原市小店区")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明")
FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def id_number(rng: random.Random, good_check: bool = True) -> str:
    body = (rng.choice(REGIONS) + f"{rng.randint(1955, 2002)}{rng.randint(1, 12):02d}"
            f"{rng.randint(1, 28):02d}" + f"{rng.randint(0, 999):03d}")
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]
    if not good_check:
        check = "0" if check != "0" else "1"
    return body + check


def mobile(rng: random.Random) -> str:
    return rng.choice(("13", "15", "17", "18", "19", "14", "16")) + str(
        rng.randint(0, 9)) + f"{rng.randint(0, 99999999):08d}"


def mobile_styles(number: str) -> list[str]:
    a, b, c = number[:3], number[3:7], number[7:]
    return [number, f"{a} {b} {c}", f"{a}-{b}-{c}", number.translate(FULL), f"+86 {number}",
            f"+86-{a}-{b}-{c}", f"86{number}", f"（+86）{a} {b} {c}", f"0086 {number}",
            f"{a}\u3000{b}\u3000{c}", " ".join(number), f"{a}.{b}.{c}", f"＋８６{number.translate(FULL)}"]


def id_styles(number: str) -> list[str]:
    return [number, number.translate(FULL), f"{number[:6]} {number[6:14]} {number[14:]}",
            number[:-1] + number[-1].lower() if number.endswith("X") else number,
            f"{number[:6]}-{number[6:14]}-{number[14:]}", " ".join([number[:3], number[3:6],
                                                                     number[6:10], number[10:14],
                                                                     number[14:]])]


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < .5
                                                       else "")


class Maker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.sensitive: list[str] = []

    def phone(self) -> str:
        number = mobile(self.rng)
        self.sensitive.append(number)
        return self.rng.choice(mobile_styles(number))

    def ident(self) -> str:
        number = id_number(self.rng, good_check=self.rng.random() > .2)
        self.sensitive.append(number)
        return self.rng.choice(id_styles(number))


def _announcement(m: Maker, i: int) -> dict:
    who = person(m.rng)
    return {
        "notice_type": "tender_announcement",
        "title": f"{m.rng.choice(PLACES)}第{i}标段道路工程招标公告（联系人手机{m.phone()}）",
        "data": {
            "tenderee": f"{m.rng.choice(PLACES)}城市建设投资有限公司",
            "agent": "山西诚信招标代理有限公司",
            "project_name": f"第{i}标段道路工程", "project_scope": "道路、排水及照明工程施工",
            "project_scale": f"全长{m.rng.randint(1, 9)}.{m.rng.randint(0, 9)}公里",
            "funding_source": "财政资金",
            "technical_requirements": f"详见招标文件。技术咨询：{who}，手机{m.phone()}；"
                                      f"备用电话{m.phone()}。",
            "qualification": "市政公用工程施工总承包二级及以上",
            "maximum_price": str(m.rng.randint(100000, 90000000)),
            "bid_deadline": "2026-12-20T01:30:00Z", "opening_time": "2026-12-20T01:30:00Z",
            "opening_place": "阳泉市公共资源交易中心第一开标室",
            "contact": f"{who}，0353-{m.rng.randint(2000000, 7999999)}，{m.phone()}",
        },
    }


def _personnel(m: Maker, manager: str) -> str:
    # Only the chosen spelling draws numbers, so ``sensitive`` lists exactly what is written.
    style = m.rng.randrange(3)
    if style == 0:
        return f"项目经理：{manager}，身份证号{m.ident()}，联系电话{m.phone()}"
    if style == 1:
        return f"{manager}（{m.ident()}）"
    return f"项目负责人{manager} 证件号码：{m.ident()} 手机：{m.phone()}"


def _candidates(m: Maker, i: int) -> dict:
    candidates = []
    for rank in (1, 2, 3):
        manager = person(m.rng)
        candidates.append({
            "rank": rank, "bidder": f"山西第{rank}建设工程有限公司",
            "price": f"{m.rng.randint(1000000, 9000000)}.{m.rng.randint(0, 99):02d}",
            "quality": "合格", "duration": f"{m.rng.randint(90, 365)}日历天",
            "key_personnel": _personnel(m, manager),
        })
    return {
        "notice_type": "candidate_publicity",
        "title": f"第{i}号项目中标候选人公示",
        "data": {
            "tenderee": "阳泉市城市建设投资有限公司", "candidates": candidates,
            "publicity_days": 3,
            "objection_method": f"书面提出，联系人{person(m.rng)}，手机号：{m.phone()}。",
            "objection_contact": f"异议受理电话 0353-2025118 或 {m.phone()}",
        },
    }


def _opening(m: Maker, i: int) -> dict:
    bids = [{"bidder": f"投标单位{k}", "price": str(m.rng.randint(100000, 900000)),
             "remarks": m.rng.choice([lambda: f"授权委托人{person(m.rng)}，身份证{m.ident()}",
                                      lambda: f"联系人电话：{m.phone()}", lambda: "无"])()}
            for k in range(1, m.rng.randint(3, 6))]
    return {
        "notice_type": "opening_record", "title": f"第{i}号项目开标记录",
        "data": {"tenderee": "阳泉市教育局", "opening_time": "2026-12-01T02:00:00Z",
                 "opening_place": "第二开标室", "bids": bids,
                 "supervisor": f"阳泉市财政局（监督人手机 {m.phone()}）"},
        "secret_fields": ["bids.*.remarks"] if m.rng.random() < .3 else [],
    }


def _intake(m: Maker, i: int) -> dict:
    address = f"{m.rng.choice(PLACES)}桃北西街{m.rng.randint(1, 200)}号{m.rng.randint(1, 9)}单元"
    return {
        "notice_type": "intake_result", "title": f"个人建房规划许可结果公开（第{i}号）",
        "data": {"service_item": "乡村建设规划许可证核发",
                 "applicant": f"{person(m.rng)}（身份证号码：{m.ident()}）",
                 "applicant_address": address, "department": "阳泉市行政审批服务管理局",
                 "decision": f"准予许可。送达电话{m.phone()}", "decided_at": "2026-11-20"},
        "secrets": [address],
    }


def _correction(m: Maker, i: int) -> dict:
    return {
        "notice_type": "clarification", "title": f"第{i}号项目澄清公告",
        "data": {"tenderee": "阳泉市水务局",
                 "content": f"联系人变更为{person(m.rng)}（{m.phone()}），原联系人"
                            f"{person(m.rng)}身份证{m.ident()}作废。\n第二行：{m.phone()}",
                 "contact": f"{m.phone()}"},
    }


def _contract(m: Maker, i: int) -> dict:
    secret = f"付款方式：按进度付款，银行账号 6222{m.rng.randint(10**11, 10**12 - 1)}"
    return {
        "notice_type": "contract_notice", "title": f"第{i}号项目合同公告",
        "data": {"tenderee": "阳泉市城市建设投资有限公司", "winner": "山西晋阳建设工程有限公司",
                 "contract_name": secret, "contract_amount": "1234567.89",
                 "signing_date": "2026-11-25", "term": f"365日历天，项目经理手机{m.phone()}"},
        "secret_fields": ["contract_name"], "secrets": [secret],
    }


MAKERS = (_announcement, _candidates, _opening, _intake, _correction, _contract)


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    for old in HERE.glob("*.json"):
        old.unlink()
    for i in range(36):
        maker = Maker(seed=1000 + i)
        notice = MAKERS[i % len(MAKERS)](maker, i + 1)
        notice.setdefault("secret_fields", [])
        notice.setdefault("secrets", [])
        notice["tender_ref"] = f"CORPUS-{i + 1:03d}"
        notice["region"] = maker.rng.choice(PLACES)
        notice["category"] = "intake" if notice["notice_type"] == "intake_result" else (
            "construction")
        notice["sensitive"] = sorted(set(maker.sensitive))
        path = HERE / f"{i + 1:03d}_{notice['notice_type']}.json"
        path.write_text(json.dumps(notice, ensure_ascii=False, indent=2) + "\n",
                        encoding="utf-8")


if __name__ == "__main__":
    main()
