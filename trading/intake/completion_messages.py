"""Text of the completion stage (issue 12, part 4): Chinese first, English second."""

from __future__ import annotations


def _m(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


_RECEIVED = "你（单位）于{received}提交的“{item}”申请（申请编号{tracking}），"
_RECEIVED_EN = "Your application for '{item}' of {received} (tracking number {tracking}): "

MESSAGES: dict[str, dict[str, str]] = {
    "nav.intake_tasks": _m("部门审批任务", "Department tasks"),
    "intake.completion": _m("办结时限", "Completion limit"),
    "intake.completion_due": _m("办结期限", "Completion due"),
    "intake.completion_limit": _m("承诺办结时限", "Promised limit"),
    "intake.working_days": _m("{days}个工作日", "{days} working days"),
    "intake.extension_days": _m("已批准延长{days}个工作日", "Extended by {days} working days"),
    "intake.used_days": _m("已用{days}个工作日（不含暂停计时）", "{days} working days used "
                           "(paused time not counted)"),
    "intake.paused": _m("暂停计时中（特别程序不计入办理时限）", "Paused (an excluded period is "
                        "open)"),
    "intake.periods": _m("不计入时限的特别程序", "Excluded periods"),
    "intake.period_kind": _m("程序类型", "Kind"),
    "intake.period_started": _m("开始日期", "Started"),
    "intake.period_ended": _m("结束日期", "Ended"),
    "intake.period_open": _m("进行中", "Open"),
    "intake.period_reason": _m("理由", "Reason"),
    "intake.start_period": _m("开始特别程序（暂停计时）", "Start an excluded period (pause)"),
    "intake.end_period": _m("结束特别程序（恢复计时）", "End the excluded period (resume)"),
    "intake.end_reason": _m("结束说明", "Note on ending"),
    "intake.extension": _m("延长办理期限（限一次，最多10个工作日，须经部门负责人批准）",
                           "Extension (once, at most 10 working days, approved by the "
                           "department's responsible person)"),
    "intake.extension_request": _m("申请延期", "Request an extension"),
    "intake.extension_reason": _m("延期理由", "Reason for the extension"),
    "intake.extension_days_field": _m("延长工作日数（1–10）", "Working days (1–10)"),
    "intake.extension_state.requested": _m("延期申请待负责人批准：{days}个工作日",
                                            "Extension of {days} working days awaits approval"),
    "intake.extension_state.approved": _m("已批准延期{days}个工作日", "Extension of {days} "
                                          "working days approved"),
    "intake.extension_state.refused": _m("延期申请未获批准", "Extension refused"),
    "intake.extension_approve": _m("批准延期", "Approve the extension"),
    "intake.extension_refuse": _m("不批准", "Refuse"),
    "intake.tasks": _m("并联审批（各部门同步办理）", "Parallel approval (departments at once)"),
    "intake.task_department": _m("部门", "Department"),
    "intake.task_decision": _m("审批意见", "Decision"),
    "intake.task.pending": _m("办理中", "Pending"),
    "intake.task.approve": _m("同意", "Approved"),
    "intake.task.refuse": _m("不同意", "Refused"),
    "intake.decide_task": _m("部门审批意见", "Department decision"),
    "intake.task_reasons": _m("意见或理由（不同意时必填）", "Remarks (required when refusing)"),
    "intake.submit_task": _m("提交审批意见", "Submit the decision"),
    "intake.my_tasks_intro": _m("以下是您所在部门待办的并联审批任务，按受理时间排序。",
                                "Your departments' open parallel-approval tasks, oldest first."),
    "intake.my_departments": _m("我所在的部门", "My departments"),
    "intake.no_department": _m("您尚未被分配到任何部门，请联系管理员。",
                               "You are not assigned to a department; ask an administrator."),
    "intake.no_tasks": _m("暂无待办任务", "No open task"),
    "intake.in_progress": _m("本部门事项办理中的申请", "Applications in progress for my "
                             "departments' items"),
    "intake.head": _m("负责人", "Responsible person"),
    "intake.result": _m("办理结果", "Result"),
    "intake.decisions": _m("各部门意见", "Departments' decisions"),
    "intake.status.approved": _m("已办结：准予许可", "Completed: approved"),
    "intake.status.not_approved": _m("已办结：不予许可", "Completed: not approved"),
    "intake.done.period_started": _m("特别程序已开始，办理时限暂停计算，已书面告知申请人。",
                                     "The excluded period started; the clock is paused and the "
                                     "applicant is told in writing."),
    "intake.done.period_ended": _m("特别程序已结束，恢复计算办理时限，已书面告知申请人。",
                                   "The excluded period ended; the clock runs again and the "
                                   "applicant is told in writing."),
    "intake.done.extension_requested": _m("延期申请已提交，待部门负责人批准。",
                                          "The extension was requested; it awaits approval."),
    "intake.done.extension_decided": _m("延期申请已审批。", "The extension request was decided."),
    "intake.done.task_decided": _m("部门审批意见已提交。", "The department's decision was recorded."),
    "intake.notice.pause_start": _m("暂停计时告知书", "Notice of an excluded period"),
    "intake.notice.pause_end": _m("恢复计时告知书", "Notice that the clock resumes"),
    "intake.notice.extension": _m("延长办理期限告知书", "Notice of extension"),
    "intake.notice.approval": _m("准予行政许可决定书", "Approval decision"),
    "intake.notice.disapproval": _m("不予行政许可决定书", "Refusal decision"),
    "intake.notice_text.pause_start": _m(
        _RECEIVED + "因需进行下列特别程序，依照《中华人民共和国行政许可法》第四十五条，"
        "所需时间不计入办理时限，自下列日期起暂停计时。",
        _RECEIVED_EN + "the step below is needed; under the Licensing Law, art. 45, its time is "
        "not counted in the limit, which is paused from the day below."),
    "intake.notice_text.pause_end": _m(
        _RECEIVED + "下列特别程序已结束，自次日起恢复计算办理时限。",
        _RECEIVED_EN + "the step below has ended; the limit runs again from the next day."),
    "intake.notice_text.extension": _m(
        _RECEIVED + "因情况复杂，经本机关负责人批准，"
        "依照《中华人民共和国行政许可法》第四十二条延长办理期限。",
        _RECEIVED_EN + "the limit is extended with the approval of the head of this authority "
        "(Licensing Law, art. 42)."),
    "intake.notice_text.approval": _m(
        _RECEIVED + "经审查，符合法定条件、标准，本机关决定准予行政许可。",
        _RECEIVED_EN + "the application meets the legal conditions; it is approved."),
    "intake.notice_text.disapproval": _m(
        _RECEIVED + "经审查，本机关决定不予行政许可，理由如下。"
        "申请人如不服，可依法申请行政复议或者提起行政诉讼。",
        _RECEIVED_EN + "it is not approved, for the reasons below. The applicant may apply for "
        "administrative review or bring an administrative suit."),
    "intake.notice_extension_days": _m("延长工作日数", "Working days added"),
    "intake.notice_new_due": _m("延长后的办结期限", "New completion due day"),
    "intake.notice_period_started": _m("暂停计时起始日", "Paused from"),
    "intake.notice_period_ended": _m("特别程序结束日", "Ended on"),
    "nav.intake_staff": _m("审批部门人员", "Department staff"),
    "intake.staff_departments": _m("审批部门人员分配", "Staff of the approval departments"),
    "intake.staff_intro": _m("工作人员只办理所在部门的并联审批任务；部门负责人批准延长办理期限。",
                             "Staff decide their own departments' tasks; a department's "
                             "responsible person approves extensions."),
    "intake.staff_member": _m("工作人员", "Staff member"),
    "intake.staff_not_head": _m("否", "No"),
    "intake.staff_remove": _m("移除", "Remove"),
    "intake.staff_confirm": _m("我确认将该人员移出此部门", "I confirm removing this person from "
                               "the department"),
    "intake.staff_none": _m("尚未分配任何人员", "Nobody is assigned yet"),
    "intake.staff_assign": _m("分配到部门", "Assign to a department"),
    "intake.done.assigned": _m("人员已分配到部门。", "The staff member was assigned."),
    "intake.done.unassigned": _m("已从部门移除该人员。", "The staff member was removed."),
}
