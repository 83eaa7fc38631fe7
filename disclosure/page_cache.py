"""A per-worker cache of rendered public notice pages, for visitors who are not logged in.

A public notice never changes (R-43: a correction is a new notice). Its page changes only
when a correction of it is published (the banner), when its publicity window closes (the
status label), and with the language. So a rendered page is kept (LRU, bounded) until:

- a correction of it appears: once per ``SYNC_SECONDS`` each worker reads the notices made
  public since the last feed_seq it saw (one indexed query) and evicts the originals they
  correct;
- its publicity window ends (checked against the cached end time).

The header clock is the one live part of the layout: pages are rendered with placeholder
clock values, replaced on every answer by the database time estimated from an offset that
the same periodic query refreshes (display only; every legal decision still asks the
database through ``trading.clock``).

``CachedPageMiddleware`` answers a page found here before the rest of the stack runs (CSRF,
authentication, parameter parsing, the response machinery): like a reverse-proxy micro-cache,
but one that knows when a page went stale. Everything else, a miss, a visitor with a session
cookie, a sync that is due, goes on to the handler, which renders and fills the cache.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import func, select

from disclosure.models import Notice
from trading import clock, db
from trading.web import SESSION_COOKIE, language

SYNC_SECONDS = 1.0
MAX_ENTRIES = 5000
EPOCH_MARK = "8888888888888"
ISO_MARK = "__ggzy_server_iso__"
LOCAL_MARK = "__ggzy_server_local__"
CLOCK_MARKS = {"server_epoch_ms": EPOCH_MARK, "server_iso": ISO_MARK,
               "server_local": LOCAL_MARK}


@dataclass(frozen=True)
class Entry:
    # The page's UTF-8 bytes cut at the three clock placeholders: answering is a join.
    parts: tuple[bytes, bytes, bytes, bytes]
    expires_at: dt.datetime | None  # the publicity window's end: the page changes then

    @classmethod
    def of(cls, html: str, expires_at: dt.datetime | None) -> Entry:
        data = html.encode()
        cuts: list[bytes] = []
        for mark in (EPOCH_MARK, ISO_MARK, LOCAL_MARK):
            head, found, data = data.partition(mark.encode())
            if not found:  # a layout without the clock: nothing to fill in
                return cls((html.encode(), b"", b"", b""), expires_at)
            cuts.append(head)
        return cls((cuts[0], cuts[1], cuts[2], data), expires_at)


class PageCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._pages: OrderedDict[tuple[uuid.UUID, str], Entry] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()
        self._last_seq: int | None = None
        self._synced_at = float("-inf")
        self._offset = 0.0  # database clock minus this machine's clock, in seconds
        self._shown: tuple[int, bytes, bytes] = (-1, b"", b"")

    def due(self) -> bool:
        return time.monotonic() - self._synced_at >= SYNC_SECONDS

    def sync(self) -> None:
        """Evict pages whose notice was corrected since the last sync; refresh the clock."""
        with db.read_only() as session:
            now = clock.now(session)
            self._offset = now.timestamp() - time.time()
            if self._last_seq is None:
                self._last_seq = session.scalar(select(func.max(Notice.feed_seq))) or -1
            rows = session.execute(
                select(Notice.feed_seq, Notice.corrects_id)
                .where(Notice.feed_seq > self._last_seq).order_by(Notice.feed_seq)
            ).all()
        with self._lock:
            for seq, corrected in rows:
                self._last_seq = max(self._last_seq or -1, seq or -1)
                if corrected is not None:
                    for key in [k for k in self._pages if k[0] == corrected]:
                        del self._pages[key]
            self._synced_at = time.monotonic()

    def get(self, notice_id: uuid.UUID, lang: str) -> bytes | None:
        with self._lock:
            entry = self._pages.get((notice_id, lang))
            if entry is None:
                return None
            if entry.expires_at is not None and self.now() >= entry.expires_at:
                del self._pages[(notice_id, lang)]
                return None
            self._pages.move_to_end((notice_id, lang))
        return self._fill(entry)

    def put(self, notice_id: uuid.UUID, lang: str, html: str,
            expires_at: dt.datetime | None) -> bytes:
        entry = Entry.of(html, expires_at)
        with self._lock:
            self._pages[(notice_id, lang)] = entry
            while len(self._pages) > self._max:
                self._pages.popitem(last=False)
        return self._fill(entry)

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(time.time() + self._offset, dt.UTC)

    def _fill(self, entry: Entry) -> bytes:
        epoch, iso, local = self._clock()
        first, second, third, rest = entry.parts
        if not second and not third and not rest:
            return first
        return b"".join((first, epoch, second, iso, third, local, rest))

    def _clock(self) -> tuple[bytes, bytes, bytes]:
        """The header clock's three spellings; the two shown to people change once a second."""
        now = self.now()
        epoch = str(int(now.timestamp() * 1000)).encode()
        second = int(now.timestamp())
        if self._shown[0] != second:
            whole = now.replace(microsecond=0)
            self._shown = (second, whole.isoformat().encode(),
                           clock.format_local(whole).encode())
        return epoch, self._shown[1], self._shown[2]

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._last_seq = None
            self._synced_at = float("-inf")


PAGES = PageCache()


def cached_or_render(notice_id: uuid.UUID, lang: str,
                     render: Callable[[], tuple[str, dt.datetime | None]]) -> bytes:
    """The page from the cache, or rendered by ``render`` (html, expiry) and kept."""
    found = PAGES.get(notice_id, lang)
    if found is not None:
        return found
    html, expires_at = render()
    return PAGES.put(notice_id, lang, html, expires_at)


# Route handlers whose anonymous GET answers come from PAGES carry this key in their ``opt``,
# with the name of the path parameter holding the notice id.
CACHE_OPT_KEY = "public_page_cache"
_HTML_HEADERS = [(b"content-type", b"text/html; charset=utf-8")]


class CachedPageMiddleware(ASGIMiddleware):
    """Serves cached public pages to anonymous visitors ahead of the platform's middleware.

    It sits first in the stack, so a hit skips the CSRF and authentication layers: a page
    answered here carries no form and no personal data (see ``_render_public``), and the
    security headers are still added by the app's ``before_send`` hook.
    """

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        page = _cached_answer(scope)
        if page is None:
            await next_app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*_HTML_HEADERS, (b"content-length", str(len(page)).encode())]})
        await send({"type": "http.response.body", "body": page, "more_body": False})


def _cached_answer(scope: Scope) -> bytes | None:
    param = scope["route_handler"].opt.get(CACHE_OPT_KEY)
    if not param or scope.get("method") != "GET" or PAGES.due():
        return None
    connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
    if SESSION_COOKIE in connection.cookies:  # a signed-in header is personal: the handler's
        return None
    notice_id = scope["path_params"].get(param)
    if not isinstance(notice_id, uuid.UUID):
        return None
    return PAGES.get(notice_id, language(connection))
