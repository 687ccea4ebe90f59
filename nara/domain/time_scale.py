"""Compressed time for rehearsals (`NARA_TIME_SCALE` > 1, never in production).

A rehearsal runs the week's rules in minutes: a period the law sets (7 days of notice,
5 business days to pay) passes `scale` times faster. The rules are evaluated as always,
on the calendar the law uses, and only the distance from "now" is compressed or
stretched:

- `compress(now, at, scale)`: when a deadline the law puts at `at` falls in compressed
  time (5 business days from Friday noon, ending Thursday 23:59:59 KST, are 6.5 days:
  28 s at scale 20000);
- `stretch(now, at, scale)`: how far a real moment `at` is in the law's time (31 s after
  `now` count as 7.2 days at scale 20000), so a lateness counts the days of interest the
  law would count.

At scale 1 both answer `at` itself, so code that runs at any scale behaves exactly as
before at scale 1 (the payment workflow relies on this to replay older histories).
"""

from __future__ import annotations

from datetime import datetime, timedelta

STRETCHED = timedelta(days=3650)
"""How far stretched time reaches: ten years, beyond any period of the law. A time
further ahead is moved on by its real remainder, so the order of two times is kept and
the result stays far from datetime's year 9999."""


def compress(now: datetime, at: datetime, scale: int) -> datetime:
    """`at` as it falls when time runs `scale` times faster from `now`."""
    if scale == 1:
        return at
    return now + (at - now) / scale


def stretch(now: datetime, at: datetime, scale: int) -> datetime:
    """`at` as far from `now` as `scale` times its real distance (up to STRETCHED)."""
    if scale == 1 or at <= now:
        return at
    ahead = at - now
    linear = STRETCHED / scale
    if ahead <= linear:
        return now + ahead * scale
    return now + STRETCHED + (ahead - linear)


def lateness_by_law(
    *, due_by_law: datetime, due_at: datetime, paid: datetime, scale: int
) -> datetime:
    """When a payment made at `paid` counts as paid for the law: as late after the law's
    due date `due_by_law` as it was after the compressed due moment `due_at`, stretched."""
    if scale == 1:
        return paid
    if paid <= due_at:
        return due_by_law
    return stretch(due_by_law, due_by_law + (paid - due_at), scale)
