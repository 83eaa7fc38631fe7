"""UI text of the award pages: Chinese first, English second."""

from __future__ import annotations


def _m(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


MESSAGES: dict[str, dict[str, str]] = {
    "award.title": _m("中标候选人公示与定标", "Candidates, objections and award"),
    "award.lead": _m("评标报告经全体成员签署后 3 日内公示中标候选人，公示期不少于 3 日（{publicity}）；"
                     "投标人可在公示期内对评标结果提出异议，招标人应在 3 日内答复，"
                     "答复前暂停定标（{objection}）；"
                     "中标通知书与中标结果通知书同时发出，合同在 30 日内订立（{award}）。",
                     "The candidates are published within 3 days of the signed report, for at "
                     "least 3 days ({publicity}); bidders may object during the publicity, the "
                     "tenderee answers within 3 days and the award waits meanwhile ({objection}); "
                     "the award and result notices go out together, the contract follows within "
                     "30 days ({award})."),
    "award.link": _m("公示、异议与定标", "Candidates and award"),
    "award.done.published": _m("中标候选人已公示", "The candidates are published"),
    "award.done.objected": _m("异议已提交，招标人应在 3 日内答复", "Your objection is sent; the "
                              "tenderee answers within 3 days"),
    "award.done.answered": _m("异议已答复", "The objection is answered"),
    "award.done.awarded": _m("已定标，中标通知书和中标结果通知书已同时发出",
                             "Awarded: the award and result notices went out together"),
    "award.done.filed": _m("合同已备案，合同公告已发布", "The contract is filed and its notice "
                           "published"),
    "award.no_report": _m("评标报告尚未经全体成员签署", "The evaluation report is not signed by "
                          "every member yet"),
    "award.publicity": _m("中标候选人公示", "Candidate publicity"),
    "award.published_window": _m("公示期：{start} 至 {end}（{days} 日）", "Publicity: {start} to "
                                 "{end} ({days} days)"),
    "award.notice_link": _m("查看公示", "Read the notice"),
    "award.publish_due": _m("应于 {due} 前公示", "To be published by {due}"),
    "award.late": _m("（已逾期）", "(late)"),
    "award.not_published": _m("中标候选人尚未公示", "The candidates are not published yet"),
    "award.rank": _m("排名", "Rank"),
    "award.candidate": _m("中标候选人", "Candidate"),
    "award.price": _m("投标报价（元）", "Bid price (yuan)"),
    "award.score": _m("评标得分", "Score"),
    "award.quality": _m("质量标准", "Quality"),
    "award.duration": _m("工期/交货期", "Duration"),
    "award.days": _m("公示期（日）", "Publicity period (days)"),
    "award.objection_method": _m("提出异议的渠道和方式", "How to object"),
    "award.objection_method_default": _m("投标人可在公示期内登录本平台，在“我的项目”中对评标结果提出异议",
                                         "Bidders may object during the publicity from their "
                                         "workspace on this platform"),
    "award.objection_contact": _m("异议受理联系人及电话", "Objection contact"),
    "award.publish": _m("发布中标候选人公示", "Publish the candidates"),
    "award.objections": _m("对评标结果的异议", "Objections to the result"),
    "award.paused": _m("尚有异议未答复，定标暂停", "An objection is unanswered: the award waits"),
    "award.answer": _m("答复异议", "Answer"),
    "award.objection_text": _m("异议内容", "Your objection"),
    "award.object": _m("提出异议", "Object"),
    "award.objections_closed": _m("公示期已结束，不再受理异议", "The publicity has ended: no more "
                                  "objections"),
    "award.award": _m("定标", "Award"),
    "award.awarded_to": _m("中标人：{winner}（{at} 定标）", "Winner: {winner} (awarded {at})"),
    "award.reason_shown": _m("理由：{reason}", "Reason: {reason}"),
    "award.result_notice_link": _m("查看中标结果公告", "Read the result announcement"),
    "award.letter.award_notice": _m("中标通知书", "Award notice"),
    "award.letter.result_notice": _m("中标结果通知书", "Result notice"),
    "award.wait_publicity": _m("公示期至 {end} 结束，结束后方可定标", "The award can be made once "
                               "the publicity ends ({end})"),
    "award.winner": _m("确定中标人", "The winner"),
    "award.reason": _m("理由（确定排名第一以外的中标候选人时必填，如排名第一的中标候选人放弃中标）",
                       "Reason (required for a candidate other than the first, e.g. the first "
                       "withdrew)"),
    "award.confirm": _m("我确认：中标通知书和中标结果通知书将同时发出，不可撤回",
                        "I confirm: the award and result notices go out together and cannot be "
                        "withdrawn"),
    "award.confirm_button": _m("确定中标人并发出通知书", "Award and send the notices"),
    "award.not_awarded": _m("尚未定标", "Not awarded yet"),
    "award.contract": _m("合同", "Contract"),
    "award.contract_filed": _m("合同“{name}”已备案：金额 {amount} 元，{date} 签订",
                               "Contract '{name}' filed: {amount} yuan, signed {date}"),
    "award.contract_notice_link": _m("查看合同公告", "Read the contract notice"),
    "award.contract_due": _m("应于 {due} 前订立合同并备案", "The contract is due by {due}"),
    "award.contract_file": _m("合同文件", "Contract file"),
    "award.contract_name": _m("合同名称", "Contract name"),
    "award.contract_amount": _m("合同金额（元）", "Amount (yuan)"),
    "award.signed_on": _m("签订日期", "Signed on"),
    "award.term": _m("合同履行期限", "Contract term"),
    "award.file_contract": _m("备案合同", "File the contract"),
    "award.letter_body_award": _m("经评标委员会评审和中标候选人公示，确定贵单位为「{tender}」标段 {number}"
                                  "（{name}）的中标人，中标价 {price} 元。请自本通知书发出之日起 30 日内"
                                  "与招标人订立书面合同。",
                                  "After evaluation and publicity, you are the winner of "
                                  "'{tender}' section {number} ({name}) at {price} yuan. Sign "
                                  "the written contract with the tenderee within 30 days of "
                                  "this notice."),
    "award.letter_body_result": _m("「{tender}」标段 {number}（{name}）的中标人为 {winner}，中标价 "
                                   "{price} 元。感谢贵单位参与投标。",
                                   "The winner of '{tender}' section {number} ({name}) is "
                                   "{winner} at {price} yuan. Thank you for bidding."),
    "award.letter_basis": _m("依据：{basis}", "Basis: {basis}"),
    "award.issued_at": _m("发出时间", "Issued"),
    "award.signature": _m("平台签名", "Platform signature"),
    "award.signature_valid": _m("签名有效（本平台签名密钥）", "Valid (this platform's signing key)"),
    "award.signature_invalid": _m("签名无效", "Invalid"),
    "award.key_id": _m("签名密钥编号", "Signing key ID"),
    "award.signature_value": _m("签名值", "Signature"),
    "award.back": _m("返回定标页面", "Back to the award page"),
}
