"""CPU time per request during a round, read from ``/proc`` (Linux).

Receipts per second swing by a third between rounds on a shared virtual machine; the CPU one
receipt costs, and where it goes, swings much less and says what a change saved. Each round is
measured between two snapshots: the server's processes (the web server and everything it
started), PostgreSQL's processes, this process (the load generator), the platform's worker and
dispatcher, and the whole machine's busy time (which also counts the kernel's own threads).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
POSTGRES = "PostgreSQL"
LOAD = "load generator"
REST = "rest"  # everything else the machine did, the kernel's threads among it


@dataclass(frozen=True)
class Snapshot:
    groups: dict[str, float]  # CPU seconds so far of each group's live processes
    machine: float  # busy CPU seconds of the whole machine since boot


def _process_table() -> dict[int, tuple[int, float, str]]:
    """pid -> (parent pid, CPU seconds, command line's first word)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().split(b"\0", 1)[0].decode(errors="replace")
        except OSError:  # it ended meanwhile
            continue
        table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK,
                                  command)
    return table


def _root_of(pid: int, table: Mapping[int, tuple[int, float, str]],
             roots: Mapping[int, str]) -> str | None:
    seen = 0
    while pid in table and seen < 64:
        if pid in roots:
            return roots[pid]
        pid, seen = table[pid][0], seen + 1
    return None


def _machine_busy() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return (sum(values[:8]) - idle) / _TICK  # user .. steal (guest time is inside user)


def snapshot(roots: Mapping[int, str]) -> Snapshot:
    """``roots``: the pid of a process whose descendants a group counts -> the group's name."""
    groups = dict.fromkeys([*roots.values(), POSTGRES, LOAD], 0.0)
    table = _process_table()
    for pid, (_, seconds, command) in table.items():
        name = LOAD if pid == os.getpid() else _root_of(pid, table, roots)
        if name is None and command.startswith("postgres"):
            name = POSTGRES
        if name is not None:
            groups[name] += seconds
    return Snapshot(groups, _machine_busy())


def per_request(before: Snapshot, after: Snapshot, requests: int) -> dict[str, float]:
    """Milliseconds of CPU per request in each group, ``REST`` and the machine's total."""
    if requests <= 0:
        return {}
    spent = {name: after.groups[name] - before.groups.get(name, 0.0) for name in after.groups}
    machine = after.machine - before.machine
    spent[REST] = max(0.0, machine - sum(spent.values()))
    spent["machine"] = machine
    return {name: seconds * 1000 / requests for name, seconds in spent.items()}


def describe(costs: Mapping[str, float]) -> str:
    if not costs:
        return "CPU per request: no request"
    parts = ", ".join(f"{name} {ms:.2f}" for name, ms in costs.items() if name != "machine")
    return f"CPU ms per request: {parts}; machine {costs.get('machine', 0.0):.2f}"
