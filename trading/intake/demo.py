"""The demo catalog of ``make run``: a few departments and about ten service items, among them
the public-resource trading registration. Idempotent: an item already there is left alone."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from trading.audit import Actor
from trading.intake import items, regions
from trading.intake.models import Collection, ExcludedKind, ItemKind, MaterialForm, ServiceItem

SEED_ACTOR = Actor.system("demo-seed")

DEPARTMENTS = (
    ("XSP", "阳泉市行政审批服务管理局（演示）", "Yangquan Administrative Approval Bureau (demo)"),
    ("JYZX", "阳泉市公共资源交易中心（演示）", "Yangquan Public Resource Trading Center (demo)"),
    ("FGW", "阳泉市发展和改革委员会（演示）", "Yangquan Development and Reform Commission (demo)"),
    ("ZJJ", "阳泉市住房和城乡建设局（演示）", "Yangquan Housing and Construction Bureau (demo)"),
    ("ZRZY", "阳泉市自然资源和规划局（演示）", "Yangquan Natural Resources and Planning Bureau (demo)"),
)
# A county's own center (City §30): its department, its item and its staff account.
COUNTY = "140321"  # 平定县
COUNTY_DEPARTMENTS = (
    ("PDXSP", "平定县行政审批服务管理局（演示）", "Pingding County Administrative Approval Bureau "
     "(demo)"),
)
COUNTY_STAFF = "demo-staff-pd"

E = ExcludedKind
LICENCE = "《中华人民共和国行政许可法》"
ID_CARD = ("申请人身份证明（营业执照或身份证）", True, MaterialForm.BOTH, True)
FORM = ("申请表", True, MaterialForm.ELECTRONIC, False)
# code, department, name, kind, promised, statutory, basis, conditions, fee, excluded, online,
# collection, participants, materials (name, required, form, validity needed)
ITEMS: tuple[tuple, ...] = (  # type: ignore[type-arg]
    ("JY-001", "JYZX", "公共资源交易项目进场登记", ItemKind.PROMISED, 1, 5,
     "《中华人民共和国招标投标法》第十二条；《阳泉市公共资源交易管理办法》",
     "依法必须进入公共资源交易平台交易的项目，已履行审批、核准或备案手续，资金来源已落实。",
     None, (), True, Collection.ONLINE, ("FGW",),
     (FORM, ID_CARD, ("项目审批、核准或备案文件", True, MaterialForm.ELECTRONIC, True),
      ("招标代理委托合同", False, MaterialForm.ELECTRONIC, False))),
    ("JY-002", "JYZX", "交易场地预约", ItemKind.IMMEDIATE, 0, 1,
     "《阳泉市公共资源交易中心场地管理规定》", "已完成进场登记的交易项目。", None, (), True,
     Collection.ONLINE, (), (FORM,)),
    ("FGW-001", "FGW", "企业投资项目核准", ItemKind.PROMISED, 15, 20,
     f"《企业投资项目核准和备案管理条例》第六条；{LICENCE}第四十二条",
     "列入政府核准的投资项目目录的企业投资项目。",
     None, (E.EXPERT_REVIEW, E.HEARING), True, Collection.WINDOW, ("ZRZY", "ZJJ"),
     (FORM, ID_CARD, ("项目申请报告", True, MaterialForm.BOTH, False),
      ("城乡规划行政主管部门出具的选址意见书", True, MaterialForm.PAPER, True),
      ("用地预审意见", True, MaterialForm.PAPER, True))),
    ("FGW-002", "FGW", "招标方案核准", ItemKind.PROMISED, 5, 20,
     "《中华人民共和国招标投标法实施条例》第七条", "依法必须招标且需审批、核准的项目。", None,
     (E.EXPERT_REVIEW,), True, Collection.ONLINE, ("JYZX",),
     (FORM, ("招标范围、方式、组织形式说明", True, MaterialForm.ELECTRONIC, False))),
    ("ZJJ-001", "ZJJ", "建筑工程施工许可", ItemKind.PROMISED, 5, 7,
     "《中华人民共和国建筑法》第七条；《建筑工程施工许可管理办法》",
     "已办理用地批准手续，已取得规划许可证，施工企业已确定。",
     None, (E.INSPECTION,), True, Collection.ONLINE, ("ZRZY",),
     (FORM, ID_CARD, ("建设工程规划许可证", True, MaterialForm.BOTH, True),
      ("中标通知书或直接发包批准手续", True, MaterialForm.ELECTRONIC, False),
      ("施工图设计文件审查合格书", True, MaterialForm.ELECTRONIC, True))),
    ("ZJJ-002", "ZJJ", "建筑业企业资质核准（施工总承包三级）", ItemKind.PROMISED, 15, 20,
     "《建筑业企业资质管理规定》", "企业具有法人资格，净资产、人员、业绩符合资质标准。", None,
     (E.EXPERT_REVIEW, E.APPRAISAL), True, Collection.ONLINE, (),
     (FORM, ID_CARD, ("企业净资产证明", True, MaterialForm.ELECTRONIC, True),
      ("主要人员职称证书及社保证明", True, MaterialForm.ELECTRONIC, True))),
    ("ZRZY-001", "ZRZY", "建设用地规划许可", ItemKind.PROMISED, 10, 20,
     "《中华人民共和国城乡规划法》第三十七条、第三十八条",
     "以划拨或出让方式取得国有土地使用权的建设项目。", None,
     (E.HEARING, E.EXPERT_REVIEW), True, Collection.WINDOW, (),
     (FORM, ID_CARD, ("国有土地使用权出让合同或划拨决定书", True, MaterialForm.PAPER, True))),
    ("ZRZY-002", "ZRZY", "国有建设用地使用权招标拍卖挂牌出让登记", ItemKind.PROMISED, 10, 20,
     "《招标拍卖挂牌出让国有建设用地使用权规定》", "经批准的出让地块。", None,
     (E.TENDERING, E.AUCTION, E.APPRAISAL), False, Collection.WINDOW, ("JYZX",),
     (FORM, ("出让方案批准文件", True, MaterialForm.PAPER, True),
      ("土地估价报告", True, MaterialForm.PAPER, True))),
    ("XSP-001", "XSP", "公共场所卫生许可", ItemKind.PROMISED, 10, 20,
     f"《公共场所卫生管理条例》第八条；{LICENCE}", "有固定的营业场所，卫生设施符合国家标准。", None,
     (E.INSPECTION, E.TESTING), True, Collection.POST, (),
     (FORM, ID_CARD, ("卫生检测报告", True, MaterialForm.ELECTRONIC, True))),
    ("XSP-002", "XSP", "特种设备检验检测机构核准（换证）", ItemKind.PROMISED, 15, 20,
     "《中华人民共和国特种设备安全法》第五十条", "具备与检验检测工作相适应的检验检测人员和设备。",
     "《特种设备检验检测机构核准收费标准》（演示）", (E.APPRAISAL, E.QUARANTINE), False,
     Collection.WINDOW, (), (FORM, ID_CARD, ("检验检测人员资格证书", True, MaterialForm.PAPER, True))),
    ("XSP-003", "XSP", "个体工商户登记证明补发", ItemKind.IMMEDIATE, 0, 5,
     "《促进个体工商户发展条例》", "已登记的个体工商户。", None, (), True, Collection.ONLINE, (),
     (ID_CARD,)),
    ("PD-001", "PDXSP", "食品小作坊登记（平定县）", ItemKind.PROMISED, 10, 20,
     "《山西省食品小作坊小经营店小摊点管理条例》第十条", "在平定县行政区域内从事食品生产加工的小作坊。",
     None, (E.INSPECTION,), True, Collection.ONLINE, (),
     (FORM, ID_CARD, ("生产加工场所平面图", True, MaterialForm.ELECTRONIC, False))),
)
DEMO_FEE_FEN = 20000  # the one fee item of the demo: 200 yuan, with its published basis
TEMPLATE = (b"%PDF-1.4\n% demo application form\n1 0 obj << /Type /Catalog >> endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n")


def seed(session: Session) -> None:
    regions.seed(session, SEED_ACTOR)
    for code, name_zh, name_en in DEPARTMENTS:
        items.ensure_department(session, SEED_ACTOR, code, name_zh, name_en, regions.CITY)
    for code, name_zh, name_en in COUNTY_DEPARTMENTS:
        items.ensure_department(session, SEED_ACTOR, code, name_zh, name_en, COUNTY)
    for (code, dept, name, kind, promised, statutory, basis, conditions, fee_basis, excluded,
         online, collection, participants, materials) in ITEMS:
        if session.scalar(select(ServiceItem.id).where(ServiceItem.code == code)) is not None:
            continue
        items.create_item(session, SEED_ACTOR, items.ItemInput(
            code=code, department_code=dept, name=name, kind=kind, legal_basis=basis,
            conditions=conditions, fee_basis=fee_basis,
            fee_fen=DEMO_FEE_FEN if fee_basis else None, promised_days=promised,
            statutory_days=statutory, excluded_kinds=tuple(excluded), online=online,
            collection=collection, participant_codes=tuple(participants)))
        for material, required, form, validity in materials:
            template = (items.TemplateFile(f"{name}{material}.pdf", "application/pdf", TEMPLATE)
                        if material == "申请表" else None)
            items.add_material(session, SEED_ACTOR, code, items.MaterialInput(
                name=material, required=required, form=form, copies=1,
                validity_needed=validity, note=""), template)
    _seed_staff(session)


def _seed_staff(session: Session) -> None:
    """The demo staff account works for every city demo department and is each one's
    responsible person (an extension still needs a second staff account: nobody approves
    their own); the county's staff account works for the county's department only, so it sees
    only the county's applications (City §30)."""
    from trading.accounts.models import User
    from trading.intake import completion

    for username, departments in (("demo-staff", DEPARTMENTS),
                                  (COUNTY_STAFF, COUNTY_DEPARTMENTS)):
        staff = session.scalar(select(User).where(User.username == username))
        if staff is None:
            continue
        for code, _name_zh, _name_en in departments:
            completion.assign(session, SEED_ACTOR, staff.id, code, head=True)
