"""The domain rules the offline verifier checks in the log (docs/supervision.md, "Actions the
verifier checks"). Standard library, pycryptodome and ``supervision.ceremonies`` only (an
import-linter contract keeps it so). State is per tender and per draw, never per entry.
"""

from __future__ import annotations

import hashlib
from typing import Any

from supervision import ceremonies

MAX_RULE_VIOLATIONS = 100

# Actions whose order the verifier checks (the bidding and expert_pool domains log these).
CLOSE_ACTION = "tender.closed"
OPEN_ACTION = "tender.opened"
BID_ACTIONS = frozenset({"bid.submitted", "bid.modified", "bid.replaced", "bid.withdrawn"})
DRAW_COMMIT_ACTION = "draw.committed"
CLARIFIED_ACTION = "tender.clarified"
DOWNLOADS_REVEALED_ACTION = "tender.downloads_revealed"
# Who bid stays secret until the close: bid entries before it carry a commitment, opened here.
BIDDERS_REVEALED_ACTION = "tender.bidders_revealed"
BID_COMMITMENT_FORMAT = "ggzy-bid-commitment/1"
DRAW_RESULT_ACTIONS = frozenset({"draw.result", "draw.revealed", "draw.completed"})
# The opening key of a tender: the dealer-free ceremony with its transcript (docs/dkg.md). The
# older dealer ceremony (``custody.ceremony_uploaded``) is gone; a bid under such a key is named.
CEREMONY_ACTION = "custody.ceremony_completed"


def notified_commitment(clarification: str, notified: int, salt_hex: str) -> str:
    """R-14: the commitment a ``tender.clarified`` entry holds instead of the number of
    downloaders notified; ``tender.downloads_revealed`` opens it at the closing."""
    text = f"ggzy-notified/1\n{clarification}\n{notified}\n{salt_hex}"
    return hashlib.sha256(text.encode()).hexdigest()


def bid_commitment(action: str, bid: str, envelope_sha256: str, bidder: str,
                   user_id: str | None, ip: str | None, salt_hex: str) -> str:
    """Who made a ``bid.*`` entry before the deadline: the entry holds this hex SHA-256 instead
    of the bidder, its user and address; ``tender.bidders_revealed`` opens it at the closing."""
    text = "\n".join((BID_COMMITMENT_FORMAT, action, bid, envelope_sha256, bidder,
                      user_id or "", ip or "", salt_hex))
    return hashlib.sha256(text.encode()).hexdigest()


class DomainRules:
    """Order rules the log makes visible; state is per tender and per draw, not per entry."""

    def __init__(self) -> None:
        self.closed: dict[str, int] = {}
        self.commitments: dict[str, tuple[int, str | None]] = {}
        self.notified: dict[str, tuple[int, str]] = {}  # clarification -> (seq, commitment)
        self.keys: dict[str, tuple[int, str]] = {}  # tender -> (seq of its ceremony, key id)
        # tender -> {seq: (action, bid, envelope digest, commitment)} of sealed bid entries
        self.sealed: dict[str, dict[int, tuple[str, str, str, str]]] = {}
        self.revealed: set[str] = set()
        self.violations: list[str] = []

    def check(self, seq: int, doc: dict[str, Any]) -> None:
        action = doc.get("action")
        subject = str(doc.get("subject"))
        found = doc.get("body")
        body: dict[str, Any] = found if isinstance(found, dict) else {}
        if action == CLOSE_ACTION:
            self.closed.setdefault(subject, seq)
        elif action in BID_ACTIONS:
            # The tender is named in the body, or is the entry's subject (as bidding logs it).
            tender = str(body.get("tender") or subject)
            if tender in self.closed:
                self._breach(seq, f"投标在其招标项目 {tender} 截标（条目 {self.closed[tender]}）之后",
                             f"a bid for {tender} after its close (entry {self.closed[tender]})")
            if "key_id" in body:
                self._check_bid_key(seq, tender, body["key_id"])
            self._check_sealed(seq, str(action), tender, doc, body)
        elif action == BIDDERS_REVEALED_ACTION:
            self._check_bidders_revealed(seq, subject, body)
        elif action == OPEN_ACTION and subject not in self.closed:
            self._breach(seq, f"{subject} 开标前没有截标记录", f"{subject} opened without a close")
        elif action == DRAW_COMMIT_ACTION:
            commitment = body.get("commitment")
            self.commitments.setdefault(subject, (seq, commitment if isinstance(commitment, str) else None))
        elif action in DRAW_RESULT_ACTIONS:
            self._check_draw(seq, subject, body)
        elif action == CLARIFIED_ACTION:
            self._check_clarified(seq, subject, body)
        elif action == DOWNLOADS_REVEALED_ACTION:
            self._check_revealed(seq, subject, body)
        elif action == CEREMONY_ACTION:
            self._check_ceremony(seq, subject, body)

    # -- opening keys --

    def _check_ceremony(self, seq: int, subject: str, body: dict[str, Any]) -> None:
        try:
            ceremonies.check_ceremony(body, subject)
        except ceremonies.CeremonyProblem as problem:
            self._bad_ceremony(seq, subject, body, problem.message_zh, problem.message_en)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            self._bad_ceremony(seq, subject, body, "仪式记录格式无效", "the transcript is malformed")
        # Bids are held to the key this entry announces, checked or not: a bad ceremony is
        # named here once rather than at every bid that follows it.
        key_id = body.get("key_id")
        self.keys[subject] = (seq, key_id if isinstance(key_id, str) else "")

    def _bad_ceremony(self, seq: int, subject: str, body: dict[str, Any], zh: str, en: str) -> None:
        ceremony = str(body.get("ceremony_id"))
        self._breach(seq, f"{subject} 的密钥仪式 {ceremony} 不成立：{zh}",
                     f"the key ceremony {ceremony} of {subject} does not check: {en}")

    def _check_bid_key(self, seq: int, tender: str, found: Any) -> None:
        ceremony = self.keys.get(tender)
        if ceremony is None:
            self._breach(seq, f"投标加密所用的密钥 {found}，但此前没有 {tender} 的密钥仪式记录",
                         f"a bid sealed to key {found}, but no key ceremony of {tender} was "
                         "logged before it")
        elif found != ceremony[1]:
            self._breach(seq, f"投标加密所用的密钥 {found} 不是 {tender} 的密钥仪式（条目 "
                         f"{ceremony[0]}）产生的 {ceremony[1]}",
                         f"a bid sealed to key {found}, not to {ceremony[1]} which the key "
                         f"ceremony of {tender} (entry {ceremony[0]}) produced")

    # -- who bid stays secret until the close --

    def _check_sealed(self, seq: int, action: str, tender: str, doc: dict[str, Any],
                      body: dict[str, Any]) -> None:
        if tender in self.closed:
            return  # after the close nothing is secret (and a bid is already named above)
        actor = doc.get("actor")
        named = isinstance(actor, dict) and bool(actor.get("user_id") or actor.get("ip"))
        if "bidder" in body or named:
            self._breach(seq, f"{tender} 截标前的投标记录公开了投标人、用户或地址",
                         f"{tender}: a bid entry names its bidder, user or address before the "
                         "close")
        commitment = body.get("commitment")
        if isinstance(commitment, str):
            self.sealed.setdefault(tender, {})[seq] = (
                action, str(body.get("bid")), str(body.get("envelope_sha256")), commitment)

    def _check_bidders_revealed(self, seq: int, subject: str, body: dict[str, Any]) -> None:
        if subject not in self.closed:
            self._breach(seq, f"{subject} 截标前公开了投标人",
                         f"{subject}: bidders revealed before the close")
        if subject in self.revealed:
            self._breach(seq, f"{subject} 的投标人被公开了两次", f"{subject}: bidders revealed twice")
        self.revealed.add(subject)
        sealed = self.sealed.get(subject, {})
        items = body.get("entries")
        opened: set[int] = set()
        for item in items if isinstance(items, list) else []:
            entry = item.get("seq") if isinstance(item, dict) else None
            committed = sealed.get(entry) if isinstance(entry, int) else None
            if committed is None or not isinstance(item, dict) or not isinstance(entry, int):
                self._breach(seq, f"{subject} 公开了不存在的投标承诺（条目 {entry}）",
                             f"{subject}: a reveal names no sealed bid entry (entry {entry})")
                continue
            action, bid, digest, commitment = committed
            values = [item.get(k) for k in ("bidder", "user_id", "ip", "salt")]
            if (str(item.get("bid")) != bid or not all(isinstance(v, str | None) for v in values)
                    or bid_commitment(action, bid, digest, str(values[0]), values[1], values[2],
                                      str(values[3])) != commitment):
                self._breach(seq, f"{subject} 公开的投标人与条目 {entry} 的承诺不符",
                             f"{subject}: the revealed bidder does not open the commitment of "
                             f"entry {entry}")
            opened.add(entry)
        for missing in sorted(set(sealed) - opened):
            self._breach(seq, f"{subject} 截标时没有公开条目 {missing} 的投标人",
                         f"{subject}: the close does not reveal the bidder of entry {missing}")

    def finish(self) -> None:
        """At the end of the log: every closed tender with sealed bid entries revealed them."""
        for tender, close in self.closed.items():
            if self.sealed.get(tender) and tender not in self.revealed:
                self._breach(close, f"{tender} 已截标，但投标人从未公开",
                             f"{tender} is closed but its bidders were never revealed")

    # -- R-14 --

    def _check_clarified(self, seq: int, subject: str, body: dict[str, Any]) -> None:
        if "notified" in body and subject not in self.closed:
            self._breach(seq, f"{subject} 截标前公开了被通知的下载人数（R-14）",
                         f"{subject}: the number of downloaders notified is public before the "
                         f"deadline (R-14)")
        commitment = body.get("notified_commitment")
        if isinstance(commitment, str):
            self.notified[str(body.get("clarification"))] = (seq, commitment)

    def _check_revealed(self, seq: int, subject: str, body: dict[str, Any]) -> None:
        if subject not in self.closed:
            self._breach(seq, f"{subject} 截标前公开了下载人数（R-14）",
                         f"{subject}: downloads revealed before the close (R-14)")
        items = body.get("clarifications")
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            clarification = str(item.get("clarification"))
            committed = self.notified.get(clarification)
            notified, salt = item.get("notified"), item.get("salt")
            if committed is None or not isinstance(notified, int) or not isinstance(salt, str):
                self._breach(seq, f"澄清 {clarification} 的下载人数公开内容不完整或没有承诺",
                             f"clarification {clarification}: reveal without a commitment")
            elif notified_commitment(clarification, notified, salt) != committed[1]:
                self._breach(seq, f"澄清 {clarification} 公开的通知人数与承诺（条目 {committed[0]}）不符",
                             f"clarification {clarification}: the revealed number notified does "
                             f"not match the commitment (entry {committed[0]})")

    # -- draws --

    def _check_draw(self, seq: int, subject: str, body: dict[str, Any]) -> None:
        committed = self.commitments.get(subject)
        if committed is None:
            self._breach(seq, f"抽取 {subject} 的结果之前没有承诺记录",
                         f"draw {subject} has a result without an earlier commitment")
            return
        revealed = body.get("r_platform")
        if committed[1] and isinstance(revealed, str):
            digest = hashlib.sha256(bytes.fromhex(revealed)).hexdigest() if _is_hex(revealed) else ""
            if digest != committed[1].lower():
                self._breach(seq, f"抽取 {subject} 公开的随机数与承诺（条目 {committed[0]}）不符",
                             f"draw {subject}: the revealed random value does not match "
                             f"the commitment (entry {committed[0]})")

    def _breach(self, seq: int, zh: str, en: str) -> None:
        if len(self.violations) < MAX_RULE_VIOLATIONS:
            self.violations.append(f"条目 {seq}：{zh} / entry {seq}: {en}")


def _is_hex(value: str) -> bool:
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True
