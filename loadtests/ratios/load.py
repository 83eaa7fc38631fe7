"""A keep-alive HTTP/1.1 PUT load generator (asyncio, one socket per connection).

Each connection sends its own rotation of requests (so that one bidder never has two uploads
in flight: the platform would refuse the second as a concurrent replacement), one at a time,
and records every answer's latency. A request counts as done when its status is the expected
one and the answer names the digest of the bytes sent (the receipt's ``envelope_sha256``).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    path: str
    headers: str  # extra header lines, each ending in \r\n
    body: bytes
    sha256: str


@dataclass
class Result:
    seconds: float = 0.0
    done: int = 0
    bytes_sent: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # ms per request by group (``cpu``)

    @property
    def per_second(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    @property
    def mb_per_second(self) -> float:
        return self.bytes_sent / self.seconds / 1e6 if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    def summary(self) -> str:
        p50 = statistics.median(self.latencies) if self.latencies else 0.0
        return (f"{self.per_second:8.1f} /s {self.mb_per_second:8.1f} MB/s  p50 {p50 * 1000:6.0f} ms"
                f"  p99 {self.percentile(0.99) * 1000:6.0f} ms  errors {len(self.errors)}")


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(b":") for ln in lines[1:])}
    if headers.get(b"transfer-encoding") == b"chunked":
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            body += (await reader.readexactly(size + 2))[:-2]
            if size == 0:
                return status, bytes(body)
    return status, await reader.readexactly(int(headers.get(b"content-length", b"0")))


async def _connection(port: int, requests: list[Request], end: float, result: Result,
                      expect: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    turn = 0
    try:
        while time.perf_counter() < end:
            request = requests[turn % len(requests)]
            turn += 1
            start = time.perf_counter()
            writer.write(f"PUT {request.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{request.headers}"
                         f"Content-Length: {len(request.body)}\r\n\r\n".encode())
            writer.write(request.body)
            await writer.drain()
            status, body = await _answer(reader)
            if status == expect and request.sha256.encode() in body:
                result.latencies.append(time.perf_counter() - start)
                result.done += 1
                result.bytes_sent += len(request.body)
            else:
                result.errors.append(f"{status} {body[:200]!r}")
    finally:
        writer.close()


async def _run(port: int, rotations: list[list[Request]], seconds: float, expect: int) -> Result:
    result = Result()
    started = time.perf_counter()
    await asyncio.gather(*(_connection(port, rotation, started + seconds, result, expect)
                           for rotation in rotations))
    result.seconds = time.perf_counter() - started
    return result


def hammer(port: int, rotations: list[list[Request]], seconds: float,
           expect: int = 201) -> Result:
    """One connection per rotation, for ``seconds`` (the requests in flight then finish)."""
    try:
        import uvloop

        return uvloop.run(_run(port, rotations, seconds, expect))
    except ImportError:
        return asyncio.run(_run(port, rotations, seconds, expect))
