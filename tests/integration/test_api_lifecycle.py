"""A tender's whole life through the HTTP API: API -> worker -> dev server -> PostgreSQL ->
guarantee agency and bank simulators. Deadlines are seconds away (compressed clock)."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from nara.store.tables import Bid, Payment, Tender
from tests.integration.support import (
    ApiStack,
    announce,
    as_,
    bid,
    contracted,
    issue_guarantee,
    ok,
    person,
    register,
    sessions,
    wait_for,
)
from tests.support import eventually


async def _paid(http: httpx.AsyncClient, payment_id: str, person: str) -> dict:
    detail: dict = {}

    async def paid() -> dict | None:
        nonlocal detail
        detail = await ok(await http.get(f"/payments/{payment_id}", headers=as_(person)), 200)
        return detail if detail["record"] and detail["record"]["status"] == "paid" else None

    return await eventually(
        paid, timeout_s=30, every_s=0.1, what=lambda: f"{payment_id} paid (last: {detail})"
    )


async def test_tender_from_announcement_to_final_payment(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=4)
        winner, second, third, subcontractor = cast.businesses
        tender = await announce(http, cast, estimated_price=100_000_000)
        notice = tender["notice_no"]
        assert tender["phase"] == "announced" and tender["agency_kind"] == "national"
        await wait_for(http, notice, "bidding")

        assert (await bid(http, stack, cast, notice, winner, 88_000_000, (1, 8))).status_code == 201
        assert (
            await bid(http, stack, cast, notice, second, 90_000_000, (8, 15))
        ).status_code == 201
        assert (await bid(http, stack, cast, notice, third, 93_000_000, (4, 8))).status_code == 201

        evaluating = await wait_for(http, notice, "evaluating")
        live = evaluating["live"]
        assert live["bid_count"] == 3
        assert live["candidate"]["business_no"] == winner
        assert live["awaiting_role"] == "officer"

        officer = as_(cast.officer)
        review = await ok(
            await http.post(
                f"/tenders/{notice}/review",
                headers=officer,
                json={"business_no": winner, "capability_score": 70},
            ),
            200,
        )
        assert review["passed"] is True, review
        award = await ok(
            await http.post(
                f"/tenders/{notice}/award", headers=officer, json={"business_no": winner}
            ),
            200,
        )
        assert award["price"] == 88_000_000
        awarded = await wait_for(http, notice, "awarded")
        contract_no = awarded["live"]["contract_no"]

        cert = await issue_guarantee(
            stack,
            kind="performance",
            reference=contract_no,
            business=winner,
            amount=award["performance_guarantee_min"],
            agency_code=cast.agency_code,
        )
        winner_agent = as_(cast.agents[winner])
        posted = await ok(
            await http.post(
                f"/tenders/{notice}/performance-guarantee",
                headers=winner_agent,
                json={"business_no": winner, "certificate_no": cert},
            )
        )
        assert posted["contract_no"] == contract_no
        await ok(
            await http.post(
                f"/tenders/{notice}/sign", headers=winner_agent, json={"business_no": winner}
            )
        )
        signed = await ok(await http.post(f"/tenders/{notice}/sign", headers=officer, json={}))
        assert signed["agency_signed"] and signed["supplier_signed"]
        await wait_for(http, notice, "contracted")

        claim = await ok(
            await http.post(
                f"/tenders/{notice}/payments",
                headers=winner_agent,
                json={"business_no": winner, "kind": "advance", "amount": 26_400_000},
            ),
            201,
        )
        inspected = await ok(
            await http.post(
                f"/payments/{claim['payment_id']}/inspection",
                headers=as_(cast.inspector),
                json={"accepted": True, "note": "advance against the delivery schedule"},
            ),
            200,
        )
        assert inspected["accepted"] is True
        await _paid(http, claim["payment_id"], cast.agents[winner])

        final = await ok(
            await http.post(
                f"/tenders/{notice}/payments",
                headers=winner_agent,
                json={
                    "business_no": winner,
                    "kind": "final",
                    "amount": 61_600_000,
                    "subcontract_amount": 10_000_000,
                    "subcontractor_no": subcontractor,
                },
            ),
            201,
        )
        await ok(
            await http.post(
                f"/payments/{final['payment_id']}/inspection",
                headers=as_(cast.inspector),
                json={"accepted": True},
            ),
            200,
        )
        paid = await _paid(http, final["payment_id"], cast.inspector)
        assert paid["record"]["subcontract_amount"] == 10_000_000
        assert len(paid["record"]["transfer_ids"]) == 2  # prime and subcontractor legs
        assert paid["live"]["payment_id"] == final["payment_id"]
        # The record only, without a workflow query: the same record, no live view.
        path = f"/payments/{final['payment_id']}"
        row = await ok(await http.get(f"{path}?live=false", headers=as_(cast.inspector)), 200)
        assert row["record"] == paid["record"] and row["live"] is None
        assert row["live_note"].startswith("not asked")
        wrong = await http.get(f"{path}?live=maybe", headers=as_(cast.inspector))
        assert wrong.status_code == 422 and "live" in wrong.json()["field"], wrong.text
        done = await wait_for(http, notice, "completed")
        assert done["live"]["paid_total"] == 88_000_000

        async with httpx.AsyncClient(
            base_url=stack.bank_url, headers=stack.simulator_admin_headers
        ) as bank:
            accounts = {
                no: (await bank.get(f"/accounts/BZ-{cast.agency_code[1:]}-{i}")).json()
                for i, no in enumerate(cast.businesses)
            }
        assert accounts[winner]["balance"] == 88_000_000 - 10_000_000
        assert accounts[subcontractor]["balance"] == 10_000_000

        report = await ok(await http.get("/reports/weekly"), 200)
        assert report["announcements"] >= 1 and report["openings"] >= 1
        assert report["awards"]["value"] >= 88_000_000
        assert report["contracts"]["count"] >= 1
        assert report["payments_disbursed"]["subcontract"] >= 10_000_000

    async with sessions(stack.engine)() as session:
        row = (await session.execute(select(Tender).where(Tender.notice_no == notice))).scalar_one()
        assert row.phase == "completed" and not row.bidding_open
        assert len((await session.execute(select(Bid).where(Bid.tender_id == row.id))).all()) == 3
        payments = (
            (await session.execute(select(Payment).where(Payment.contract_no == contract_no)))
            .scalars()
            .all()
        )
        assert {p.status for p in payments} == {"paid"}


async def test_operator_retries_a_transfer_the_bank_refused(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        # The businesses' accounts are on file with us but unknown to the bank.
        cast = await register(http, stack, businesses=2, bank_accounts=False)
        operator = await person(http, stack, "operator")
        notice, _, winner = await contracted(http, stack, cast)
        claim = await ok(
            await http.post(
                f"/tenders/{notice}/payments",
                headers=as_(cast.agents[winner]),
                json={"business_no": winner, "kind": "final", "amount": 88_000_000},
            ),
            201,
        )
        payment_id = claim["payment_id"]
        early = await http.post(f"/payments/{payment_id}/retry", headers=as_(operator))
        assert early.status_code == 409 and "not waiting for an operator" in early.text

        await ok(
            await http.post(
                f"/payments/{payment_id}/inspection",
                headers=as_(cast.inspector),
                json={"accepted": True},
            ),
            200,
        )

        async def awaiting_operator() -> dict | None:
            detail = await ok(await http.get(f"/payments/{payment_id}", headers=as_(operator)), 200)
            live = detail["live"]
            return detail if live and live["awaiting_role"] == "operator" else None

        detail = await eventually(
            awaiting_operator, timeout_s=15, every_s=0.1, what="the payment awaiting an operator"
        )
        assert "does not exist" in detail["live"]["attempts_note"], detail
        refused = await http.post(f"/payments/{payment_id}/retry", headers=as_(cast.officer))
        assert refused.status_code == 403

        async with httpx.AsyncClient(
            base_url=stack.bank_url, headers=stack.simulator_admin_headers
        ) as bank:
            await ok(
                await bank.post(
                    "/accounts",
                    json={
                        "account_no": f"BZ-{cast.agency_code[1:]}-0",
                        "holder": winner,
                        "balance": 0,
                    },
                )
            )
        retried = await ok(
            await http.post(f"/payments/{payment_id}/retry", headers=as_(operator)), 202
        )
        assert "does not exist" in retried["note"]
        paid = await _paid(http, payment_id, operator)
        assert paid["record"]["transfer_ids"]
        await wait_for(http, notice, "completed")
