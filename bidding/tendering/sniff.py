"""What a tender document is, decided from its bytes; never what the uploader said.

Documents are served from the platform's own origin, whose CSP trusts ``script-src 'self'``:
a file stored as ``text/html``, ``application/javascript`` or ``image/svg+xml`` would run as the
platform. So the type stored at upload comes from sniffing the content (the ``filetype``
library's magic numbers, plus a check for plain UTF-8 text) against an allow-list, and the
download serves only allow-listed types — anything else as ``application/octet-stream`` —
always as an attachment with ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import codecs

import filetype

OCTET_STREAM = "application/octet-stream"
TEXT = "text/plain; charset=utf-8"

#: The types a document may be stored and served as (none of them runs in a browser).
ALLOWED: frozenset[str] = frozenset({
    "application/pdf",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/zip",
    "image/png",
    "image/jpeg",
    TEXT,
    OCTET_STREAM,
})

#: How much of the start of a file decides whether it is text.
TEXT_SAMPLE = 64 * 1024
_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D}


def _is_text(content: bytes) -> bool:
    sample = content[:TEXT_SAMPLE]
    if any(byte in _CONTROL for byte in set(sample)) or 0x7F in sample:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(content) <= TEXT_SAMPLE)
    except UnicodeDecodeError:
        return False
    return True


def content_type(content: bytes) -> str:
    """The allow-listed type of ``content`` (``application/octet-stream`` when unsure)."""
    kind = filetype.guess(content[:8192])
    if kind is not None:
        return kind.mime if kind.mime in ALLOWED else OCTET_STREAM
    return TEXT if content and _is_text(content) else OCTET_STREAM


def served_type(stored: str | None) -> str:
    """The type to serve a stored document as: an allow-listed type, else a download."""
    return stored if stored in ALLOWED else OCTET_STREAM
