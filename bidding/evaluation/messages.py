"""UI text of the evaluation pages (issue 15): Chinese first, English second."""

from __future__ import annotations


def _m(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


MESSAGES: dict[str, dict[str, str]] = {
    "bidding.done.method_set": _m("评标办法已保存", "Evaluation method saved"),
    "evaluation.method_heading": _m("评标办法及评审标准", "Evaluation method and criteria"),
    "evaluation.method_edit": _m("设定评标办法", "Set the evaluation method"),
    "evaluation.method_help": _m(
        "选择评标办法并调整各评审因素分值；更换办法后请再次调整。评标办法随招标文件公布，发布后不能修改。",
        "Choose a method and adjust the criteria's points; after changing the method, adjust "
        "again. The method is published with the tender and cannot change afterwards."),
    "evaluation.criteria_points": _m("评审因素分值", "Criteria points"),
    "evaluation.price_score": _m("价格分", "Price score"),
    "evaluation.price_points": _m("价格分值（分）", "Price points"),
    "evaluation.coefficient": _m("基准价下浮系数", "Benchmark coefficient"),
    "evaluation.method_save": _m("保存评标办法", "Save the method"),
}
