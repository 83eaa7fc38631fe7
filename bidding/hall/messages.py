"""UI text of the opening hall (开标大厅): Chinese first, English second."""

from __future__ import annotations


def _m(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


MESSAGES: dict[str, dict[str, str]] = {
    "bidding.hall.title": _m("开标大厅", "Opening hall"),
    "bidding.hall.countdown": _m("距开标", "Time to the opening"),
    "bidding.hall.until": _m("开标时间 {time}", "The opening is at {time}"),
    "bidding.hall.days": _m("天 ", " days "),
    "bidding.hall.deadline_passed": _m("已到开标时间", "The opening time has come"),
    "bidding.hall.refresh_note": _m("开标进行中，进度自动更新（约每 {seconds} 秒）。",
                                    "The opening is under way; the progress updates itself "
                                    "(about every {seconds} seconds)."),
    "bidding.hall.reload": _m("立即刷新", "Reload now"),
    "bidding.hall.sign_ins": _m("投标人签到", "Bidders signed in"),
    "bidding.hall.sign_in_opens": _m(
        "签到于投标截止时间（开标时间）开始；此前不公开投标人。",
        "Sign-in opens at the bid deadline (the opening time); until then no bidder is named."),
    "bidding.hall.sign_in": _m("签到", "Sign in"),
    "bidding.hall.you_signed_in": _m("贵单位已签到。", "Your organization has signed in."),
    "bidding.hall.nobody_signed_in": _m("尚无投标人签到。", "No bidder has signed in yet."),
    "bidding.hall.record": _m("唱标与确认", "The record read out and confirmed"),
    "bidding.hall.window": _m(
        "投标人应在开标记录生成后 {minutes} 分钟内确认本单位的开标记录或当场提出异议，"
        "逾期未提出异议的视为无异议；异议由招标人当场答复并记录（依据{rule}）。",
        "Each bidder confirms its own line of the record or objects within {minutes} minutes "
        "of the record; a line not objected to by then is deemed accepted. The tenderee "
        "answers an objection on the spot, on the record (under the {rule})."),
    "bidding.hall.window_until": _m("确认截止：{time}。", "Open until {time}."),
    "bidding.hall.window_over": _m("确认时间已过。", "The time to confirm is over."),
    "bidding.hall.confirmation": _m("确认情况", "Confirmation"),
    "bidding.hall.verdict.confirmed": _m("已确认无误", "Confirmed"),
    "bidding.hall.verdict.objected": _m("已提出异议", "Objection raised"),
    "bidding.hall.verdict.waiting": _m("待确认", "Awaiting the bidder"),
    "bidding.hall.verdict.deemed": _m("逾期未提出异议，视为无异议",
                                      "No objection in time: deemed accepted"),
    "bidding.hall.confirm_box": _m("我已核对本单位的开标记录，确认无误（确认后不能撤回）",
                                   "I have checked our line of the record and it is correct "
                                   "(this cannot be undone)"),
    "bidding.hall.confirm": _m("确认开标记录", "Confirm the line"),
    "bidding.hall.reason": _m("异议理由", "Reason for the objection"),
    "bidding.hall.object": _m("提出异议", "Raise an objection"),
    "bidding.hall.answer": _m("答复", "Answer"),
    "bidding.hall.answer_button": _m("当场答复", "Answer now"),
    "bidding.hall.awaiting_answer": _m("等待招标人当场答复", "Awaiting the tenderee's answer"),
    "bidding.hall.done.signed_in": _m("签到成功", "You have signed in"),
    "bidding.hall.done.confirmed": _m("已确认本单位的开标记录", "Your line of the record is confirmed"),
    "bidding.hall.done.objected": _m("异议已提交，招标人将当场答复",
                                     "Your objection is recorded; the tenderee answers it here"),
    "bidding.hall.done.answered": _m("答复已记录并告知投标人",
                                     "The answer is recorded and the bidder is told"),
    "bidding.hall.link": _m("开标大厅", "Opening hall"),
}
