"""The open-data feed of a real tender: the workflow and its activities on the time-skipping
server publish one OCDS release per stage, the API serves them, and every release, package
and compiled record passes the official schema and codelists. Nothing sealed is published
before the opening."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from nara.api.app import create_app
from nara.contracts.payment import Inspect
from nara.contracts.tender import CancelTender, ClaimPayment, ExtendDeadline
from nara.domain.enums import Phase
from nara.keys import KeyService
from nara.settings import Settings
from nara.store.ocds import ocid_of
from nara.store.tables import OpeningResult, Tender
from nara.workers.main import Partners
from nara.workflows.payment import PaymentWorkflow
from nara.workflows.tender import TenderWorkflow
from tests.factories import make_registry, tender_terms
from tests.ocds_schema import codelist_errors, needs_schema, package_errors, schema_errors
from tests.support import eventually, sessions
from tests.workflows.helpers import (
    bid,
    guarantee_and_sign,
    review_and_award,
    signed,
    start_tender,
    wait_bidding_open,
    wait_phase,
)

pytestmark = needs_schema


@pytest.fixture
async def api(
    database_url: str, tmp_path: Path, temporal_env: WorkflowEnvironment
) -> AsyncIterator[httpx.AsyncClient]:
    """The API in-process on the session's database (the feed needs no Temporal)."""
    settings = Settings(DATABASE_URL=database_url, NARA_KEY_DIR=str(tmp_path / "api-keys"))
    app = create_app(settings, temporal_client=temporal_env.client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            yield http


async def _follow(http: httpx.AsyncClient, url: str) -> tuple[list[dict[str, Any]], str]:
    """Follow links.next to a page with no release: every release, the last next link."""
    found: list[dict[str, Any]] = []
    while True:
        response = await http.get(url)
        assert response.status_code == 200, response.text
        package = response.json()
        if not package["releases"]:
            return found, url
        assert package_errors(package) == []
        found += package["releases"]
        url = package["links"]["next"]


def _mentions(release: dict[str, Any], amounts: set[int]) -> set[int]:
    text = json.dumps(release)
    return {a for a in amounts if str(a) in text}


async def test_a_tender_publishes_a_valid_release_at_every_stage(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine: AsyncEngine,
    partners: Partners,
    api: httpx.AsyncClient,
    keys: KeyService,
) -> None:
    started = time.monotonic()
    _, start = await _follow(api, "/ocds/releases?limit=50")  # a cursor taken now
    reg = await make_registry(db_engine, businesses=2)
    winner, other = reg.businesses
    await partners.bank.open_account(
        account_no=reg.agency_account, holder="agency", balance=1_000_000_000
    )
    await partners.bank.open_account(account_no=reg.accounts[winner], holder=winner)
    terms = tender_terms(reg, now=await temporal_env.get_current_time(), notice_days=7)
    ocid = ocid_of(terms.notice_no)
    handle = await start_tender(temporal_env.client, task_queue, terms)
    await wait_bidding_open(db_engine, terms.notice_no)
    await handle.signal(
        TenderWorkflow.extend_deadline,
        signed(
            keys,
            handle.id,
            ExtendDeadline(
                deadline=terms.deadline + timedelta(days=2),
                opening_at=terms.deadline + timedelta(days=2, hours=1),
                reason="site briefing added",
                requested_by=reg.officer_id,
            ),
        ),
    )

    async def amended() -> list[dict[str, Any]] | None:
        seen, _ = await _follow(api, start)
        mine = [r for r in seen if r["ocid"] == ocid]
        return mine if len(mine) == 2 else None

    before_bids = await eventually(amended)
    assert [r["tag"] for r in before_bids] == [["planning", "tender"], ["tenderAmendment"]]
    await bid(db_engine, partners, reg, terms, winner, 91_000_000)
    await bid(db_engine, partners, reg, terms, other, 94_000_000)
    await temporal_env.sleep(timedelta(days=10))
    await wait_phase(handle, Phase.EVALUATING)
    await review_and_award(handle, reg, winner)
    contract_no = await guarantee_and_sign(handle, partners, reg, winner, 9_100_000)
    await wait_phase(handle, Phase.CONTRACTED)
    claim = ClaimPayment(
        person_id=reg.agents[winner], business_no=winner, kind="final", amount=91_000_000
    )
    outcome = await handle.execute_update(TenderWorkflow.claim_payment, claim)
    payment = temporal_env.client.get_workflow_handle_for(PaymentWorkflow.run, outcome.workflow_id)
    await payment.execute_update(
        PaymentWorkflow.inspect, Inspect(inspector_id=reg.inspector_id, accepted=True)
    )
    assert (await handle.result()).phase is Phase.COMPLETED

    # The feed, followed on from where it was, holds one release per stage, in order.
    async def completed() -> list[dict[str, Any]] | None:
        seen, _ = await _follow(api, start)
        mine = [r for r in seen if r["ocid"] == ocid]
        return mine if mine and "contractTermination" in mine[-1]["tag"] else None

    releases = await eventually(completed)
    assert [r["tag"] for r in releases] == [
        ["planning", "tender"],
        ["tenderAmendment"],
        ["tenderUpdate"],  # opened: two bids
        ["award"],
        ["contract"],
        ["contractUpdate"],  # signed by both
        ["implementation", "contractTermination"],
    ]
    for release in releases:
        assert schema_errors(release) == [], release["id"]
        assert codelist_errors(release) == [], release["id"]
    assert len({r["id"] for r in releases}) == len(releases)

    # Nothing sealed before the opening: no bid price, reserve price or predetermined price.
    async with sessions(db_engine)() as s:
        opening = (
            await s.execute(
                select(OpeningResult)
                .join(Tender, Tender.id == OpeningResult.tender_id)
                .where(Tender.notice_no == terms.notice_no)
            )
        ).scalar_one()
    sealed = {91_000_000, 94_000_000, *opening.reserve_prices}
    if opening.predetermined_price:
        sealed.add(opening.predetermined_price)
    sealed.discard(terms.estimated_price)  # announced, public
    for release in releases[:2]:
        assert _mentions(release, sealed) == set(), release["tag"]
    assert releases[0]["tender"]["value"] == {"amount": 100_000_000, "currency": "KRW"}
    assert releases[2]["tender"]["numberOfTenderers"] == 2  # who bid: public once opened
    assert {t["id"] for t in releases[2]["tender"]["tenderers"]} == {
        f"business-{winner}",
        f"business-{other}",
    }
    for release in releases[:2]:
        assert winner not in json.dumps(release) and other not in json.dumps(release)
    assert releases[3]["awards"][0]["value"]["amount"] == 91_000_000  # public once opened
    assert reg.officer_id not in json.dumps(releases)  # the reason, not who asked

    # The record: every release and the compiled release, valid; an unknown ocid is 404.
    response = await api.get(f"/ocds/records/{ocid}")
    assert response.status_code == 200, response.text
    (record,) = response.json()["records"]
    assert [r["id"] for r in record["releases"]] == [r["id"] for r in releases]
    compiled = record["compiledRelease"]
    assert schema_errors(compiled) == [] and codelist_errors(compiled) == []
    assert compiled["tender"]["status"] == "complete"
    assert (
        compiled["tender"]["tenderPeriod"]["endDate"]
        == releases[1]["tender"]["tenderPeriod"]["endDate"]
    )
    assert compiled["awards"][0]["status"] == "active"
    (contract,) = compiled["contracts"]
    assert contract["id"] == contract_no and contract["status"] == "terminated"
    assert [t["value"]["amount"] for t in contract["implementation"]["transactions"]] == [
        91_000_000
    ]
    missing = await api.get("/ocds/records/ocds-xxxxxx-19990000001-00")
    assert missing.status_code == 404 and missing.json()["field"] == "ocid"
    bad = await api.get("/ocds/releases", params={"after": "yesterday"})
    assert bad.status_code == 422 and bad.json()["field"] == "query.after"
    print(
        f"\nOCDS lifecycle (7 releases, API and schema checks): {time.monotonic() - started:.1f}s"
    )


async def test_a_cancelled_tender_publishes_its_cancellation(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine: AsyncEngine,
    api: httpx.AsyncClient,
    keys: KeyService,
) -> None:
    reg = await make_registry(db_engine, businesses=1)
    terms = tender_terms(reg, now=await temporal_env.get_current_time(), notice_days=7)
    ocid = ocid_of(terms.notice_no)
    handle = await start_tender(temporal_env.client, task_queue, terms)
    await wait_bidding_open(db_engine, terms.notice_no)
    await handle.signal(
        TenderWorkflow.cancel,
        signed(
            keys, handle.id, CancelTender(reason="budget withdrawn", requested_by=reg.officer_id)
        ),
    )
    assert (await handle.result()).phase is Phase.CANCELLED

    response = await api.get(f"/ocds/records/{ocid}")
    assert response.status_code == 200, response.text
    (record,) = response.json()["records"]
    assert [r["tag"] for r in record["releases"]] == [
        ["planning", "tender"],
        ["tenderCancellation"],
    ]
    for release in [*record["releases"], record["compiledRelease"]]:
        assert schema_errors(release) == [] and codelist_errors(release) == []
    tender = record["compiledRelease"]["tender"]
    assert tender["status"] == "cancelled" and tender["statusDetails"] == "budget withdrawn"


async def test_a_failed_round_is_unsuccessful_and_its_re_announcement_links_back(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    task_queue: str,
    db_engine: AsyncEngine,
    api: httpx.AsyncClient,
    keys: KeyService,
) -> None:
    reg = await make_registry(db_engine, businesses=1)
    terms = tender_terms(reg, now=await temporal_env.get_current_time(), notice_days=7)
    handle = await start_tender(temporal_env.client, task_queue, terms)
    await wait_bidding_open(db_engine, terms.notice_no)
    await temporal_env.sleep(timedelta(days=8))  # no bid: the round fails
    # Queries, not handle.result(): awaiting a result lets the server skip time, and the
    # next round would run past its own deadline meanwhile.
    result = await wait_phase(handle, Phase.FAILED)
    assert result.next_round_notice_no
    round_two = temporal_env.client.get_workflow_handle_for(
        TenderWorkflow.run, f"tender-{result.next_round_notice_no}"
    )
    await wait_phase(round_two, Phase.BIDDING)

    first = (await api.get(f"/ocds/records/{ocid_of(terms.notice_no)}")).json()["records"][0]
    assert [r["tag"] for r in first["releases"]] == [
        ["planning", "tender"],
        ["tenderUpdate"],  # opened: no bid
        ["tenderUpdate"],  # failed
    ]
    assert first["compiledRelease"]["tender"]["status"] == "unsuccessful"
    assert first["compiledRelease"]["tender"]["numberOfTenderers"] == 0
    again = (await api.get(f"/ocds/records/{ocid_of(result.next_round_notice_no)}")).json()
    (announced,) = again["records"][0]["releases"]
    assert announced["relatedProcesses"][0]["identifier"] == ocid_of(terms.notice_no)
    for release in [*first["releases"], first["compiledRelease"], announced]:
        assert schema_errors(release) == [] and codelist_errors(release) == []
    await round_two.signal(
        TenderWorkflow.cancel,
        signed(keys, round_two.id, CancelTender(reason="end of test", requested_by=reg.officer_id)),
    )
    await wait_phase(round_two, Phase.CANCELLED)
