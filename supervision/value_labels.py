"""What coded values in log entry bodies are called on the regulator's pages (Chinese,
English): states, kinds and reasons that domains log as codes. Supervision reads no other
domain's tables or modules, so the labels are its own; ``tests/unit/test_supervision_labels``
checks that every state and kind a domain defines has one here.
"""

from __future__ import annotations

VALUES: dict[str, tuple[str, str]] = {
    # tenders, bids, the opening, the key ceremony
    "draft": ("草稿", "Draft"), "published": ("已发布", "Published"),
    "closed": ("已截标", "Closed"), "opened": ("已开标", "Opened"), "failed": ("失败", "Failed"),
    "evaluated": ("已评标", "Evaluated"), "awarded": ("已定标", "Awarded"),
    "cancelled": ("已取消", "Cancelled"), "submitted": ("已提交", "Submitted"),
    "award_notice": ("中标通知书", "Award notice"), "result_notice": ("中标结果通知书", "Result notice"),
    "superseded": ("已被替换", "Replaced"), "withdrawn": ("已撤回", "Withdrawn"),
    "pending": ("待处理", "Pending"), "revoked": ("已撤销", "Revoked"),
    "dealing": ("分发中", "Dealing"), "checking": ("核验中", "Checking"),
    "answering": ("答复申诉中", "Answering complaints"), "completed": ("已完成", "Completed"),
    # complaints to the supervising department (issue 16, R-38)
    "complaint_filed": ("待受理", "Awaiting acceptance"),
    "not_accepted": ("不予受理", "Not accepted"),
    "complaint_accepted": ("已受理", "Accepted"), "dismissed": ("驳回", "Dismissed"),
    "upheld": ("投诉成立", "Upheld"),
    "documents_objection": ("对招标文件的异议", "Objection to the documents"),
    "result_objection": ("对评标结果的异议", "Objection to the result"),
    "testing": ("检验检测鉴定", "Testing or inspection"),
    "expert_review": ("专家评审", "Expert review"),
    # bid security (issue 16)
    "unmatched": ("未匹配", "Unmatched"), "matched": ("已匹配", "Matched"),
    "returned": ("已退回", "Returned"), "withdrawal": ("撤回投标", "Withdrawal"),
    "award": ("定标", "Award"), "contract": ("合同备案", "Contract filed"),
    "due": ("待退还", "Due"), "refunded": ("已退还", "Refunded"),
    "statement": ("银行对账单", "Bank statement"), "gateway": ("银行接口", "Bank gateway"),
    "bid-security": ("投标保证金", "Bid security"),
    # experts and draws
    "applied": ("已申请", "Applied"), "reviewed": ("已审核", "Reviewed"),
    "in_pool": ("在库", "In the pool"), "suspended": ("暂停", "Suspended"),
    "penalized": ("处罚期内", "Penalized"), "retired": ("已退出", "Retired"),
    "technical": ("技术专家", "Technical"), "economic": ("经济专家", "Economic"),
    "past_employer": ("曾任职单位", "Past employer"), "shareholding": ("持股", "Shareholding"),
    "relative_employer": ("近亲属任职单位", "Relative's employer"),
    "reward": ("奖励", "Reward"), "penalty": ("处罚", "Penalty"), "decline": ("拒绝参加", "Declined"),
    "late_cancellation": ("临近评标取消", "Late cancellation"),
    "no_answer": ("未答复", "No answer"), "rating": ("评价", "Rating"),
    "approved": ("已通过", "Approved"), "rejected": ("已驳回", "Rejected"),
    "requested": ("已申请", "Requested"), "committed": ("已承诺", "Committed"),
    "drawn": ("已抽取", "Drawn"),
    "bidder_employee": ("投标人在职人员", "Employed by a bidder"),
    "bidder_former_employee": ("投标人原任职人员", "Formerly employed by a bidder"),
    "tenderee_employee": ("招标人在职人员", "Employed by the tenderee"),
    "relative": ("近亲属关系", "Relative"),
    "supervising_department": ("行政监督部门人员", "Supervising department"),
    "unavailable": ("不可参加", "Unavailable"),
    "same_day_committee": ("同日已参加其他评标", "Another committee that day"),
    "draw_cap": ("抽取次数已达上限", "Draw cap reached"), "poor_record": ("诚信记录不良", "Poor record"),
    "reserve": ("备选", "Reserve"), "notified": ("已通知", "Notified"),
    "confirmed": ("已确认", "Confirmed"), "declined": ("已拒绝", "Declined"),
    "objected": ("已提出异议", "Objection raised"),  # the opening hall (issue 13)
    "cancel_requested": ("申请取消", "Cancellation requested"), "checked_in": ("已签到", "Checked in"),
    "recused": ("已回避", "Recused"),
    # scheduled jobs
    "queued": ("已排队", "Queued"), "done": ("已完成", "Done"),
    "bidding.close": ("截标", "Closing"), "bidding.open": ("开标", "Opening"),
    "bidding.open_watch": ("开标进度检查", "Opening watch"),
    "bidding.share_alert": ("密钥分片提醒", "Key share reminder"),
    "bidding.halves_close": ("投标人解密窗口结束", "Bidder decryption window ends"),
    "bidding.demo_shares": ("演示：自动提交分片", "Demo: automatic shares"),
    "disclosure.publish": ("定时发布公告", "Scheduled notice"),
    "disclosure.publicity_end": ("公示期结束", "Publicity ends"),
    "bidding.sweep_incoming": ("清理中断的上传", "Sweep abandoned uploads"),
    "acceptance.receipt_limit": ("受理时限届满", "Acceptance limit reached"),
    "expert_pool.no_answer": ("专家答复超时", "Expert did not answer"),
    "expert_pool.penalty_ends": ("专家处罚期结束", "Expert penalty ends"),
    "expert_pool.demo_draw": ("演示：抽取评标委员会并确认", "Demo: committee drawn and confirmed"),
    "supervision.alert.red": ("预警转红", "Alert turns red"),
    "supervision.alert.yellow": ("预警转黄", "Alert turns yellow"),
    "supervision.checkpoint": ("签署检查点", "Checkpoint signing"),
    # notices
    "tender_announcement": ("招标公告", "Tender announcement"),
    "clarification": ("澄清公告", "Clarification"), "correction": ("更正公告", "Correction"),
    "opening_record": ("开标记录", "Opening record"),
    "candidate_publicity": ("中标候选人公示", "Candidate publicity"),
    "result_announcement": ("中标结果公告", "Result announcement"),
    "contract_notice": ("合同公告", "Contract notice"), "failed_tender": ("流标公告", "Failed tender"),
    "intake_result": ("办理结果公告", "Intake result"),
    # roles and organisations, sources and scopes
    "bidder": ("投标人", "Bidder"), "tenderee": ("招标人", "Tenderee"),
    "staff": ("交易中心工作人员", "Trading-center staff"), "custodian": ("密钥保管人", "Key custodian"),
    "expert": ("评标专家", "Expert"), "regulator": ("监管部门", "Regulator"),
    "admin": ("系统管理员", "Administrator"), "bank": ("银行接口", "Bank gateway"),
    "agent": ("招标代理机构", "Agent"), "trading_center": ("交易中心", "Trading center"),
    "other": ("其他", "Other"), "demo": ("演示数据", "Demo data"), "all": ("全部", "All"),
}


# Codes whose meaning depends on the key they are logged under (too generic to label alone).
BY_KEY: dict[str, dict[str, tuple[str, str]]] = {
    # grounds of a rejection (否决投标, bidding evaluation, issue 15)
    "ground": {
        "unsigned": ("未盖章签字", "Not sealed and signed"),
        "no_consortium": ("无联合体协议", "No consortium agreement"),
        "unqualified": ("不符合资格条件", "Not qualified"),
        "two_bids": ("提交两份以上投标", "Two or more bids"),
        "price": ("报价低于成本或高于最高投标限价", "Price below cost or above the ceiling"),
        "non_responsive": ("未实质性响应", "Not responsive"),
        "misconduct": ("串通投标或弄虚作假", "Collusion or falsification"),
    },
    # the intake's ratings and materials library (issue 12)
    "level": {
        "very_satisfied": ("非常满意", "Very satisfied"), "satisfied": ("满意", "Satisfied"),
        "neutral": ("基本满意", "Fairly satisfied"), "dissatisfied": ("不满意", "Dissatisfied"),
        "very_dissatisfied": ("非常不满意", "Very dissatisfied"),
    },
    "category": {
        "basic": ("基础信息", "Basic data"), "submitted": ("已提交材料", "Materials handed in"),
        "conclusion": ("审查结论", "Conclusion"), "licence": ("证照批文", "Licence"),
        "other": ("其他记录", "Other record"),
    },
    "region_level": {
        "city": ("市级", "City"), "county": ("县（区）级", "County or district"),
        "town": ("乡镇（街道）级", "Town"),
    },
    "source": {
        "upload": ("申请人上传", "Uploaded"), "application": ("随申请提交", "With an application"),
        "issued": ("审批出具", "Issued"),
    },
    # what a review (复核) sent back
    "step": {"marks": ("成员评分", "A member's marks"), "rejection": ("否决投标", "A rejection")},
}
