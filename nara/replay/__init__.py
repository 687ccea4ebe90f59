"""The launch week, replayed: the real system's first week of volume, through the public API.

`nara replay launch-week --scale F` plays F of the real first week (7,885 announcements)
on a running stack, as users would: the demo's people (`nara.demo`) log in with
certificates and passkeys, bid sealed and signed through the bidder client, review,
award, sign, claim and inspect. Around them the replay sets the week's shape (`week`:
categories in proportion, bidders per category, deadlines piled at 10:00 and 11:00 KST
under the hourly cap), the partners' latency and faults, and a declared outage at the
start; at the end it prints the weekly report beside the real week's figures and the
checks that nothing was lost (`checks`), and fails when one does not hold.

Modules: `week` (figures, cast, plans), `run` (`run_replay`, progress, report),
`checks` (PostgreSQL, the bank's ledger and the API, read as an auditor would).
"""

from nara.replay.checks import Check
from nara.replay.run import Faults, ReplayFailed, ReplayReport, run_replay

__all__ = ["Check", "Faults", "ReplayFailed", "ReplayReport", "run_replay"]
