"""Alerts: one announcement matched against every subscription, indexed against a scan.

A fresh database on PostgreSQL (DATABASE_URL, else an embedded server); no Temporal.
For each size N (10,000 and 100,000 subscriptions by default):

1. Seed N businesses, each with one subscription, in SQL: 90 % with one or two keywords
   from a vocabulary of 180 (items, and place + item), the rest without keywords but with
   a region; half of them with a region, some with a category or an amount ceiling.
2. Announce `--announcements` tenders with titles from the same vocabulary and time the
   matching statement (`nara.store.alerts.match_announcement`) in each announcement's
   transaction, rolled back afterwards (the table stays at N).
3. Baseline: the same statements with index scans switched off (every subscription
   read), on the same tenders.

Reported: p50/p95 ms per announcement for both, the speed-up, and notifications per
announcement. Checks: both plans queue the same notifications; p95 under 50 ms at
10,000 subscriptions.
"""

from __future__ import annotations

import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import _common as c
from sqlalchemy import text

ITEMS = ["도로", "포장", "교량", "하천", "청사", "보수", "전기", "통신", "급식", "조경"]
ITEMS += ["상수도", "하수관", "체육관", "학교", "도서관", "주차장", "가로등", "방음벽"]
PLACES = ["서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종", "수원", "창원"]
PLACES += ["고양", "용인", "청주", "전주", "천안", "포항", "김해", "제주", "춘천", "원주"]
WORDS = ITEMS + [p + i for p in PLACES for i in ITEMS[:8]]

_SEED = text(
    """
INSERT INTO business (business_no, name)
SELECT :prefix || lpad(i::text, 8, '0'), 'Bench business' FROM generate_series(1, :n) i;
"""
)
_SUBSCRIBE = text(
    """
INSERT INTO alert_subscription
    (business_no, created_by, keywords, categories, regions, max_amount, channel)
SELECT :prefix || lpad(i::text, 8, '0'), :officer,
       CASE WHEN r.k < 0.6 THEN ARRAY[w.a]::varchar[]
            WHEN r.k < 0.9 THEN ARRAY[w.a, w.b]::varchar[] ELSE '{}' END,
       CASE WHEN r.c < 0.2 THEN ARRAY['construction']::varchar[] ELSE '{}' END,
       CASE WHEN r.k >= 0.9 OR r.g < 0.5
            THEN ARRAY[(CAST(:places AS varchar[]))[1 + (r.g * 20)::int % 20]]::varchar[]
            ELSE '{}' END,
       CASE WHEN r.m < 0.3 THEN 1000000000 END,
       'feed'
FROM generate_series(1, :n) i,
     LATERAL (SELECT random() + i * 0 AS k, random() AS c, random() AS g, random() AS m) r,
     LATERAL (SELECT (CAST(:words AS varchar[]))[1 + floor(random() * :w)::int + i * 0] AS a,
                     (CAST(:words AS varchar[]))[1 + floor(random() * :w)::int] AS b) w;
"""
)


async def _seed(sessions: Any, n: int) -> tuple[str, str]:
    """N businesses with a subscription each; (the agency, its officer)."""
    from nara.domain.enums import AgencyKind
    from nara.store.tables import Agency, Person

    tag = uuid.uuid4().hex[:6]
    async with sessions.begin() as s:
        s.add(Agency(code=f"B{tag}", name="Bench agency", kind=AgencyKind.NATIONAL))
        await s.flush()
        s.add(Person(id=f"officer-{tag}", name="Officer", role="officer", agency_code=f"B{tag}"))
        await s.flush()
        prefix = f"Z{tag[:3]}"
        await s.execute(_SEED, {"prefix": prefix, "n": n})
        await s.execute(
            _SUBSCRIBE,
            {
                "prefix": prefix,
                "officer": f"officer-{tag}",
                "n": n,
                "words": WORDS,
                "w": len(WORDS),
                "places": PLACES,
            },
        )
    async with sessions.begin() as s:
        await s.execute(text("ANALYZE alert_subscription"))
    return f"B{tag}", f"officer-{tag}"


async def _announce_and_match(
    sessions: Any, agency: tuple[str, str], title: str, region: str, *, scan: bool
) -> tuple[float, int]:
    """One announcement's matching, timed, rolled back; (seconds, notifications)."""
    from nara.domain.enums import AgencyKind, Category, Method
    from nara.store import alerts, tenders

    now = datetime.now(UTC)
    notice = f"2026{uuid.uuid4().int % 9_000_000 + 1_000_000:07d}-00"
    async with sessions() as s, s.begin():
        await tenders.upsert_bidding(
            s,
            tender=tenders.new_tender(
                notice_no=notice,
                agency_code=agency[0],
                agency_kind=AgencyKind.NATIONAL,
                officer_id=agency[1],
                title=title,
                category=Category.CONSTRUCTION,
                method=Method.GENERAL,
                region=region,
                estimated_price=800_000_000,
                base_amount=800_000_000,
                announced_at=now,
                deadline=now + timedelta(days=10),
                opening_at=now + timedelta(days=10, hours=1),
            ),
        )
        if scan:
            await s.execute(text("SET LOCAL enable_indexscan = off"))
            await s.execute(text("SET LOCAL enable_bitmapscan = off"))
        t0 = time.perf_counter()
        queued, _ = await alerts.match_announcement(s, notice_no=notice)
        elapsed = time.perf_counter() - t0
        await s.rollback()
    return elapsed, queued


async def measure(args: Any) -> c.Outcome:
    import random

    from nara.store.db import create_engine, session_factory

    metrics: dict[str, Any] = {}
    checks: dict[str, bool] = {}
    rows: list[tuple[str, str]] = []
    rng = random.Random(20261130)
    titles = [
        (f"{rng.choice(PLACES)} {rng.choice(ITEMS)} {rng.choice(ITEMS)} 공사", rng.choice(PLACES))
        for _ in range(args.announcements)
    ]
    with c.database("alerts") as url:
        engine = create_engine(url, pool_size=2)
        sessions = session_factory(engine)
        try:
            with c.progress() as bar:
                seeded = 0
                for n in sorted(args.sizes):
                    task = bar.add_task(f"{n:,} subscriptions", total=1 + 2 * len(titles), info="")
                    agency = await _seed(sessions, n - seeded)
                    seeded = n
                    bar.update(task, advance=1, info="indexed")
                    indexed, scanned, same = [], [], True
                    queued_total = 0
                    for title, region in titles:
                        took, queued = await _announce_and_match(
                            sessions, agency, title, region, scan=False
                        )
                        indexed.append(took)
                        queued_total += queued
                        bar.update(task, advance=1, info="scan baseline")
                        took, scan_queued = await _announce_and_match(
                            sessions, agency, title, region, scan=True
                        )
                        scanned.append(took)
                        same = same and scan_queued == queued
                        bar.update(task, advance=1)
                    fast, slow = c.latency_summary_ms(indexed), c.latency_summary_ms(scanned)
                    speedup = slow["p50"] / fast["p50"] if fast["p50"] else float("nan")
                    metrics[str(n)] = {
                        "indexed_ms": fast,
                        "scan_ms": slow,
                        "speedup_p50": round(speedup, 1),
                        "notifications_per_announcement": round(queued_total / len(titles), 1),
                    }
                    checks[f"{n:,}: indexed and scan queue the same"] = same
                    if n == 10_000:
                        checks["10,000: p95 under 50 ms"] = fast["p95"] < 50
                    rows += [
                        (
                            f"{n:,} subscriptions: indexed p50/p95",
                            f"{fast['p50']:.1f} / {fast['p95']:.1f} ms",
                        ),
                        (
                            f"{n:,} subscriptions: scan p50/p95",
                            f"{slow['p50']:.1f} / {slow['p95']:.1f} ms",
                        ),
                        (f"{n:,} subscriptions: speed-up (p50)", f"{speedup:.1f}x"),
                        (
                            f"{n:,} subscriptions: notifications each",
                            f"{queued_total / len(titles):.0f}",
                        ),
                        ("", ""),
                    ]
        finally:
            await engine.dispose()
    return c.Outcome(
        params={"sizes": args.sizes, "announcements": args.announcements},
        metrics=metrics,
        table=c.table(
            "Alerts: matching one announcement (one statement, in its transaction)",
            rows[:-1],
            caption="indexed: GIN on keywords (title substrings) + partial index; scan: "
            "index scans off",
        ),
        checks=checks,
    )


def main() -> int:
    p = c.parser(__doc__)
    p.add_argument(
        "-n",
        "--sizes",
        type=c.positive_int,
        nargs="+",
        default=[10_000, 100_000],
        help="numbers of subscriptions",
    )
    p.add_argument(
        "--announcements", type=c.positive_int, default=20, help="announcements per size"
    )
    args = p.parse_args()
    return c.run("alerts", args, lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main())
