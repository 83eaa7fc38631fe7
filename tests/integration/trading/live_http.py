"""A real ``ggzy web`` server process and raw-socket requests whose bodies are generated lazily
(a 300 MiB body is never held by the test), for the request-size and forwarded-header tests."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from tests.e2e.conftest import free_port, wait_until_up
from trading.cli import web_argv  # the exact `ggzy web` command
from trading.settings import PROJECT_ROOT

MiB = 1024 * 1024


@contextmanager
def web_server(database: str, **env: str) -> Iterator[tuple[int, int]]:
    """``ggzy web`` (one worker, so the server is this pid) on a free port: (port, pid)."""
    port = free_port()
    argv = [sys.executable, *web_argv("127.0.0.1", port, 1)]
    argv[argv.index("info")] = "warning"
    process = subprocess.Popen(argv, cwd=PROJECT_ROOT,
                               env={**os.environ, "GGZY_DATABASE_URL": database, **env})
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process)
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def repeated(chunk: bytes, total: int) -> Iterator[bytes]:
    """``total`` bytes as the same ``chunk`` object over and over (nothing allocated)."""
    sent = 0
    while sent < total:
        yield chunk
        sent += len(chunk)


def chunked(chunks: Iterator[bytes]) -> Iterator[bytes]:
    for chunk in chunks:
        yield b"%x\r\n%s\r\n" % (len(chunk), chunk)


def send(port: int, method: str, path: str, headers: dict[str, str],
         body: Iterable[bytes] = ()) -> tuple[int, bytes, int]:
    """Send the head, then the body until the server answers (or stops reading).

    Returns (status, the answer's head and first bytes, body bytes sent)."""
    head = f"{method} {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        # refused while the head was still arriving: the answer is already waiting
        with suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head.encode("latin-1"))
        sock.settimeout(5)
        for chunk in body:
            if select.select([sock], [], [], 0)[0]:
                break  # the answer came early, as it should
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                break
            sent += len(chunk)
        sock.settimeout(30)
        answer = b""
        while b"\r\n\r\n" not in answer:
            try:
                part = sock.recv(65536)
            except ConnectionResetError:
                break
            if not part:
                break
            answer += part
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    return status, answer, sent
