"""The reference for the upload benchmarks: a bare Litestar streaming sink.

``PUT /sink`` streams the body into a temporary file while hashing it (SHA-256), fsyncs it,
renames it to its final name and answers 201 with the digest and size: what the platform's
upload does minus everything that is the platform's (the token, the pre-check, the structural
check, the database, the log, the receipt). Like the platform, which keeps every envelope it
receipted (a replaced bid's too), it keeps the files: a sink that deleted each one after its
fsync ran faster than the disk's sustained rate, which no bid store can (README, part (b)).
The run removes the folder at its end. Served as ``ggzy web`` serves the platform: uvicorn
with the same protocol class, worker count, log level and options
(``python -m loadtests.ratios.sink``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import anyio
from litestar import Litestar, Request, Response, put

FOLDER = Path(os.environ.get("SINK_DIR", tempfile.gettempdir()))


def _finish(handle: Any, path: str) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()
    os.replace(path, path.removesuffix(".part") + ".env")


@put("/sink", request_max_body_size=None, status_code=201)
async def sink(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    digest = hashlib.sha256()
    size = 0
    fd, path = tempfile.mkstemp(dir=FOLDER, suffix=".part")
    handle = os.fdopen(fd, "wb")
    try:
        async for chunk in request.stream():
            digest.update(chunk)
            handle.write(chunk)
            size += len(chunk)
    finally:
        await anyio.to_thread.run_sync(_finish, handle, path)
    return Response({"envelope_sha256": digest.hexdigest(), "envelope_size": size},
                    status_code=201)


def create() -> Litestar:
    return Litestar(route_handlers=[sink])


def main() -> None:
    import uvicorn

    from trading.http_server import BoundedHttpToolsProtocol
    from trading.settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m loadtests.ratios.sink")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    uvicorn.run("loadtests.ratios.sink:create", factory=True, host="127.0.0.1", port=args.port,
                workers=args.workers, log_level=args.log_level, server_header=False,
                proxy_headers=False, http=BoundedHttpToolsProtocol,
                h11_max_incomplete_event_size=get_settings().max_header_bytes)


if __name__ == "__main__":
    main()
