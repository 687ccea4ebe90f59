"""Deadline extension after a system outage (KONEPS terms of use, annex 3)."""

from __future__ import annotations

from dataclasses import dataclass

from nara.domain.rules.base import BASELINE, RuleRow


@dataclass(frozen=True, kw_only=True)
class OutageRow(RuleRow):
    """Deadline extension after a system outage (terms of use, annex 3)."""

    near_window_hours: int  # deadlines this close after recovery are moved too
    deadline_after_recovery_hours: int
    opening_after_recovery_hours: int
    near_shift_hours: int
    long_outage_hours: int  # an outage longer than this is a long outage
    long_deadline_after_recovery_hours: int
    long_opening_after_recovery_hours: int


OUTAGES: tuple[OutageRow, ...] = (
    OutageRow(
        effective_from=BASELINE,
        near_window_hours=2,
        deadline_after_recovery_hours=2,
        opening_after_recovery_hours=3,
        near_shift_hours=2,
        long_outage_hours=2,
        long_deadline_after_recovery_hours=24,
        long_opening_after_recovery_hours=25,
        source="KONEPS terms of use, annex 3 (automatic postponement), as applied in PPS"
        " outage notices: past working hours the next working day at the"
        " original times",
    ),
)
