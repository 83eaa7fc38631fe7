"""The spike's script: who does what, when, with which pre-sealed envelope.

The driver (``loadtests.spike.run``) writes it as JSON before the run; the locust file reads it.
Times are given relative to the deadline (seconds, negative before it); the driver adds the
real wall-clock instant at which the platform's test clock reaches the deadline
(``deadline_epoch``) once it has moved the clock.

The shape of the day (fractions of the bidders, a seeded random draw):

* quiet: a few early bidders, spread over the first part of the run;
* ramp: more and more, as the deadline nears;
* peak: most bidders in the final stretch (the last ``peak_s`` seconds before the deadline);
* some replace their bid (a second envelope) and some withdraw, before the deadline;
* some arrive after the deadline and must be refused (409 ``deadline_passed``), never receipted.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: What a late bid must be answered (the platform's problem-details code).
LATE_CODE = "deadline_passed"
#: A step that lands this close to the deadline is left out of the schedule: the driver and the
#: platform share one clock only to within the request's own latency.
GUARD_S = 2.0


@dataclass(frozen=True)
class Settings:
    """The knobs of one run (``python -m loadtests spike --help`` names them)."""

    bidders: int = 400
    lead_s: float = 150.0  # from the start of the load to the deadline
    tail_s: float = 15.0  # after the deadline: late arrivals
    peak_s: float = 30.0  # the final stretch before the deadline that takes most bids
    small_bytes: int = 64 * 1024
    large: int = 3  # how many bidders send a large bid
    large_min_mb: int = 10
    large_max_mb: int = 50
    replace_ratio: float = 0.10
    withdraw_ratio: float = 0.05
    late_ratio: float = 0.05
    p99_ms: float = 2000.0  # the quitting listener's threshold for the 64 KB uploads
    seed: int = 17

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Step:
    at: float  # seconds relative to the deadline
    kind: str  # "submit" or "withdraw"
    envelope: str = ""  # path of a pre-sealed envelope (submit)
    sha256: str = ""  # its digest, computed when it was sealed
    size: int = 0
    late: bool = False  # sent after the deadline: must be refused


@dataclass
class Bidder:
    index: int
    token: str
    org_id: str
    steps: list[Step] = field(default_factory=list)

    @property
    def first(self) -> float:
        return self.steps[0].at


@dataclass
class Plan:
    host: str
    tender_id: str
    section_id: str
    key_id: str
    settings: Settings
    bidders: list[Bidder]
    deadline_epoch: float = 0.0
    outcomes: str = ""  # where the locust process appends what each request got (JSON Lines)
    hosts: list[str] = field(default_factory=list)  # the nodes, when there are several

    def node_of(self, bidder: int, step: int) -> int:
        """Which node a bidder's step goes to: the bidders alternate, and so do one bidder's
        steps (a replacement lands on the other node than the bid it replaces)."""
        return (bidder + step) % len(self.hosts) if self.hosts else 0

    def url(self, node: int, path: str) -> str:
        return f"{self.hosts[node]}{path}" if self.hosts else path

    def save(self, path: Path) -> None:
        data = asdict(self)
        path.write_text(json.dumps(data, indent=1))

    @classmethod
    def load(cls, path: Path) -> Plan:
        data = json.loads(path.read_text())
        bidders = [Bidder(b["index"], b["token"], b["org_id"], [Step(**s) for s in b["steps"]])
                   for b in data.pop("bidders")]
        settings = Settings(**data.pop("settings"))
        return cls(settings=settings, bidders=bidders, **data)


@dataclass(frozen=True)
class Role:
    """One bidder's part in the day, before envelopes are sealed for it."""

    first: float
    size: int
    replace_at: float | None
    withdraw_at: float | None
    late: bool


def roles(settings: Settings) -> list[Role]:
    """Draw every bidder's part (seeded: the same settings give the same day)."""
    rng = random.Random(settings.seed)
    n = settings.bidders
    late_n = max(1, round(n * settings.late_ratio)) if n >= 4 else 0
    large = set(rng.sample(range(n - late_n), min(settings.large, n - late_n)))
    out: list[Role] = []
    lead, peak = settings.lead_s, settings.peak_s
    quiet_end = lead * 0.25
    for i in range(n):
        if i >= n - late_n:
            out.append(Role(rng.uniform(GUARD_S + 1, settings.tail_s - 2), settings.small_bytes,
                            None, None, True))
            continue
        size = settings.small_bytes
        if i in large:
            size = rng.randint(settings.large_min_mb, settings.large_max_mb) * 1000 * 1000
        draw = rng.random()
        if draw < 0.10:  # quiet: the early few
            first = -lead + rng.uniform(1, quiet_end)
        elif draw < 0.30:  # the ramp, denser towards its end
            first = -lead + quiet_end + (lead - quiet_end - peak) * rng.random() ** 0.5
        else:  # the final stretch
            first = -peak + (peak - GUARD_S - 1) * rng.random() ** 0.7
        if size > settings.small_bytes:  # a large upload takes seconds: never near the deadline
            first = min(first, -peak / 2 - 10)
        first = max(first, -lead + 1)
        replace_at = withdraw_at = None
        choice = rng.random()
        if choice < settings.replace_ratio and first < -GUARD_S - 6:
            replace_at = rng.uniform(first + 3, -GUARD_S - 1)
        elif choice < settings.replace_ratio + settings.withdraw_ratio and first < -GUARD_S - 6:
            withdraw_at = rng.uniform(first + 3, -GUARD_S - 1)
        out.append(Role(first, size, replace_at, withdraw_at, False))
    return out
