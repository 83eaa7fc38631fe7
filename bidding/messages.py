"""UI text of the bidding pages: Chinese first, English second."""

from __future__ import annotations

from bidding.award.complaint_messages import MESSAGES as COMPLAINTS
from bidding.award.messages import MESSAGES as AWARD
from bidding.evaluation.messages import MESSAGES as EVALUATION
from bidding.hall.messages import MESSAGES as HALL
from bidding.security.messages import MESSAGES as SECURITY


def _m(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


MESSAGES: dict[str, dict[str, str]] = {
    "nav.tenders": _m("招标项目", "Tenders"),
    "nav.tender_new": _m("新建招标项目", "New tender"),
    "nav.custody": _m("密钥保管", "Key custody"),
    "nav.notifications": _m("招投标通知", "Bidding notices"),
    "bidding.tenders": _m("招标项目", "Tenders"),
    "bidding.none": _m("暂无招标项目", "No tenders yet"),
    "bidding.title": _m("项目名称", "Title"),
    "bidding.code": _m("项目编号", "Project number"),
    "bidding.section_number": _m("第 {number} 标段", "Section {number}"),
    "bidding.sections_hint": _m(
        "每个标段分别投标、开标和评标；留空的标段行不会保存。需要更多标段时，请点击页面下方的“增加标段”。",
        "Each section is bid, opened and evaluated on its own; empty rows are not saved. "
        "For more sections, use \"Add a section\" at the bottom of the page."),
    "bidding.add_section": _m("增加标段", "Add a section"),
    "bidding.category": _m("项目类别", "Category"),
    "bidding.region": _m("地区", "Region"),
    "bidding.method": _m("评标办法", "Evaluation method"),
    "bidding.description": _m("项目概况", "Description"),
    "bidding.state": _m("状态", "State"),
    "bidding.deadline": _m("投标截止时间", "Bid deadline"),
    "bidding.issued": _m("招标文件发出时间", "Documents issued"),
    "bidding.sale_ends": _m("招标文件发售截止", "Documents on sale until"),
    "bidding.sections": _m("标段", "Sections"),
    "bidding.section_name": _m("标段名称", "Section name"),
    "bidding.estimate": _m("估算价（元）", "Estimated price (yuan)"),
    "bidding.max_price": _m("最高投标限价（元）", "Maximum price (yuan)"),
    "bidding.security": _m("投标保证金（元）", "Bid security (yuan)"),
    "bidding.documents": _m("招标文件", "Tender documents"),
    "bidding.download": _m("下载（无需注册）", "Download (no sign-up needed)"),
    "bidding.upload_document": _m("上传招标文件", "Upload a document"),
    "bidding.file": _m("文件", "File"),
    "bidding.custodians": _m("密钥保管人（k/n）", "Custodians (k of n)"),
    "bidding.threshold": _m("开标门限 k", "Opening threshold k"),
    "bidding.bidder_decrypts": _m("投标人参与解密模式", "Bidder-decrypts mode"),
    "bidding.create": _m("创建草稿", "Create draft"),
    "bidding.publish": _m("发布", "Publish"),
    "bidding.publish_help": _m(
        "发布时自动校验：自招标文件发出至投标截止不少于 20 日（《中华人民共和国招标投标法》第二十四条），"
        "发售期不少于 5 日（《中华人民共和国招标投标法实施条例》第十六条），首日不计入，期末遇节假日顺延。",
        "Publishing checks 20 days from the documents to the deadline (Tendering and Bidding Law, "
        "Art. 24) and 5 days on sale (Regulations, Art. 16); the start day is not counted and a "
        "period ending on a rest day moves to the next working day."),
    "bidding.ceremony_missing": _m("开标密钥尚未生成：须由全部保管人在各自电脑上共同完成"
                                   "（ggzy custody contribute / check）",
                                   "The opening key is not made yet: the custodians make it "
                                   "together on their own machines (ggzy custody contribute / "
                                   "check)"),
    "bidding.ceremony_done": _m("开标公钥已就绪", "Opening public key ready"),
    "bidding.my_number": _m("本人编号", "My number"),
    "bidding.ceremony": _m("开标密钥生成", "Opening-key ceremony"),
    "bidding.ceremony_round": _m("第 {round} 轮", "round {round}"),
    "bidding.ceremony_not_started": _m("尚未开始", "not started"),
    "bidding.transcript_hash": _m("密钥生成记录摘要", "Ceremony transcript hash"),
    "bidding.ceremony_steps": _m("请在您自己的电脑上完成以下步骤", "Take these steps on your own "
                                 "machine"),
    "bidding.ceremony_help": _m(
        "开标私钥由全体保管人共同生成，任何人（包括平台和任何一位保管人）都不掌握完整私钥。"
        "请依次运行：生成并提交贡献、核验他人发给您的份额、（如被投诉）答复投诉。",
        "The opening key is made by all custodians together; nobody, the platform and any "
        "single custodian included, ever holds the whole private key. Run in turn: deal and "
        "post your contribution, check the shares dealt to you, answer complaints (if any)."),
    "bidding.ceremony_contributed": _m("已提交贡献", "Contributions posted"),
    "bidding.ceremony_checked": _m("已核验份额", "Shares checked"),
    "bidding.ceremony_complaints": _m("投诉", "Complaints"),
    "bidding.ceremony_start": _m("发起开标密钥生成", "Start the opening-key ceremony"),
    "bidding.ceremony_restart": _m("重新发起（新一轮）", "Start a new round"),
    "bidding.ceremony_restart_confirm": _m(
        "发起新一轮将作废当前一轮及其开标公钥，各保管人须重新完成全部步骤。确定吗？",
        "A new round voids the current one and its key; every custodian redoes every step. "
        "Continue?"),
    "bidding.ceremony_advance": _m("结束当前阶段", "Close the current phase"),
    "bidding.ceremony_advance_confirm": _m(
        "结束当前阶段后，尚未完成这一步的保管人将被视为缺席（未答复的投诉按成立处理）。确定吗？",
        "Closing the phase treats custodians who have not taken this step as absent (an "
        "unanswered complaint is upheld). Continue?"),
    "bidding.demo_keys_warning": _m(
        "演示项目：三位演示保管人的密钥文件和口令都保存在本机 var/demo/ 目录中，能读取该目录的人"
        "可以在截止前解密本项目的投标。真实项目中每位保管人只在自己的电脑上保存自己的密钥文件。",
        "Demo tender: the key files and passphrases of all three demo custodians are in var/demo/ "
        "on this machine; whoever can read that folder can open this tender's bids before the "
        "deadline. In a real tender each custodian keeps only its own key file on its own "
        "machine."),
    "bidding.clarify": _m("发布澄清/修改", "Issue a clarification"),
    "bidding.clarify_text": _m("澄清内容", "Clarification text"),
    "bidding.affects": _m("影响投标文件编制（依据《中华人民共和国招标投标法》第二十三条，"
                          "不足 15 日则顺延截止时间）",
                          "Affects bid preparation (Tendering and Bidding Law, Art. 23: moves "
                          "the deadline if < 15 days)"),
    "bidding.object": _m("对招标文件提出异议（《中华人民共和国招标投标法实施条例》第二十二条）",
                         "Object to the documents (Regulations, Art. 22)"),
    "bidding.objection_text": _m("异议内容", "Objection"),
    "bidding.submit": _m("提交", "Submit"),
    "bidding.objections": _m("异议（依据《中华人民共和国招标投标法实施条例》第二十二条，3 日内答复）",
                             "Objections (Regulations, Art. 22: answer within 3 days)"),
    "bidding.answer_due": _m("答复期限", "answer due"),
    "bidding.answer": _m("答复", "Answer"),
    "bidding.cancel": _m("取消项目", "Cancel tender"),
    "bidding.reason": _m("原因", "Reason"),
    "bidding.bid_page": _m("投标（浏览器内加密）", "Bid (sealed in your browser)"),
    "bidding.opening_page": _m("开标", "Opening"),
    "bidding.my_bids": _m("我的投标", "My bids"),
    "bidding.seal_help": _m(
        "报价等开标唱标内容与附件在您的浏览器中加密后才上传；平台在开标前无法读取。",
        "Your price, the announced items and the attachment are encrypted in your browser "
        "before upload; the platform cannot read them before the opening."),
    "bidding.price": _m("投标报价（元）", "Bid price (yuan)"),
    "bidding.duration": _m("工期（日历天）", "Duration (calendar days)"),
    "bidding.quality": _m("质量标准", "Quality"),
    "bidding.attachment": _m("投标文件附件", "Bid attachment"),
    "bidding.seal_and_submit": _m("加密并提交", "Seal and submit"),
    "bidding.withdraw": _m("撤回投标", "Withdraw bid"),
    "bidding.receipt": _m("回执", "Receipt"),
    "bidding.download_receipt": _m("下载回执（JSON）", "Download the receipt (JSON)"),
    "bidding.log_entry": _m("监督日志第", "supervision log entry"),
    "bidding.log_entry_after": _m("条", ""),
    "bidding.log_pending": _m("正在写入监督日志", "being added to the supervision log"),
    "bidding.needs_js": _m(
        "浏览器内加密需要启用 JavaScript；也可使用命令行 ggzy bid seal / ggzy bid submit。",
        "Sealing in the browser needs JavaScript; or use ggzy bid seal / ggzy bid submit."),
    "bidding.record_checking": _m(
        "正在核对开标公钥与公开记录（招标公告、监督日志、签名检查点）……",
        "Checking the opening key against the public record (announcement, supervision log, "
        "signed checkpoint)…"),
    "bidding.progress": _m("加密上传进度", "Sealing and upload progress"),
    "bidding.shares": _m("已提交的有效份额", "Valid shares submitted"),
    "bidding.decrypted": _m("已解密投标", "Bids decrypted"),
    "bidding.record": _m("开标记录", "Opening record"),
    "bidding.opening_key": _m("开标私钥（供监管复核解密）",
                              "Opening private key (for the regulator's re-decryption)"),
    "bidding.bidder": _m("投标人", "Bidder"),
    "bidding.status": _m("状态", "Status"),
    "bidding.digest": _m("信封摘要", "Envelope digest"),
    "bidding.custody": _m("密钥保管", "Key custody"),
    "bidding.register_key": _m("登记保管人公钥", "Register your public key"),
    "bidding.public_document": _m("公钥文档（ggzy custody keygen 输出的 .pub.json 内容）",
                                  "Public key document (the .pub.json from ggzy custody keygen)"),
    "bidding.my_key": _m("我的登记公钥指纹", "My registered key fingerprint"),
    "bidding.my_panels": _m("我参与保管的项目", "Tenders I hold a share of"),
    "bidding.submit_share": _m("计算并提交份额", "Derive and submit my share"),
    "bidding.key_file": _m("保管人密钥文件", "Custodian key file"),
    "bidding.passphrase": _m("口令", "Passphrase"),
    "bidding.share_b64": _m("份额（Base64）", "Share (base64)"),
    "bidding.signature_b64": _m("签名（Base64）", "Signature (base64)"),
    "bidding.notifications": _m("招投标通知", "Bidding notices"),
    "bidding.refresh_note": _m("本页每 5 秒自动刷新。", "This page refreshes every 5 seconds."),
    "bidding.announcement": _m("招标公告事项（《电子招标投标办法》第四十一条）",
                               "Tender announcement items (Electronic Bidding Measures, Art. 41)"),
    "bidding.tenderee": _m("招标人", "Tenderee"),
    "bidding.agent": _m("招标代理机构（可选）", "Tendering agent (optional)"),
    "bidding.supervisor_short": _m("行政监督部门", "Supervising department"),
    "bidding.supervisor": _m("行政监督部门（受理投诉，条例第六十条）",
                             "Supervising department (handles complaints, Regs Art. 60)"),
    "bidding.calendar_provisional": _m(
        "临时期限：{label}（{rule}）按临时日历计算，最早为 {end}；{years} 年节假日安排尚未确认，"
        "管理员录入后将自动复核",
        "Provisional: {label} ({rule}) was computed on the provisional calendar (earliest {end}); "
        "{years} is not confirmed yet and will be re-checked when an admin enters it"),
    "bidding.calendar_broken": _m(
        "{label} 不符合 {rule}：按已确认的节假日安排应不早于 {required}，现为 {chosen}，请依法调整",
        "{label} breaks {rule}: under the confirmed holiday arrangement it must be {required} or "
        "later; it is {chosen}"),
    "bidding.paused": _m("异议未答复，依据《中华人民共和国招标投标法实施条例》第二十二条，招标投标活动"
                         "暂停（截止与开标顺延至答复后）",
                         "An objection is unanswered; under the Regulations, Art. 22, the "
                         "procedure is paused (closing waits for the answer)"),
    "bidding.amends": _m("答复修改招标文件（作为澄清发布，依据《中华人民共和国招标投标法》"
                         "第二十三条顺延截止时间）",
                         "The answer amends the documents (issued as a clarification; the "
                         "Tendering and Bidding Law, Art. 23 may move the deadline)"),
    "bidding.backup": _m("上传备份投标文件（《电子招标投标办法》第三十一条：平台原因解密失败时）",
                         "Upload your backup bid (Electronic Bidding Measures, Art. 31: "
                         "decryption failed through a platform "
                         "fault)"),
    "bidding.state.draft": _m("草稿", "Draft"),
    "bidding.state.published": _m("已发布（接受投标）", "Published (taking bids)"),
    "bidding.state.closed": _m("已截止（开标中）", "Closed (opening)"),
    "bidding.state.opened": _m("已开标", "Opened"),
    "bidding.state.failed": _m("流标", "Failed"),
    "bidding.state.evaluated": _m("已评标", "Evaluated"),
    "bidding.state.awarded": _m("已定标", "Awarded"),
    "bidding.state.cancelled": _m("已取消", "Cancelled"),
    "bidding.done.uploaded": _m(
        "招标文件已上传",
        "The document was uploaded"),
    "bidding.done.published": _m(
        "招标项目已发布，招标公告已公开",
        "The tender is published and its announcement is public"),
    "bidding.done.clarified": _m(
        "澄清已发布，已下载招标文件的单位将收到通知",
        "The clarification is issued; everyone who downloaded the documents is notified"),
    "bidding.done.cancelled": _m(
        "招标项目已取消",
        "The tender is cancelled"),
    "bidding.done.answered": _m(
        "异议答复已提交",
        "The answer to the objection is recorded"),
    "bidding.done.objected": _m(
        "异议已提交，招标人应在 3 日内答复",
        "Your objection is recorded; the tenderee answers within 3 days"),
    "bidding.done.withdrawn": _m(
        "投标已撤回",
        "Your bid is withdrawn"),
    "bidding.withdraw_confirm": _m(
        "我确认撤回该标段的投标（撤回后如需投标须重新加密提交）",
        "I confirm withdrawing my bid for this section (to bid again, seal and submit anew)"),
    "bidding.withdraw_unconfirmed": _m(
        "请勾选确认后再撤回投标",
        "Tick the confirmation to withdraw the bid"),
    "bidding.failed_reason": _m(
        "流标原因",
        "Why the tender failed"),
    "bidding.bid_status.submitted": _m(
        "已提交",
        "Submitted"),
    "bidding.bid_status.superseded": _m(
        "已被替换",
        "Superseded"),
    "bidding.bid_status.withdrawn": _m(
        "已撤回",
        "Withdrawn"),
    # Why the bid form is disabled (bidding/submission/views.py closed_reason).
    "bidding.closed.deadline": _m(
        "投标截止时间已过，不再接受投标",
        "The bid deadline has passed; no more bids are taken"),
    "bidding.closed.failed": _m(
        "本项目已流标，不再接受投标",
        "This tender has failed; no more bids are taken"),
    "bidding.closed.opened": _m(
        "本项目已开标，不再接受投标",
        "This tender has been opened; no more bids are taken"),
    "bidding.closed.cancelled": _m(
        "本项目已取消，不再接受投标",
        "This tender was cancelled; no more bids are taken"),
    "bidding.size_limit": _m(
        "投标文件大小上限（加密后，含附件）",
        "Largest bid accepted (sealed, attachment included)"),
    # Bidder-decrypts mode (bidding/halves.py).
    "bidding.bidder_key": _m("投标人解密密钥文件（本项目采用“投标人解密”方式）",
                             "Your decryption key file (this tender uses bidder decrypts)"),
    "bidding.bidder_keygen": _m("生成并下载新的解密密钥（务必妥善保存）",
                                "Make and download a new decryption key (keep it safe)"),
    "bidding.halves": _m("提交密钥半份（投标人解密）", "Submit your key half (bidder decrypts)"),
    "bidding.halves_help": _m(
        "开标私钥重建后，请在时限内用您的解密密钥解开并提交密钥半份；逾期未提交的投标按撤销处理"
        "（《电子招标投标办法》第三十一条）", "Once the opening key is rebuilt, unseal and submit your "
        "key half with your decryption key within the window; a bid whose half is missing counts "
        "as revoked (Electronic Bidding Measures, Art. 31)"),
    "bidding.halves_due": _m("截止", "due"),
    "bidding.half_b64": _m("密钥半份（base64，可粘贴 ggzy bid open-half --print-only 的输出）",
                           "Key half (base64; or paste `ggzy bid open-half --print-only`)"),
    "bidding.submit_half": _m("解开并提交密钥半份", "Unseal and submit the key half"),
    "bidding.half_in": _m("密钥半份已提交", "Key half submitted"),
    "bidding.halves_window_closed": _m("当前不在提交密钥半份的时限内",
                                       "The key-half window is not open"),
    **EVALUATION,
    **AWARD,
    **COMPLAINTS,
    **SECURITY,
    **HALL,
    # The receipt page (bidding/submission/receipt_page.py).
    "bidding.receipt_page.open": _m("查看回执", "View the receipt"),
    "bidding.receipt_page.open_printable": _m("查看并打印回执（可核验签名）",
                                              "View and print the receipt (and check it)"),
    "bidding.receipt_page.title": _m("投标文件递交回执", "Bid submission receipt"),
    "bidding.receipt_page.lead": _m(
        "交易平台已收到以下加密投标文件，并以平台回执密钥签名确认。",
        "The platform received the sealed bid below and confirms it with its receipt signature."),
    "bidding.receipt_page.section": _m("标段", "Section"),
    "bidding.receipt_page.section_number": _m("第 {number} 标段", "Section {number}:"),
    "bidding.receipt_page.company": _m("投标人", "Bidder"),
    "bidding.receipt_page.received": _m("接收时间（北京时间）", "Received (Beijing time)"),
    "bidding.receipt_page.size": _m("文件大小", "Size"),
    "bidding.receipt_page.bytes": _m("字节", "bytes"),
    "bidding.receipt_page.digest": _m("加密投标文件摘要（SHA-256）", "Sealed bid digest (SHA-256)"),
    "bidding.receipt_page.promise": _m("监督日志承诺编号", "Supervision log promise"),
    "bidding.receipt_page.promise_value": _m("第 {number} 号（约 1 秒内写入日志）",
                                             "No. {number} (appended within about a second)"),
    "bidding.receipt_page.log_index": _m("监督日志位置", "Supervision log position"),
    "bidding.receipt_page.signing_key": _m("回执签名密钥编号", "Receipt signing key id"),
    "bidding.receipt_page.keep": _m(
        "请妥善保存本回执及其 JSON 文件：凭签名可向任何人证明平台在上述时间收到了该文件。",
        "Keep this receipt and its JSON file: the signature proves to anyone that the platform "
        "received the file at the time above."),
    "bidding.receipt_page.verify": _m("核验回执签名与存证证明", "Check the signature and the log proof"),
    "bidding.receipt_page.back": _m("返回投标页面", "Back to the bid page"),
    "bidding.receipt_page.noscript": _m(
        "在浏览器中核验需要启用 JavaScript；也可下载 JSON 后用 ggzy bid verify-receipt 核验。",
        "Checking in the browser needs JavaScript; or download the JSON and run "
        "ggzy bid verify-receipt."),
    "bidding.receipt_page.printed_from": _m("本回执打印自公共资源交易平台。",
                                            "Printed from the public resource trading platform."),
    # The bidder's workspace (bidding/workspace/).
    "nav.my_projects": _m("我的项目", "My tenders"),
    "bidding.my.title": _m("我的项目", "My tenders"),
    "bidding.my.lead": _m(
        "本单位下载过招标文件、投过标、提出过异议或收到过通知的招标项目。",
        "Tenders your organization downloaded documents of, bid for, objected to or was "
        "notified about."),
    "bidding.my.empty": _m("暂无项目。下载招标文件或投标后，项目会出现在这里。",
                           "Nothing yet. A tender appears here once you download its documents "
                           "or bid."),
    "bidding.my.paused": _m("因异议暂停", "paused for an objection"),
    "bidding.my.documents": _m("招标文件", "Tender documents"),
    "bidding.my.downloaded": _m("已下载", "Downloaded"),
    "bidding.my.not_downloaded": _m("未下载", "Not downloaded"),
    "bidding.my.bids": _m("本单位的投标", "Your bids"),
    "bidding.my.no_bids": _m("尚未投标", "No bid yet"),
    "bidding.my.notices": _m("项目公告", "Public notices"),
    "bidding.my.objections": _m("本单位的异议及答复", "Your objections and their answers"),
    "bidding.my.none": _m("暂无", "None"),
    "bidding.my.awaiting_answer": _m("等待招标人答复（答复期限 {due}）",
                                     "Awaiting the tenderee's answer (due {due})"),
    "bidding.my.open_status.pending": _m("待解密", "Awaiting decryption"),
    "bidding.my.open_status.opened": _m("已开启", "Opened"),
    "bidding.my.open_status.revoked": _m("撤销（投标人原因）", "Revoked (the bidder's fault)"),
    "bidding.my.open_status.withdrawn": _m("撤回（非投标人原因）",
                                           "Withdrawn (not the bidder's fault)"),
    # The tender page's feedback (issue 13).
    "bidding.clarifications": _m("澄清与修改", "Clarifications and amendments"),
    "bidding.clarification_moved": _m("投标截止时间由 {before} 延至 {after}",
                                      "The bid deadline moved from {before} to {after}"),
    "bidding.public_notices": _m("本项目的公告", "This tender's public notices"),
    "bidding.notice_history": _m("查看公告历史", "The notices' history"),
    "bidding.my_objections": _m("您提出的异议及答复", "Your objections and their answers"),
    # Punctuation around values: full-width in Chinese, ASCII in English mode.
    "bidding.p.colon": _m("：", ": "),
    "bidding.p.open": _m("（", " ("),
    "bidding.p.close": _m("）", ")"),
    "bidding.p.sep": _m("；", "; "),
}
