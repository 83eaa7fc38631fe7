"""Every action any domain logs has a Chinese and an English label on the regulator's pages,
and supervision's English texts use ASCII punctuation (issue 13)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from supervision import readable
from supervision.action_labels import ACTIONS
from supervision.field_labels import FIELDS
from supervision.messages import MESSAGES
from trading import i18n
from trading.app import DOMAINS, load_domains

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("trading", "bidding", "expert_pool", "disclosure", "supervision")
ACTION = r"[a-z]+\.[a-z_]+"
LITERAL = re.compile(rf"""["']({ACTION})["']""")
# The action argument of a logging call: record(session, actor, <action>, subject, body),
# audit.record(...), record_sealed(...) and the like.
RECORD_CALL = re.compile(r"\brecord\w*\(\s*\w+\s*,\s*[\w.]+(?:\([^()]*\))?\s*,\s*([^,]+?)\s*,", re.S)
# Actions held in a variable or a constant first: action = "x.y" if ... else "x.z",
# REVEAL_ACTION = "x.y", BID_ACTIONS = frozenset({...}) (a statement on its continuation lines).
LITERALS = r"""["'][^"'\n]*["'](?:\s+if\s+[^\n]+?\s+else\s+["'][^"'\n]*["'])?"""
ACTION_VARIABLE = re.compile(rf"\baction\s*=\s*{LITERALS}"
                             r"|^[A-Z_]*_ACTIONS?\s*(?::[^=\n]+)?=[^\n]*(?:\n[ \t]+[^\n]*)*", re.M)
FSTRING_ACTION = re.compile(r"""\bf["']([a-z]+)\.\{""")
# Strings of an action's form that name something else: record fields, files, the kinds of
# e-supervision alerts (labelled as such in supervision.readable).
NOT_ACTIONS = {"tender.id", "bid.id", "expert.id", "organization.id", "witness.key", "tender.public_key",
               *readable.ALERT_KINDS}
FULL_WIDTH = re.compile(r"[，：；（）。！？、「」【】《》“”‘’]")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _sources() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for package in PACKAGES
            for path in sorted((ROOT / package).rglob("*.py"))}


def logged_actions() -> set[str]:
    """Every action name found in the source tree: the literals in logging calls and action
    variables, and every other literal of the same families that is not a UI message key
    (helpers such as ``_transition(..., "tender.published")`` pass actions on to ``record``)."""
    load_domains()
    sources = _sources()
    direct: set[str] = set()
    for text in sources.values():
        for found in (*RECORD_CALL.finditer(text), *ACTION_VARIABLE.finditer(text)):
            direct |= set(LITERAL.findall(found.group(0)))
    families = {name.split(".")[0] for name in direct}
    others = {name for text in sources.values() for name in LITERAL.findall(text)
              if name.split(".")[0] in families and i18n.translate(name, "zh-CN") == name}
    return (direct | others) - NOT_ACTIONS


def test_the_walk_finds_the_actions_of_every_domain() -> None:
    found = logged_actions()
    # one logged in each room, so that a regex that stops finding them fails here
    for name in ("account.created", "job.scheduled", "alert.cleared", "tender.created",
                 "tender.published", "bid.submitted", "draw.declined", "expert.created",
                 "notice.released", "tender.bidders_revealed", "access.denied_summary"):
        assert name in found, name
    assert len(found) > 100


def test_every_logged_action_has_a_label_in_both_languages() -> None:
    missing = sorted(name for name in logged_actions() if name not in ACTIONS)
    assert not missing, f"add labels to supervision/action_labels.py: {missing}"
    for name, (zh, en) in ACTIONS.items():
        assert CHINESE.search(zh), name
        assert en and not CHINESE.search(en), name
        assert readable.action_label(name, "zh-CN") == zh
        assert readable.action_label(name, "en") == en
        assert i18n.translate(f"supervision.action.{name}", "en") == en


def test_actions_built_from_a_state_have_their_labels() -> None:
    prefixes = {prefix for text in _sources().values() for call in RECORD_CALL.finditer(text)
                for prefix in FSTRING_ACTION.findall(call.group(1))}
    assert "alert" in prefixes
    for prefix in prefixes:
        assert any(name.startswith(prefix + ".") for name in ACTIONS), prefix
    assert {"alert.yellow", "alert.red"} <= set(ACTIONS)  # f"alert.{new}" in supervision.alerts


def _english_texts() -> dict[str, str]:
    texts = {f"messages {key}": value["en"] for key, value in MESSAGES.items()}
    texts |= {f"action {key}": en for key, (_, en) in ACTIONS.items()}
    texts |= {f"field {key}": en for key, (_, en) in FIELDS.items()}
    for name in ("KINDS", "WHOLE", "ALERT_KINDS"):
        texts |= {f"{name} {key}": en for key, (_, en) in getattr(readable, name).items()}
    # Error messages of supervision's own code: the English half of (message_zh, message_en).
    for path in sorted((ROOT / "supervision").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and len(node.args) >= 2:
                zh, en = node.args[0], node.args[1]
                if _has_chinese(zh) and not _has_chinese(en):
                    texts[f"{path.name}:{node.lineno}"] = _text(en)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and " / " in node.value:
                texts[f"{path.name}:{node.lineno} (zh / en)"] = node.value.split(" / ", 1)[1]
    return texts


def _text(node: ast.expr) -> str:
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
    return ""


def _has_chinese(node: ast.expr) -> bool:
    return bool(CHINESE.search(_text(node)))


def test_supervision_english_texts_use_ascii_punctuation() -> None:
    texts = _english_texts()
    assert len(texts) > 300
    bad = {where: text for where, text in texts.items() if FULL_WIDTH.search(text)}
    assert not bad, bad


def test_supervision_templates_put_no_full_width_punctuation_in_english_pages() -> None:
    """Text written into a template shows in both languages: punctuation comes from t()."""
    domain = next(d for d in DOMAINS if d.name == "supervision")
    assert domain.template_dir is not None
    for path in sorted(domain.template_dir.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            outside = re.sub(r"""t\(["'][^"']+["'][^)]*\)""", "", line)
            assert not FULL_WIDTH.search(outside), f"{path.name}:{number}: {line.strip()}"


def test_every_state_and_kind_a_domain_logs_has_a_label() -> None:
    """The regulator reads "已截标", never "closed": each coded value domains define is labelled."""
    import enum

    from bidding import models as bidding_models
    from bidding.award import models as award_models
    from disclosure.notice_types import NoticeType
    from expert_pool import models as expert_models
    from supervision.value_labels import VALUES
    from trading import jobs
    from trading.accounts.models import OrganizationKind, Role

    coded: list[type[enum.Enum]] = [
        bidding_models.TenderState, bidding_models.BidStatus, bidding_models.OpenStatus,
        bidding_models.CeremonyState, expert_models.ExpertStatus, expert_models.ExpertType,
        expert_models.ConflictKind, expert_models.IntegrityKind, expert_models.ChangeState,
        expert_models.DrawState, expert_models.ExclusionReason, expert_models.PickState,
        jobs.JobStatus, NoticeType, OrganizationKind, Role, award_models.ComplaintStatus,
        award_models.ComplaintSubject, award_models.ExclusionKind]
    values = {member.value for kind in coded for member in kind}
    job_constant = re.compile(r'^[A-Z_]*_JOB\s*=\s*"([a-z_]+\.[a-z_.]+)"', re.M)
    kinds = {kind for text in _sources().values() for kind in job_constant.findall(text)}
    assert "bidding.close" in kinds
    missing = sorted((values | kinds) - set(VALUES))
    assert not missing, missing
    for zh, en in VALUES.values():
        assert CHINESE.search(zh) and not CHINESE.search(en) and not FULL_WIDTH.search(en)
