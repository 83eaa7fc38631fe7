"""RFC 9162 §2.1 Merkle tree hashing, proof planning and proof verification.

Standard library only, and free of any database or web import, so that the offline verifier
(and a regulator's machine that has never seen the platform) can use exactly this code.

Vocabulary used throughout:

- a *range* ``(start, end)`` is a half-open interval of leaf indices whose Merkle tree hash
  (RFC 9162 ``MTH(D[start:end])``) appears in a proof or a root;
- a *node* ``(level, index)`` is a complete (perfect) subtree of ``2**level`` leaves starting
  at leaf ``index * 2**level``. Once its last leaf exists its hash never changes, so the log
  stores it once and every root and proof is assembled from O(log n) of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

Node = tuple[int, int]
"""A complete subtree ``(level, index)``: leaves ``[index << level, (index + 1) << level)``."""

Range = tuple[int, int]
"""A half-open interval ``(start, end)`` of leaf indices."""


class ProofError(ValueError):
    """A proof does not verify; ``reason`` says why in words a regulator can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- hashing ------------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``: the prefix keeps a leaf from posing as an inner node."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    if n < 2:
        raise ValueError(f"no split point for a tree of {n} leaves")
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaves(leaves: Sequence[bytes]) -> bytes:
    """Reference ``MTH`` over already-hashed leaves, straight from the RFC's recursion.

    Deliberately naive (O(n) hashing, recursive): it is the yardstick that the stored tree
    and the proofs are tested against, so it must be obviously right rather than fast.
    """
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = split_point(len(leaves))
    return node_hash(root_from_leaves(leaves[:k]), root_from_leaves(leaves[k:]))


def inclusion_proof_from_leaves(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Reference ``PATH(index, D[0:len(leaves)])`` (RFC 9162 §2.1.3.1), for tests and tools."""
    return [
        root_from_leaves(leaves[start:end]) for start, end in inclusion_ranges(index, len(leaves))
    ]


def consistency_proof_from_leaves(leaves: Sequence[bytes], m: int) -> list[bytes]:
    """Reference ``PROOF(m, D[0:len(leaves)])`` (RFC 9162 §2.1.4.1), for tests and tools."""
    return [
        root_from_leaves(leaves[start:end]) for start, end in consistency_ranges(m, len(leaves))
    ]


# --- appending: the compact frontier --------------------------------------------------------


def append_leaf(
    frontier: Sequence[bytes], size: int, leaf: bytes
) -> tuple[list[bytes], list[tuple[int, int, bytes]]]:
    """Add ``leaf`` as leaf number ``size`` to a tree summarised by its ``frontier``.

    The frontier holds the hashes of the complete subtrees that tile ``[0, size)``, largest
    (leftmost) first: one per set bit of ``size``. Appending merges the new leaf with the
    smallest subtrees exactly as a binary counter carries, so the caller never has to read
    old nodes. Returns the new frontier and every node completed by this leaf, as
    ``(level, index, hash)`` (the leaf itself first), for the caller to store.
    """
    if len(frontier) != size.bit_count():
        raise ValueError(
            f"frontier has {len(frontier)} hashes, a tree of {size} needs {size.bit_count()}"
        )
    stack = list(frontier)
    completed = [(0, size, leaf)]
    current, level, index = leaf, 0, size
    while index & 1:
        current = node_hash(stack.pop(), current)
        level, index = level + 1, index >> 1
        completed.append((level, index, current))
    stack.append(current)
    return stack, completed


def pack_frontier(frontier: Sequence[bytes]) -> bytes:
    return b"".join(frontier)


def unpack_frontier(packed: bytes) -> list[bytes]:
    if len(packed) % HASH_SIZE:
        raise ValueError("packed frontier is not a whole number of hashes")
    return [packed[i : i + HASH_SIZE] for i in range(0, len(packed), HASH_SIZE)]


# --- planning: which subtrees make up a root or a proof --------------------------------------


def range_nodes(start: int, end: int) -> list[Node]:
    """The complete subtrees whose hashes combine (right fold) into ``MTH(D[start:end])``.

    Valid for every range that RFC 9162's recursion produces: those start on a multiple of
    the split point above them, so the left part of each split is a complete subtree.
    """
    if not 0 <= start < end:
        raise ValueError(f"empty or negative leaf range [{start}, {end})")
    nodes: list[Node] = []
    while end - start > 1 and (end - start) & (end - start - 1):
        k = split_point(end - start)
        nodes.append(_complete(start, k))
        start += k
    nodes.append(_complete(start, end - start))
    return nodes


def _complete(start: int, width: int) -> Node:
    level = width.bit_length() - 1
    if width != 1 << level or start % width:
        raise ValueError(f"[{start}, {start + width}) is not a complete subtree")
    return level, start >> level


def fold_nodes(hashes: Sequence[bytes]) -> bytes:
    """Combine ``range_nodes`` hashes (left to right) into the range's tree hash."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose hashes form ``PATH(index, D[0:size])``, deepest first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(m: int, n: int) -> list[Range]:
    """The ranges whose hashes form ``PROOF(m, D[0:n])``, in proof order."""
    if not 0 <= m <= n:
        raise ValueError(f"no consistency proof from size {m} to size {n}")
    if m in (0, n):
        return []
    ranges: list[Range] = []
    start, end, whole = 0, n, True  # ``whole``: the RFC's flag b (old root known to verifier)
    while end != m:  # the RFC's base case: the old tree is this whole subtree
        k = split_point(end - start)
        if m - start <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, whole = start + k, False
    if not whole:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def nodes_for(ranges: Iterable[Range]) -> set[Node]:
    """Every stored node needed to hash ``ranges``: the one set to fetch in a single read."""
    return {node for start, end in ranges for node in range_nodes(start, end)}


def hash_ranges(ranges: Sequence[Range], stored: Mapping[Node, bytes]) -> list[bytes]:
    """Hash each range from the fetched ``stored`` nodes (KeyError if one is missing)."""
    return [fold_nodes([stored[node] for node in range_nodes(s, e)]) for s, e in ranges]


# --- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ------------------------------------------


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` is leaf ``index`` of the tree of ``size`` whose root is ``root``.

    Returns ``None`` on success and raises ``ProofError`` otherwise.
    """
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of {size} leaves")
    _check_hashes(leaf=leaf, root=root, proof=proof)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the path to the root")
    if r != root:
        raise ProofError("inclusion proof leads to a different root")


def verify_consistency(m: int, n: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> None:
    """Check that the tree of size ``m`` (``root1``) is a prefix of the one of size ``n``.

    Returns ``None`` on success and raises ``ProofError`` otherwise.
    """
    if not 0 <= m <= n:
        raise ProofError(f"cannot prove size {m} consistent with the smaller size {n}")
    _check_hashes(root1=root1, root2=root2, proof=proof)
    if m == n or m == 0:
        _verify_trivial_consistency(m, n, root1, root2, proof)
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    path = [root1, *proof] if m & (m - 1) == 0 else list(proof)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than needed")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than needed")
    if fr != root1:
        raise ProofError(f"consistency proof does not lead to the old root (size {m})")
    if sr != root2:
        raise ProofError(f"consistency proof does not lead to the new root (size {n})")


def _verify_trivial_consistency(
    m: int, n: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    if proof:
        raise ProofError(f"consistency proof from size {m} to {n} must be empty")
    if m == 0 and root1 != EMPTY_ROOT:
        raise ProofError("the root of the empty tree is wrong")
    if m == n and root1 != root2:
        raise ProofError(f"two different roots for the same size {m}")


def _check_hashes(proof: Sequence[bytes], **named: bytes) -> None:
    # A truncated or padded hash can never match, but saying so beats "different root".
    for name, value in named.items():
        if len(value) != HASH_SIZE:
            raise ProofError(f"{name} is {len(value)} bytes, not a {HASH_SIZE}-byte SHA-256")
    for position, value in enumerate(proof):
        if len(value) != HASH_SIZE:
            raise ProofError(f"proof[{position}] is {len(value)} bytes, not {HASH_SIZE}")
