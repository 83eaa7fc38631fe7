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
    "clock.test": {"zh-CN": "测试时钟：此处时间为模拟时间，仅用于测试和演示",
                   "en": "Test clock: this time is simulated, for tests and demos only"},
    "lang.switch": {"zh-CN": "English", "en": "中文"},
    "role.bidder": {"zh-CN": "投标人", "en": "Bidder"},
    "role.tenderee": {"zh-CN": "招标人/招标代理", "en": "Tenderee / agent"},
    "role.staff": {"zh-CN": "交易中心工作人员", "en": "Trading-center staff"},
    "role.custodian": {"zh-CN": "密钥保管人", "en": "Custodian"},
    "role.expert": {"zh-CN": "评标专家", "en": "Expert"},
    "role.regulator": {"zh-CN": "监管部门", "en": "Regulator"},
    "role.bank": {"zh-CN": "银行接口", "en": "Bank gateway"},
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
    "register.contact_hint": {
        "zh-CN": "登记手机号码或电子邮箱后，忘记密码时可凭其申请重置。",
        "en": "With a mobile number or e-mail on record you can ask for a reset if you forget "
        "your password.",
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
    "users.roles": {"zh-CN": "角色", "en": "Roles"},
    "users.list": {"zh-CN": "用户", "en": "Users"},
    "users.status": {"zh-CN": "状态", "en": "Status"},
    "users.actions": {"zh-CN": "操作", "en": "Actions"},
    "users.active": {"zh-CN": "启用", "en": "Enabled"},
    "users.inactive": {"zh-CN": "已停用", "en": "Disabled"},
    "users.must_change": {"zh-CN": "下次登录须修改密码", "en": "Must change password at next log-in"},
    "users.disable": {"zh-CN": "停用", "en": "Disable"},
    "users.enable": {"zh-CN": "重新启用", "en": "Enable again"},
    "users.reset": {"zh-CN": "重置密码", "en": "Reset password"},
    "users.dismiss": {"zh-CN": "驳回", "en": "Dismiss"},
    "users.confirm_dismiss": {"zh-CN": "确认驳回该申请", "en": "Confirm dismissing this request"},
    "users.requests": {"zh-CN": "待处理的忘记密码申请", "en": "Open forgotten-password requests"},
    "users.no_requests": {"zh-CN": "暂无待处理的申请。", "en": "No open requests."},
    "users.filed_at": {"zh-CN": "申请时间", "en": "Filed at"},
    "users.new_user": {"zh-CN": "新建用户", "en": "New user"},
    "users.create_user": {"zh-CN": "创建用户", "en": "Create user"},
    "users.no_organization": {"zh-CN": "（不属于任何单位）", "en": "(no organization)"},
    "users.initial_password": {"zh-CN": "初始密码", "en": "Initial password"},
    "users.initial_password_hint": {
        "zh-CN": "至少 10 位。请当面或以安全方式告知用户；用户首次登录时必须修改。",
        "en": "At least 10 characters. Give it to the user in person or another safe way; the "
        "user must change it at the first log-in.",
    },
    "users.new_org": {"zh-CN": "新建单位", "en": "New organization"},
    "users.create_org": {"zh-CN": "创建单位", "en": "Create organization"},
    "users.org_kind": {"zh-CN": "单位类型", "en": "Kind of organization"},
    "users.org_created": {"zh-CN": "单位已创建", "en": "Organization created"},
    "users.user_created": {
        "zh-CN": "用户已创建，首次登录时须修改初始密码",
        "en": "User created; the initial password must be changed at the first log-in",
    },
    "users.disabled": {
        "zh-CN": "账户已停用：该用户无法登录，其接口令牌已失效",
        "en": "Account disabled: the user cannot log in and its API tokens no longer work",
    },
    "users.enabled": {"zh-CN": "账户已重新启用", "en": "Account enabled again"},
    "users.request_dismissed": {"zh-CN": "申请已驳回", "en": "Request dismissed"},
    "users.back": {"zh-CN": "返回用户与角色", "en": "Back to users and roles"},
    "users.confirm_title_disable": {"zh-CN": "确认停用账户", "en": "Confirm disabling the account"},
    "users.confirm_title_reset-password": {"zh-CN": "确认重置密码", "en": "Confirm the password reset"},
    "users.confirm_effect_disable": {
        "zh-CN": "停用后该用户立即退出登录，不能再登录，其接口令牌也不能再使用；可随时重新启用。",
        "en": "Once disabled the user is logged out, cannot log in and its API tokens stop "
        "working; you can enable the account again at any time.",
    },
    "users.confirm_effect_reset-password": {
        "zh-CN": "原密码立即失效，该用户退出登录。系统生成一个临时密码，只显示这一次，24 小时内有效，"
        "用户登录时必须修改。",
        "en": "The old password stops working at once and the user is logged out. A temporary "
        "password is generated, shown only once and valid for 24 hours; the user must change "
        "it when logging in.",
    },
    "users.confirm_box_disable": {"zh-CN": "我确认停用该账户", "en": "I confirm disabling this account"},
    "users.confirm_box_reset-password": {"zh-CN": "我确认重置该用户的密码",
                                         "en": "I confirm resetting this user's password"},
    "users.confirm_button_disable": {"zh-CN": "停用账户", "en": "Disable the account"},
    "users.confirm_button_reset-password": {"zh-CN": "重置密码", "en": "Reset the password"},
    "users.reset_done_title": {"zh-CN": "密码已重置", "en": "Password reset"},
    "users.reset_done": {
        "zh-CN": "已为 {username} 生成临时密码。它只显示这一次，请以安全方式告知用户：",
        "en": "A temporary password was generated for {username}. It is shown only this once; "
        "give it to the user in a safe way:",
    },
    "users.reset_expires": {
        "zh-CN": "有效期至 {at}（北京时间），用户登录时必须修改。",
        "en": "Valid until {at} (Beijing time); the user must change it when logging in.",
    },
    "org_kind.bidder": {"zh-CN": "投标人", "en": "Bidder"},
    "org_kind.tenderee": {"zh-CN": "招标人", "en": "Tenderee"},
    "org_kind.agent": {"zh-CN": "招标代理机构", "en": "Tendering agent"},
    "org_kind.trading_center": {"zh-CN": "交易中心", "en": "Trading center"},
    "org_kind.regulator": {"zh-CN": "监管部门", "en": "Regulator"},
    "org_kind.other": {"zh-CN": "其他", "en": "Other"},
    "form.mobile": {"zh-CN": "手机号码（选填）", "en": "Mobile number (optional)"},
    "form.email": {"zh-CN": "电子邮箱（选填）", "en": "E-mail (optional)"},
    "account.token_created_at": {"zh-CN": "创建时间", "en": "Created at"},
    "password.title": {"zh-CN": "设置新密码", "en": "Choose a new password"},
    "password.must_change": {
        "zh-CN": "您正在使用初始密码或临时密码，请设置新密码后继续。",
        "en": "You are using an initial or temporary password; choose a new one to continue.",
    },
    "password.current": {"zh-CN": "当前密码（初始或临时密码）",
                         "en": "Current (initial or temporary) password"},
    "password.new": {"zh-CN": "新密码（至少 10 位）", "en": "New password (at least 10 characters)"},
    "password.submit": {"zh-CN": "设置新密码并登录", "en": "Set the new password and log in"},
    "password.changed": {"zh-CN": "新密码已设置", "en": "Your new password is set"},
    "forgot.link": {"zh-CN": "忘记密码", "en": "Forgot your password?"},
    "forgot.title": {"zh-CN": "忘记密码", "en": "Forgotten password"},
    "forgot.intro": {
        "zh-CN": "请填写用户名和注册时登记的手机号码或电子邮箱。申请提交后由系统管理员核实身份并重置密码，"
        "临时密码将通过线下方式告知您。",
        "en": "Enter your username and the mobile number or e-mail you registered. An "
        "administrator checks who you are and resets the password; you receive the temporary "
        "password offline.",
    },
    "forgot.contact": {"zh-CN": "登记的手机号码或电子邮箱", "en": "Registered mobile number or e-mail"},
    "forgot.filed": {
        "zh-CN": "申请已提交。如果用户名与登记的联系方式相符，系统管理员将核实身份后为您重置密码。",
        "en": "Your request is filed. If the username and the registered contact match, an "
        "administrator will check who you are and reset your password.",
    },
    "calendar.years": {"zh-CN": "年份", "en": "Years"},
    "calendar.year": {"zh-CN": "年份", "en": "Year"},
    "calendar.show_year": {"zh-CN": "查看", "en": "Show"},
    "calendar.status": {"zh-CN": "状态", "en": "Status"},
    "calendar.status_admin": {
        "zh-CN": "已确认（国务院办公厅通知，由管理员录入）",
        "en": "Confirmed (State Council notice, entered by an administrator)",
    },
    "calendar.status_package": {
        "zh-CN": "已确认（节假日数据包）",
        "en": "Confirmed (holiday data package)",
    },
    "calendar.status_provisional": {
        "zh-CN": "临时（仅法定节假日，无调休；相关期限标注为临时）",
        "en": "Provisional (statutory holidays only, no make-up working days; deadlines that "
        "rely on it are marked provisional)",
    },
    "calendar.provisional_note": {
        "zh-CN": "国务院办公厅通知发布前，本年按临时日历计算：法定节假日（落在周末时含补假）和周六、"
        "周日休息，没有调休上班日。录入全年安排后，按临时日历计算的期限将重新核对。",
        "en": "Until the State Council's notice is entered, this year uses a provisional "
        "calendar: the statutory holidays (with the weekday in lieu of one on a weekend), "
        "Saturdays and Sundays are rest days and there are no make-up working days. Deadlines "
        "computed on it are re-checked when the whole year is entered.",
    },
    "calendar.ask_admin": {
        "zh-CN": "全年安排由系统管理员按国务院办公厅通知录入。",
        "en": "An administrator enters the whole year from the State Council's notice.",
    },
    "calendar.basis": {"zh-CN": "依据", "en": "Basis"},
    "calendar.entered_by": {"zh-CN": "录入人", "en": "Entered by"},
    "calendar.entered_at": {"zh-CN": "录入时间", "en": "Entered at"},
    "calendar.by_cli": {"zh-CN": "系统管理员（命令行）", "en": "An administrator (command line)"},
    "calendar.by_system": {"zh-CN": "系统", "en": "The system"},
    "calendar.by_unknown": {"zh-CN": "（用户已不存在）", "en": "(user no longer exists)"},
    "calendar.counts": {
        "zh-CN": "休息日（节假日）{rest} 天，调休上班日 {work} 天（普通周六、周日不单列）。",
        "en": "{rest} rest days (holidays), {work} make-up working days (ordinary weekends are "
        "not listed).",
    },
    "calendar.arrangement": {"zh-CN": "{year} 年节假日安排", "en": "The {year} arrangement"},
    "calendar.month": {"zh-CN": "月份", "en": "Month"},
    "calendar.month_n": {"zh-CN": "{month} 月", "en": "{name}"},
    "calendar.rest": {"zh-CN": "休息日（节假日）", "en": "Rest days (holidays)"},
    "calendar.work": {"zh-CN": "调休上班日", "en": "Make-up working days"},
    "calendar.saved": {
        "zh-CN": "{year} 年节假日安排已保存。重新核对了 {rechecked} 个按临时日历计算的期限，其中 "
        "{broken} 个不满足法定最短期限。",
        "en": "The {year} arrangement is saved. {rechecked} deadlines computed on the provisional "
        "calendar were re-checked; {broken} of them fall short of the legal minimum.",
    },
    "calendar.saved_alerts": {
        "zh-CN": "已对不满足的期限发出红色预警，请相关负责人处理。",
        "en": "Each one that falls short has raised a red alert for its responsible role.",
    },
    "calendar.enter_title": {"zh-CN": "录入全年安排", "en": "Enter the whole year"},
    "calendar.enter_intro": {
        "zh-CN": "按国务院办公厅通知一次录入全年的放假日和调休上班日（不接受部分录入），可在下方填写，"
        "也可上传 CSV 文件。先预览，确认后保存。",
        "en": "Enter the whole year's holidays and make-up working days from the State Council's "
        "notice at once (a partial entry is refused), in the fields below or as a CSV file. "
        "You preview it first, then confirm.",
    },
    "calendar.field_year": {"zh-CN": "年份", "en": "Year"},
    "calendar.field_basis": {
        "zh-CN": "依据（国务院办公厅通知文号，如 国办发明电〔2026〕11号）",
        "en": "Basis (the State Council notice, e.g. 国办发明电〔2026〕11号)",
    },
    "calendar.field_holidays": {
        "zh-CN": "休息日：每行一个日期或日期范围，可在空格后加名称，如 2027-02-05~2027-02-11 春节",
        "en": "Rest days: one day or range a line, optionally followed by a name, e.g. "
        "2027-02-05~2027-02-11 春节",
    },
    "calendar.field_workdays": {
        "zh-CN": "调休上班日：每行一个日期（须为周六或周日），可加名称，如 2027-02-20 春节调休",
        "en": "Make-up working days: one day a line (a Saturday or Sunday), optionally named, "
        "e.g. 2027-02-20 春节调休",
    },
    "calendar.field_file": {
        "zh-CN": "或上传 CSV 文件（UTF-8，最多 400 行，每行：日期,类型,名称；类型为 休/holiday 或 "
        "班/workday）",
        "en": "Or upload a CSV file (UTF-8, at most 400 lines of date,kind,name; kind holiday/休 "
        "or workday/班)",
    },
    "calendar.preview_button": {"zh-CN": "预览", "en": "Preview"},
    "calendar.preview_title": {"zh-CN": "预览：{year} 年节假日安排", "en": "Preview: the {year} arrangement"},
    "calendar.preview_intro": {
        "zh-CN": "尚未保存。请核对以下内容，无误后点击“确认并保存”。",
        "en": "Nothing is saved yet. Check the days below, then choose “Confirm and save”.",
    },
    "calendar.forecast": {"zh-CN": "对已有期限的影响", "en": "Effect on open deadlines"},
    "calendar.forecast_none": {
        "zh-CN": "没有按本年临时日历计算且尚未结束的期限，保存不影响任何期限。",
        "en": "No open deadline was computed on this year's provisional calendar; saving "
        "changes none.",
    },
    "calendar.forecast_summary": {
        "zh-CN": "保存后将重新核对 {count} 个期限，其中 {broken} 个将不满足法定最短期限"
        "（保存时发出红色预警）。",
        "en": "Saving re-checks {count} deadlines; {broken} of them will fall short of the legal "
        "minimum (a red alert is raised for each when saved).",
    },
    "calendar.subject": {"zh-CN": "事项", "en": "Matter"},
    "calendar.rule": {"zh-CN": "规则", "en": "Rule"},
    "calendar.chosen": {"zh-CN": "现定日期", "en": "Date set"},
    "calendar.required": {"zh-CN": "确认后最早可定日期", "en": "Earliest date once confirmed"},
    "calendar.outcome": {"zh-CN": "结果", "en": "Outcome"},
    "calendar.period_working": {
        "zh-CN": "{rule}：自 {start} 起至少 {days} 个工作日",
        "en": "{rule}: at least {days} working days after {start}",
    },
    "calendar.period_days": {
        "zh-CN": "{rule}：自 {start} 起至少 {days} 日",
        "en": "{rule}: at least {days} days after {start}",
    },
    "calendar.outcome_broken": {
        "zh-CN": "不满足：现定日期早于法定最短期限",
        "en": "Falls short: the date set is before the legal minimum",
    },
    "calendar.outcome_kept": {"zh-CN": "满足", "en": "Kept"},
    "calendar.outcome_still": {
        "zh-CN": "目前满足；仍依赖其他未确认年份，继续标注为临时",
        "en": "Kept for now; it still relies on another provisional year and stays marked",
    },
    "calendar.confirm": {"zh-CN": "确认并保存", "en": "Confirm and save"},
    "calendar.edit": {"zh-CN": "修改后重新预览", "en": "Change and preview again"},
    "calendar.back": {"zh-CN": "返回工作日历", "en": "Back to the calendar"},
    "error.title": {"zh-CN": "出错了", "en": "Something went wrong"},
    "error.404": {"zh-CN": "页面不存在", "en": "Page not found"},
    "error.403": {"zh-CN": "您没有权限执行此操作", "en": "You are not allowed to do this"},
    "error.401": {"zh-CN": "请先登录", "en": "Please log in first"},
    "error.500": {
        "zh-CN": "服务器内部错误，已记录，请稍后再试",
        "en": "Internal server error; it has been logged, please try again later",
    },
    "error.503.database": {
        "zh-CN": "数据库暂时不可用，本次操作未完成；请稍后重试（投标前可先在“我的投标”中确认是否已提交）",
        "en": "The database is briefly unavailable and this action did not complete; please "
              "retry shortly (for a bid, check My bids first to see whether it was received)",
    },
    "error.503.broker": {
        "zh-CN": "任务队列暂时不可用，本次操作未完成；请稍后重试",
        "en": "The task queue is briefly unavailable and this action did not complete; "
              "please retry shortly",
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
    # An empty text is a translation too (e.g. a Chinese measure word English does without).
    text = entry[lang] if lang in entry else entry["zh-CN"]
    return text.format(**values) if values else text


def message_keys() -> frozenset[str]:
    """Every key with a message (tests look for keys shown untranslated)."""
    return frozenset(_messages)


def texts_of(lang: str) -> dict[str, str]:
    """Every message's text in ``lang`` where it has one (tests look for Chinese interface
    text left on English pages)."""
    return {key: entry[lang] for key, entry in _messages.items() if lang in entry}
