"""Alerts through the HTTP API: an agent subscribes, an officer announces, the business's
feed shows the match (and only to its agents, in the API and in `nara alerts feed`), and
recommendations give their reasons."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.integration.support import (
    ApiStack,
    announce,
    as_,
    ok,
    operator,
    register,
    wait_for,
)
from tests.integration.test_cli_identity import _nara


def _console_session(var_dir: Path, stack: ApiStack, person: str) -> None:
    """The person's API session where `nara login` keeps it, for `nara alerts`."""
    token = as_(person)["Authorization"].split()[-1]
    (var_dir / "wallet").mkdir(parents=True)
    (var_dir / "wallet" / "session.json").write_text(
        json.dumps(
            {
                "api_url": stack.api_url,
                "person_id": person,
                "role": "supplier",
                "token": token,
                "expires_at": "2100-01-01T00:00:00+00:00",
            }
        )
    )


async def test_a_subscription_feeds_only_its_business_and_recommendations_say_why(
    stack: ApiStack, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
        cast = await register(http, stack, businesses=1, bank_accounts=False)
        rival = await register(http, stack, businesses=1, bank_accounts=False)
        mine, theirs = cast.businesses[0], rival.businesses[0]
        agent, outsider = as_(cast.agents[mine]), as_(rival.agents[theirs])
        op = await operator(http, stack)

        licences = await ok(
            await http.put(
                f"/businesses/{mine}/licences", headers=op, json={"licences": ["토목공사업"]}
            )
        )
        assert [(lic["licence"], lic["category"]) for lic in licences] == [
            ("토목공사업", "construction")
        ]
        refused = await http.post(
            f"/businesses/{mine}/subscriptions",
            headers=agent,
            json={"keywords": ["포장"], "min_amount": 10, "max_amount": 5},
        )
        assert refused.status_code == 422 and "max_amount" in refused.text
        no_address = await http.post(
            f"/businesses/{mine}/subscriptions", headers=agent, json={"channel": "sms"}
        )
        assert no_address.status_code == 422 and "address" in no_address.text
        subscription = await ok(
            await http.post(
                f"/businesses/{mine}/subscriptions",
                headers=agent,
                json={"keywords": ["도로 포장"], "categories": ["construction"]},
            ),
            201,
        )
        assert subscription["keywords"] == ["도로포장"]

        tender = await announce(
            http, cast, title="시도 도로포장 공사", category="construction", notice_s=600
        )
        await wait_for(http, tender["notice_no"], "bidding")

        feed = await ok(await http.get(f"/businesses/{mine}/notifications", headers=agent))
        [item] = feed["items"]
        assert (item["notice_no"], item["status"], feed["next_cursor"]) == (
            tender["notice_no"],
            "feed",
            None,
        )
        assert "keyword 도로포장" in item["reason"]
        assert "matches licence 토목공사업" in item["reason"]

        other = await http.get(f"/businesses/{mine}/notifications", headers=outsider)
        assert (other.status_code, other.json()["missing"]) == (403, "agent")
        anonymous = await http.get(f"/businesses/{mine}/notifications")
        assert (anonymous.status_code, anonymous.json()["missing"]) == (401, "session")
        assert (await ok(await http.get(f"/businesses/{theirs}/notifications", headers=outsider)))[
            "items"
        ] == []

        _console_session(tmp_path, stack, cast.agents[mine])
        shown = _nara(stack, tmp_path, "alerts", "feed", mine, "--mark-read")
        assert shown.returncode == 0, shown.stderr
        assert tender["notice_no"] in shown.stdout and "1 marked read" in shown.stdout

        marked = await ok(
            await http.post(
                f"/businesses/{mine}/notifications/read", headers=agent, json={"ids": [item["id"]]}
            )
        )
        assert marked == {"marked": 0}  # the console marked it already
        unread = await ok(
            await http.get(f"/businesses/{mine}/notifications?unread=true", headers=agent)
        )
        assert unread["items"] == []

        picks = await ok(await http.get(f"/businesses/{mine}/recommendations", headers=agent))
        found = {r["notice_no"]: r for r in picks["items"]}
        assert found[tender["notice_no"]]["reasons"] == ["matches licence 토목공사업"]

        gone = await http.delete(
            f"/businesses/{mine}/subscriptions/{subscription['id']}", headers=agent
        )
        assert gone.status_code == 204
        left = await ok(await http.get(f"/businesses/{mine}/subscriptions", headers=agent))
        assert left["items"] == []
