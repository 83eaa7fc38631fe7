"""Keyword search over notices: normalization of what is stored and of what is asked.

Chinese has no spaces between words, so a tokenizer-free scheme is used: the searchable text
(title and the notice's short items) is stored normalized (NFKC, lower case) and searched with
``LIKE '%term%'`` (wildcards escaped). On PostgreSQL a GIN index over the text's character
bigrams (``string_to_array(search_grams, ' ')``) narrows the rows first: every bigram of the
term must be present, then LIKE confirms the exact substring. Bigrams, unlike pg_trgm's
trigrams, also serve the two-character words that most Chinese searches are (道路, 监理).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

MAX_QUERY = 100
MAX_TERMS = 5
MAX_SEARCH_TEXT = 1000


def normalize(text: str) -> str:
    """NFKC, lower case, control and format characters dropped, blanks collapsed."""
    text = unicodedata.normalize("NFKC", text).lower()
    kept = "".join(" " if c.isspace() else c for c in text
                   if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co"))
    return " ".join(kept.split())


def bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)
            if not text[i].isspace() and not text[i + 1].isspace()}


def search_text(parts: Iterable[str]) -> str:
    return normalize(" ".join(parts))[:MAX_SEARCH_TEXT]


def search_grams(text: str) -> str:
    return " ".join(sorted(bigrams(text)))


def terms(query: str | None) -> list[str]:
    """The terms of a visitor's query: anything goes in, at most five short terms come out."""
    if not query:
        return []
    return normalize(query[: MAX_QUERY * 4])[:MAX_QUERY].split()[:MAX_TERMS]
