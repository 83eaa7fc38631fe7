"""UI text of the disclosure pages: Chinese first, English available."""

from __future__ import annotations

from disclosure.notice_types import SPECS
from disclosure.services import CATEGORIES


def _m(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


MESSAGES: dict[str, dict[str, str]] = {
    "nav.notices": _m("信息公开", "Public notices"),
    "nav.disclosure_preview": _m("公告预览", "Notice preview"),
    "disclosure.list_title": _m("交易信息公开", "Public trading notices"),
    "disclosure.list_intro": _m("本页信息向社会公开，免费查询，无需登录。",
                                "These notices are public and free to consult, no log-in."),
    "disclosure.search": _m("搜索", "Search"),
    "disclosure.keyword": _m("关键词", "Keyword"),
    "disclosure.region": _m("地区", "Region"),
    "disclosure.category": _m("项目类别", "Category"),
    "disclosure.notice_type": _m("公告类型", "Notice type"),
    "disclosure.date_from": _m("发布日期自", "Published from"),
    "disclosure.date_to": _m("发布日期至", "Published until"),
    "disclosure.any": _m("全部", "Any"),
    "disclosure.no_results": _m("没有符合条件的公告。", "No notice matches."),
    "disclosure.latest_notices": _m("最新公告", "Latest notices"),
    "disclosure.home_search_label": _m("搜索公告（项目名称、招标人等关键词）",
                                       "Search notices (project, tenderee, ... keywords)"),
    "disclosure.no_notices_yet": _m("暂无公告。", "No notice published yet."),
    "disclosure.all_notices": _m("查看全部公告与高级搜索 →", "All notices and advanced search →"),
    "disclosure.next_page": _m("下一页", "Next page"),
    "disclosure.first_page": _m("第一页", "First page"),
    "disclosure.published_at": _m("发布时间", "Published"),
    "disclosure.tender_ref": _m("项目编号", "Tender reference"),
    "disclosure.history": _m("项目公开全过程", "Public history of this tender"),
    "disclosure.history_link": _m("查看本项目全部公告", "All notices of this tender"),
    # A UUID reference names a tender of this platform's bidding (issue 13: notices and the
    # tender page link to each other).
    "disclosure.project_link": _m("进入交易项目页面", "The tender's page"),
    "disclosure.subscribe": _m("订阅（Atom）", "Subscribe (Atom)"),
    "disclosure.subscribe_hint": _m("按当前类别和地区订阅新公告。",
                                    "New notices for the chosen category and region."),
    "disclosure.corrected_banner": _m("本公告已被更正，请以更正公告为准：",
                                      "This notice has been corrected; see the correction:"),
    "disclosure.corrects": _m("本公告更正：", "This notice corrects:"),
    "disclosure.hash": _m("内容哈希（SHA-256）", "Content hash (SHA-256)"),
    "disclosure.log_index": _m("监督日志序号", "Supervision log index"),
    "disclosure.proof": _m("查看存证证明", "Inclusion proof"),
    "disclosure.show_full_value": _m("（展开完整公钥）", "(show the whole key)"),
    "disclosure.integrity": _m("防篡改存证", "Tamper evidence"),
    "disclosure.integrity_note": _m(
        "本公告内容的哈希值已写入电子监督日志，可凭存证证明独立核验。",
        "The hash of this notice is in the supervision log; the proof lets anyone check it."),
    "disclosure.publicity_window": _m("公示期", "Publicity period"),
    "disclosure.publicity_open": _m("公示中", "Publicity open"),
    "disclosure.publicity_closed": _m("公示已结束", "Publicity closed"),
    "disclosure.how_to_object": _m("如何提出异议", "How to object"),
    "disclosure.objection_note": _m(
        "投标人或者其他利害关系人对评标结果有异议的，应当在公示期间向招标人提出；招标人应当自收到异议之日起3日内作出答复，作出答复前暂停招标投标活动。",
        "Bidders and other interested parties may object to the result during the publicity "
        "period, to the tenderee, who answers within 3 days and pauses the procedure until then."),
    "disclosure.to": _m("至", "to"),
    "disclosure.print": _m("打印本页", "Print this page"),
    "disclosure.permalink": _m("永久链接", "Permanent link"),
    "disclosure.redacted_note": _m(
        "依法隐去个人隐私和商业秘密。", "Personal data and business secrets are masked by law."),
    "disclosure.preview_title": _m("公告发布预览", "Notice preview"),
    "disclosure.preview_intro": _m(
        "输入公告数据（JSON），查看脱敏后将公开的内容。预览不会保存或发布。",
        "Enter the notice data (JSON) to see what will be public after masking. Nothing is "
        "saved or published."),
    "disclosure.preview_data": _m("公告数据（JSON）", "Notice data (JSON)"),
    "disclosure.title": _m("公告标题", "Title"),
    "disclosure.secret_fields": _m("商业秘密数据项（逗号分隔）",
                                   "Business-secret items (comma separated)"),
    "disclosure.masked_items": _m("已隐去的数据项", "Masked items"),
    "disclosure.preview_button": _m("预览", "Preview"),
    "disclosure.unredacted_title": _m("未脱敏原文（仅监管部门可见）",
                                      "Unredacted original (regulators only)"),
    "disclosure.unredacted_link": _m("监管：查看原文", "Regulator: unredacted"),
    "disclosure.secret_marked": _m("标记为商业秘密", "Marked business secret"),
    "disclosure.not_found": _m("公告不存在", "Notice not found"),
    "disclosure.feed_title": _m("公共资源交易平台 · 公告订阅", "Public notices feed"),
    "disclosure.ocds": _m("开放合同数据（OCDS）", "Open contracting data (OCDS)"),
    "disclosure.change_feed": _m("变更数据接口（JSON）", "Change feed (JSON)"),
}
MESSAGES.update({f"disclosure.type.{t.value}": _m(s.zh, s.en) for t, s in SPECS.items()})
MESSAGES.update({f"disclosure.category.{k}": _m(zh, en) for k, (zh, en) in CATEGORIES.items()})
