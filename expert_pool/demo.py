"""The expert pool part of the ``make run`` demo (``Domain.seed_demo``).

Idempotent (the pool is seeded once: a second run finds it filled and changes nothing). Seeds:

- the specialty classification (``expert_pool/data/specialties.csv``);
- the experts who can sign in (demo-expert … demo-expert15): ten in 城市道路 (A0201) and five
  in 市政工程造价 (A1503), admitted to the pool: enough for two committees on one day (the
  tender at the evaluation stage seats five; a committee for the 5-minute demo tender, 3 ×
  A0201 + 1 × A1503 with two backups each, still finds signed-in experts to rank), so whoever
  a draw asks can confirm or decline from its own pages;
- the experts recusal must leave out, with the reason shown to regulators: one employed by a
  demo bidder (阳泉华通路桥), one by the demo tenderee, one penalized, one suspended;
- about 150 more experts over other specialties, so that the pool pages and the eligible
  counts look like a real pool. Names, ID numbers and mobiles are generated (valid check
  digits, fictitious numbers);
- the job that draws the committee of the demo tender at the evaluation stage
  (``expert_pool/demo_evaluation.py``), once per such tender.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expert_pool import demo_evaluation, pool, specialties
from expert_pool.models import Expert, ExpertStatus, Title
from expert_pool.pool_lifecycle import penalize, suspend
from trading import clock
from trading.accounts.credit_code import check_character, id_number_check_character
from trading.accounts.models import User
from trading.audit import Actor

DEMO_ACTOR = Actor.system("demo-seed")
ROADS, COST = "A0201", "A1503"
REGION = "山西省阳泉市"
BIDDER2_CODE = "91140300MA0HXT003"  # trading.demo: 阳泉华通路桥有限公司（演示）
TENDEREE_CODE = "91140300MA0HXT001"  # trading.demo: 阳泉市城市建设投资有限公司（演示）
SIGNED_IN = (
    ("demo-expert", "冯建国", "male", ROADS, "technical"),
    ("demo-expert2", "韩立新", "male", ROADS, "technical"),
    ("demo-expert3", "杨文静", "female", ROADS, "technical"),
    ("demo-expert4", "朱海峰", "male", ROADS, "technical"),
    ("demo-expert5", "秦晓东", "male", ROADS, "technical"),
    ("demo-expert6", "许丽华", "female", COST, "economic"),
    ("demo-expert7", "何志强", "male", COST, "economic"),
    ("demo-expert8", "吕春燕", "female", COST, "economic"),
)
# Numbered after the planted exclusions (E000009 … E000012 stay theirs).
SIGNED_IN_SECOND = (
    ("demo-expert9", "高明远", "male", ROADS, "technical"),
    ("demo-expert10", "林慧敏", "female", ROADS, "technical"),
    ("demo-expert11", "郑国栋", "male", ROADS, "technical"),
    ("demo-expert12", "梁思远", "male", ROADS, "technical"),
    ("demo-expert13", "谢雨婷", "female", ROADS, "technical"),
    ("demo-expert14", "宋振华", "male", COST, "economic"),
    ("demo-expert15", "唐晓梅", "female", COST, "economic"),
)
SURNAMES = (
    "王李张刘陈杨黄赵周吴徐孙马胡朱郭何罗高林郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余"
    "叶蒋杜苏魏程吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段"
    "雷黎史龙陶贺顾毛郝龚邵万钱严赖覃洪武莫孔"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏建国文斌宇浩凯健俊帆帅"
    "旭宁龙林欣晨辰瑞峰海波"
)
EMPLOYERS = (
    ("山西省交通规划勘察设计院（演示）", "91140000MA0EXP001"),
    ("阳泉市市政工程设计研究院（演示）", "91140300MA0EXP002"),
    ("太原理工大学土木工程学院（演示）", "12140000MA0EXP003"),
    ("山西建筑工程集团有限公司（演示）", "91140000MA0EXP004"),
    ("阳泉市工程造价咨询有限公司（演示）", "91140300MA0EXP005"),
    ("晋中市水利勘测设计院（演示）", "12140700MA0EXP006"),
)
OTHER_CODES = ("A0101", "A0104", "A0202", "A0204", "A0207", "A0302", "A1501", "B0101", "C0201",
               "C0501", "C1801")


def seed_demo(session: Session) -> None:
    specialties.seed_specialties(session)
    if not session.scalar(select(func.count()).select_from(Expert)):
        _seed_pool(session)
    # The committee of the demo tender at the evaluation stage, drawn after its deadline.
    demo_evaluation.schedule_draw(session)


def _add_signed_in(session: Session, rng: random.Random, serial: Iterator[int],
                   experts: tuple[tuple[str, str, str, str, str], ...]) -> None:
    for index, (username, name, sex, code, kind) in enumerate(experts):
        user_id = session.scalar(select(User.id).where(User.username == username))
        _add(session, rng, next(serial), code, kind, EMPLOYERS[index % len(EMPLOYERS)], name=name,
             sex=sex, user_id=user_id)


def _seed_pool(session: Session) -> None:
    rng = random.Random(20261205)  # noqa: S311 (fictitious data, the same on every machine)
    serial = iter(range(1, 10_000))
    _add_signed_in(session, rng, serial, SIGNED_IN)
    _add(session, rng, next(serial), ROADS, "technical",
         ("阳泉华通路桥有限公司（演示）", _code(BIDDER2_CODE)), name="郭振华", sex="male")
    _add(session, rng, next(serial), ROADS, "technical",
         ("阳泉市城市建设投资有限公司（演示）", _code(TENDEREE_CODE)), name="董卫东", sex="male")
    today = clock.legal_day(clock.now(session))
    penalized = _add(session, rng, next(serial), ROADS, "technical", EMPLOYERS[3], name="孟庆祥", sex="male")
    penalize(session, DEMO_ACTOR, penalized, until=today + dt.timedelta(days=365),
             reason="评标中未按招标文件规定的评标标准评审（演示）", period_from=today,
             basis="《招标投标法实施条例》第七十一条")
    suspended = _add(session, rng, next(serial), COST, "economic", EMPLOYERS[4], name="钱玉兰", sex="female")
    suspend(session, DEMO_ACTOR, suspended, reason="本人申请暂停（演示）")
    _add_signed_in(session, rng, serial, SIGNED_IN_SECOND)
    for index in range(150):
        code = OTHER_CODES[index % len(OTHER_CODES)]
        kind = "economic" if code in ("A1501", "C0501", "C1801") else "technical"
        _add(session, rng, next(serial), code, kind, rng.choice(EMPLOYERS))


def _code(first17: str) -> str:
    return first17 + check_character(first17)


def _id_number(rng: random.Random, serial: int, sex: str) -> str:
    """A fictitious but well-formed ID number: digit 17 is odd for men (GB 11643)."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 30))
    sequence = (serial % 500) * 2 + (1 if sex == "male" else 0)
    first17 = f"140302{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_character(first17)


def _add(session: Session, rng: random.Random, serial: int, code: str, kind: str,
         employer: tuple[str, str], *, name: str | None = None, sex: str | None = None,
         user_id: object | None = None) -> Expert:
    employer_name, code17 = employer
    credit = code17 if len(code17) == 18 else _code(code17)
    title = rng.choice([Title.INTERMEDIATE, Title.ASSOCIATE_SENIOR, Title.ASSOCIATE_SENIOR, Title.SENIOR])
    sex = sex or rng.choice(("male", "female"))
    id_number = _id_number(rng, serial, sex)
    data = pool.ExpertInput(
        name=name or rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", *GIVEN)),
        id_number=id_number, sex=sex,
        mobile=f"139{rng.randrange(10**7, 10**8)}", employer_name=employer_name, region=REGION,
        education=rng.choice(("bachelor", "master", "doctor")), expert_type=kind,
        specialties=[code], main_specialty=code, employer_credit_code=credit,
        title=int(title), title_name=_title_name(kind, title),
        title_date=dt.date(2005 + rng.randrange(0, 15), 1 + rng.randrange(0, 12), 1),
        years_in_specialty=8 + rng.randrange(0, 25),
    )
    expert = pool.create_expert(session, DEMO_ACTOR, data, status=ExpertStatus.IN_POOL,
                                user_id=user_id, source="demo")  # type: ignore[arg-type]
    return expert


def _title_name(kind: str, title: Title) -> str:
    if kind == "economic":
        return {Title.SENIOR: "正高级经济师", Title.ASSOCIATE_SENIOR: "高级经济师"}.get(title, "经济师")
    return {Title.SENIOR: "正高级工程师", Title.ASSOCIATE_SENIOR: "高级工程师"}.get(title, "工程师")
