"""The HTTP protocol ``ggzy web`` runs: uvicorn's httptools protocol with a bounded head.

httptools (llhttp) has no limit on the request line and headers: a 200 KB header was accepted
and buffered. uvicorn's h11 protocol has one (``h11_max_incomplete_event_size``) but is much
slower, so this keeps httptools and counts the bytes received while a request's head is still
incomplete; past ``GGZY_MAX_HEADER_BYTES`` it answers 431 and closes the connection.
"""

from __future__ import annotations

import gc
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from trading.settings import get_settings

REFUSAL = (b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
           b"content-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
           b"content-length: %d\r\n\r\n%s")
MESSAGE = "请求头过大 / Request headers too large (limit %d bytes)\n"


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_head_bytes = get_settings().max_header_bytes
        self.head_bytes = 0
        self.in_head = True
        self.head_seen = False  # this chunk finished a head
        self.message_ended = False  # this chunk finished a message

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.in_head = True
        self.head_bytes = 0

    def on_headers_complete(self) -> None:
        self.in_head = False
        self.head_seen = True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.in_head = True  # the next bytes on a kept-alive connection start a new head
        self.head_bytes = 0
        self.message_ended = True

    def data_received(self, data: bytes) -> None:
        self.head_seen = self.message_ended = False
        super().data_received(data)
        # Only chunks that are all head count. A chunk that finished a head may carry body
        # bytes, and one that finished a message was mostly the body's end (a read is up to
        # 256 KiB): counting it as the next head refused large uploads with 431.
        if (self.in_head and not self.head_seen and not self.message_ended
                and not self.transport.is_closing()):
            self.head_bytes += len(data)
            if self.head_bytes > self.max_head_bytes:
                body = (MESSAGE % self.max_head_bytes).encode()
                self.transport.write(REFUSAL % (len(body), body))
                self.transport.close()


def served_app() -> Any:
    """The app as a server process runs it: built, then its startup objects frozen out of the
    cyclic garbage collector, whose full collections otherwise walked every one of them and
    paused a request for 65-87 ms now and then (measured in the draw benchmark)."""
    from trading.app import create_app

    app = create_app()
    gc.freeze()
    return app


def main(argv: list[str] | None = None) -> None:
    """``python -m trading.http_server`` (what ``ggzy web`` and ``ggzy run`` start)."""
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m trading.http_server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    settings = get_settings()
    uvicorn.run(
        "trading.http_server:served_app", factory=True, host=args.host, port=args.port,
        workers=args.workers, log_level=args.log_level, server_header=False,
        # The app believes forwarded headers only from GGZY_TRUSTED_PROXIES (trading.proxy);
        # uvicorn's own handling would trust 127.0.0.1 whatever the settings say.
        proxy_headers=False,
        http=BoundedHttpToolsProtocol,
        h11_max_incomplete_event_size=settings.max_header_bytes,
    )


if __name__ == "__main__":
    main()
