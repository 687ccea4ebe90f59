"""A negotiated tender through the API: proposals scored, the best total awarded."""

from __future__ import annotations

import httpx

from tests.integration.support import ApiStack, announce, as_, bid, ok, register, wait_for


async def test_officer_scores_proposals_and_awards_the_best_total(stack: ApiStack) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
        # A local agency: its default weights are 80:20 (the national ones 70:30 since
        # 2026-01-02, and its negotiated notice is 40 days).
        cast = await register(http, stack, businesses=3, kind="local")
        cheap, strong, middle = cast.businesses
        tender = await announce(
            http,
            cast,
            notice_s=12,
            method="negotiated",
            estimated_price=95_000_000,
            category="services",
        )
        notice = tender["notice_no"]
        await wait_for(http, notice, "bidding")
        for business, price in ((cheap, 80_000_000), (strong, 100_000_000), (middle, 90_000_000)):
            await ok(await bid(http, stack, cast, notice, business, price), 201)
        await wait_for(http, notice, "evaluating", timeout_s=60)

        officer = as_(cast.officer)
        review = await http.post(
            f"/tenders/{notice}/review",
            headers=officer,
            json={"business_no": cheap, "capability_score": 60},
        )
        assert review.status_code == 409 and "score" in review.json()["detail"]
        unknown = await http.post(
            f"/tenders/{notice}/scores", headers=officer, json={"technical_scores": {"12345": 70}}
        )
        assert unknown.status_code == 422 and "technical_scores" in unknown.json()["field"]

        scored = await ok(
            await http.post(
                f"/tenders/{notice}/scores",
                headers=officer,
                json={"technical_scores": {cheap: 60, strong: 72, middle: 69}},
            ),
            200,
        )
        assert (scored["ranked"], scored["not_eligible"]) == (2, 1)
        assert scored["candidate"]["business_no"] == strong
        award = await ok(
            await http.post(
                f"/tenders/{notice}/award", headers=officer, json={"business_no": strong}
            ),
            200,
        )
        assert award["price"] == 100_000_000
        await wait_for(http, notice, "awarded")
