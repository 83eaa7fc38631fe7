"""The parameter types every route uses: one type per kind, with the range of its column.

A request parameter (query or path) is declared with one of these instead of a bare ``int``,
so a value out of range is refused by the framework with a 400 naming the parameter (and the
OpenAPI document shows the bounds), before any handler or database sees it:

============== ============================ =================================================
type           range                         for
============== ============================ =================================================
``Seq``        0 … 2^63−1 (BigInteger)       a log entry's sequence number / index
``TreeSize``   0 … 2^63−1 (BigInteger)       a log tree size (checkpoint size)
``Cursor``     −1 … 2^63−1 (BigInteger)      "after" / "cursor" positions; −1 is the start
``PageLimit``  1 … 1000                       how many items a page holds
============== ============================ =================================================

Ids are UUIDs (``uuid.UUID`` parameters are already validated by the framework). The calendar
page's ``year`` stays text parsed by ``trading.calendar_views.page_year`` (2000 … 2100, with a
reason in Chinese and English on the page), as the form that enters a year shares it.

The msgspec request structs use the matching ``msgspec.Meta`` types below (``Fen``,
``SmallCount``, ``Int64``, ``Name``, ``Label``, ``IdText``, ``text_length``): money in fen is a
BigInteger column, so at most 2^63−1, and never negative.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar.params import Parameter

INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1
MAX_PAGE = 1000

# ---------------------------------------------------------------- request parameters
Seq = Annotated[int, Parameter(ge=0, le=INT64_MAX, description="A log sequence number (0 … 2^63−1)")]
TreeSize = Annotated[int, Parameter(ge=0, le=INT64_MAX, description="A log tree size (0 … 2^63−1)")]
OptionalTreeSize = Annotated[
    int | None, Parameter(ge=0, le=INT64_MAX, description="A log tree size (0 … 2^63−1)")
]
Cursor = Annotated[int, Parameter(
    ge=-1, le=INT64_MAX, description="Continue after this position (−1: from the start; at most 2^63−1)"
)]
PageLimit = Annotated[int, Parameter(ge=1, le=MAX_PAGE, description=f"Items per page (1 … {MAX_PAGE})")]
RowId = Annotated[int, Parameter(ge=1, le=INT32_MAX, description="A record number (1 … 2^31−1)")]

# ---------------------------------------------------------------- msgspec body fields
#: Money in fen (分): a BigInteger column, never negative.
Fen = Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX, description="Amount in fen (0 … 2^63−1)")]
#: A non-negative BigInteger (sizes, sequence numbers) in a body.
Int64 = Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)]
#: A small positive count stored in an Integer column (k of n, numbers of things).
SmallCount = Annotated[int, msgspec.Meta(ge=0, le=INT32_MAX)]


def text_length(max_length: int, min_length: int = 0) -> msgspec.Meta:
    """Length bounds of a text field in a body (the column's length, or the platform's limit)."""
    return msgspec.Meta(min_length=min_length, max_length=max_length)


Name = Annotated[str, msgspec.Meta(max_length=200)]  # String(200) columns: titles, names
Label = Annotated[str, msgspec.Meta(max_length=64)]  # String(64) columns: categories, regions
IdText = Annotated[str, msgspec.Meta(max_length=64)]  # an id sent as text (a UUID is 36 chars)
