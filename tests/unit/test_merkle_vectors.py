"""supervision.merkle against an independent implementation's vectors, and its own reference.

The inclusion vectors come from transparency-dev/merkle (see tests/data/merkle-vectors/SOURCE):
every file is one case, and the ``wantErr`` cases (truncated, padded, flipped or misplaced
proofs, wrong roots and leaves) must be refused. Consistency proofs have no vectors there, so
they are checked against the naive RFC recursion and against systematic tampering.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from supervision import merkle

VECTORS = Path(__file__).resolve().parent.parent / "data" / "merkle-vectors"
VECTOR_FILES = sorted(VECTORS.glob("inclusion/**/*.json"))


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _case(path: Path) -> dict[str, Any]:
    raw = json.loads(path.read_text())
    return {
        "leaf": _b64(raw["leafHash"]),
        "index": raw["leafIdx"],
        "size": raw["treeSize"],
        "proof": [_b64(item) for item in raw["proof"] or []],  # null means no proof
        "root": _b64(raw["root"]),
        "want_err": raw["wantErr"],
    }


def test_every_vector_directory_is_present() -> None:
    # Guards against a partial copy silently shrinking the parametrized test below.
    assert len(VECTOR_FILES) == 98
    assert sum(_case(path)["want_err"] is False for path in VECTOR_FILES) == 6


@pytest.mark.parametrize(
    "path", VECTOR_FILES, ids=[str(p.relative_to(VECTORS)) for p in VECTOR_FILES]
)
def test_inclusion_vector(path: Path) -> None:
    case = _case(path)
    args = (case["leaf"], case["index"], case["size"], case["proof"], case["root"])
    if case["want_err"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(*args)
    else:
        merkle.verify_inclusion(*args)


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(f"entry {i}".encode()) for i in range(n)]


def test_hashes_follow_rfc_9162() -> None:
    assert hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert merkle.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    a, b, c = _leaves(3)
    # Three leaves split 2 + 1, not 1 + 2.
    assert merkle.root_from_leaves([a, b, c]) == merkle.node_hash(merkle.node_hash(a, b), c)


def test_frontier_appends_give_the_reference_root() -> None:
    leaves = _leaves(70)
    frontier: list[bytes] = []
    for size, leaf in enumerate(leaves):
        frontier, _ = merkle.append_leaf(frontier, size, leaf)
        assert merkle.fold_nodes(frontier) == merkle.root_from_leaves(leaves[: size + 1])


@pytest.mark.parametrize("n", range(1, 33))
def test_reference_consistency_proofs_verify(n: int) -> None:
    leaves = _leaves(n)
    root2 = merkle.root_from_leaves(leaves)
    for m in range(0, n + 1):
        proof = merkle.consistency_proof_from_leaves(leaves, m)
        merkle.verify_consistency(m, n, merkle.root_from_leaves(leaves[:m]), root2, proof)


@pytest.mark.parametrize("n", [2, 3, 5, 8, 13, 21])
def test_tampered_consistency_proofs_are_refused(n: int) -> None:
    leaves = _leaves(n)
    root2 = merkle.root_from_leaves(leaves)
    for m in range(1, n):
        root1 = merkle.root_from_leaves(leaves[:m])
        proof = merkle.consistency_proof_from_leaves(leaves, m)
        for bad in _tamperings(proof):
            with pytest.raises(merkle.ProofError):
                merkle.verify_consistency(m, n, root1, root2, bad)
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(m, n, root2, root1, proof)  # roots swapped


def _tamperings(proof: list[bytes]) -> list[list[bytes]]:
    flipped = [
        [*proof[:i], bytes([p[0] ^ 1]) + p[1:], *proof[i + 1 :]] for i, p in enumerate(proof)
    ]
    return [*flipped, proof[:-1], [*proof, proof[-1]], [merkle.EMPTY_ROOT, *proof]]


def test_trivial_consistency_rules() -> None:
    root = merkle.root_from_leaves(_leaves(4))
    merkle.verify_consistency(4, 4, root, root, [])
    merkle.verify_consistency(0, 4, merkle.EMPTY_ROOT, root, [])
    with pytest.raises(merkle.ProofError, match="must be empty"):
        merkle.verify_consistency(4, 4, root, root, [root])
    with pytest.raises(merkle.ProofError, match="different roots"):
        merkle.verify_consistency(4, 4, root, merkle.EMPTY_ROOT, [])
    with pytest.raises(merkle.ProofError, match="smaller size"):
        merkle.verify_consistency(5, 4, root, root, [])


def test_proof_error_carries_a_reason() -> None:
    leaves = _leaves(5)
    with pytest.raises(merkle.ProofError) as caught:
        merkle.verify_inclusion(leaves[0], 0, 5, [], merkle.root_from_leaves(leaves))
    assert caught.value.reason == "inclusion proof is shorter than the path to the root"
