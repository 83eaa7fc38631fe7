"""A crawl of every link for every demo role (issue 13): no page answers 4xx or 5xx, and no
page shows a raw status code, an untranslated message key, a UUID as text or a UTC time —
in Chinese, and in English, where no Chinese interface text may be left either.

Each role's demo user logs in through the log-in page; from its home page the crawl follows
every same-site link (GET only), at most ``PER_SHAPE`` page per URL shape (ids replaced), so
that a hundred tenders do not mean a hundred visits of the same template. Chinese pages are read as a
person sees them: the text Chromium renders. The English page of each URL (``?lang=en``, which
sets no cookie) is fetched alongside and read from its HTML's text nodes, without rendering:
half the cost of a second crawl.
"""

from __future__ import annotations

import enum
import importlib
import re
from collections import Counter
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from tests.e2e.conftest import log_in
from trading import db, demo, i18n

pytestmark = pytest.mark.e2e

PER_SHAPE = 1
MAX_PAGES = 150
# Not pages of ours: the API docs' own UI (English), log-out and language switches.
SKIPPED = re.compile(r"^/(schema|logout|lang)(/|$|\?)")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
URL = re.compile(r"https?://\S+")
OCID = re.compile(r"\bocds-[a-z0-9]+-\S+")  # the Open Contracting id (the standard's own form)
UTC_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|\+00:00)")
MODEL_MODULES = ("trading.models", "trading.jobs", "trading.accounts.models", "bidding.models",
                 "expert_pool.models", "disclosure.models", "disclosure.notice_types",
                 "supervision.models")
# Codes that are also ordinary words or names a page may show in Chinese mode.
NOT_CODES = {"pdf", "json", "csv", "xlsx", "sha256"}


def _status_codes() -> set[str]:
    codes: set[str] = set()
    for name in MODEL_MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, enum.Enum):
                codes |= {m.value for m in value if isinstance(m.value, str)
                          and re.fullmatch(r"[a-z][a-z_]{3,}", m.value)}
    return codes - NOT_CODES


class _Text(HTMLParser):
    """A page's body as a reader gets it (no scripts, styles or attributes): its text, and
    each text node on its own."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self.hidden = 0
        self.folded = 0  # inside <details> but not its <summary>: not shown until opened
        self.summary = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hidden += tag in ("script", "style", "title", "template")
        self.folded += tag == "details"
        self.summary += tag == "summary"

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("script", "style", "title", "template") and self.hidden > 0
        self.folded -= tag == "details" and self.folded > 0
        self.summary -= tag == "summary" and self.summary > 0

    def handle_data(self, data: str) -> None:
        if not self.hidden and (not self.folded or self.summary) and data.strip():
            self.nodes.append(data.strip())


def _read(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.nodes


def _chinese_interface_texts() -> dict[str, str]:
    """Whole Chinese messages whose English differs. A text node that *is* one of them on an
    English page was left untranslated; the same words inside data (a title, a company's
    name) are not flagged, since they are not the whole node."""
    english = i18n.texts_of("en")
    names = {user.display_name for user in demo.USERS}  # data, e.g. the admin's 系统管理员
    return {text.strip("：: "): key for key, text in i18n.texts_of("zh-CN").items()
            if "{" not in text and english.get(key) != text
            and re.search(r"[\u4e00-\u9fff]{2,}", text) and text not in names}


def _english(path: str) -> str:
    return path + ("&" if "?" in path else "?") + "lang=en"


def _shape(path: str) -> str:
    return re.sub(r"\d+", "9", UUID.sub("<id>", path))


def _problems(text: str, codes: re.Pattern[str], keys: re.Pattern[str]) -> list[str]:
    text = OCID.sub(" ", URL.sub(" ", text))  # a link or an OCID shown for copying holds an id
    found = []
    for label, pattern in (("status code", codes), ("message key", keys), ("UUID", UUID),
                           ("UTC time", UTC_TIME)):
        match = pattern.search(text)
        if match:
            start = max(match.start() - 30, 0)
            found.append(f"{label} {match.group(0)!r} in …{text[start:match.end() + 30]!r}")
    return found


class Crawl:
    def __init__(self, page: Any, server: str) -> None:
        self.page, self.server = page, server
        self.seen: set[str] = set()
        self.shapes: Counter[str] = Counter()
        self.failures: list[str] = []
        codes = sorted(_status_codes(), key=len, reverse=True)
        # A code standing alone, not part of a name such as demo-admin or bidder:demo-1.
        self.codes = re.compile(r"(?<![\w\-:.@/+])(" + "|".join(map(re.escape, codes))
                                + r")(?![\w\-:.@/+])", re.ASCII)
        self.chinese = _chinese_interface_texts()
        prefixes = sorted({key.split(".")[0] for key in i18n.message_keys()})
        self.keys = re.compile(r"\b(" + "|".join(map(re.escape, prefixes)) + r")\.[a-z0-9_.]+",
                               re.ASCII)

    def problems(self, text: str) -> list[str]:
        """What a reader should never see in a page's rendered Chinese text (a status code,
        a message key, a UUID, a UTC time); other browser tests check their pages with it."""
        return _problems(text, self.codes, self.keys)

    def run(self, start: str, who: str) -> None:
        queue = [start]
        while queue and len(self.seen) < MAX_PAGES:
            path = queue.pop(0)
            if path in self.seen or self.shapes[_shape(path)] >= PER_SHAPE:
                continue
            self.seen.add(path)
            self.shapes[_shape(path)] += 1
            queue += self.visit(path, who)

    def visit(self, path: str, who: str) -> list[str]:
        answer = self.page.request.get(self.server + _english(path), max_redirects=5)
        if answer.status >= 400:
            self.failures.append(f"{who} {path}: HTTP {answer.status}")
            return []
        if "text/html" not in answer.headers.get("content-type", ""):
            return []
        if "lang=en" in answer.url:  # not a redirect to a page that dropped the language
            self.failures += self.english_problems(path, who, _read(answer.text()))
        self.page.goto(self.server + path)
        text = self.page.inner_text("body")
        self.failures += [f"{who} {path}: {p}" for p in self.problems(text)]
        hrefs = self.page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        return [p for p in (self.local(h) for h in hrefs) if p]

    def english_problems(self, path: str, who: str, nodes: list[str]) -> list[str]:
        # Codes are English words here ("expert", "applied"): not looked for in English.
        text = OCID.sub(" ", URL.sub(" ", " ".join(nodes)))
        found = [f"{label} {m.group(0)!r}" for label, pattern in
                 (("message key", self.keys), ("UUID", UUID), ("UTC time", UTC_TIME))
                 if (m := pattern.search(text))]
        found += [f"Chinese {node!r} ({self.chinese[node.strip('：: ')]})" for node in nodes
                  if node.strip("：: ") in self.chinese]
        return [f"{who} {path} (English): {problem}" for problem in found]

    def local(self, href: str) -> str | None:
        url, _ = urldefrag(urljoin(self.server, href))
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.server:
            return None
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return None if SKIPPED.match(path) else path


def test_every_page_of_every_role_is_reachable_and_readable(live_server, browser) -> None:
    with db.transaction() as session:
        logins = demo.seed(session)
    failures: list[str] = []
    visited = 0
    roles: dict[str, str] = {}
    for user in demo.USERS:
        roles.setdefault(user.role.value, user.username)
    for who in [None, *roles.values()]:
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        if who is not None:
            log_in(page, live_server, who, logins[who])
        crawl = Crawl(page, live_server)
        crawl.run("/home" if who else "/", who or "anonymous")
        failures += crawl.failures
        visited += len(crawl.seen)
        context.close()
    assert visited > 40  # the crawl really went through the site
    assert not failures, "\n".join(failures)
