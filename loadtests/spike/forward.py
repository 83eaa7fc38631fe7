"""A plain TCP forwarder: ``python -m loadtests.spike.forward HOST:PORT=HOST:PORT ...``.

The two-node spike (``loadtests.spike.nodes``) runs each node in a network namespace of its
own; PostgreSQL and Redis listen on the host's 127.0.0.1, which a namespace cannot reach (its
loopback is its own). One forwarder process on the host listens on each node's host-side veth
address and relays byte for byte to the loopback service, so the nodes reach the one database
and the one broker as production nodes reach theirs over the network: through a socket on
another address, each connection its own.

Why this and not another way: the test fault proxy (tests/integration/bidding/flaky_proxy.py)
drops connections on purpose and lives in the test suite; changing the database's or Redis'
``listen`` addresses is not ours to do on a shared machine; a DNAT rule to 127.0.0.1 needs
``route_localnet`` and firewall state that outlive a crashed run. A process dies with the run.

It prints ``ready`` once every listener is bound; SIGTERM ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from functools import partial

Address = tuple[str, int]
CHUNK = 256 * 1024


def parse_route(text: str) -> tuple[Address, Address]:
    """``10.0.0.1:5432=127.0.0.1:5432`` -> ((listen host, port), (target host, port))."""
    listen, _, target = text.partition("=")
    if not target:
        raise ValueError(f"not LISTEN=TARGET: {text!r}")
    return _address(listen), _address(target)


def _address(text: str) -> Address:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"not HOST:PORT: {text!r}")
    return host, int(port)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until end of stream, then pass the half-close on (PostgreSQL and Redis clients
    close their side first; the server then closes its own)."""
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except OSError:
        writer.close()


async def _relay(target: Address, client_reader: asyncio.StreamReader,
                 client_writer: asyncio.StreamWriter) -> None:
    try:
        up_reader, up_writer = await asyncio.open_connection(*target)
    except OSError:
        client_writer.close()  # the client sees a refused service, as it would directly
        return
    try:
        await asyncio.gather(_pipe(client_reader, up_writer), _pipe(up_reader, client_writer))
    finally:
        for writer in (up_writer, client_writer):
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def serve(routes: list[tuple[Address, Address]]) -> None:
    servers = [await asyncio.start_server(partial(_relay, target), *listen)
               for listen, target in routes]
    print("ready", flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


def main(argv: list[str]) -> int:
    try:
        routes = [parse_route(arg) for arg in argv]
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    if not routes:
        print(__doc__, file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(routes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
