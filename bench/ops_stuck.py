"""`nara ops stuck` with many open tenders: visibility queries plus PostgreSQL.

On the dev server: T open tender workflows are started with the search attributes a
tender in bidding carries, and S of each stuck kind (waiting for the officer since two
days ago, a payment the bank refused, a payment whose bank call keeps failing). Nobody
polls their task queue: a workflow's start attributes are indexed at once, which is what
an idle tender looks like to visibility, and none of them moves while it is measured.
Then `nara.services.ops.stuck.list_cases` (the service of GET /ops/stuck and
`nara ops stuck`) is timed R times on a fresh migrated database.

Measured: starts/s, the stuck list's latency (median, max) and the cases it found.
Checks: exactly the planted stuck workflows are listed, none of the open ones.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import _common as c
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from nara.contracts.search import (
    AWAITING_ROLE,
    AWAITING_SINCE,
    NOTICE_NO,
    PARTNER,
    PAYMENT_OVERDUE,
    STUCK_REASON,
    TENDER_PHASE,
)
from nara.domain.enums import Role
from nara.services.actors import Actor
from nara.services.ops import stuck
from nara.store.db import create_engine, session_factory

OPERATOR = Actor(id="bench-operator", name="Bench operator", role=Role.OPERATOR, agency_code=None)


def _attributes(i: int, **extra: object) -> TypedSearchAttributes:
    now = datetime.now(UTC)
    pairs = [
        SearchAttributePair(NOTICE_NO, f"2026{i:07d}-00"),
        SearchAttributePair(TENDER_PHASE, "bidding"),
        SearchAttributePair(AWAITING_SINCE, extra.get("since", now)),  # type: ignore[arg-type]
        SearchAttributePair(PAYMENT_OVERDUE, False),
    ]
    if "role" in extra:
        pairs.append(SearchAttributePair(AWAITING_ROLE, str(extra["role"])))
    if "reason" in extra:
        pairs.append(SearchAttributePair(STUCK_REASON, str(extra["reason"])))
        pairs.append(SearchAttributePair(PARTNER, "bank"))
    return TypedSearchAttributes(pairs)


async def measure(args: object) -> c.Outcome:
    tenders, per_kind, repeat = args.tenders, args.stuck, args.repeat  # type: ignore[attr-defined]
    queue = c.new_queue("ops-stuck")
    run = uuid.uuid4().hex[:6]
    async with c.servers.dev_server() as env:
        client = env.client
        gate = asyncio.Semaphore(64)

        async def start(workflow_id: str, workflow_type: str, attrs: TypedSearchAttributes) -> None:
            async with gate:
                await client.start_workflow(
                    workflow_type, id=workflow_id, task_queue=queue, search_attributes=attrs
                )

        stuck_ids: set[str] = set()
        two_days_ago = datetime.now(UTC) - timedelta(days=2)
        planted = []
        for k in range(per_kind):
            planted.append(
                (
                    f"tender-{run}-waiting-{k}",
                    "TenderWorkflow",
                    _attributes(k, role="officer", since=two_days_ago),
                )
            )
            planted.append(
                (
                    f"payment-C{run}-refused-{k}",
                    "PaymentWorkflow",
                    _attributes(k, role="operator", reason="partner-refused"),
                )
            )
            planted.append(
                (
                    f"payment-C{run}-retrying-{k}",
                    "PaymentWorkflow",
                    _attributes(k, reason="partner-retrying"),
                )
            )
        stuck_ids = {w for w, _, _ in planted}
        began = time.monotonic()
        with c.progress() as bar:
            task = bar.add_task("starting open tenders", total=tenders + len(planted), info="")

            async def one(workflow_id: str, kind: str, attrs: TypedSearchAttributes) -> None:
                await start(workflow_id, kind, attrs)
                bar.advance(task)

            await asyncio.gather(
                *(
                    one(f"tender-{run}-{i}", "TenderWorkflow", _attributes(i))
                    for i in range(tenders)
                ),
                *(one(*p) for p in planted),
            )
        start_s = time.monotonic() - began

        async def indexed() -> bool:
            count = await client.count_workflows(f"TaskQueue = '{queue}'")
            return count.count >= tenders + len(planted)

        await c.eventually(indexed, timeout_s=120, every_s=0.5, what="the visibility index")

        with c.database("ops") as url:
            engine = create_engine(url, pool_size=2, application_name="nara-bench-ops")
            try:
                sessions = session_factory(engine)
                latencies, found = [], None
                for _ in range(repeat):
                    async with sessions() as session:
                        t0 = time.monotonic()
                        found = await stuck.list_cases(
                            session=session,
                            temporal=client,
                            actor=OPERATOR,
                            ui_url="http://localhost:8233",
                            limit=1000,
                        )
                        latencies.append(time.monotonic() - t0)
            finally:
                await engine.dispose()
    assert found is not None
    listed = {case.workflow_id for case in found.cases}
    median = statistics.median(latencies)
    table = c.table(
        "nara ops stuck",
        [
            ("open tenders", f"{tenders:,}"),
            ("stuck planted", f"{len(planted)} ({per_kind} per kind)"),
            ("starts", f"{tenders / start_s:,.0f}/s"),
            ("stuck list, median", c.fmt_s(median)),
            ("stuck list, max", c.fmt_s(max(latencies))),
            ("cases listed", str(len(found.cases))),
        ],
    )
    return c.Outcome(
        params={"tenders": tenders, "stuck_per_kind": per_kind, "repeat": repeat},
        metrics={
            "starts_per_s": round(tenders / start_s, 1),
            "stuck_list_median_s": round(median, 3),
            "stuck_list_max_s": round(max(latencies), 3),
            "cases": len(found.cases),
        },
        table=table,
        checks={"exactly the stuck ones listed": listed == stuck_ids},
        notes=[
            "the partner-retrying ones have no pending activity (no worker): one "
            "describe each is still made and timed"
        ],
    )


def main() -> int:
    p = c.parser(__doc__)
    p.add_argument("-t", "--tenders", type=c.positive_int, default=10_000, help="open tenders")
    p.add_argument("-s", "--stuck", type=c.positive_int, default=20, help="stuck per kind")
    p.add_argument("-r", "--repeat", type=c.positive_int, default=5, help="timed listings")
    args = p.parse_args()
    return c.run("ops_stuck", args, lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main())
