"""UI text: Chinese first (zh-CN), English available. Domains add their own keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGUAGES = ("zh-CN", "en")

CORE_MESSAGES: dict[str, dict[str, str]] = {
    "platform.name": {"zh-CN": "公共资源交易平台", "en": "Public Resource Trading Platform"},
    "platform.tagline": {
        "zh-CN": "一套规则、一个平台、一个专家库、一个公开渠道、一份监督记录",
        "en": "One set of rules, one platform, one expert pool, one disclosure channel, "
        "one supervision record",
    },
    "nav.home": {"zh-CN": "首页", "en": "Home"},
    "nav.my_home": {"zh-CN": "我的工作台", "en": "My workspace"},
    "nav.account": {"zh-CN": "账户", "en": "Account"},
    "nav.users": {"zh-CN": "用户与角色", "en": "Users and roles"},
    "nav.calendar": {"zh-CN": "工作日历", "en": "Working-day calendar"},
    "nav.login": {"zh-CN": "登录", "en": "Log in"},
    "nav.logout": {"zh-CN": "退出", "en": "Log out"},
    "nav.register": {"zh-CN": "投标人注册", "en": "Bidder registration"},
    "nav.api": {"zh-CN": "接口文档", "en": "API documentation"},
    "nav.skip": {"zh-CN": "跳到正文", "en": "Skip to content"},
    "clock.label": {"zh-CN": "服务器时间（北京时间）", "en": "Server time (Beijing)"},
    "lang.switch": {"zh-CN": "English", "en": "中文"},
    "role.bidder": {"zh-CN": "投标人", "en": "Bidder"},
    "role.tenderee": {"zh-CN": "招标人/招标代理", "en": "Tenderee / agent"},
    "role.staff": {"zh-CN": "交易中心工作人员", "en": "Trading-center staff"},
    "role.custodian": {"zh-CN": "密钥保管人", "en": "Custodian"},
    "role.expert": {"zh-CN": "评标专家", "en": "Expert"},
    "role.regulator": {"zh-CN": "监管部门", "en": "Regulator"},
    "role.admin": {"zh-CN": "系统管理员", "en": "Administrator"},
    "form.username": {"zh-CN": "用户名", "en": "Username"},
    "form.password": {"zh-CN": "密码", "en": "Password"},
    "form.password_again": {"zh-CN": "再次输入密码", "en": "Password again"},
    "form.display_name": {"zh-CN": "联系人姓名", "en": "Contact name"},
    "form.org_name": {"zh-CN": "单位名称", "en": "Organization name"},
    "form.credit_code": {"zh-CN": "统一社会信用代码", "en": "Unified social credit code"},
    "form.submit": {"zh-CN": "提交", "en": "Submit"},
    "form.save": {"zh-CN": "保存", "en": "Save"},
    "login.title": {"zh-CN": "登录", "en": "Log in"},
    "login.failed": {"zh-CN": "用户名或密码错误", "en": "Wrong username or password"},
    "register.title": {"zh-CN": "投标人免费注册", "en": "Free registration for bidders"},
    "register.done": {
        "zh-CN": "注册成功，请登录。",
        "en": "Registration complete. Please log in.",
    },
    "home.welcome": {"zh-CN": "欢迎", "en": "Welcome"},
    "home.roles": {"zh-CN": "您的角色", "en": "Your roles"},
    "home.organization": {"zh-CN": "所属单位", "en": "Organization"},
    "home.public_intro": {
        "zh-CN": "本平台统一承载本市工程建设招标投标、政府采购和行政审批受理。"
        "所有公开信息无需登录即可查询。",
        "en": "This platform carries the city's public tenders, government procurement and "
        "approval intake. Every public disclosure can be read without an account.",
    },
    "account.tokens": {"zh-CN": "接口令牌", "en": "API tokens"},
    "account.token_name": {"zh-CN": "令牌名称", "en": "Token name"},
    "account.token_create": {"zh-CN": "创建令牌", "en": "Create token"},
    "account.token_created": {
        "zh-CN": "令牌只显示这一次，请妥善保存：",
        "en": "The token is shown only this once; keep it safe:",
    },
    "account.token_revoke": {"zh-CN": "吊销", "en": "Revoke"},
    "users.roles_saved": {"zh-CN": "角色已更新", "en": "Roles updated"},
    "calendar.years": {"zh-CN": "年份", "en": "Years"},
    "calendar.saved": {"zh-CN": "日历已更新", "en": "Calendar updated"},
    "calendar.known": {
        "zh-CN": "本年度节假日安排已知（国务院安排，加上下列维护记录）。",
        "en": "This year's holiday arrangement is known (State Council, plus the overrides below).",
    },
    "calendar.unknown": {
        "zh-CN": "{year} 年节假日安排未知：请按国务院通知录入全部放假日和调休上班日。",
        "en": "The {year} holiday arrangement is unknown: enter every holiday and make-up "
        "working day from the State Council notice.",
    },
    "calendar.overrides": {"zh-CN": "维护记录", "en": "Overrides"},
    "calendar.day": {"zh-CN": "日期", "en": "Date"},
    "calendar.kind": {"zh-CN": "类型", "en": "Kind"},
    "calendar.note": {"zh-CN": "说明", "en": "Note"},
    "calendar.updated": {"zh-CN": "维护人 · 时间", "en": "By · at"},
    "calendar.working": {"zh-CN": "工作日（含调休上班）", "en": "Working day (incl. make-up)"},
    "calendar.rest": {"zh-CN": "休息日（节假日）", "en": "Rest day (holiday)"},
    "calendar.remove": {"zh-CN": "删除", "en": "Remove"},
    "calendar.none": {"zh-CN": "暂无维护记录", "en": "No overrides"},
    "calendar.add": {"zh-CN": "新增或修改", "en": "Add or change"},
    "error.title": {"zh-CN": "出错了", "en": "Something went wrong"},
    "error.404": {"zh-CN": "页面不存在", "en": "Page not found"},
    "error.403": {"zh-CN": "您没有权限执行此操作", "en": "You are not allowed to do this"},
    "error.401": {"zh-CN": "请先登录", "en": "Please log in first"},
    "error.500": {
        "zh-CN": "服务器内部错误，已记录，请稍后再试",
        "en": "Internal server error; it has been logged, please try again later",
    },
    "error.back_home": {"zh-CN": "返回首页", "en": "Back to the home page"},
}

_messages: dict[str, dict[str, str]] = dict(CORE_MESSAGES)


def add_messages(messages: Mapping[str, dict[str, str]]) -> None:
    _messages.update(messages)


def normalize_language(value: str | None, default: str = "zh-CN") -> str:
    if not value:
        return default
    value = value.strip()
    if value.lower().startswith("en"):
        return "en"
    if value.lower().startswith("zh"):
        return "zh-CN"
    return default


def translate(key: str, lang: str, **values: Any) -> str:
    entry = _messages.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["zh-CN"]
    return text.format(**values) if values else text
