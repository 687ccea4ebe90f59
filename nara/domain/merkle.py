"""Merkle tree hashing and proofs of RFC 9162 (Certificate Transparency 2.0), section 2.1.

The audit log is a list of entries D[0:n]; its tree hash is MTH(D[n]):

    MTH({})       = SHA-256()
    MTH({d0})     = SHA-256(0x00 || d0)                    the leaf hash
    MTH(D[n])     = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of
                    two smaller than n

The proofs are computed from a `Subtree` function that answers MTH(D[start:end]) for
the ranges the RFC's recursion asks for: `perfect_ranges` are aligned, power-of-two
sized ranges, which the store keeps as nodes, so a proof costs O(log n) reads however
large the log. Verification follows the RFC's algorithms (2.1.3.2 and 2.1.4.2) and uses
nothing but the proof.

Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

Subtree = Callable[[int, int], bytes]
"""MTH(D[start:end]) of the log: (start, end) -> 32 bytes."""

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def is_perfect(start: int, end: int) -> bool:
    """True for a range of 2^l leaves starting at a multiple of 2^l (a stored node)."""
    size = end - start
    return size > 0 and size & (size - 1) == 0 and start % size == 0


def level_of(size: int) -> int:
    """l for a perfect range of 2^l leaves."""
    return size.bit_length() - 1


def subtree_hash(subtree: Subtree, start: int, end: int) -> bytes:
    """MTH(D[start:end]) from perfect ranges only (each a stored node)."""
    if is_perfect(start, end):
        return subtree(start, end)
    k = split(end - start)
    return node_hash(subtree_hash(subtree, start, start + k), subtree_hash(subtree, start + k, end))


def root(subtree: Subtree, size: int) -> bytes:
    """MTH(D[size])."""
    return EMPTY_ROOT if size == 0 else subtree_hash(subtree, 0, size)


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes, computed in memory (for checks and tests)."""
    return root(in_memory(leaves), len(leaves))


def in_memory(leaves: Sequence[bytes]) -> Subtree:
    """A `Subtree` over leaf hashes held in memory (computes each range it is asked)."""

    def mth(start: int, end: int) -> bytes:
        if end - start == 1:
            return leaves[start]
        k = split(end - start)
        return node_hash(mth(start, start + k), mth(start + k, end))

    return mth


# --------------------------------------------------------------------------- inclusion


def inclusion_proof(subtree: Subtree, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) (RFC 9162 2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")

    def path(m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = split(n)
        if m < k:
            return [*path(m, start, start + k), subtree_hash(subtree, start + k, end)]
        return [*path(m - k, start + k, end), subtree_hash(subtree, start, start + k)]

    return path(index, 0, size)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    """RFC 9162 2.1.3.2: does `proof` put `leaf` at `index` of the tree with `root_hash`?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root_hash


# --------------------------------------------------------------------------- consistency


def consistency_proof(subtree: Subtree, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[second]) (RFC 9162 2.1.4.1); empty when first is 0 or second."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to {second}")
    if first in (0, second):
        return []

    def subproof(m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [subtree_hash(subtree, start, end)]
        k = split(n)
        if m <= k:
            return [*subproof(m, start, start + k, whole), subtree_hash(subtree, start + k, end)]
        return [*subproof(m - k, start + k, end, False), subtree_hash(subtree, start, start + k)]

    return subproof(first, 0, second, True)


def verify_consistency(
    first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes
) -> bool:
    """RFC 9162 2.1.4.2: is the tree of `second_root` an extension of `first_root`'s?"""
    if first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first tree is a node of the second
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
