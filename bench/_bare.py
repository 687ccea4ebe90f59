"""The baseline of bench/bids.py: a bare endpoint doing only the bid transaction.

FastAPI on the same PostgreSQL, served by uvicorn in a child process as `nara api` is:
POST /bare/{notice_no}/bids takes a sealed bid's fields and, in one transaction, reads the
tender row FOR SHARE, asks the database clock whether the deadline has passed and inserts
the bid (one bid per business). No session, no signature, no passkey, no seal check, no
audit entry: what every bid must cost at least, so that the real endpoint's rate can be
given as a ratio of it, measured in the same run on the same machine.

    DATABASE_URL=... python -m uvicorn _bare:app --app-dir bench --port 8123
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from nara.domain.sealing import from_b64url
from nara.store.db import create_engine, session_factory
from nara.store.tables import Bid, Tender


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = create_engine(
        os.environ["DATABASE_URL"],
        pool_size=int(os.environ.get("DB_POOL_SIZE", "10")),
        application_name="bench-bare",
    )
    app.state.sessions = session_factory(engine)
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/bare/{notice_no}/bids", status_code=201)
async def bid(notice_no: str, body: dict[str, Any]) -> dict[str, str]:
    sealed = body["sealed"]
    async with app.state.sessions.begin() as session:
        tender = (
            await session.execute(
                select(Tender).where(Tender.notice_no == notice_no).with_for_update(read=True)
            )
        ).scalar_one()
        now = await session.scalar(select(func.clock_timestamp()))
        if not tender.bidding_open or now >= tender.deadline:
            raise HTTPException(409, "bidding is closed")
        inserted = await session.scalar(
            pg_insert(Bid)
            .values(
                tender_id=tender.id,
                business_no=body["business_no"],
                agent_id=body["agent_id"],
                client_key=body["client_key"],
                submitted_at=now,
                tender_key_id=body["tender_key_id"],
                sealed_enc=from_b64url(sealed["enc"]),
                sealed_price=from_b64url(sealed["price"]),
                sealed_picks=from_b64url(sealed["picks"]),
                sealed_check=from_b64url(sealed["check"]),
            )
            .on_conflict_do_nothing()
            .returning(Bid.id)
        )
    if inserted is None:
        raise HTTPException(409, "already bid")
    return {"id": str(inserted)}
