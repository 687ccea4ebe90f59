"""Tenders, one room per job.

- `reading`: one tender with its live workflow status, a page of tenders, the database clock.
- `announcing`: allocate the notice number, write the row, start the workflow.
- `scheduling`: extend the deadline, cancel.
- `opening_results`: the opening, public once the bids are opened, checkable by anyone.
- `bid_signals`: the signs of lent certificates the opening found (officers, auditors).
- `schedule_check`: the announcement rules a schedule must meet (shared by the two above).
- `models`: the drafts and views these take and answer.
"""
