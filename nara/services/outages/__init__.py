"""Outages, one room per job.

- `declaring`: record an outage that has ended and move the schedules it caught.
- `signals`: after the commit, tell each moved tender's workflow (`ExtendDeadline`).
- `reading`: one declared outage, and a page of them.
- `models`: the views these answer.
"""
