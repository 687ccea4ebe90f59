"""The opening flags competing bids that share a passkey, a certificate or an address: the real
opening activity in the real workflow, on PostgreSQL. Each flag is stored with the
opening and recorded as an audit event of its own."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from nara.domain.enums import Phase
from nara.store.tables import AuditEvent, OpeningResult, Tender
from nara.workers.main import Partners
from tests.factories import make_registry, tender_terms
from tests.support import sessions
from tests.workflows.helpers import bid, start_tender, wait_bidding_open, wait_phase

LENT = "5c" * 32  # one certificate, used for two businesses' bids
PASSKEY = "cHJveHktcGFzc2tleQ"  # one passkey credential id, confirming two businesses' bids


async def test_the_opening_flags_a_shared_passkey_certificate_and_address(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine,
    partners: Partners,
) -> None:
    reg = await make_registry(db_engine, businesses=4)
    a, b, c, d = reg.businesses
    terms = tender_terms(reg, now=await temporal_env.get_current_time(), notice_days=7)
    handle = await start_tender(temporal_env.client, task_queue, terms)
    await wait_bidding_open(db_engine, terms.notice_no)
    await bid(
        db_engine,
        partners,
        reg,
        terms,
        a,
        91_000_000,
        passkey_credential_id=PASSKEY,
        client_address="198.51.100.4",
    )
    await bid(
        db_engine,
        partners,
        reg,
        terms,
        b,
        92_000_000,
        certificate_fingerprint=LENT,
        client_address="10.9.8.7",
    )
    await bid(
        db_engine,
        partners,
        reg,
        terms,
        c,
        93_000_000,
        certificate_fingerprint=LENT,
        client_address="::ffff:10.9.8.7",
    )
    await bid(
        db_engine,
        partners,
        reg,
        terms,
        d,
        94_000_000,
        passkey_credential_id=PASSKEY,
        client_address="203.0.113.80",
    )

    await temporal_env.sleep(timedelta(days=8))
    await wait_phase(handle, Phase.EVALUATING)

    pair, lent = sorted([b, c]), sorted([a, d])
    async with sessions(db_engine)() as s:
        tender = (
            await s.execute(select(Tender).where(Tender.notice_no == terms.notice_no))
        ).scalar_one()
        stored = await s.get(OpeningResult, tender.id)
        assert stored is not None
        assert [(f["trace"], f["value"], f["business_nos"]) for f in stored.flags["shared"]] == [
            ("passkey", PASSKEY, lent),
            ("certificate", LENT, pair),
            ("address", "10.9.8.7", pair),
        ]
        assert stored.flags["signals"] == [
            f"passkey {PASSKEY} confirmed bids for 2 competing businesses",
            f"certificate {LENT[:16]} was used for bids of 2 competing businesses",
            "address 10.9.8.7 sent bids for 2 competing businesses",
        ]
        events = (
            (
                await s.execute(
                    select(AuditEvent)
                    .where(
                        AuditEvent.entity == f"tender:{terms.notice_no}",
                        AuditEvent.action == "signal-raised",
                    )
                    .order_by(AuditEvent.id)
                )
            )
            .scalars()
            .all()
        )
    assert [(e.actor, e.payload["trace"], e.payload["business_nos"]) for e in events] == [
        ("workflow", "passkey", lent),
        ("workflow", "certificate", pair),
        ("workflow", "address", pair),
    ]
