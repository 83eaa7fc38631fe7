"""The law and article behind each rule the bidding domain enforces (shared/design/rules.md).

People read the law and article (依据《电子招标投标办法》第二十七条); the internal rule ids
(R-10 … R-41) stay in error codes, log bodies and tests.
"""

from __future__ import annotations

LAW = "《中华人民共和国招标投标法》"
REGS = "《中华人民共和国招标投标法实施条例》"
E_RULES = "《电子招标投标办法》"
GP87 = "《政府采购货物和服务招标投标管理办法》（财政部令第87号）"

#: rule id -> (Chinese citation, English citation)
CITATIONS: dict[str, tuple[str, str]] = {
    "R-10": (f"{LAW}第二十四条", "Tendering and Bidding Law, Art. 24"),
    "R-11": (f"{REGS}第十六条", "Regulations on the Tendering and Bidding Law, Art. 16"),
    "R-11-GP": (f"{GP87}第十八条", "MOF Order No. 87, Art. 18"),
    "R-12": (f"{LAW}第二十三条、{REGS}第二十一条",
             "Tendering and Bidding Law, Art. 23; Regulations, Art. 21"),
    "R-13": (f"{REGS}第二十二条", "Regulations on the Tendering and Bidding Law, Art. 22"),
    "R-14": (f"{E_RULES}第二十条、第二十一条",
             "Measures for Electronic Tendering and Bidding, Arts. 20-21"),
    "R-15": (f"{E_RULES}第二十二条", "Measures for Electronic Tendering and Bidding, Art. 22"),
    "R-16": (f"{REGS}第二十六条", "Regulations on the Tendering and Bidding Law, Art. 26"),
    # R-16's refunds: after a withdrawal (Art. 35), after the award (Art. 57).
    "R-16-W": (f"{REGS}第三十五条", "Regulations on the Tendering and Bidding Law, Art. 35"),
    "R-16-A": (f"{REGS}第五十七条", "Regulations on the Tendering and Bidding Law, Art. 57"),
    "R-17": (f"{REGS}第二十七条", "Regulations on the Tendering and Bidding Law, Art. 27"),
    "R-20": (f"{E_RULES}第二十六条", "Measures for Electronic Tendering and Bidding, Art. 26"),
    "R-21": (f"{E_RULES}第二十七条", "Measures for Electronic Tendering and Bidding, Art. 27"),
    "R-22": (f"{E_RULES}第二十七条", "Measures for Electronic Tendering and Bidding, Art. 27"),
    "R-24": (f"{REGS}第四十四条", "Regulations on the Tendering and Bidding Law, Art. 44"),
    "R-25": (f"{E_RULES}第三十一条", "Measures for Electronic Tendering and Bidding, Art. 31"),
    "R-26": (f"{E_RULES}第二十三条", "Measures for Electronic Tendering and Bidding, Art. 23"),
    "R-35": (f"{REGS}第五十三条、第五十四条",
             "Regulations on the Tendering and Bidding Law, Arts. 53-54"),
    "R-36": (f"{REGS}第五十四条", "Regulations on the Tendering and Bidding Law, Art. 54"),
    "R-37": (f"{LAW}第四十五条、第四十六条", "Tendering and Bidding Law, Arts. 45-46"),
    # Complaints to the supervising department (投诉, R-38).
    "R-38": (f"{REGS}第六十条、第六十一条和《工程建设项目招标投标活动投诉处理办法》",
             "Regulations on the Tendering and Bidding Law, Arts. 60-61; Measures for Handling "
             "Complaints on Tendering and Bidding of Construction Projects"),
    "R-38-F": (f"{REGS}第六十条第一款", "Regulations on the Tendering and Bidding Law, Art. 60(1)"),
    "R-38-O": (f"{REGS}第六十条第二款", "Regulations on the Tendering and Bidding Law, Art. 60(2)"),
    "R-38-D": (f"{REGS}第六十一条", "Regulations on the Tendering and Bidding Law, Art. 61"),
    "R-38-P": (f"{REGS}第六十二条", "Regulations on the Tendering and Bidding Law, Art. 62"),
    "R-41": (f"{E_RULES}第四十一条", "Measures for Electronic Tendering and Bidding, Art. 41"),
}


def cite(rule: str, lang: str) -> str:
    """The law and article of ``rule`` in the reader's language (the id if none is known)."""
    zh, en = CITATIONS.get(rule, (rule, rule))
    return en if lang == "en" else zh


def under(rule: str) -> tuple[str, str]:
    """"依据…第N条" and "Under …, Art. N": the start of a refusal that cites the law."""
    zh, en = CITATIONS[rule]
    return f"依据{zh}", f"Under the {en}"
