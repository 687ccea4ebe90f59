"""RFC 9162 hashing and proofs: the published test vectors, and every proof of every tree
up to 40 leaves: roots and inclusion paths equal to pymerkle's (an independent
implementation; its consistency proofs have another format, so ours are checked against
the RFC's vectors and by verification)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymerkle import InmemoryTree

from nara.domain import merkle

# The leaves and roots of the RFC 6962 / 9162 reference test data (certificate-transparency).
LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
HASHES = [merkle.leaf_hash(d) for d in LEAVES]


def test_the_empty_tree_and_the_reference_roots() -> None:
    assert merkle.root_of([]) == hashlib.sha256(b"").digest()
    for n in range(1, 9):
        assert merkle.root_of(HASHES[:n]).hex() == ROOTS[n - 1]


def test_reference_inclusion_and_consistency_proofs() -> None:
    tree = merkle.in_memory(HASHES)
    # RFC test data: inclusion of leaf 0 in a tree of 8, consistency from 1, 4 and 6 to 8.
    assert [p.hex() for p in merkle.inclusion_proof(tree, 0, 8)] == [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]
    assert [p.hex() for p in merkle.consistency_proof(tree, 1, 8)] == [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]
    assert [p.hex() for p in merkle.consistency_proof(tree, 6, 8)] == [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]
    assert [p.hex() for p in merkle.consistency_proof(tree, 4, 8)] == [
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]


@pytest.mark.parametrize("size", range(1, 41))
def test_every_proof_agrees_with_pymerkle_and_verifies(size: int) -> None:
    data = [f"entry {i}".encode() for i in range(size)]
    theirs = InmemoryTree(algorithm="sha256")
    for d in data:
        theirs.append_entry(d)
    leaves = [merkle.leaf_hash(d) for d in data]
    tree = merkle.in_memory(leaves)
    root = merkle.root(tree, size)
    assert root == theirs.get_root(size)
    for index in range(size):
        proof = merkle.inclusion_proof(tree, index, size)
        # pymerkle's path starts with the leaf itself (1-based index); the rest is RFC's.
        path = theirs.prove_inclusion(index + 1, size).serialize()["path"]
        assert [p.hex() for p in proof] == path[1:]
        assert merkle.verify_inclusion(leaves[index], index, size, proof, root)
        assert not merkle.verify_inclusion(merkle.leaf_hash(b"x"), index, size, proof, root)
        if size > 1:
            assert not merkle.verify_inclusion(leaves[index], (index + 1) % size, size, proof, root)
    for first in range(0, size + 1):
        proof = merkle.consistency_proof(tree, first, size)
        first_root = merkle.root(tree, first)
        assert merkle.verify_consistency(first, size, proof, first_root, root)
        if 0 < first < size:
            forged = merkle.root_of([merkle.leaf_hash(b"rewritten"), *leaves[1:first]])
            assert not merkle.verify_consistency(first, size, proof, forged, root)


@given(st.lists(st.binary(max_size=8), min_size=2, max_size=64), st.data())
@settings(max_examples=60, deadline=None)
def test_a_changed_or_reordered_entry_changes_the_root(
    entries: list[bytes], data: st.DataObject
) -> None:
    leaves = [merkle.leaf_hash(e) for e in entries]
    i = data.draw(st.integers(0, len(leaves) - 1))
    j = data.draw(st.integers(0, len(leaves) - 1))
    changed = list(leaves)
    changed[i] = merkle.leaf_hash(entries[i] + b"!")
    assert merkle.root_of(changed) != merkle.root_of(leaves)
    if leaves[i] != leaves[j]:
        swapped = list(leaves)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        assert merkle.root_of(swapped) != merkle.root_of(leaves)
