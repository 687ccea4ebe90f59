"""The demo: a busy procurement week in about two minutes, played through the public API.

Everything goes through HTTP exactly as users would: the demo plays the operators who
register agencies and businesses, the officers who announce, review, award and sign,
the suppliers' agents who get guarantees from the guarantee agency and bid (each bid
confirmed with the agent's passkey, on a software authenticator, over that bid's
document), and the inspectors who accept the work. The bank simulator gets one armed
fault: the first transfer is committed and then times out, and the worker's retry with
the same idempotency key must not pay twice. At least one tender draws a single bid, fails and
is re-announced by its workflow; the demo bids on the new round.

Deadlines are tens of seconds away: the API checks notice periods on a compressed clock
(`NARA_TIME_SCALE`, 20000 in `nara dev`: 7 days are 30 s). Progress is read by polling
`GET /tenders/{notice_no}`; the closing report is `GET /reports/weekly`.

Modules: `api` (HTTP as a person), `cast` (who registers), `partners` (guarantee agency
and bank simulators), `plan` (the week's tenders), `script` (one tender's life),
`progress` (the bars), `report` (the closing figures), `run` (`run_demo`).
"""

from nara.demo.api import DemoError
from nara.demo.partners import BankFault
from nara.demo.report import DemoReport, print_report
from nara.demo.run import run_demo

__all__ = ["BankFault", "DemoError", "DemoReport", "print_report", "run_demo"]
