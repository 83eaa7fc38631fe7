"""UI text of the bid-security pages: Chinese first, English second."""

from __future__ import annotations


def _m(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


MESSAGES: dict[str, dict[str, str]] = {
    "nav.security": _m("保证金管理", "Bid security"),
    "bidding.sec.page": _m("投标保证金", "Bid security"),
    "bidding.sec.lead": _m(
        "每个标段有您单位专用的虚拟子账号，请将保证金汇入该子账号，或在投标截止前提交保函。"
        "截止前平台不记录、不公开哪家单位为哪个项目缴纳保证金；截标后自动核对到账。",
        "Each section has a virtual sub-account of your organization's own: pay the security "
        "into it, or hand in a guarantee letter before the deadline. Before the deadline the "
        "platform neither records nor shows who pays for which tender; payments are matched at "
        "the close."),
    "bidding.sec.sub_account": _m("虚拟子账号", "Virtual sub-account"),
    "bidding.sec.due": _m("应缴金额（元）", "Amount due (yuan)"),
    "bidding.sec.paid": _m("已到账（元）", "Received (yuan)"),
    "bidding.sec.payments": _m("到账记录", "Payments received"),
    "bidding.sec.no_payments": _m("暂无到账记录", "No payment received yet"),
    "bidding.sec.trade_date": _m("交易日期", "Trade date"),
    "bidding.sec.payer": _m("付款人", "Payer"),
    "bidding.sec.payer_account": _m("付款人账号", "Payer's account"),
    "bidding.sec.amount": _m("金额（元）", "Amount (yuan)"),
    "bidding.sec.serial": _m("银行流水号", "Bank serial number"),
    "bidding.sec.status": _m("状态", "Status"),
    "bidding.sec.payment.unmatched": _m("已到账，截标后核对", "Received, matched at the close"),
    "bidding.sec.payment.matched": _m("已核对", "Matched"),
    "bidding.sec.payment.returned": _m("已退回", "Returned"),
    "bidding.sec.refund": _m("退还", "Refund"),
    "bidding.sec.refund.due": _m("待退还，期限", "Refund due by"),
    "bidding.sec.refund.refunded": _m("已退还", "Refunded"),
    "bidding.sec.refunded_with_interest": _m(
        "本金 {principal} 元，利息 {interest} 元（活期年利率 {rate}%，{days} 天），合计 {total} 元",
        "principal ¥{principal}, interest ¥{interest} (current-deposit rate {rate}% a year, "
        "{days} days), total ¥{total}"),
    "bidding.sec.interest_today": _m("利息（计至今日）", "Interest (to today)"),
    "bidding.sec.interest_line": _m("利息 {interest} 元（{rate}%，{days} 天），应退合计 {total} 元",
                                    "interest ¥{interest} ({rate}%, {days} days), total ¥{total}"),
    "bidding.sec.interest_basis": _m(
        "依据《中华人民共和国招标投标法实施条例》第五十七条，退还投标保证金及银行同期存款利息：按活期存款"
        "年利率 {rate}% 单利计息，自到账（交易）日起算至退款日（算头不算尾），日利率 = 年利率 ÷ 360，"
        "四舍五入到分；登记退款时按当日计定。",
        "Under the Regulations on the Tendering and Bidding Law, Art. 57, security is refunded "
        "with the bank's interest for the period: simple interest at the current-deposit rate of "
        "{rate}% a year from the trade date to the refund day (first day counted, last not), "
        "daily rate = annual ÷ 360, rounded half-up to the fen; fixed on the day the refund is "
        "recorded."),
    "bidding.sec.refunds_export": _m("导出退款记录（CSV）", "Export the refunds (CSV)"),
    "bidding.sec.refund_reason.withdrawal": _m("撤回投标", "Bid withdrawn"),
    "bidding.sec.refund_reason.award": _m("未中标", "Not awarded"),
    "bidding.sec.refund_reason.contract": _m("合同已备案", "Contract filed"),
    "bidding.sec.refund_reason.failed": _m("标段流标", "Section failed"),
    "bidding.sec.refund_reason.returned": _m("非保证金款项退回", "Returned (no bid)"),
    "bidding.sec.letters": _m("保函", "Guarantee letters"),
    "bidding.sec.no_letters": _m("未提交保函", "No guarantee letter"),
    "bidding.sec.issuer": _m("开立银行/担保机构", "Issuer"),
    "bidding.sec.number": _m("保函编号", "Letter number"),
    "bidding.sec.valid_until": _m("有效期至", "Valid until"),
    "bidding.sec.valid_hint": _m("留空则为开标后 28 日", "Leave empty for 28 days after the opening"),
    "bidding.sec.file": _m("保函文件（PDF、PNG 或 JPEG，上限 {mib} MiB）",
                           "Letter file (PDF, PNG or JPEG, at most {mib} MiB)"),
    "bidding.sec.add_letter": _m("提交保函", "Hand in the letter"),
    "bidding.sec.withdraw_letter": _m("撤回保函", "Withdraw the letter"),
    "bidding.sec.confirm_withdraw": _m("确认撤回该保函", "I confirm withdrawing this letter"),
    "bidding.sec.withdrawn": _m("已撤回", "Withdrawn"),
    "bidding.sec.handed_in": _m("已提交", "Handed in"),
    "bidding.sec.done.guarantee_added": _m("保函已提交", "The guarantee letter was handed in"),
    "bidding.sec.done.guarantee_withdrawn": _m("保函已撤回", "The guarantee letter was withdrawn"),
    "bidding.sec.desk": _m("投标保证金管理", "Bid security desk"),
    "bidding.sec.desk_lead": _m(
        "导入银行对账单；截标前到账记录加密保存，付款人和金额不显示，截标时按虚拟子账号自动核对。",
        "Import bank statements. Before a deadline a payment is kept sealed (payer and amount "
        "not shown); it is matched by its sub-account at the close."),
    "bidding.sec.import": _m("导入银行对账单（CSV）", "Import a bank statement (CSV)"),
    "bidding.sec.import_layout": _m("列：{columns}；UTF-8 或 GB18030 编码；金额单位为元。",
                                    "Columns: {columns}; UTF-8 or GB18030; amounts in yuan."),
    "bidding.sec.import_button": _m("导入", "Import"),
    "bidding.sec.problems": _m("错误明细（未导入任何记录）", "Problems (nothing was imported)"),
    "bidding.sec.row": _m("行", "Row"),
    "bidding.sec.column": _m("列", "Column"),
    "bidding.sec.reason": _m("原因", "Reason"),
    "bidding.sec.held": _m("尚未匹配的到账", "Payments not matched"),
    "bidding.sec.held_none": _m("没有尚未匹配的到账", "No unmatched payment"),
    "bidding.sec.received_at": _m("登记时间", "Recorded"),
    "bidding.sec.sealed": _m("（加密保存，截标后核对）", "(sealed until matched)"),
    "bidding.sec.return": _m("退回付款人", "Return to the payer"),
    "bidding.sec.return_reason": _m("处理理由（将记入监督日志）", "Reason (logged)"),
    "bidding.sec.confirm_return": _m("确认该笔款项不属于任何投标，退回付款人",
                                     "I confirm this payment belongs to no bid"),
    "bidding.sec.owed": _m("待退还的保证金", "Refunds owed"),
    "bidding.sec.owed_none": _m("没有待退还的保证金", "No refund owed"),
    "bidding.sec.due_at": _m("退还期限", "Due by"),
    "bidding.sec.late": _m("已逾期", "Late"),
    "bidding.sec.to_account": _m("退款账号（须为付款人原账户）", "Account (the payer's own)"),
    "bidding.sec.refund_serial": _m("退款银行流水号", "Refund bank serial"),
    "bidding.sec.confirm_refund": _m("确认已向付款人原账户退款", "I confirm the transfer back"),
    "bidding.sec.record_refund": _m("登记退款", "Record the refund"),
    "bidding.sec.done.imported": _m("对账单已导入", "The statement was imported"),
    "bidding.sec.done.returned": _m("已登记退回，退款待办已生成", "Returned; a refund is owed"),
    "bidding.sec.done.refunded": _m("退款已登记", "The refund was recorded"),
    "bidding.sec.record_col": _m("投标保证金", "Bid security"),
    "bidding.sec.record_paid": _m("已缴", "Paid"),
    "bidding.sec.record_guarantee": _m("保函", "Guarantee letter"),
    "bidding.sec.record_unpaid": _m("未缴足", "Not paid in full"),
    "bidding.sec.link": _m("投标保证金", "Bid security"),
    "bidding.sec.release.title": _m("保函解除函（退还保函通知）",
                                    "Release of a guarantee letter"),
    "bidding.sec.release.number": _m("编号：{number}", "No. {number}"),
    "bidding.sec.release.body": _m(
        "贵单位开立的编号为 {number} 的投标保函（有效期至 {valid}），因{reason}，依据{basis}，"
        "应予退还：自本函出具之日起，受益人不再依该保函主张任何权利，该保函解除。特此通知。",
        "The bid guarantee no. {number} you issued (valid until {valid}) is to be returned "
        "({reason}) under the {basis}: from the date of this letter the beneficiary makes no "
        "claim under it and it is released."),
    "bidding.sec.release.project": _m(
        "所涉项目：{tender}（项目编号 {code}）第{section}标段 {name}；"
        "投标人：{bidder}；受益人：{beneficiary}",
        "Tender: {tender} (no. {code}), section {section} {name}; bidder: {bidder}; "
        "beneficiary: {beneficiary}"),
    "bidding.sec.release.back": _m("返回", "Back"),
    "bidding.sec.release.link": _m("保函解除函 {number}", "Release {number}"),
    "bidding.sec.releases": _m("已出具的保函解除函", "Guarantee releases issued"),
    "bidding.sec.overview": _m("投标人保证金情况", "Bidders' security"),
    "bidding.sec.overview_link": _m("投标人保证金情况", "Bidders' security"),
    "bidding.sec.overview_hint": _m(
        "开标后可查看：每个标段各投标人的保证金缴纳（已缴 / 保函 / 未缴足，按投标截止日前到账计）和退还"
        "情况（本金及银行同期存款利息，条例第五十七条）。投标截止前任何人不得知悉投标人信息。",
        "Shown after the opening: each bidder's security per section (paid / guarantee letter / "
        "not paid in full, counting what arrived by the deadline's day) and its refunds "
        "(principal and the bank's interest, Regs Art. 57). Before the deadline nobody may "
        "learn who bids."),
    "bidding.sec.bidder": _m("投标人", "Bidder"),
    "bidding.sec.guarantees": _m("保函", "Guarantee letters"),
    "bidding.sec.late_paid": _m("截止后到账 {amount} 元", "¥{amount} arrived after the deadline"),
    "bidding.sec.no_bidders": _m("本标段无投标人", "No bidder in this section"),
    "bidding.sec.matched_letters": _m("截标后已核对的保函", "Guarantee letters matched at the close"),
    "bidding.sec.file_col": _m("文件", "File"),
}
