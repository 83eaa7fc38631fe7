"""The intake's pages read clean in English (issue 12): punctuation written into a template shows
in both languages, so it comes from t() ("intake.colon", "intake.paren_open", ...), and the
English texts use ASCII punctuation."""

from __future__ import annotations

import re

from trading.app import DOMAINS, load_domains

FULL_WIDTH = re.compile(r"[，：；（）。！？、「」【】《》“”‘’]")
TAG = re.compile(r"({{.*?}}|{%.*?%}|{#.*?#})", re.S)
# Jinja string literals inside tags may hold text only when it is a t() key.
LITERAL = re.compile(r"""["']([^"']*)["']""")


def _intake():
    load_domains()
    return next(d for d in DOMAINS if d.name == "intake")


def test_intake_templates_put_no_full_width_punctuation_outside_messages() -> None:
    domain = _intake()
    assert domain.template_dir is not None
    found = []
    for path in sorted(domain.template_dir.rglob("*.html")):
        parts = TAG.split(path.read_text(encoding="utf-8"))
        for index, part in enumerate(parts):
            text = part if index % 2 == 0 else " ".join(LITERAL.findall(part))
            if FULL_WIDTH.search(text):
                found.append(f"{path.name}: {part.strip()[:80]}")
    assert not found, found


def test_intake_english_texts_use_ascii_punctuation() -> None:
    english = {key: text["en"] for key, text in _intake().messages.items()}
    assert len(english) > 200
    bad = {key: text for key, text in english.items() if FULL_WIDTH.search(text)}
    assert not bad, bad
