"""The two-node spike's plumbing without namespaces: the TCP forwarder relays both ways and
passes a half-close on; a node's settings name the host's veth end instead of loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading

import pytest

from loadtests.spike import forward, nodes
from trading.settings import PROJECT_ROOT


def _echo_server() -> tuple[socket.socket, int]:
    """A server that answers every byte back and closes once the client closed its side."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        with listener:
            conn, _ = listener.accept()
            with conn:
                while data := conn.recv(65536):
                    conn.sendall(data)

    threading.Thread(target=serve, daemon=True).start()
    return listener, listener.getsockname()[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_forwarder_relays_both_ways_and_passes_the_close_on() -> None:
    _listener, target = _echo_server()
    port = _free_port()
    child = subprocess.Popen([sys.executable, "-m", "loadtests.spike.forward",
                              f"127.0.0.1:{port}=127.0.0.1:{target}"], cwd=PROJECT_ROOT,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        payload = bytes(range(256)) * 4096  # 1 MiB: more than one chunk each way
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.sendall(payload)
            client.shutdown(socket.SHUT_WR)
            received = bytearray()
            while data := client.recv(65536):
                received += data
        assert bytes(received) == payload  # and the echo's close came back as end of stream
    finally:
        child.terminate()
        child.wait(timeout=10)


def test_a_forwarder_route_must_name_both_ends() -> None:
    assert forward.parse_route("10.9.0.1:5432=127.0.0.1:5432") == (("10.9.0.1", 5432),
                                                                   ("127.0.0.1", 5432))
    for wrong in ("10.9.0.1:5432", "10.9.0.1=127.0.0.1:5432", ":1=127.0.0.1:2"):
        with pytest.raises(ValueError, match=r"HOST:PORT|LISTEN=TARGET"):
            forward.parse_route(wrong)
    assert forward.main(["nonsense"]) == 2


def test_a_node_reaches_loopback_services_at_the_host_end_of_its_veth() -> None:
    env = {"GGZY_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/ggzy_t",
           "GGZY_BROKER_URL": "redis://localhost/10", "GGZY_VAR_DIR": "/x"}
    assert nodes.service(env["GGZY_DATABASE_URL"]) == ("127.0.0.1", 5432)
    assert nodes.service(env["GGZY_BROKER_URL"]) == ("127.0.0.1", 6379)
    seen = nodes.node_env(env, "10.9.0.1")
    assert seen == {"GGZY_DATABASE_URL": "postgresql+psycopg://postgres@10.9.0.1:5432/ggzy_t",
                    "GGZY_BROKER_URL": "redis://10.9.0.1/10", "GGZY_VAR_DIR": "/x"}
    # A service already on the network, and SQLite, are left as they are.
    assert nodes.service("redis://db.example:6379/0") is None
    assert nodes.service("sqlite:///x.sqlite3") is None

