"""The deadline spike, for locust: bidders upload pre-sealed envelopes as the deadline nears.

Run by ``python -m loadtests spike`` (which builds the plan, starts the platform, moves its
test clock and checks the database afterwards); on its own::

    SPIKE_PLAN=var/spike/plan.json locust -f loadtests/spike/locustfile.py --headless \
        --host http://127.0.0.1:8123 --csv var/spike/stats --html var/spike/report.html

Each simulated user is one bidder of the plan (``loadtests.spike.plan``), taken in the order of
their first action: it "logs in" with its API token (the tender, with its opening key, and the
platform's receipt key), waits until its moments, uploads, maybe replaces or withdraws, and
checks ``my-bids``. The shape starts users just before their first action, so the number of
users follows the day: quiet, a ramp, the final stretch, the late ones.

The quitting listener fails the run (exit code 1) on any failed request, where a late refusal
(409 ``deadline_passed``) counts as expected, or when the p99 of the 64 KB uploads is above the
plan's threshold. A bid sent after the deadline and accepted is a failure.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import gevent  # type: ignore[import-untyped]
from locust import FastHttpUser, LoadTestShape, events, task
from locust.env import Environment

from loadtests.spike.plan import LATE_CODE, Bidder, Plan, Step

PLAN = Plan.load(Path(os.environ.get("SPIKE_PLAN", "var/spike/plan.json")))
ORDER = sorted(PLAN.bidders, key=lambda b: b.first)
SMALL = "PUT bid 64KB"
LARGE = "PUT bid large"
LATE = "PUT bid after the deadline"
LOOKAHEAD_S = 4.0  # a user is started this long before its first action
_claimed = 0
_finished = 0
_refused_in_time = 0  # sent before the deadline, finished after it: refused as late
_outcomes = open(PLAN.outcomes, "a", buffering=1) if PLAN.outcomes else None  # noqa: SIM115


def _rel() -> float:
    """Seconds relative to the deadline (the platform's test clock, in real time)."""
    return time.time() - PLAN.deadline_epoch


def _note(**fields: Any) -> None:
    if _outcomes is not None:
        _outcomes.write(json.dumps(fields) + "\n")


def _code(body: str) -> str:
    try:
        answer = json.loads(body)
    except ValueError:
        return ""
    return str(answer.get("code") or answer.get("title") or "") if isinstance(answer, dict) else ""


class Bidder_(FastHttpUser):
    network_timeout = 600.0
    connection_timeout = 30.0
    bidder: Bidder | None = None

    def on_start(self) -> None:
        global _claimed
        if _claimed >= len(ORDER):
            return
        self.bidder = ORDER[_claimed]
        _claimed += 1
        self.headers = {"Authorization": f"Bearer {self.bidder.token}"}
        node = PLAN.node_of(self.bidder.index, 0)
        with self.client.get(PLAN.url(node, f"/api/v1/tenders/{PLAN.tender_id}"),
                             headers=self.headers,
                             name="GET tender", catch_response=True) as answer:
            if answer.status_code == 200 and PLAN.key_id not in (answer.text or ""):
                answer.failure("the tender does not name the opening key the bid is sealed to")
        self.client.get(PLAN.url(node, "/api/v1/receipts/public-key"), name="GET receipt key")

    @task
    def day(self) -> None:
        global _finished
        if self.bidder is None:
            gevent.sleep(1)  # idle; short, so that stopping does not wait for it
            return
        try:
            for number, step in enumerate(self.bidder.steps):
                gevent.sleep(max(0.0, step.at - _rel()))
                if step.kind == "submit":
                    self._submit(number, step)
                else:
                    self._withdraw(number, step)
            node = PLAN.node_of(self.bidder.index, len(self.bidder.steps))
            self.client.get(PLAN.url(node, f"/api/v1/tenders/{PLAN.tender_id}/my-bids"),
                            headers=self.headers, name="GET my-bids")
        finally:
            self.bidder = None  # done (or broken, which the listener reports): idle until the end
            _finished += 1

    def _submit(self, number: int, step: Step) -> None:
        assert self.bidder is not None
        body = Path(step.envelope).read_bytes()
        name = LATE if step.late else SMALL if step.size <= 1 << 20 else LARGE
        node = PLAN.node_of(self.bidder.index, number)
        url = PLAN.url(node, f"/api/v1/tenders/{PLAN.tender_id}/sections/{PLAN.section_id}/bid")
        sent = _rel()
        with self.client.put(url, data=body, headers=self.headers, name=name,  # type: ignore[arg-type]
                             catch_response=True) as answer:
            done = _rel()
            code = _code(answer.text or "") if answer.status_code != 201 else ""
            note = {"bidder": self.bidder.index, "step": number, "kind": "submit",
                    "status": answer.status_code, "code": code, "sha256": step.sha256,
                    "late": step.late, "sent": round(sent, 3), "done": round(done, 3),
                    "node": node}
            if answer.status_code == 201:
                note["receipt"] = json.loads(answer.text or "{}")
                if step.late:
                    answer.failure("a bid sent after the deadline was accepted")
            elif answer.status_code == 409 and code == LATE_CODE:
                answer.success()  # refused as late: expected after the deadline, and honest
                if not step.late:  # just before it when the upload ends after it
                    global _refused_in_time
                    _refused_in_time += 1
            else:
                answer.failure(f"{answer.status_code} {code or (answer.text or '')[:200]}")
            _note(**note)

    def _withdraw(self, number: int, step: Step) -> None:
        assert self.bidder is not None
        node = PLAN.node_of(self.bidder.index, number)
        url = PLAN.url(node, f"/api/v1/tenders/{PLAN.tender_id}/sections/{PLAN.section_id}/bid")
        with self.client.delete(url, headers=self.headers, name="DELETE bid",
                                catch_response=True) as answer:
            code = _code(answer.text or "") if answer.status_code != 200 else ""
            if answer.status_code == 409 and code == LATE_CODE:
                answer.success()
            elif answer.status_code != 200:
                answer.failure(f"{answer.status_code} {code}")
            _note(bidder=self.bidder.index, step=number, kind="withdraw",
                  status=answer.status_code, code=code, late=False, sent=round(_rel(), 3),
                  node=node)


class DeadlineDay(LoadTestShape):
    """As many users as bidders whose first action is due within the look-ahead; stops once
    the tail after the deadline is over and every user is done."""

    def tick(self) -> tuple[int, float] | None:
        now = _rel()
        if now > PLAN.settings.tail_s + 30 or (now > PLAN.settings.tail_s and _all_done()):
            return None
        due = sum(1 for b in ORDER if b.first - LOOKAHEAD_S <= now)
        return max(due, 1), 100.0


def _all_done() -> bool:
    return _finished >= len(ORDER)


@events.quitting.add_listener  # type: ignore[untyped-decorator]
def _judge(environment: Environment, **_kwargs: Any) -> None:
    stats = environment.stats
    problems = []
    if stats.total.num_failures:
        problems.append(f"{stats.total.num_failures} failed requests")
    if environment.runner is not None and environment.runner.exceptions:
        problems.append(f"{len(environment.runner.exceptions)} exceptions in the bidders' code")
    small = stats.get(SMALL, "PUT")
    p99 = small.get_response_time_percentile(0.99) if small.num_requests else 0
    if p99 > PLAN.settings.p99_ms:
        problems.append(f"p99 of the 64 KB uploads {p99:.0f} ms > {PLAN.settings.p99_ms:.0f} ms")
    print(f"spike: {small.num_requests} small uploads, p99 {p99:.0f} ms; "
          f"{_refused_in_time} sent before the deadline and refused as late; "
          + ("; ".join(problems) if problems else "no failures"), flush=True)
    if problems:
        environment.process_exit_code = 1
