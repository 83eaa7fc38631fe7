"""Two (or more) platform nodes on one machine, each in a network namespace of its own.

Each node is what a production node runs: ``ggzy web``, a worker and a dispatcher (the same
``loadtests.spike.stack.Stack``, started under ``ip netns exec``), reachable from the host at
its own address over a veth pair. Every node's worker and dispatcher race for the same due
jobs (the tender's closing, the opening): that one closing and one opening happen is then the
database's doing, not a single process's.

The nodes share what production nodes share: one PostgreSQL and one broker (Redis), reached
through ``loadtests.spike.forward`` on the host's side of each veth pair (a namespace cannot
reach the host's 127.0.0.1), and the bid storage, here a directory on the same filesystem
(the namespaces separate the network only).

Namespaces and veth pairs are named ``ggzy-spike-<pid>-<hex>-<n>`` / ``gz<hex><h|n><n>`` and
deleted when the run ends, however it ends; namespaces left by a run that was killed (its pid
gone) are deleted by the next one.
"""

from __future__ import annotations

import ipaddress
import os
import random
import re
import secrets
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from loadtests.spike.stack import Stack
from trading.settings import PROJECT_ROOT

PREFIX = "ggzy-spike-"
LOOPBACK = ("127.0.0.1", "localhost")
DEFAULT_PORTS = {"postgresql": 5432, "redis": 6379}


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check,
                          timeout=30)


def netns_usable() -> str | None:
    """None when this process may create network namespaces, else why not."""
    name = f"{PREFIX}{os.getpid()}-probe"
    try:
        made = _ip("netns", "add", name, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        return f"ip netns: {error}"
    if made.returncode != 0:
        return f"ip netns add: {made.stderr.strip()}"
    _ip("netns", "del", name, check=False)
    return None


def sweep_stale() -> list[str]:
    """Delete the namespaces of spike runs whose process is gone (killed with -9)."""
    gone = []
    listing = _ip("netns", "list", check=False).stdout
    for name in re.findall(rf"^({PREFIX}(\d+)-\S+)", listing, re.MULTILINE):
        if not Path(f"/proc/{name[1]}").exists():
            _ip("netns", "del", name[0], check=False)
            gone.append(name[0])
    return gone


@dataclass
class Netns:
    """A namespace with a veth pair: ``host_ip`` on the host's end, ``node_ip`` inside."""

    name: str
    host_if: str
    node_if: str
    host_ip: str
    node_ip: str

    def create(self) -> None:
        try:
            _ip("netns", "add", self.name)
            _ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.node_if)
            _ip("link", "set", self.node_if, "netns", self.name)
            _ip("addr", "add", f"{self.host_ip}/30", "dev", self.host_if)
            _ip("link", "set", self.host_if, "up")
            inside = ("netns", "exec", self.name, "ip")
            _ip(*inside, "addr", "add", f"{self.node_ip}/30", "dev", self.node_if)
            _ip(*inside, "link", "set", self.node_if, "up")
            _ip(*inside, "link", "set", "lo", "up")
        except subprocess.CalledProcessError as error:
            self.delete()
            raise RuntimeError(f"{' '.join(error.cmd)}: {error.stderr.strip()}") from error

    def delete(self) -> None:
        """Idempotent; the veth pair goes with the namespace (and is removed if it stayed)."""
        _ip("netns", "del", self.name, check=False)
        _ip("link", "del", self.host_if, check=False)

    @property
    def exec_prefix(self) -> tuple[str, ...]:
        return ("ip", "netns", "exec", self.name)


def _free_subnet() -> ipaddress.IPv4Network:
    """A /24 of 10.0.0.0/8 that no address or route on the host overlaps (one /30 a node)."""
    used = [ipaddress.ip_network(net, strict=False) for net in re.findall(
        r"(\d+\.\d+\.\d+\.\d+(?:/\d+)?)", _ip("-4", "route", "show", "table", "all").stdout
        + _ip("-4", "addr").stdout)]
    for _ in range(200):
        second, third = random.randint(64, 250), random.randint(0, 255)
        candidate = ipaddress.IPv4Network(f"10.{second}.{third}.0/24")
        if not any(candidate.overlaps(net) for net in used):
            return candidate
    raise RuntimeError("no free 10.x.y.0/24 for the nodes' veth pairs")


def namespaces(count: int) -> list[Netns]:
    tag = secrets.token_hex(2)
    subnet = _free_subnet()
    out = []
    for n in range(1, count + 1):
        pair = list(ipaddress.ip_network(f"{subnet.network_address + 4 * n}/30").hosts())
        out.append(Netns(f"{PREFIX}{os.getpid()}-{tag}-{n}", f"gz{tag}h{n}", f"gz{tag}n{n}",
                         str(pair[0]), str(pair[1])))
    return out


def service(url: str) -> tuple[str, int] | None:
    """(host, port) of a loopback PostgreSQL or Redis URL, which a node needs forwarded."""
    if not url.startswith(("postgresql", "redis")):
        return None
    parsed = make_url(url)
    if (parsed.host or "127.0.0.1") not in LOOPBACK:
        return None  # already reachable over the network
    return "127.0.0.1", parsed.port or DEFAULT_PORTS[parsed.get_backend_name()]


def node_env(env: dict[str, str], host_ip: str) -> dict[str, str]:
    """The stack's settings as a node sees them: loopback services at the host's veth end."""
    out = dict(env)
    for key in ("GGZY_DATABASE_URL", "GGZY_BROKER_URL"):
        if service(env[key]) is not None:
            out[key] = make_url(env[key]).set(host=host_ip).render_as_string(hide_password=False)
    return out


@dataclass
class Nodes:
    """The running nodes: what the driver needs of a platform (its URLs, whether it lives)."""

    stacks: list[Stack] = field(default_factory=list)

    @property
    def urls(self) -> list[str]:
        return [stack.url for stack in self.stacks]

    def check_alive(self) -> None:
        for stack in self.stacks:
            stack.check_alive()

    def wait_ready(self) -> None:
        for stack in self.stacks:
            stack.wait_ready(timeout=180)

    def tasks_done(self) -> dict[str, dict[str, int]]:
        """Per node, the Celery tasks its worker finished, by task (its log's ``succeeded``
        lines): that both nodes' workers took part in the closing and opening jobs."""
        return {stack.label.rstrip("-"): dict(Counter(re.findall(
            r"Task ([\w.]+)\[[^]]*\] succeeded in ", stack.log_of("worker").read_text(
                errors="replace")))) for stack in self.stacks}


@contextmanager
def forwarder(routes: list[str], logs: Path) -> Iterator[subprocess.Popen[str]]:
    log = (logs / "forwarder.log").open("w")
    child = subprocess.Popen([sys.executable, "-m", "loadtests.spike.forward", *routes],
                             cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the forwarder did not start (see {logs / 'forwarder.log'})")
        yield child
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        log.close()


@contextmanager
def platform(env: dict[str, str], logs: Path, count: int = 2, web_workers: int = 1,
             worker_concurrency: int = 1, wait: bool = True) -> Iterator[Nodes]:
    """``count`` nodes on the environment's database and broker, torn down on the way out
    (without ``wait``, still starting: the caller calls ``wait_ready``)."""
    logs.mkdir(parents=True, exist_ok=True)
    sweep_stale()
    made = namespaces(count)
    nodes = Nodes()
    with ExitStack() as stack:
        for netns in made:
            stack.callback(netns.delete)  # registered first: runs after the processes stopped
            netns.create()
        targets = {s for s in (service(env["GGZY_DATABASE_URL"]),
                               service(env["GGZY_BROKER_URL"])) if s}
        routes = [f"{n.host_ip}:{port}={host}:{port}" for n in made for host, port in targets]
        if routes:
            stack.enter_context(forwarder(routes, logs))
        for number, netns in enumerate(made, start=1):  # all at once, then wait for each
            node = Stack(node_env(env, netns.host_ip), logs, web_workers, worker_concurrency,
                         port=8000, bind=netns.node_ip, prefix=netns.exec_prefix,
                         label=f"node{number}-")
            nodes.stacks.append(node)
            stack.callback(node.stop)
            node.launch()
        if wait:
            nodes.wait_ready()
        yield nodes
