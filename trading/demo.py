"""The seeded demo of ``make run``: one organization and one user per role.

Idempotent: a second run changes nothing. Passwords are random, generated on the first run and
kept owner-only in ``var/demo/credentials.json`` (never in the repository), so that the demo
log-ins printed at start-up stay valid across restarts.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from trading.accounts import services as accounts
from trading.accounts.credit_code import check_character
from trading.accounts.models import Organization, OrganizationKind, Role, User
from trading.audit import Actor
from trading.settings import get_settings

SEED_ACTOR = Actor.system("demo-seed")


@dataclass(frozen=True)
class DemoOrg:
    key: str
    name: str
    kind: OrganizationKind
    code_body: str | None  # first 17 characters of a unified social credit code


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: Role
    org: str


ORGS = (
    DemoOrg("center", "阳泉市公共资源交易中心（演示）", OrganizationKind.TRADING_CENTER, None),
    DemoOrg("regulator", "阳泉市发展和改革委员会（演示）", OrganizationKind.REGULATOR, None),
    DemoOrg("tenderee", "阳泉市城市建设投资有限公司（演示）", OrganizationKind.TENDEREE,
            "91140300MA0HXT001"),
    DemoOrg("bidder1", "山西晋阳建设工程有限公司（演示）", OrganizationKind.BIDDER,
            "91140300MA0HXT002"),
    DemoOrg("bidder2", "阳泉华通路桥有限公司（演示）", OrganizationKind.BIDDER,
            "91140300MA0HXT003"),
    DemoOrg("bidder3", "太行智造科技股份有限公司（演示）", OrganizationKind.BIDDER,
            "91140300MA0HXT004"),
    # Experts sign in as persons; their employers are in their pool records (expert_pool demo).
    DemoOrg("experts", "评标专家（演示，个人账号）", OrganizationKind.OTHER, None),
    # The bank gateway that reports bid-security payments (bidding/security, issue 16).
    DemoOrg("bank", "中国建设银行阳泉分行（演示）", OrganizationKind.OTHER, None),
    # A county's approval center (the intake's one network of city and counties, City §30).
    DemoOrg("county", "平定县行政审批服务管理局（演示）", OrganizationKind.OTHER, None),
)

USERS = (
    DemoUser("demo-admin", "系统管理员", Role.ADMIN, "center"),
    DemoUser("demo-staff", "交易中心 王工", Role.STAFF, "center"),
    DemoUser("demo-staff-pd", "平定县审批窗口 张工", Role.STAFF, "county"),
    DemoUser("demo-tenderee", "招标人 李经理", Role.TENDEREE, "tenderee"),
    DemoUser("demo-bidder1", "投标人 赵一", Role.BIDDER, "bidder1"),
    DemoUser("demo-bidder2", "投标人 钱二", Role.BIDDER, "bidder2"),
    DemoUser("demo-bidder3", "投标人 孙三", Role.BIDDER, "bidder3"),
    DemoUser("demo-custodian1", "密钥保管人 周一", Role.CUSTODIAN, "center"),
    DemoUser("demo-custodian2", "密钥保管人 吴二", Role.CUSTODIAN, "regulator"),
    DemoUser("demo-custodian3", "密钥保管人 郑三", Role.CUSTODIAN, "tenderee"),
    DemoUser("demo-expert", "评标专家 冯工", Role.EXPERT, "experts"),
    DemoUser("demo-expert2", "评标专家 韩工", Role.EXPERT, "experts"),
    DemoUser("demo-expert3", "评标专家 杨工", Role.EXPERT, "experts"),
    DemoUser("demo-expert4", "评标专家 朱工", Role.EXPERT, "experts"),
    DemoUser("demo-expert5", "评标专家 秦工", Role.EXPERT, "experts"),
    DemoUser("demo-expert6", "评标专家 许会计师", Role.EXPERT, "experts"),
    DemoUser("demo-expert7", "评标专家 何造价师", Role.EXPERT, "experts"),
    DemoUser("demo-expert8", "评标专家 吕造价师", Role.EXPERT, "experts"),
    # A second group, so that a committee can be drawn for the 5-minute demo tender on the day
    # the tender at the evaluation stage has seated five of the first (one seat a day each).
    DemoUser("demo-expert9", "评标专家 高工", Role.EXPERT, "experts"),
    DemoUser("demo-expert10", "评标专家 林工", Role.EXPERT, "experts"),
    DemoUser("demo-expert11", "评标专家 郑工", Role.EXPERT, "experts"),
    DemoUser("demo-expert12", "评标专家 梁工", Role.EXPERT, "experts"),
    DemoUser("demo-expert13", "评标专家 谢工", Role.EXPERT, "experts"),
    DemoUser("demo-expert14", "评标专家 宋造价师", Role.EXPERT, "experts"),
    DemoUser("demo-expert15", "评标专家 唐造价师", Role.EXPERT, "experts"),
    DemoUser("demo-regulator", "监管 陈处长", Role.REGULATOR, "regulator"),
    DemoUser("demo-bank", "银行接口 刘经理", Role.BANK, "bank"),
)


def credentials_path() -> Path:
    return get_settings().var_dir / "demo" / "credentials.json"


def load_or_create_passwords() -> dict[str, str]:
    """Demo passwords, created once with owner-only permissions."""
    path = credentials_path()
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [user.username for user in USERS if user.username not in known]
    if missing:
        known.update({name: "Demo-" + secrets.token_urlsafe(9) for name in missing})
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(known, handle, ensure_ascii=False, indent=2)
    return known


def _organization(session: Session, org: DemoOrg) -> Organization:
    found = session.scalar(select(Organization).where(Organization.name == org.name))
    if found is not None:
        return found
    code = org.code_body + check_character(org.code_body) if org.code_body else None
    return accounts.create_organization(session, SEED_ACTOR, org.name, org.kind, code)


def seed(session: Session) -> dict[str, str]:
    """Create what is missing of the demo; returns username → password for every demo user."""
    passwords = load_or_create_passwords()
    orgs = {org.key: _organization(session, org) for org in ORGS}
    for user in USERS:
        if session.scalar(select(User.id).where(User.username == user.username)) is None:
            accounts.create_user(
                session, SEED_ACTOR, username=user.username, display_name=user.display_name,
                password=passwords[user.username], roles=[user.role], organization=orgs[user.org],
            )
    _seed_domains(session)
    return {user.username: passwords[user.username] for user in USERS}


def _seed_domains(session: Session) -> None:
    from trading.app import DOMAINS

    for domain in DOMAINS:
        if domain.seed_demo:
            domain.seed_demo(session)
