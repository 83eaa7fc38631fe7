"""``make bench``'s CPU meter counts a server's CPU to the server, its children's included."""

from __future__ import annotations

import subprocess
import sys

import pytest

from loadtests.ratios import cpu

# A server whose worker (a child, as uvicorn's are) works, says how much CPU it used, and waits.
SERVER = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], stdout=sys.stdout)
child.wait()
"""
WORKER = """
import sys, time
total = sum(range(6_000_000))
print(time.process_time(), flush=True)
sys.stdin.readline()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_servers_children_count_to_it() -> None:
    server = subprocess.Popen([sys.executable, "-c", SERVER, WORKER], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        before = cpu.snapshot({server.pid: "server"})
        assert server.stdout is not None
        worked = float(server.stdout.readline())  # the worker's own count, its start-up included
        costs = cpu.per_request(before, cpu.snapshot({server.pid: "server"}), requests=2)
    finally:
        server.communicate("\n", timeout=30)
    # Per request: half of what the worker used (and the server's own start-up, which the
    # snapshot before could not see all of); the clock ticks in hundredths of a second.
    assert costs["server"] >= worked * 1000 / 2 - 20
    assert costs["machine"] >= costs["server"]
    assert set(costs) >= {"server", cpu.POSTGRES, cpu.LOAD, cpu.REST, "machine"}


def test_no_request_costs_nothing_per_request() -> None:
    moment = cpu.snapshot({})
    assert cpu.per_request(moment, moment, 0) == {}
    assert cpu.describe({}) == "CPU per request: no request"
