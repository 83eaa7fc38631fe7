"""Text of the library, kiosk, progress, ratings, complaints and statistics pages: Chinese
first, English second (kept apart from ``messages.py``, which the other parts of the intake
extend)."""

from __future__ import annotations


def _m(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


SERVICE_MESSAGES: dict[str, dict[str, str]] = {
    "nav.intake_progress": _m("办件查询", "Track an application"),
    "nav.intake_library": _m("我的资料库", "My materials library"),
    "nav.intake_complaints": _m("投诉", "Complaints"),
    "nav.intake_follow_ups": _m("差评回访", "Bad ratings to follow up"),
    "nav.intake_stats": _m("政务服务统计", "Service statistics"),
    "intake.actions": _m("操作", "Actions"),
    "intake.file": _m("文件", "File"),
    "intake.optional": _m("选填", "optional"),
    # materials library (City §34)
    "intake.library": _m("我的资料库（电子信息库）", "My materials library"),
    "intake.library_intro": _m(
        "已提交过的材料、取得的审查结论和证照保存在这里，申请时可直接选用，不必重复提交"
        "（《办法》第三十二条、第三十四条）；超过有效期的材料会被标出，不能再使用。",
        "Materials handed in before, conclusions and licences issued are kept here; pick them "
        "when applying instead of handing them in again (City measures, articles 32 and 34). "
        "Expired ones are flagged and cannot be used."),
    "intake.library_category": _m("类别", "Category"),
    "intake.library_category.basic": _m("基础信息", "Basic data"),
    "intake.library_category.submitted": _m("已提交材料", "Materials handed in"),
    "intake.library_category.conclusion": _m("审查结论", "Conclusions issued"),
    "intake.library_category.licence": _m("证照批文", "Licences issued"),
    "intake.library_category.other": _m("其他记录", "Other records"),
    "intake.library_empty": _m("暂无", "None yet"),
    "intake.library_title": _m("材料名称", "Title"),
    "intake.library_source": _m("来源", "Source"),
    "intake.library_uploaded": _m("本人上传", "Uploaded"),
    "intake.library_expired": _m("已过期，不能使用", "Expired: cannot be used"),
    "intake.library_add": _m("上传材料入库", "File a document"),
    "intake.library_remove": _m("删除", "Remove"),
    "intake.library_confirm_remove": _m("确认从资料库删除（已提交的申请不受影响）",
                                        "Confirm the removal (applications already made keep "
                                        "their copy)"),
    "intake.library_pick": _m("或从我的资料库选用", "or pick from my library"),
    "intake.library_none": _m("不选用", "None"),
    "intake.valid_until": _m("有效期至", "Valid until"),
    "intake.valid_until_hint": _m("长期有效的可不填", "leave empty if it does not expire"),
    "intake.valid_open": _m("长期", "No end"),
    "intake.done.library_added": _m("材料已存入资料库。", "The document is filed in the library."),
    "intake.done.library_removed": _m("材料已从资料库删除。", "The document is removed from the "
                                      "library."),
    # kiosk
    "intake.kiosk": _m("政务服务自助终端", "Self-service terminal"),
    "intake.kiosk_home": _m("返回自助终端首页", "Back to the terminal's start"),
    "intake.kiosk_intro": _m("请点击下面的大按钮办理。无操作{seconds}秒后自动退出登录，保护您的信息。",
                             "Touch a button below. Without a touch for {seconds} seconds you are "
                             "signed out, to protect your data."),
    "intake.kiosk_session": _m("在自助终端登录最长保持{minutes}分钟。", "A sign-in at the terminal "
                               "lasts at most {minutes} minutes."),
    "intake.kiosk_catalog": _m("办事指南与申请", "Guides and applying"),
    "intake.kiosk_progress": _m("办件进度查询", "Track an application"),
    "intake.kiosk_login": _m("登录后办理", "Sign in to apply"),
    "intake.kiosk_done": _m("办理完毕，退出登录", "Done: sign out"),
    "intake.kiosk_maintenance": _m("终端维护", "Terminal maintenance"),
    "intake.kiosk_exit": _m("退出自助模式", "Leave the kiosk mode"),
    # progress
    "intake.progress": _m("办件进度", "Progress"),
    "intake.progress_intro": _m("输入回执上的办件编号和查询码，查看办理状态和进度（不显示申请人信息）。",
                                "Enter the tracking number and code from the receipt to see the "
                                "state and history (no applicant data is shown)."),
    "intake.progress_and_rating": _m("办理进度、评价与投诉", "Progress, rating and complaints"),
    "intake.progress_history": _m("办理过程", "History"),
    "intake.days_left": _m("剩余办理时限", "Working days left"),
    "intake.no_limit_running": _m("当前无计时中的期限", "No limit is running"),
    "intake.event.received": _m("收件登记", "Received"),
    "intake.event.notice.acceptance": _m("出具受理通知书", "Acceptance notice issued"),
    "intake.event.notice.refusal": _m("出具不予受理通知书", "Refusal notice issued"),
    "intake.event.notice.one_time": _m("出具一次性告知通知书", "One-time notice issued"),
    "intake.event.deemed_accepted": _m("逾期未告知，自收到申请之日起视为受理",
                                       "Counted as accepted from receipt"),
    "intake.event.rated": _m("申请人作出评价", "Rated by the applicant"),
    # ratings (City §41)
    "intake.rating": _m("服务评价", "Rating"),
    "intake.rating_level": _m("评价等级", "Rating"),
    "intake.rating_level.very_satisfied": _m("非常满意", "Very satisfied"),
    "intake.rating_level.satisfied": _m("满意", "Satisfied"),
    "intake.rating_level.neutral": _m("基本满意", "Fairly satisfied"),
    "intake.rating_level.dissatisfied": _m("不满意", "Dissatisfied"),
    "intake.rating_level.very_dissatisfied": _m("非常不满意", "Very dissatisfied"),
    "intake.rating_comment": _m("评价内容（不满意时必填）", "Comment (needed when dissatisfied)"),
    "intake.rate": _m("提交评价", "Submit the rating"),
    "intake.rating_later": _m("办件作出决定后可以评价。", "You can rate once the application is "
                              "decided."),
    "intake.follow_up_due": _m("回访整改期限", "Follow-up due"),
    "intake.follow_up_note": _m("回访整改情况", "How it was followed up"),
    "intake.follow_up_submit": _m("登记回访结果", "Record the follow-up"),
    "intake.followed_up": _m("已回访", "Followed up"),
    "intake.follow_ups": _m("待回访的差评", "Bad ratings to follow up"),
    "intake.follow_ups_none": _m("没有待回访的差评。", "No bad rating waits for a follow-up."),
    "intake.done.rated": _m("评价已提交，谢谢！", "Thank you: the rating is recorded."),
    "intake.done.followed_up": _m("回访结果已登记。", "The follow-up is recorded."),
    # complaints (City §41)
    "intake.complaints": _m("投诉", "Complaints"),
    "intake.complaints_none": _m("暂无投诉。", "No complaint."),
    "intake.complaint": _m("投诉", "Complaint"),
    "intake.complain": _m("我要投诉", "File a complaint"),
    "intake.complaint_intro": _m("投诉登记后将指定工作人员办理，并在{days}个工作日内答复"
                                 "（《办法》第四十一条）。",
                                 "A complaint is assigned to a staff member and answered within "
                                 "{days} working days (City measures, article 41)."),
    "intake.complaint_number": _m("投诉编号", "Complaint number"),
    "intake.complaint_subject": _m("投诉事由", "Subject"),
    "intake.complaint_content": _m("投诉内容", "Complaint"),
    "intake.complaint_submit": _m("提交投诉", "File the complaint"),
    "intake.complaint_answer": _m("答复", "Answer"),
    "intake.complaint_status.registered": _m("已登记，待分派", "Registered, to assign"),
    "intake.complaint_status.assigned": _m("已分派，办理中", "Assigned, being handled"),
    "intake.complaint_status.answered": _m("已答复", "Answered"),
    "intake.filed_at": _m("投诉时间", "Filed"),
    "intake.answer_due": _m("答复期限", "Answer due"),
    "intake.assign": _m("分派承办人", "Assign"),
    "intake.assignee": _m("承办人", "Assigned to"),
    "intake.answer_submit": _m("提交答复", "Send the answer"),
    "intake.done.complaint_filed": _m("投诉已登记，我们将按期答复。", "The complaint is registered; "
                                      "it will be answered in time."),
    "intake.done.complaint_assigned": _m("已分派承办人。", "The complaint is assigned."),
    "intake.done.complaint_answered": _m("答复已提交。", "The answer is sent."),
    # statistics (City §36)
    "intake.stats": _m("政务服务统计", "Service statistics"),
    "intake.stats_csv": _m("导出CSV", "Export as CSV"),
    "intake.stats_total": _m("申请总数", "Applications"),
    "intake.stats_decided": _m("已作出受理决定", "Decided on receipt"),
    "intake.stats_average": _m("平均受理审查用时（工作日）", "Average time to decide (working days)"),
    "intake.stats_worst": _m("最长受理审查用时（工作日）", "Longest time to decide (working days)"),
    "intake.stats_overdue": _m("超期件", "Overdue"),
    "intake.stats_satisfied": _m("满意率", "Satisfied"),
    "intake.stats_rated": _m("共{count}条评价", "{count} ratings"),
    "intake.stats_complaints": _m("共{total}件，未答复{open}件，其中超期{overdue}件",
                                  "{total} in all, {open} open, {overdue} of them overdue"),
    "intake.stats_by_item": _m("按事项", "By item"),
    "intake.stats_by_department": _m("按部门", "By department"),
    "intake.stats_by_state": _m("按办理状态", "By state"),
    "intake.stats_ratings": _m("评价分布", "Ratings"),
    "intake.stats_none": _m("暂无数据", "No data yet"),
}
