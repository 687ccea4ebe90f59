"""Deadline extension after a KONEPS outage (terms of use, automatic postponement).

- A deadline inside the outage moves to recovery + 2 h, its opening to recovery + 3 h.
- A deadline within 2 h after recovery moves by 2 h, its opening too.
- After an outage longer than 2 h, those deadlines move to recovery + 24 h and
  their openings to recovery + 25 h.
- A new time past working hours (or on a weekend or holiday) moves to the next
  working day at the tender's *original* deadline or opening time, as PPS outage
  notices apply the rule.

Two cases the terms leave open are settled here and documented in docs/rules.md:
a tender whose deadline passed before the outage but whose opening fell inside it
has its opening moved like an affected tender's; and no time is ever moved
earlier than it was, nor an opening to or before its deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from nara.domain.calendar import next_working_time
from nara.domain.clock import format_kst, require_aware
from nara.domain.errors import RuleViolation
from nara.domain.rules import rules_on

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Rescheduled:
    deadline: datetime
    opening_at: datetime
    moved: bool
    reason: str


def _working(new: datetime, original: datetime) -> datetime:
    """Apply the working-hours rule, keeping the original clock time."""
    return next_working_time(new, time_of_day=original.time().replace(tzinfo=None))


def extend_for_outage(
    *, deadline: datetime, opening_at: datetime, outage_start: datetime, recovery: datetime
) -> Rescheduled:
    """New deadline and opening for a tender caught by an outage (unchanged if not caught)."""
    due = require_aware(deadline, "deadline")
    opening = require_aware(opening_at, "opening_at")
    start = require_aware(outage_start, "outage_start")
    back = require_aware(recovery, "recovery")
    if back < start:
        raise RuleViolation(
            rule="outage-window",
            field="recovery",
            value=back.isoformat(),
            accepted=f"at or after the outage start {format_kst(start)}",
            message=(
                f"recovery {format_kst(back)} cannot come before the outage start"
                f" {format_kst(start)}"
            ),
        )
    row = rules_on(start.date()).outage()
    long = back - start > row.long_outage_hours * HOUR
    near_end = back + row.near_window_hours * HOUR
    outage_text = f"outage {format_kst(start)} to {format_kst(back)}"

    if start <= due < back or back <= due <= near_end:
        if long:
            new_due = back + row.long_deadline_after_recovery_hours * HOUR
            new_opening = back + row.long_opening_after_recovery_hours * HOUR
            reason = (
                f"{outage_text} lasted over {row.long_outage_hours} h: deadline moved to"
                f" recovery + {row.long_deadline_after_recovery_hours} h, opening to"
                f" recovery + {row.long_opening_after_recovery_hours} h"
            )
        elif due < back:
            new_due = back + row.deadline_after_recovery_hours * HOUR
            new_opening = back + row.opening_after_recovery_hours * HOUR
            reason = (
                f"deadline fell inside the {outage_text}: moved to recovery +"
                f" {row.deadline_after_recovery_hours} h, opening to recovery +"
                f" {row.opening_after_recovery_hours} h"
            )
        else:
            new_due = due + row.near_shift_hours * HOUR
            new_opening = opening + row.near_shift_hours * HOUR
            reason = (
                f"deadline fell within {row.near_window_hours} h after recovery from the"
                f" {outage_text}: deadline and opening moved by {row.near_shift_hours} h"
            )
    elif due < start and start <= opening < back:
        new_due = due
        offset = row.long_opening_after_recovery_hours if long else row.opening_after_recovery_hours
        new_opening = back + offset * HOUR
        reason = f"opening fell inside the {outage_text}: moved to recovery + {offset} h"
    else:
        return Rescheduled(
            deadline=due,
            opening_at=opening,
            moved=False,
            reason=f"not affected by the {outage_text}",
        )

    working_due = _working(new_due, due) if new_due != due else due
    working_opening = _working(new_opening, opening)
    if working_due != new_due or working_opening != new_opening:
        reason += "; past working hours, so the next working day at the original time"
    new_due = working_due
    new_opening = max(working_opening, opening)
    if new_opening <= new_due:
        # Keep the original gap between deadline and opening (at least an hour).
        new_opening = new_due + max(opening - due, HOUR)
    return Rescheduled(deadline=new_due, opening_at=new_opening, moved=True, reason=reason)
