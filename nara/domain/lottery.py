"""Auditable draws from a seed.

Every random choice in the rules (reserve prices, fallback picks, tie lotteries)
comes from SHA-256 over a labelled text, so an auditor can re-run a draw in any
language from the seed the workflow recorded, and no global random state is touched.
"""

from __future__ import annotations

import hashlib


def draw_number(seed: int, label: str) -> int:
    """A 256-bit number fixed by `seed` and `label`: SHA-256 of ``"{label}:{seed}"``."""
    digest = hashlib.sha256(f"{label}:{seed}".encode()).digest()
    return int.from_bytes(digest, "big")


def draw_below(seed: int, label: str, n: int) -> int:
    """A number in ``range(n)``: `draw_number` modulo n (bias below 2**-200 for any n we use)."""
    if n <= 0:
        raise ValueError(f"cannot draw below {n}")
    return draw_number(seed, label) % n
