"""Text of the regions (issue 12 part 7), paused time in the statistics (part 8), and the
punctuation the newer intake pages used to write outside their messages: Chinese first,
English second."""

from __future__ import annotations


def _m(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


REGION_MESSAGES: dict[str, dict[str, str]] = {
    "intake.region": _m("所属地区", "Region"),
    "intake.all_regions": _m("全部地区", "All regions"),
    "intake.region_level.city": _m("市级", "City"),
    "intake.region_level.county": _m("县（区）级", "County or district"),
    "intake.region_level.town": _m("乡镇（街道）级", "Town"),
    "intake.stats_regions_seen": _m("统计范围：", "Counted: "),
    "intake.stats_filter": _m("筛选", "Filter"),
    "intake.stats_paused_total": _m("暂停计时合计（工作日）", "Paused working days (total)"),
    "intake.stats_paused_average": _m("平均暂停计时（工作日，每件已受理申请）",
                                      "Average paused working days per accepted application"),
    "intake.stats_time": _m("办理用时与暂停计时（工作日）", "Handling and paused time (working days)"),
    "intake.stats_time_intro": _m(
        "办理用时为收件至作出受理决定的工作日；暂停计时为听证、招标、拍卖、检验、检测、检疫、鉴定、"
        "专家评审等特别程序占用的工作日，不计入办理时限（《行政许可法》第四十五条）。",
        "Handling time: working days from receipt to the decision on receipt. Paused time: "
        "working days taken by hearings, tendering, auctions, inspection, testing, quarantine, "
        "appraisal or expert review, not counted in the limit (Licensing Law, art. 45)."),
    "intake.stats_applications": _m("申请数", "Applications"),
    "intake.stats_average_short": _m("平均受理审查用时", "Average time to decide"),
    "intake.stats_paused_short": _m("暂停计时合计", "Paused (total)"),
    "intake.stats_paused_average_short": _m("平均暂停计时", "Paused (average)"),
    "intake.stats_rated_paren": _m("（共{count}条评价）", " ({count} ratings)"),
    # punctuation and short phrases (so that English pages read without full-width marks)
    "intake.colon": _m("：", ": "),
    "intake.list_sep": _m("、", ", "),
    "intake.comma": _m("，", ", "),
    "intake.paren_open": _m("（", " ("),
    "intake.paren_close": _m("）", ")"),
    "intake.semicolon": _m("；", "; "),
}
