"""What an operator sees in the Temporal Web UI: search attributes, summary, case file.

Runs on the dev server, whose visibility store answers the same queries as the Web UI.
"""

from __future__ import annotations

import httpx
from temporalio.client import Client

from nara.contracts.search import AGENCY_CODE, ESTIMATED_PRICE, NOTICE_NO, TENDER_PHASE
from tests.integration.support import ApiStack, announce, as_, ok, register, wait_for
from tests.support import eventually


async def _ids(client: Client, query: str, expected: int) -> list[str]:
    """Workflow ids matching a visibility query, once the index has caught up."""
    ids: list[str] = []

    async def caught_up() -> bool:
        nonlocal ids
        ids = [w.id async for w in client.list_workflows(query)]
        return len(ids) == expected

    await eventually(
        caught_up,
        timeout_s=15,
        every_s=0.1,
        what=lambda: f"{query!r} finding {expected} (found {ids})",
    )
    return ids


async def test_operator_finds_tenders_by_phase_agency_and_awaited_role(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
        cast = await register(http, stack, businesses=0)
        open_one = await announce(http, cast, notice_s=3600, title="Ambulances for the province")
        dropped = await announce(http, cast, notice_s=3600)
        for tender in (open_one, dropped):
            await wait_for(http, tender["notice_no"], "bidding")
        await ok(
            await http.post(
                f"/tenders/{dropped['notice_no']}/cancel",
                json={"reason": "budget withdrawn"},
                headers=as_(cast.officer),
            ),
            202,
        )
        await wait_for(http, dropped["notice_no"], "cancelled")

    agency = f'AgencyCode = "{cast.agency_code}"'
    client = stack.client
    bidding = await _ids(client, f'{agency} AND TenderPhase = "bidding"', 1)
    assert bidding == [open_one["workflow_id"]]
    cancelled = await _ids(client, f'{agency} AND TenderPhase = "cancelled"', 1)
    assert cancelled == [dropped["workflow_id"]]
    assert (await client.count_workflows(agency)).count == 2

    handle = client.get_workflow_handle(open_one["workflow_id"])
    described = await handle.describe()
    attributes = described.typed_search_attributes
    assert attributes.get(TENDER_PHASE) == "bidding"
    assert attributes.get(NOTICE_NO) == open_one["notice_no"]
    assert attributes.get(AGENCY_CODE) == cast.agency_code
    assert attributes.get(ESTIMATED_PRICE) == 100_000_000
    # The Web UI's summary and the case file ("current details") read like a case.
    assert "Ambulances for the province" in (await described.static_summary() or "")
    metadata = await handle.query("__temporal_workflow_metadata")
    details = metadata.current_details
    assert "Phase **bidding**" in details and open_one["notice_no"] in details
