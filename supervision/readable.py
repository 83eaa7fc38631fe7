"""How the regulator's pages show the log: labels instead of action names, what a subject
names instead of its raw string, people and organizations by name instead of UUID, Beijing
times instead of UTC strings. What is stored in the log is never changed; every page keeps
the raw canonical entry for auditors.

Who bid stays secret until the close: names are looked up only for ids an entry itself
carries, and a bid entry before the close carries a commitment, not its bidder (see
``supervision.rules.bid_commitment``), so nothing here can name a bidder the log hides.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from supervision import services
from supervision.action_labels import ACTIONS
from supervision.field_labels import FIELDS
from supervision.value_labels import BY_KEY, VALUES
from trading import clock
from trading.accounts import services as accounts
from trading.i18n import translate

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$")
TITLE_ACTION = "tender.created"  # the entry whose body gives a tender its title
# What a subject names, by the part before its first ":" or "/" (e.g. tender/…, draw:…).
KINDS: dict[str, tuple[str, str]] = {
    "tender": ("招标项目", "Tender"),
    "draw": ("专家抽取", "Expert draw"),
    "expert": ("专家", "Expert"),
    "specialty": ("评标专业", "Specialty"),
    "notice": ("公告", "Notice"),
    "objection": ("异议", "Objection"),
    "user": ("用户", "User"),
    "organization": ("单位", "Organisation"),
    "api_token": ("接口令牌", "API token"),
    "login": ("登录", "Login"),
    "calendar": ("工作日历", "Calendar"),
    "checkpoint": ("检查点", "Checkpoint"),
    "witness": ("见证方", "Witness"),
    "alert": ("预警", "Alert"),
    "access": ("访问控制", "Access control"),
    "system": ("系统", "System"),
    "intake": ("项目登记", "Project registration"),
    "complaint": ("投诉", "Complaint"),
    "contract": ("合同", "Contract"),
    "section": ("标段", "Section"),
    "intake-library": ("申请人资料库", "Materials library"),
    "intake-rating": ("政务服务评价", "Service rating"),
    "intake-complaint": ("政务服务投诉", "Service complaint"),
}
# Subjects that are one word, not "kind:id".
WHOLE: dict[str, tuple[str, str]] = {"log": ("监督日志", "Supervision log")}
# The legal periods watched by e-supervision (``alerts.AlertKind``), for an alert's "kind".
ALERT_KINDS: dict[str, tuple[str, str]] = {
    "intake.time_limit": ("项目登记受理时限", "Project registration intake limit"),
    "intake.completion_limit": ("审批事项办结时限", "Approval completion limit"),
    "tender.period": ("招标法定期限", "Tender legal period"),
    "publicity.window": ("公示期", "Publicity period"),
    "contract.deadline": ("合同签订时限", "Contract signing limit"),
    "complaint.decision": ("投诉处理时限", "Complaint decision limit"),
    "complaint.acceptance": ("投诉受理时限", "Complaint acceptance limit"),
    "access.denials": ("越权访问次数异常", "Unusual number of denied accesses"),
    "calendar.year_provisional": ("年度节假日安排尚未录入", "Calendar year not entered"),
    "bidding.opening_shares": ("开标密钥分片提交时限", "Key shares due for the opening"),
    "bidding.objection_answer": ("异议答复时限", "Objection answer due"),
    "bidding.security_refund": ("投标保证金退还时限", "Bid security refund due"),
    "expert_pool.draw_exhausted": ("专家抽取排序已用尽", "Draw ranking used up"),
    "expert_pool.awaiting_supervisor": ("等待监督人输入随机数", "Waiting for the supervising officer"),
    "expert_pool.late_cancellation": ("专家临近评标申请取消", "Late cancellation by an expert"),
    "intake.rating_follow_up": ("差评回访整改时限", "Bad rating follow-up due"),
    "intake.complaint_answer": ("政务服务投诉答复时限", "Service complaint answer due"),
}
# Values of these keys are codes with a label of supervision's own.
CODED = {"rule": "supervision.rule.", "stage": "supervision.stage.",
         "state": "supervision.state.", "state_when_cleared": "supervision.state.",
         "responsible_role": "role.", "action": ""}
# Keys whose values are people's own words, never codes (a title may be "draft").
FREE_TEXT = {"title", "name", "description", "answer", "comment", "text", "content", "note",
             "filename", "display_name"}
# List separators: [English?][nested?]
SEPARATORS = {False: {False: "、", True: "；"}, True: {False: ", ", True: "; "}}
LONG = 400  # characters of a value shown in a list; the raw entry has all of it
SHORT = 8  # a UUID no name is known for is shown by its first characters


def action_label(action: str, lang: str) -> str:
    """The label of a logged action; an unknown one (an older log) is shown as recorded."""
    label = ACTIONS.get(action)
    if label is None:
        return action
    return label[1] if lang == "en" else label[0]


def field_label(key: str, lang: str) -> str:
    label = FIELDS.get(key)
    if label is None:
        return key.replace("_", " ")
    return label[1] if lang == "en" else label[0]


def split_subject(subject: str) -> tuple[str, str]:
    """``("tender", "<id>")`` for both ``tender/<id>`` and ``tender:<id>``."""
    found = re.match(r"^([a-z_]+)[:/](.*)$", subject, re.S)
    if found is None:
        return "", subject
    return found.group(1), found.group(2)


def aliases(subject: str) -> list[str]:
    """Every subject string that names the same thing (a tender is logged under
    ``tender/<id>`` by its own steps and ``tender:<id>`` by its timed jobs)."""
    kind, rest = split_subject(subject)
    if not kind:
        return [subject]
    return sorted({f"{kind}/{rest}", f"{kind}:{rest}"})


def yuan(fen: int, lang: str) -> str:
    """An amount in fen as yuan: "989,000.00 元" ("CNY 989,000.00" in English)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    amount = f"{sign}{whole:,}.{cents:02d}"
    return f"CNY {amount}" if lang == "en" else f"{amount} 元"


def _short(value: str) -> str:
    return value[:SHORT] if UUID.match(value) else value


class Namer:
    """Names for one page: looked up once for every subject and id the page shows."""

    def __init__(self, session: Session, lang: str, subjects: Iterable[str] = (),
                 ids: Iterable[str] = ()) -> None:
        self.lang = lang
        subjects = set(subjects)
        ids = {value for value in ids if UUID.match(value)}
        ids |= {rest for kind, rest in map(split_subject, subjects) if UUID.match(rest)}
        self.names = accounts.names_by_id(session, ids) if ids else {}
        tenders = {f"tender/{value}" for value in ids}
        tenders |= {f"tender/{split_subject(s)[1]}" for s in subjects if split_subject(s)[0] == "tender"}
        bodies = services.first_bodies(session, TITLE_ACTION, tenders) if tenders else {}
        self.titles = {split_subject(subject)[1]: str(body["title"])
                       for subject, body in bodies.items() if body.get("title")}

    def pick(self, pair: tuple[str, str]) -> str:
        return pair[1] if self.lang == "en" else pair[0]

    def subject(self, subject: str) -> str:
        """What the subject names: "招标项目 · <title>", "专家抽取 · <number>"..."""
        kind, rest = split_subject(subject)
        if not kind and subject in WHOLE:
            return self.pick(WHOLE[subject])
        what = self.titles.get(rest) or self.names.get(rest) or _short(rest)
        if kind in KINDS:
            return f"{self.pick(KINDS[kind])} · {what}"
        return what

    def name(self, value: str) -> str:
        """A person's, an organization's or a tender's name for an id, else the value (an id
        no name is known for by its first characters: the raw entry beside it has it whole)."""
        return self.names.get(value) or self.titles.get(value) or _short(value)

    def actor(self, actor: Any) -> str:
        role = actor.role
        who = translate(f"role.{role}", self.lang)
        if who == f"role.{role}":
            who = self.pick(("系统", "The system"))
        if actor.user_id:
            who += " · " + self.names.get(actor.user_id, _short(actor.user_id))
        if actor.ip:
            who += " · " + actor.ip
        return who

    def value(self, key: str, value: Any) -> tuple[str, Any]:
        """("time", datetime) for a timestamp, else ("text", words)."""
        if isinstance(value, str):
            if key == "kind" and value in ALERT_KINDS:
                return "text", self.pick(ALERT_KINDS[value])
            if key in CODED:
                prefix = CODED[key]
                if not prefix:
                    return "text", action_label(value, self.lang)
                found = translate(prefix + value, self.lang)
                return "text", value if found == prefix + value else found
            if value in BY_KEY.get(key, {}):
                return "text", self.pick(BY_KEY[key][value])
            if value in VALUES and key not in FREE_TEXT:
                return "text", self.pick(VALUES[value])
            if MOMENT.match(value):
                try:
                    return "time", dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
                except ValueError:
                    return "text", value
            return "text", self.name(value)
        if isinstance(value, bool):
            return "text", self.pick(("是", "Yes") if value else ("否", "No"))
        if value is None:
            return "text", "—"
        if isinstance(value, int) and key.endswith("_fen"):
            return "text", yuan(value, self.lang)
        if isinstance(value, list):
            nested = any(isinstance(v, dict | list) for v in value)
            separator = SEPARATORS[self.lang == "en"][nested]
            return "text", separator.join(self.words(key, v) for v in value)
        if isinstance(value, dict):
            colon = ": " if self.lang == "en" else "："
            return "text", ("，" if self.lang != "en" else ", ").join(
                f"{field_label(k, self.lang)}{colon}{self.words(k, value[k])}" for k in sorted(value))
        return "text", str(value)

    def words(self, key: str, value: Any) -> str:
        """A value as plain words (a timestamp in the display zone), for nested values."""
        kind, shown = self.value(key, value)
        return clock.format_local(shown) if kind == "time" else str(shown)

    def rows(self, body: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
        """(label, "time" or "text", value) for each key of a body, in key order; a very long
        value is cut (the raw entry beside it has it whole)."""
        found = []
        for key in sorted(body):
            kind, value = self.value(key, body[key])
            if kind == "text" and len(value) > LONG:
                value = value[:LONG] + "…"
            label = field_label(key, self.lang)
            if key == "rule" and f"supervision.rule.{body[key]}" == translate(
                    f"supervision.rule.{body[key]}", self.lang):
                label = self.pick(("依据", "Rule"))  # not a red flag's indicator
            found.append((label, kind, value))
        return found


@dataclass(frozen=True)
class Shown:
    """A log entry as a page shows it (``entry`` keeps the raw record for auditors)."""

    entry: services.Entry
    action: str
    subject: str
    actor: str
    rows: list[tuple[str, str, Any]]


def ids_in(value: Any) -> set[str]:
    """Every UUID-looking string in a body (at any depth)."""
    if isinstance(value, str):
        return {value} if UUID.match(value) else set()
    if isinstance(value, dict):
        return set().union(*(ids_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(ids_in(v) for v in value)) if value else set()
    return set()


def namer_for(session: Session, lang: str, entries: Sequence[services.Entry],
              subjects: Iterable[str] = (), ids: Iterable[str] = ()) -> Namer:
    found = set(ids)
    for entry in entries:
        found |= ids_in(entry.body)
        if entry.actor.user_id:
            found.add(entry.actor.user_id)
    return Namer(session, lang, {*subjects, *(e.subject for e in entries)}, found)


def show(namer: Namer, entries: Sequence[services.Entry]) -> list[Shown]:
    return [Shown(e, action_label(e.action, namer.lang), namer.subject(e.subject),
                  namer.actor(e.actor), namer.rows(e.body)) for e in entries]
