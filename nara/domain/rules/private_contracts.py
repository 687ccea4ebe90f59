"""수의계약: when a contract may be made privately, without competition."""

from __future__ import annotations

from dataclasses import dataclass

from nara.domain.enums import Category
from nara.domain.rules.base import BASELINE, CONSTRUCTION, GOODS_SERVICES, M, RuleRow


@dataclass(frozen=True, kw_only=True)
class PrivateContractRow(RuleRow):
    """수의계약: after failed rounds, or at or below a small-value threshold."""

    categories: frozenset[Category]
    failed_rounds: int
    small_value_max: int  # inclusive


PRIVATE_CONTRACTS: tuple[PrivateContractRow, ...] = (
    PrivateContractRow(
        effective_from=BASELINE,
        categories=GOODS_SERVICES,
        failed_rounds=2,
        small_value_max=20 * M,
        confirmed=False,
        source="Enforcement Decree art. 26 and 27: after a re-announced tender"
        " fails; goods and services up to 20 M",
    ),
    PrivateContractRow(
        effective_from=BASELINE,
        categories=CONSTRUCTION,
        failed_rounds=2,
        small_value_max=160 * M,
        confirmed=False,
        source="Enforcement Decree art. 26: the law allows 400 M (general), 200 M"
        " (specialty), 160 M (other works); we do not know the licence"
        " type, so the lowest applies",
    ),
)
