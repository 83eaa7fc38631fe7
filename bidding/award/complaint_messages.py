"""UI text of the complaint pages (投诉, R-38): Chinese first, English second."""

from __future__ import annotations


def _m(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


MESSAGES: dict[str, dict[str, str]] = {
    "nav.complaints": _m("投诉", "Complaints"),
    "award.complaint_paused": _m("行政监督部门处理投诉期间已责令暂停定标（依据{basis}）：{reason}",
                                 "The supervising department paused the award while it handles "
                                 "a complaint (under the {basis}): {reason}"),
    "complaint.title": _m("投诉", "Complaints"),
    "complaint.one": _m("投诉", "Complaint"),
    "complaint.back": _m("返回投诉列表", "Back to the complaints"),
    "complaint.lead": _m("投标人对招标文件或评标结果提出异议后，对答复不满意或招标人逾期未答复的，"
                         "可自知道或者应当知道之日起 {days} 日内向行政监督部门投诉，并附异议及答复；"
                         "行政监督部门 3 个工作日内决定是否受理，受理后 30 个工作日内作出处理决定，"
                         "检验、检测、鉴定和专家评审的时间不计算在内（依据{basis}）。",
                         "After an objection to the documents or to the result, a bidder unhappy "
                         "with the answer, or left without one past its limit, may complain to the "
                         "supervising department within {days} days of knowing, with the objection "
                         "and its answer attached; acceptance is decided within 3 working days and "
                         "the decision follows within 30 working days of it, time for testing and "
                         "expert review not counted (under the {basis})."),
    "complaint.file": _m("提出投诉", "File a complaint"),
    "complaint.objection": _m("投诉所依据的异议", "The objection the complaint rests on"),
    "complaint.kind.documents_objection": _m("对招标文件的异议", "Objection to the documents"),
    "complaint.kind.result_objection": _m("对评标结果的异议", "Objection to the result"),
    "complaint.answered": _m("答复：{answer}", "Answer: {answer}"),
    "complaint.unanswered": _m("招标人未在 {due} 前答复", "Not answered by {due}"),
    "complaint.left_unanswered": _m("招标人逾期未答复", "Left unanswered past its limit"),
    "complaint.text": _m("投诉内容（事实、理由和请求）", "The complaint (facts, grounds, request)"),
    "complaint.submit": _m("提交投诉", "File the complaint"),
    "complaint.none_eligible": _m("暂无可投诉的异议：投诉须先提出异议，"
                                  "并在答复后或答复期限届满后 10 日内提出",
                                  "No objection to complain about: a complaint follows an "
                                  "objection, within 10 days of its answer or answer limit"),
    "complaint.list": _m("投诉记录", "Complaints"),
    "complaint.tender": _m("项目", "Tender"),
    "complaint.filed_at": _m("提出时间", "Filed"),
    "complaint.status": _m("状态", "Status"),
    "complaint.department": _m("受理部门（本项目的行政监督部门）：{name}",
                               "Handled by (the tender's supervising department): {name}"),
    "complaint.other_department": _m("本投诉由{name}受理和处理；贵部门可以查阅，不能办理（条例第六十条）",
                                     "This complaint is handled by {name}; your department may "
                                     "read it but not act on it (Regs Art. 60)"),
    "complaint.status.complaint_filed": _m("待受理", "Awaiting acceptance"),
    "complaint.status.not_accepted": _m("不予受理", "Not accepted"),
    "complaint.status.complaint_accepted": _m("已受理，处理中", "Accepted, being handled"),
    "complaint.status.dismissed": _m("驳回", "Dismissed"),
    "complaint.status.upheld": _m("投诉成立", "Upheld"),
    "complaint.award_pause": _m("暂停定标", "Pause of the award"),
    "complaint.paused_short": _m("已责令暂停定标", "Award paused"),
    "complaint.paused": _m("行政监督部门已于 {at} 责令暂停定标（依据{basis}）：{reason}",
                           "The supervising department paused the award on {at} (under the "
                           "{basis}): {reason}"),
    "complaint.attached": _m("所附异议及答复", "The objection and its answer"),
    "complaint.timeline": _m("处理过程", "Handling"),
    "complaint.filed_on": _m("{at} 提出投诉（知道或者应当知道之日：{knew}；依据{basis}）",
                             "Filed on {at} (known on {knew}; under the {basis})"),
    "complaint.accept_due": _m("行政监督部门应在 {due} 前决定是否受理（依据{basis}）",
                               "Acceptance is decided by {due} (under the {basis})"),
    "complaint.accepted_on": _m("{at} 已受理", "Accepted on {at}"),
    "complaint.not_accepted_on": _m("{at} 不予受理，理由：{reason}", "Not accepted on {at}, "
                                    "because: {reason}"),
    "complaint.period": _m("{start} 开始{kind}：{reason}", "{kind} from {start}: {reason}"),
    "complaint.period_end": _m("{end} 结束，不计入处理期限 {days} 个工作日",
                               "ended {end}; {days} working days not counted"),
    "complaint.period_running": _m("进行中，处理期限暂停计算", "running: the limit is stopped"),
    "complaint.decision_due": _m("处理决定应在 {due} 前作出（因不计入期间顺延 {days} 个工作日；依据{basis}）",
                                 "The decision is due by {due} ({days} excluded working days "
                                 "added; under the {basis})"),
    "complaint.decided_on": _m("{at} 作出处理决定，{kind}", "Decided on {at}, {kind}"),
    "complaint.corrections": _m("责令改正", "To be corrected"),
    "complaint.acceptance": _m("受理决定", "Acceptance"),
    "complaint.accept": _m("受理", "Accept"),
    "complaint.refuse": _m("不予受理", "Do not accept"),
    "complaint.refuse_reason": _m("不予受理的理由（不予受理时必填）", "Reason (required when not "
                                  "accepted)"),
    "complaint.acceptance_submit": _m("提交受理决定", "Record the acceptance decision"),
    "complaint.exclusions": _m("不计入处理期限的期间", "Periods not counted"),
    "complaint.exclusion.testing": _m("检验、检测、鉴定", "Testing or inspection"),
    "complaint.exclusion.expert_review": _m("专家评审", "Expert review"),
    "complaint.reason": _m("理由", "Reason"),
    "complaint.exclusion_start": _m("开始（处理期限暂停计算）", "Start (the limit stops)"),
    "complaint.exclusion_end": _m("结束（处理期限恢复计算）", "End (the limit runs again)"),
    "complaint.pause_reason": _m("责令暂停定标的理由", "Why the award is paused"),
    "complaint.pause": _m("责令暂停定标", "Pause the award"),
    "complaint.lift": _m("解除暂停定标", "Lift the pause of the award"),
    "complaint.decision": _m("处理决定", "Decision"),
    "complaint.decision_text": _m("处理决定书内容", "The written decision"),
    "complaint.corrections_label": _m("责令改正事项（投诉成立时必填）", "What must be corrected "
                                      "(required when upheld)"),
    "complaint.confirm": _m("确认作出处理决定（作出后不可撤回）", "Confirm the decision (it cannot "
                            "be withdrawn)"),
    "complaint.decide": _m("作出处理决定", "Record the decision"),
    "complaint.done.filed": _m("投诉已提交，行政监督部门将在 3 个工作日内决定是否受理",
                               "The complaint is filed; acceptance is decided within 3 working "
                               "days"),
    "complaint.done.accepted": _m("已受理投诉", "The complaint is accepted"),
    "complaint.done.not_accepted": _m("已决定不予受理", "The complaint is not accepted"),
    "complaint.done.stopped": _m("不计入期间已开始，处理期限暂停计算", "The excluded period "
                                 "started; the limit is stopped"),
    "complaint.done.resumed": _m("不计入期间已结束，处理期限已顺延", "The excluded period ended; "
                                 "the limit moved"),
    "complaint.done.paused": _m("已责令暂停定标", "The award is paused"),
    "complaint.done.lifted": _m("已解除暂停定标", "The pause of the award is lifted"),
    "complaint.done.decided": _m("处理决定已作出并通知投诉人", "The decision is recorded and the "
                                 "complainant told"),
}
