"""UI text of the drawn expert's pages (inbox, seats, check-in): Chinese first, English second."""

from __future__ import annotations


def _m(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


MESSAGES: dict[str, dict[str, str]] = {
    "attendance.your_reason": _m("您填写的理由", "Your reason"),
    # inbox
    "attendance.inbox.title": _m("我的消息", "My messages"),
    "attendance.inbox.empty": _m("暂无消息。", "No messages."),
    "attendance.inbox.unread": _m("未读", "Unread"),
    "attendance.inbox.read": _m("已读", "Read"),
    "attendance.inbox.mark_read": _m("标为已读", "Mark read"),
    "attendance.inbox.mark_all": _m("全部标为已读", "Mark all read"),
    "attendance.inbox.received": _m("时间", "Received"),
    "attendance.inbox.text": _m("内容", "Message"),
    "attendance.inbox.marked": _m("已标为已读。", "Marked read."),
    "attendance.inbox.to_draws": _m("查看我的评标抽取", "See my draws"),
    # seats
    "attendance.draws.title": _m("我的评标抽取", "My evaluation draws"),
    "attendance.draws.empty": _m("您目前没有被抽取的评标。", "You have not been drawn for any "
                                 "evaluation."),
    "attendance.draws.to_inbox": _m("我的消息", "My messages"),
    "attendance.draw_number": _m("抽取编号", "Draw"),
    "attendance.when": _m("评标时间", "Evaluation time"),
    "attendance.days": _m("评标日期", "Evaluation days"),
    "attendance.place": _m("评标地点", "Place"),
    "attendance.state": _m("状态", "Status"),
    "attendance.answer_due": _m("答复截止", "Answer by"),
    "attendance.open": _m("查看", "Open"),
    "attendance.project": _m("评标项目", "Project"),
    "attendance.project_hidden": _m("签到后显示项目名称（评标专家名单在中标结果确定前保密，"
                                    "《招标投标法》第三十七条）。",
                                    "The project is named from check-in on (the committee stays "
                                    "secret until the result, Bidding Law art. 37)."),
    "attendance.checked_in_at": _m("签到时间", "Checked in"),
    "attendance.pledged_at": _m("承诺书签署时间", "Pledge signed"),
    "attendance.recusal_ground": _m("回避事由", "Recusal ground"),
    "attendance.back": _m("返回我的评标抽取", "Back to my draws"),
    "attendance.state.reserve": _m("候补", "Reserve"),
    "attendance.state.notified": _m("待确认", "Awaiting your answer"),
    "attendance.state.confirmed": _m("已确认", "Confirmed"),
    "attendance.state.declined": _m("已谢绝", "Declined"),
    "attendance.state.no_answer": _m("逾期未答复", "Not answered in time"),
    "attendance.state.cancel_requested": _m("取消待审核", "Cancellation awaiting staff"),
    "attendance.state.cancelled": _m("已取消", "Cancelled"),
    "attendance.state.checked_in": _m("已签到", "Checked in"),
    "attendance.state.recused": _m("已回避", "Recused"),
    "attendance.draw_cancelled": _m("该次抽取已取消。", "This draw was cancelled."),
    # actions
    "attendance.confirm": _m("确认参加", "Confirm"),
    "attendance.decline": _m("谢绝", "Decline"),
    "attendance.decline_reason": _m("谢绝理由", "Reason for declining"),
    "attendance.decline_confirm": _m("确定谢绝本次评标？谢绝将计入您的履职记录，席位由下一位专家递补。",
                                     "Decline this evaluation? It counts on your record and the "
                                     "seat passes to the next in rank."),
    "attendance.cancel": _m("申请取消", "Cancel my attendance"),
    "attendance.cancel_reason": _m("取消理由", "Reason for cancelling"),
    "attendance.cancel_free": _m("距评标开始 24 小时以上取消，席位立即由下一位专家递补。",
                                 "More than 24 hours before the evaluation: the seat passes to "
                                 "the next in rank at once."),
    "attendance.cancel_late": _m("距评标开始不足 24 小时，取消须经工作人员审核，且计入您的履职记录；"
                                 "审核前请仍按时参加。",
                                 "Less than 24 hours before the evaluation: staff must approve, "
                                 "and it counts on your record; until then please attend."),
    "attendance.cancel_confirm": _m("确定申请取消参加本次评标？", "Cancel your attendance?"),
    "attendance.check_in": _m("签到", "Check in"),
    "attendance.check_in_note": _m("评标当日到场后签到（{days}）。", "Check in at the evaluation "
                                   "on its day ({days})."),
    "attendance.pledge": _m("签署承诺书", "Sign the pledge"),
    "attendance.pledge_title": _m("评标专家承诺书", "Evaluation expert's pledge"),
    "attendance.pledge_text": _m(
        "本人承诺：遵守《中华人民共和国招标投标法》《中华人民共和国招标投标法实施条例》及有关规定，"
        "按照招标文件规定的评标标准和方法，客观、公正地履行职责，遵守职业道德，对所提出的评审意见"
        "承担个人责任；不私下接触投标人，不收受投标人或者其他利害关系人的财物或者其他好处；"
        "不透露对投标文件的评审和比较、中标候选人的推荐情况以及与评标有关的其他情况；"
        "与投标人存在利害关系的，主动提出回避。如有违反，愿承担相应法律责任。",
        "I pledge to follow the Bidding Law, its Implementing Regulations and related rules; to "
        "evaluate objectively and fairly by the criteria and method of the tender documents; to "
        "take personal responsibility for my opinions; not to meet bidders privately or accept "
        "anything of value from them or other interested parties; not to disclose the evaluation, "
        "the comparison of bids, the recommended candidates or anything else about the "
        "evaluation; and to recuse myself where I have an interest in a bidder. I accept the "
        "legal consequences of any breach."),
    "attendance.pledge_confirm": _m("确认已阅读并签署承诺书？", "Sign the pledge?"),
    "attendance.recusal": _m("回避声明", "Declare a recusal"),
    "attendance.recusal_intro": _m(
        "有下列情形之一的，不得担任评标委员会成员，应当主动提出回避"
        "（《评标委员会和评标方法暂行规定》第十二条）。提交后席位由下一位专家递补，"
        "您已作出的评审意见无效（《招标投标法实施条例》第四十八条）。",
        "Members with any of these grounds may not sit on the committee and must recuse "
        "themselves (Interim Provisions on Evaluation Committees, art. 12). The seat then passes "
        "to the next in rank and any opinion you gave is void (Implementing Regulations, "
        "art. 48)."),
    "attendance.recusal_ground_label": _m("回避事由", "Ground"),
    "attendance.recusal_detail": _m("说明（选择“其他”时必填）", "Details (required for “other”)"),
    "attendance.recusal_confirm": _m("确定提交回避声明？提交后不可撤回。",
                                     "Declare the recusal? This cannot be undone."),
    "attendance.ground.relative": _m("投标人或者投标人主要负责人的近亲属",
                                     "A near relative of a bidder or its principal"),
    "attendance.ground.supervising_department": _m("项目主管部门或者行政监督部门的人员",
                                                   "Staff of the project's competent or "
                                                   "supervising department"),
    "attendance.ground.economic_interest": _m("与投标人有经济利益关系，可能影响对投标公正评审",
                                              "An economic interest in a bidder that may affect "
                                              "a fair evaluation"),
    "attendance.ground.punished": _m("曾因在招标、评标以及其他与招标投标有关活动中从事违法行为"
                                     "而受过行政处罚或者刑事处罚",
                                     "Punished (administratively or criminally) for unlawful "
                                     "acts in bidding or evaluation"),
    "attendance.ground.other": _m("其他应当回避的情形", "Another ground for recusal"),
    "attendance.reason_required": _m("必填", "required"),
    # success messages
    "attendance.done.confirmed": _m("已确认参加，请按时到场签到。", "Confirmed. Please check in on "
                                    "time."),
    "attendance.done.declined": _m("已谢绝，席位由下一位专家递补。", "Declined; the seat passes to "
                                   "the next in rank."),
    "attendance.done.cancelled": _m("已取消，席位由下一位专家递补。", "Cancelled; the seat passes "
                                    "to the next in rank."),
    "attendance.done.cancel_requested": _m("取消申请已提交，等待工作人员审核；审核前请仍按时参加。",
                                           "Cancellation sent to staff; until they decide, "
                                           "please attend."),
    "attendance.done.checked_in": _m("签到成功。", "Checked in."),
    "attendance.done.pledged": _m("承诺书已签署。", "Pledge signed."),
    "attendance.done.recused": _m("回避声明已提交，席位由下一位专家递补。", "Recusal declared; the "
                                  "seat passes to the next in rank."),
    # staff: late cancellations
    "attendance.late.title": _m("待审核的评标取消申请", "Late cancellations awaiting a decision"),
    "attendance.late.intro": _m("距评标开始不足 24 小时的取消须经审核；同意后席位由下一位专家递补，"
                                "并计入该专家的履职记录。",
                                "Cancellations less than 24 hours before the evaluation need a "
                                "decision; approved, the seat passes to the next in rank and it "
                                "counts on the expert's record."),
    "attendance.late.empty": _m("没有待审核的取消申请。", "No cancellation is waiting."),
    "attendance.late.expert": _m("专家编号", "Expert"),
    "attendance.late.reason": _m("取消理由", "Reason"),
    "attendance.late.note": _m("审核说明（不同意时必填）", "Note (required when refusing)"),
    "attendance.late.decision": _m("审核", "Decision"),
    "attendance.late.note_approve": _m("审核说明（可空）", "Note (optional)"),
    "attendance.late.note_refuse": _m("不同意理由（必填）", "Reason for refusing (required)"),
    "attendance.late.refuse_confirm": _m("不同意取消后该专家须按时参加评标，确定？",
                                         "The expert must attend. Continue?"),
    "attendance.late.approve": _m("同意取消", "Approve"),
    "attendance.late.refuse": _m("不同意", "Refuse"),
    "attendance.late.approve_confirm": _m("同意该专家取消参加？席位将由下一位专家递补。",
                                          "Approve the cancellation? The seat passes to the next "
                                          "in rank."),
    "attendance.late.done.approved": _m("已同意取消，席位由下一位专家递补。", "Approved; the seat "
                                        "passes to the next in rank."),
    "attendance.late.done.refused": _m("已不同意取消，已通知该专家按时参加。", "Refused; the "
                                       "expert was told to attend."),
}
