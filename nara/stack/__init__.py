"""`nara dev`: the whole back office on one machine, then the demo.

Order: PostgreSQL (embedded unless DATABASE_URL) -> Alembic upgrade -> Temporal dev server
(unless TEMPORAL_ADDRESS) -> the two partner simulators -> one worker -> the API. Every
service but PostgreSQL is a child process in its own process group, so Ctrl-C reaches
only this process, which then stops the children in reverse order: SIGTERM, and SIGKILL
after a grace period. Full logs go to var/logs/<name>.log; the terminal shows start-up
output and, once the stack is up, warnings and errors.

One module per job:

- `processes`: child processes in their own groups, their logs, stopping them;
- `readiness`: free ports before a start; waiting for an HTTP answer or a polling worker;
- `services`: what each service is started with, and stopping them all (`Stack`);
- `panel`: the "is up" panel with every URL;
- `dev`: the order of it all, the demo, staying up until Ctrl-C (`run_dev`).
"""

from nara.stack.dev import DevOptions, run_dev
from nara.stack.processes import GRACE_S, Child, stop_children
from nara.stack.readiness import StackError
from nara.stack.services import DEMO_TIME_SCALE, Stack

__all__ = [
    "DEMO_TIME_SCALE",
    "GRACE_S",
    "Child",
    "DevOptions",
    "Stack",
    "StackError",
    "run_dev",
    "stop_children",
]
