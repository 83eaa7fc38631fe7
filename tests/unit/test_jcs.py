"""The fast canonical JSON gives byte for byte what the reference RFC 8785 implementation gives,
and refuses what it refuses: a log entry hashed over one must verify with the other."""

from __future__ import annotations

import enum
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from trading import jcs

# Text with the characters where encoders disagree: controls, quotes, backslashes, U+2028,
# the private-use area above the surrogates and characters beyond the BMP (UTF-16 key order).
TRICKY = st.sampled_from(["\x00", "\x07", "\x1f", "\b", "\f", "\n", "\r", "\t", '"', "\\", "/",
                          "\x7f", "\u2028", "\ue000", "\uffff", "\U0001f600", "\U00010000", "é",
                          "标", "a", "Z"])
TEXT = st.one_of(st.text(max_size=8), st.lists(TRICKY, max_size=6).map("".join))
SCALARS = st.one_of(st.none(), st.booleans(), TEXT,
                    st.integers(min_value=-(2**60), max_value=2**60),
                    st.floats(allow_nan=False, allow_infinity=False))
DOCUMENTS = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.tuples(inner, inner),
    st.dictionaries(TEXT, inner, max_size=5)), max_leaves=25)


def _reference(document: Any) -> bytes | type[Exception]:
    try:
        return bytes(rfc8785.dumps(document))
    except rfc8785.CanonicalizationError:
        return rfc8785.CanonicalizationError


def _fast(document: Any) -> bytes | type[Exception]:
    try:
        return jcs.dumps(document)
    except rfc8785.CanonicalizationError:
        return rfc8785.CanonicalizationError


@settings(max_examples=400, deadline=None)
@given(DOCUMENTS)
def test_any_document_canonicalizes_as_the_reference_does(document: Any) -> None:
    assert _fast(document) == _reference(document)


def test_keys_beyond_the_bmp_sort_by_utf16_not_by_code_point() -> None:
    document = {"\U0001f600": 1, "\uff01": 2}  # code points say 😀 last, UTF-16 says first
    assert jcs.dumps(document) == rfc8785.dumps(document)
    assert jcs.dumps(document).startswith('{"\U0001f600"'.encode())


class Colour(enum.StrEnum):
    RED = "red"


@pytest.mark.parametrize("document", [
    {"n": 2**53}, {"n": -(2**53)}, {"f": 1e21}, {"f": 0.1}, {"s": "\ud800"}, {"e": Colour.RED},
    {"t": ("a", 1)}, {"big": [2**53 - 1, -(2**53 - 1)]},
])
def test_edge_values_match_or_fail_alike(document: Any) -> None:
    assert _fast(document) == _reference(document)


def test_a_draw_sized_document_is_plain_json() -> None:
    numbers = [f"E{i:06d}" for i in range(7000)]
    document = {"eligible": {"Z001": numbers}, "excluded": {"E000001": "suspended"}, "seq": 3}
    assert jcs.dumps(document) == rfc8785.dumps(document)
