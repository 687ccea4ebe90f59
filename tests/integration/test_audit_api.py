"""Auditors read the audit log of a tender and verify the whole chain through the API."""

from __future__ import annotations

import httpx

from tests.integration.support import ApiStack, announce, as_, ok, person, register, wait_for


async def test_auditor_reads_a_tenders_events_and_verifies_the_chain(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
        cast = await register(http, stack, businesses=1)
        tender = await announce(http, cast)
        await wait_for(http, tender["notice_no"], "bidding")
        auditor = await person(http, stack, "auditor")

        page = await ok(
            await http.get(
                "/audit/events",
                headers=as_(auditor),
                params={"entity": f"tender:{tender['notice_no']}"},
            )
        )
        actions = [e["action"] for e in page["items"]]
        assert actions[0] == "announcement-requested" and "bidding" in actions
        ids = [e["id"] for e in page["items"]]
        assert ids == sorted(ids)
        assert all(len(e["hash"]) == 64 for e in page["items"])

        check = await ok(await http.get("/audit/verify", headers=as_(auditor)))
        assert check["ok"] and check["first_bad_id"] is None and check["events"] >= len(actions)

        refused = await http.get("/audit/verify", headers=as_(cast.officer))
        assert refused.status_code == 403
        assert "audit" in refused.json()["detail"]
