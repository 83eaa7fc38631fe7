"""After the spike: what the database says, checked against what every client was told.

* every receipt a client got is signed by the platform, names the digest the client computed
  when it sealed the envelope, and its bid exists with that digest;
* every such bid is in the log: a ``bid.submitted`` entry whose body names the bid and the
  digest (matched by the body's ``bid`` and ``envelope_sha256``, not by the receipt's log
  position, whose form may change);
* nothing was accepted at or after the deadline: every bid's time is before it, every bid
  entry of the tender was received before it (a promised entry is appended up to a merge
  delay later) and comes before the closing entry; no bid exists that no client got a
  receipt for;
* with several nodes, receipts came from every one of them;
* the closing and the opening each happened exactly once;
* the opening decrypted every live bid (replaced ones superseded, withdrawn ones out), and the
  opening record lists exactly those;
* the log verifies: exported and checked by ``ggzy log verify`` against the platform's key.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bidding import services as bidding
from bidding.lookup import subject
from bidding.sealing.crypto import receipts
from bidding.submission import intake
from loadtests.spike.plan import Plan
from supervision import services as supervision
from trading import clock, db
from trading.settings import PROJECT_ROOT

BID_ACTIONS = ("bid.submitted", "bid.withdrawn")


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def check(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_outcomes(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _expected_live(outcomes: list[dict[str, Any]]) -> tuple[dict[int, str | None], set[str]]:
    """Per bidder, the bid the client believes live at the close (None: withdrawn or none),
    and every bid id some client was receipted."""
    live: dict[int, str | None] = {}
    receipted: set[str] = set()
    for item in sorted(outcomes, key=lambda o: (o["bidder"], o["step"])):
        if item["kind"] == "submit" and item["status"] == 201:
            bid_id = str(item["receipt"]["fields"]["receipt_id"])
            receipted.add(bid_id)
            live[item["bidder"]] = bid_id
        elif item["kind"] == "withdraw" and item["status"] == 200:
            live[item["bidder"]] = None
    return live, receipted


def late_bid_entries(log: list[Any], deadline: dt.datetime) -> list[str]:
    """The tender's bid entries received at or after the deadline, or logged after its close.

    A bid's entry is a promise: the platform received the bid at the promise's time (which
    the signed receipt names and the entry's body keeps as ``received_at``), and the sequencer
    appends the entry up to a merge delay later, so the last bids' entries are appended after
    the deadline, though always before the closing's own entry."""
    closed = [e.seq for e in log if e.action == "tender.closed"]
    problems = []
    for entry in log:
        if entry.action not in BID_ACTIONS:
            continue
        if received_at(entry) >= deadline:
            problems.append(f"log entry {entry.seq} ({entry.action}) received at or after the "
                            "deadline")
        if not closed or entry.seq > closed[0]:
            problems.append(f"log entry {entry.seq} ({entry.action}) after the closing entry")
    return problems


def received_at(entry: Any) -> dt.datetime:
    """When the platform received what the entry records: a promised entry keeps its
    promise's time in its body; any other entry was made when it was appended."""
    kept = entry.body.get("received_at")
    if isinstance(kept, str):
        return dt.datetime.fromisoformat(kept.replace("Z", "+00:00"))
    return clock.as_utc(entry.created_at)


def check(plan: Plan, outcomes: list[dict[str, Any]], deadline: dt.datetime,
          work: Path) -> Verdict:
    verdict = Verdict()
    tender_id = uuid.UUID(plan.tender_id)
    platform_key = receipts.platform_receipt_public_key()
    live, receipted = _expected_live(outcomes)
    orgs = {b.index: uuid.UUID(b.org_id) for b in plan.bidders}
    with db.read_only() as session:
        bids = {str(bid.id): bid for index in sorted(orgs)
                for bid in intake.bids_of_bidder(session, tender_id, orgs[index])}
        log = supervision.entries(session, subject=subject(tender_id), limit=1_000_000)
        progress = bidding.progress(session, tender_id)
        record = bidding.record_of(session, tender_id)
    logged = {e.body.get("bid"): e for e in log if e.action == "bid.submitted"}
    actions = Counter(e.action for e in log)
    # 1. receipts: signed, the client's digest, the bid stored with it and logged with it
    for item in outcomes:
        if item["kind"] != "submit" or item["status"] != 201:
            continue
        receipt = receipts.Receipt.from_dict(item["receipt"])
        bid_id = str(receipt.fields["receipt_id"])
        try:
            receipts.verify_receipt(receipt, platform_key)
        except receipts.ReceiptError as error:
            verdict.problems.append(f"receipt {bid_id}: {error}")
        verdict.check(receipt.fields["envelope_sha256"] == item["sha256"],
                      f"receipt {bid_id} names another digest than the envelope sent")
        bid = bids.get(bid_id)
        verdict.check(bid is not None, f"receipted bid {bid_id} is not in the database")
        if bid is not None:
            verdict.check(bid.envelope_sha256 == item["sha256"],
                          f"bid {bid_id} is stored with another digest")
        entry = logged.get(bid_id)
        verdict.check(entry is not None, f"receipted bid {bid_id} has no bid.submitted entry")
        if entry is not None:
            verdict.check(entry.body.get("envelope_sha256") == item["sha256"],
                          f"the log entry of bid {bid_id} names another digest")
    per_node = Counter(item.get("node", 0) for item in outcomes
                       if item["kind"] == "submit" and item["status"] == 201)
    for node in range(len(plan.hosts)) if len(plan.hosts) > 1 else ():
        verdict.check(per_node[node] > 0, f"no receipt came from node {node + 1}")
    # 2. nothing at or after the deadline, nothing the clients were not told of
    for bid_id, bid in bids.items():
        verdict.check(clock.as_utc(bid.submitted_at) < deadline,
                      f"bid {bid_id} accepted at {bid.submitted_at}")
        verdict.check(bid_id in receipted, f"bid {bid_id} is stored but no client got its receipt")
    verdict.problems += late_bid_entries(log, deadline)
    # 3. exactly one closing and one opening
    for action in ("tender.closed", "tender.bidders_revealed", "opening.started",
                   "opening.record"):
        verdict.check(actions[action] == 1, f"{action} logged {actions[action]} times, not once")
    # 4. the opening decrypted every live bid, and only those
    expected = {bid_id for bid_id in live.values() if bid_id is not None}
    now_live = {bid_id for bid_id, bid in bids.items() if bid.status == "submitted"}
    verdict.check(now_live == expected,
                  f"live bids differ from the clients' view: {len(now_live)} vs {len(expected)}")
    opened = {bid_id for bid_id, bid in bids.items() if bid.open_status == "opened"}
    verdict.check(opened == expected, f"opened {len(opened)} of {len(expected)} live bids")
    verdict.check(progress.state == "opened" and progress.done == progress.total == len(expected),
                  f"opening progress {progress.as_dict()}")
    verdict.check(actions["bid.opened"] == len(expected),
                  f"bid.opened logged {actions['bid.opened']} times for {len(expected)} bids")
    verdict.check(record is not None, "no opening record")
    # 5. the log verifies offline
    failure = _log_failure(work)
    verdict.check(failure is None, f"ggzy log verify failed on the exported log: {failure}")
    closing_lag = [(clock.as_utc(e.created_at) - deadline).total_seconds() for e in log
                   if e.action == "tender.closed"]
    verdict.facts = {"closed_after_deadline_s": round(closing_lag[0], 2) if closing_lag else None,
                     "receipts": len(receipted), "bids_stored": len(bids),
                     "live_at_close": len(expected), "opened": len(opened),
                     "log_entries_of_tender": len(log)}
    if len(plan.hosts) > 1:
        verdict.facts["receipts_per_node"] = {f"node{n + 1}": per_node[n]
                                              for n in range(len(plan.hosts))}
    return verdict


def _log_failure(work: Path) -> str | None:
    """Export the whole log (a fresh checkpoint first) and verify it with the pinned key;
    what the failing command said (its last lines), or None."""
    export = work / "log-export.jsonl"
    env = dict(os.environ)
    # The key as the stack's own processes see it (this process may hold another's settings).
    vkey = _cli(["log", "keygen"], env).stdout.strip()
    steps = [["log", "export", "--out", str(export)], ["log", "verify", str(export),
                                                        "--log-key", vkey]]
    for args in steps:
        done = _cli(args, env)
        (work / f"log-{args[1]}.txt").write_text(done.stdout + done.stderr)
        if done.returncode != 0:
            said = (done.stdout + done.stderr).strip()
            print(said, file=sys.stderr)
            return f"ggzy {' '.join(args[:2])}: " + " | ".join(said.splitlines()[-8:])
    return None


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trading.cli", *args], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, check=False)
