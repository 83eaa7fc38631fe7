"""A TCP proxy in front of a real server that loses the first connection, as a mobile network
or a dying NAT does: either after the request went through (the server commits, the client
never hears the answer) or in the middle of the request body (the server never gets it)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Literal

Fault = Literal["drop_answer", "cut_request"]


class FlakyProxy:
    def __init__(self, upstream_port: int, fault: Fault, cut_after: int = 64 * 1024) -> None:
        self.upstream_port, self.fault, self.cut_after = upstream_port, fault, cut_after
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.faulted = threading.Event()
        self._threads: list[threading.Thread] = []

    def serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.connections += 1
            faulty = self.connections == 1
            thread = threading.Thread(target=self._relay, args=(client, faulty), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _relay(self, client: socket.socket, faulty: bool) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        down = threading.Thread(target=self._answers, args=(upstream, client, faulty),
                                daemon=True)
        down.start()
        sent = 0
        try:
            while chunk := client.recv(65536):
                sent += len(chunk)
                if faulty and self.fault == "cut_request" and sent > self.cut_after:
                    self.faulted.set()
                    break  # the rest of the body never arrives
                upstream.sendall(chunk)
        except OSError:
            pass
        finally:
            if faulty and self.fault == "cut_request":
                _close(client)
                _close(upstream)
        down.join(timeout=60)
        _close(client)
        _close(upstream)

    def _answers(self, upstream: socket.socket, client: socket.socket, faulty: bool) -> None:
        try:
            while chunk := upstream.recv(65536):
                if faulty and self.fault == "drop_answer":
                    self.faulted.set()  # the server answered: the request was handled
                    _close(client)
                    return
                client.sendall(chunk)
        except OSError:
            return
        with suppress(OSError):
            client.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        _close(self.listener)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with suppress(OSError):
        sock.close()


@contextmanager
def flaky_proxy(upstream_url: str, fault: Fault) -> Iterator[FlakyProxy]:
    proxy = FlakyProxy(int(upstream_url.rsplit(":", 1)[1]), fault)
    thread = threading.Thread(target=proxy.serve, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.close()
        thread.join(timeout=10)
