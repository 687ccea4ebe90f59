"""Opening sealed bids: the opening activity on N bids, sealed against plain, same process.

A fresh database on PostgreSQL (DATABASE_URL, else an embedded server) and the local key
service (its files in a temporary directory); no Temporal server is needed, the opening
activity (`OpeningSteps.open_bids`) is called as the worker would call it.

For each size N (1,000 and 5,000 by default):

1. Seal N bids to a new tender's key as N bidder clients would (HPKE, in this process;
   timed, not part of the opening), store them as sealed rows, close the tender.
2. Open them: the key service checks the close, unwraps the key, decrypts every bid in
   one batch; each is checked against the rules; the reserve secret is checked against
   its commitment; then the predetermined price, the lower limit and the ranking, all
   written in one transaction.
3. Baseline: the same N bids stored in plain (as before sealing) and opened by the same
   activity with a known seed: everything of step 2 except the decryption.

Reported: seconds to open (sealed and plain) and their ratio, the decryption's share, and
bids sealed per second by a client. Checks: every bid opened with the price it was sealed
with, and N sealed bids open in less than 10 s (the budget for 5,000).
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import _common as c
from sqlalchemy import insert, select, update


async def _tender(sessions: Any, keys: Any, n: int, *, sealed: bool) -> tuple[Any, dict[str, int]]:
    """A closed goods tender with N bids (sealed or plain); (its OpenStep, prices by business)."""
    from nara.contracts.steps import OpenStep
    from nara.contracts.tender import TenderTerms
    from nara.domain import sealing
    from nara.domain.enums import AgencyKind, Category, Method
    from nara.store import tenders
    from nara.store.tables import Agency, Bid, Business, BusinessAgent, Person, Tender

    tag = uuid.uuid4().hex[:8]
    now = datetime.now(UTC)
    seq = int(uuid.uuid4().int % 9_000_000) + 1_000_000
    notice = f"2026{seq:07d}-00"
    estimate = 500_000_000
    terms = TenderTerms(
        notice_no=notice,
        agency_code=f"A{tag}",
        agency_kind=AgencyKind.NATIONAL,
        officer_id=f"officer-{tag}",
        title="Bench: sealed opening",
        category=Category.GOODS,
        method=Method.GENERAL,
        estimated_price=estimate,
        base_amount=estimate,
        announced_at=now - timedelta(days=10),
        deadline=now - timedelta(minutes=5),
        opening_at=now - timedelta(minutes=1),
    )
    businesses = [f"9{tag[:2]}-{i // 100_000 % 100:02d}-{i % 100_000:05d}" for i in range(n)]
    prices = {b: int(estimate * (0.87 + 0.1 * (i % 997) / 997)) for i, b in enumerate(businesses)}
    async with sessions.begin() as s:
        s.add(
            Agency(
                code=terms.agency_code, name="Bench agency", kind="national", account_no=f"AG-{tag}"
            )
        )
        await s.flush()
        s.add(
            Person(
                id=terms.officer_id, name="Officer", role="officer", agency_code=terms.agency_code
            )
        )
        await s.execute(
            insert(Business),
            [{"business_no": b, "name": f"Bench {b}", "account_no": f"BZ-{b}"} for b in businesses],
        )
        await s.execute(
            insert(Person),
            [{"id": f"agent-{b}", "name": b, "role": "supplier"} for b in businesses],
        )
        await s.execute(
            insert(BusinessAgent),
            [{"business_no": b, "person_id": f"agent-{b}"} for b in businesses],
        )
        await tenders.upsert_bidding(
            s,
            tender=tenders.new_tender(
                notice_no=notice,
                agency_code=terms.agency_code,
                agency_kind=terms.agency_kind,
                officer_id=terms.officer_id,
                title=terms.title,
                category=terms.category,
                method=terms.method,
                estimated_price=estimate,
                base_amount=estimate,
                announced_at=terms.announced_at,
                deadline=terms.deadline,
                opening_at=terms.opening_at,
            ),
        )
    key = await keys.make_tender_key(notice_no=notice, actor=terms.officer_id) if sealed else None
    async with sessions.begin() as s:
        tender_id = await s.scalar(select(Tender.id).where(Tender.notice_no == notice))
        rows = []
        for i, b in enumerate(businesses):
            picks = (1 + i % 15, 1 + (i + 7) % 15)
            row: dict[str, Any] = {
                "tender_id": tender_id,
                "business_no": b,
                "agent_id": f"agent-{b}",
                "client_key": f"bench-{b}",
            }
            if key is not None:
                box = sealing.seal_bid(
                    key.public_key, notice_no=notice, business_no=b, price=prices[b], picks=picks
                )
                row |= {
                    "tender_key_id": key.key_id,
                    "sealed_enc": box.enc,
                    "sealed_price": box.price,
                    "sealed_picks": box.picks,
                    "sealed_check": box.check,
                }
            else:
                row |= {"price": prices[b], "reserve_picks": list(picks)}
            rows.append(row)
        await s.execute(insert(Bid), rows)
        await s.execute(
            update(Tender).where(Tender.notice_no == notice).values(deadline=terms.deadline)
        )
        await tenders.close_bidding(s, notice_no=notice)
    step = OpenStep(
        terms=terms,
        reserve_seed=None if sealed else 12345,
        lottery_seed=678,
        reserve_commitment=key.reserve_commitment if key else None,
    )
    return step, prices


async def _opened_prices(sessions: Any, notice: str) -> dict[str, int | None]:
    from nara.store.tables import Bid, Tender

    async with sessions() as s:
        rows = await s.execute(
            select(Bid.business_no, Bid.price)
            .join(Tender, Tender.id == Bid.tender_id)
            .where(Tender.notice_no == notice)
        )
        return {business: price for business, price in rows.all()}


async def measure(args: Any) -> c.Outcome:
    from nara.activities.opening import OpeningSteps
    from nara.domain import sealing
    from nara.keys import KeyService
    from nara.store.db import create_engine, session_factory

    metrics: dict[str, Any] = {}
    checks: dict[str, bool] = {}
    rows: list[tuple[str, str]] = []
    with c.database("sealing") as url, tempfile.TemporaryDirectory() as key_dir:
        engine = create_engine(url, pool_size=4)
        sessions = session_factory(engine)
        keys = KeyService.local(sessions, Path(key_dir))
        opening = OpeningSteps(sessions, keys)
        try:
            with c.progress() as bar:
                for n in args.sizes:
                    task = bar.add_task(f"{n:,} bids", total=4, info="sealing")
                    t0 = time.perf_counter()
                    sealed_step, prices = await _tender(sessions, keys, n, sealed=True)
                    setup_s = time.perf_counter() - t0
                    bar.update(task, advance=1, info="plain baseline rows")
                    plain_step, _ = await _tender(sessions, keys, n, sealed=False)
                    bar.update(task, advance=1, info="opening sealed")
                    t0 = time.perf_counter()
                    summary = await opening.open_bids(sealed_step)
                    sealed_s = time.perf_counter() - t0
                    bar.update(task, advance=1, info="opening plain")
                    t0 = time.perf_counter()
                    await opening.open_bids(plain_step)
                    plain_s = time.perf_counter() - t0
                    bar.update(task, advance=1, info=f"{sealed_s:.2f} s")
                    got = await _opened_prices(sessions, sealed_step.terms.notice_no)
                    # The decryption alone, for its share of the opening.
                    key = await keys.tender_key(notice_no=sealed_step.terms.notice_no)
                    boxes = [
                        (
                            b,
                            sealing.seal_bid(
                                key.public_key,
                                notice_no=sealed_step.terms.notice_no,
                                business_no=b,
                                price=1,
                                picks=(1, 2),
                            ),
                        )
                        for b in list(prices)[: min(n, 1000)]
                    ]
                    t0 = time.perf_counter()
                    await keys.open_tender(
                        notice_no=sealed_step.terms.notice_no, bids=boxes, actor="bench"
                    )
                    decrypt_per_bid = (time.perf_counter() - t0) / len(boxes)
                    metrics[str(n)] = {
                        "open_sealed_s": round(sealed_s, 3),
                        "open_plain_s": round(plain_s, 3),
                        "sealed_over_plain": round(sealed_s / plain_s, 2) if plain_s else None,
                        "decrypt_ms_per_bid": round(decrypt_per_bid * 1000, 3),
                        "client_seal_and_store_s": round(setup_s, 2),
                        "opened": summary.bid_count,
                        "invalid": summary.invalid_count,
                    }
                    checks[f"{n:,} bids opened with the prices sealed"] = got == prices
                    checks[f"{n:,} sealed bids open in less than 10 s"] = sealed_s < 10
                    rows += [
                        (f"{n:,} bids: open sealed", c.fmt_s(sealed_s)),
                        (f"{n:,} bids: open plain (baseline)", c.fmt_s(plain_s)),
                        (
                            f"{n:,} bids: sealed / plain",
                            f"{sealed_s / plain_s:.2f}" if plain_s else "-",
                        ),
                        (f"{n:,} bids: decryption per bid", f"{decrypt_per_bid * 1000:.3f} ms"),
                        ("", ""),
                    ]
        finally:
            await engine.dispose()
    return c.Outcome(
        params={"sizes": args.sizes},
        metrics=metrics,
        table=c.table(
            "Opening sealed bids (the opening activity, one transaction)",
            rows[:-1],
            caption="sealed: key service (close check, unwrap, HPKE open of every bid) + "
            "rules + ranking + writes; plain: the same without decryption",
        ),
        checks=checks,
        notes=["one process, one core: decryption runs in a thread beside the event loop"],
    )


def main() -> int:
    p = c.parser(__doc__)
    p.add_argument(
        "-n",
        "--sizes",
        type=c.positive_int,
        nargs="+",
        default=[1000, 5000],
        help="numbers of bids to open",
    )
    args = p.parse_args()
    return c.run("sealing", args, lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main())
