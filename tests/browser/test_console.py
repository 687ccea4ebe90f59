"""The officers' console in a real browser: an officer's day, and a forbidden action.

Each page is screenshotted under var/screenshots/ (kept out of git) as an artifact.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.browser.conftest import (
    SCREENSHOTS,
    UNLABELLED,
    Console,
    enrol_and_log_in,
    with_passkey_device,
)
from tests.integration.support import (
    announce,
    as_,
    bid,
    issue_guarantee,
    ok,
    register,
    wait_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_an_officers_day_then_an_inspector_accepts_the_claim(
    console: Console, browser: object
) -> None:
    stack = console.stack
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=2)
        winner, second = cast.businesses
        notice = (await announce(http, cast, title="사무용 의자 납품"))["notice_no"]
        await wait_for(http, notice, "bidding")
        await ok(await bid(http, stack, cast, notice, winner, 88_000_000, (1, 8)), 201)
        await ok(await bid(http, stack, cast, notice, second, 91_000_000, (8, 15)), 201)
        await wait_for(http, notice, "evaluating")

        context, page = await with_passkey_device(browser)  # type: ignore[arg-type]
        await enrol_and_log_in(page, http, console, cast.officer, shots="1")
        (cookie,) = [c for c in await context.cookies() if c["name"] == "nara_session"]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert cookie["path"] == "/console" and not await page.evaluate("document.cookie")
        # my work: the tender waits for me, first
        waiting = page.locator("#waiting-tenders")
        await waiting.get_by_role("link", name=notice).wait_for()
        await page.screenshot(path=str(SCREENSHOTS / "2-my-work.png"), full_page=True)
        await waiting.get_by_role("link", name=notice).click()
        await page.wait_for_url(re.compile(f"/console/tenders/{notice}$"))
        # the ranking with the predetermined price, the bids as a count in the timeline
        assert (await page.locator("#predetermined-price").inner_text()).strip()
        assert "2" in await page.locator("#timeline").inner_text()
        await page.screenshot(path=str(SCREENSHOTS / "3-tender-review.png"), full_page=True)
        assert await page.evaluate(UNLABELLED) == []

        # a refused form shows the API's problem next to its field
        await page.get_by_label("수행능력 점수 (0–100)").fill("101")
        await page.get_by_role("button", name="심사 결과 보내기").click()
        await page.locator("#err-capability_score").wait_for()
        # approve the candidate: the review passes, then the award
        await page.get_by_label("수행능력 점수 (0–100)").fill("70")
        await page.locator("#form-review").get_by_label("사유").fill("실적과 재무 상태 양호")
        await page.get_by_role("button", name="심사 결과 보내기").click()
        await page.get_by_role("button", name="낙찰자로 승인").click()
        await page.locator("#form-award").wait_for(state="detached")
        contract_no = (await wait_for(http, notice, "awarded"))["live"]["contract_no"]

        # the winner posts its guarantee and signs through the API
        cert = await issue_guarantee(
            stack,
            kind="performance",
            reference=contract_no,
            business=winner,
            amount=8_800_000,
            agency_code=cast.agency_code,
        )
        agent = as_(cast.agents[winner])
        body = {"business_no": winner, "certificate_no": cert}
        await ok(
            await http.post(f"/tenders/{notice}/performance-guarantee", headers=agent, json=body)
        )
        await ok(
            await http.post(f"/tenders/{notice}/sign", headers=agent, json={"business_no": winner})
        )

        # sign the contract in the console
        await page.goto(f"{console.url}/console")
        await page.locator("#waiting-signatures").get_by_role("link", name=notice).click()
        await page.screenshot(path=str(SCREENSHOTS / "4-tender-sign.png"), full_page=True)
        await page.get_by_role("button", name="기관을 대표해 서명").click()
        await page.locator("#form-sign").wait_for(state="detached")
        await wait_for(http, notice, "contracted")
        await page.get_by_role("link", name="주간 통계").click()
        await page.locator("#chart").wait_for()
        assert await page.locator("#daily tbody tr").count() == 7
        await page.screenshot(path=str(SCREENSHOTS / "5-weekly.png"), full_page=True)
        await context.close()

        # the winner claims the whole price; the agency's inspector accepts it
        claim = await ok(
            await http.post(
                f"/tenders/{notice}/payments",
                headers=agent,
                json={"business_no": winner, "kind": "final", "amount": 88_000_000},
            ),
            201,
        )
        context, page = await with_passkey_device(browser)  # type: ignore[arg-type]
        await enrol_and_log_in(page, http, console, cast.inspector)
        await page.goto(f"{console.url}/console?lang=en")
        claims = page.locator("#waiting-inspections")
        await claims.get_by_role("link", name=claim["payment_id"]).click()
        await page.screenshot(path=str(SCREENSHOTS / "6-inspection.png"), full_page=True)
        assert await page.evaluate(UNLABELLED) == []
        await page.get_by_label("Accept").check()
        await page.get_by_label("Reason").fill("Delivered as ordered")
        await page.get_by_role("button", name="Send the inspection").click()
        await page.get_by_text("Done.").wait_for()
        await page.screenshot(path=str(SCREENSHOTS / "7-inspected.png"), full_page=True)
        assert await page.locator("#form-inspect").count() == 0
        await context.close()


async def test_a_forbidden_action_is_absent_and_refused_if_posted_anyway(
    console: Console, browser: object
) -> None:
    stack = console.stack
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as http:
        cast = await register(http, stack, businesses=1)
        notice = (await announce(http, cast, notice_s=600))["notice_no"]
        await wait_for(http, notice, "bidding")

        context, page = await with_passkey_device(browser)  # type: ignore[arg-type]
        await enrol_and_log_in(page, http, console, cast.inspector, keyboard=True)
        await page.goto(f"{console.url}/console/tenders/{notice}")
        # the inspector sees the tender but none of the officer's actions
        assert await page.locator("#actions form").count() == 0
        csrf = await page.locator('meta[name="csrf-token"]').get_attribute("content")
        posted = await page.request.post(
            f"{console.url}/console/tenders/{notice}/cancel",
            form={"csrf": csrf or "", "reason": "not mine to cancel"},
        )
        assert posted.status == 403
        assert (await posted.json())["missing"] == "role"
        # a page the gate refuses is a page too, with the API's words
        unknown = await page.goto(f"{console.url}/console/tenders/20269999999-00")
        assert unknown is not None and unknown.status == 404
        await page.locator("#problem").get_by_text("20269999999-00").wait_for()
        await context.close()

        # the officer may cancel, but not without the form's CSRF token
        context, page = await with_passkey_device(browser)  # type: ignore[arg-type]
        await enrol_and_log_in(page, http, console, cast.officer)
        await page.goto(f"{console.url}/console/tenders/{notice}")
        assert await page.locator("#form-cancel").count() == 1
        forged = await page.request.post(
            f"{console.url}/console/tenders/{notice}/cancel",
            form={"reason": "a forged form"},
        )
        assert forged.status == 403
        assert (await forged.json())["field"] == "csrf"
        # logging out ends the session: the pages send the browser to the login page
        await page.get_by_role("button", name="로그아웃").click()
        await page.wait_for_url(f"{console.url}/console/login")
        await page.goto(f"{console.url}/console")
        assert page.url == f"{console.url}/console/login"
        await context.close()
        live = (await ok(await http.get(f"/tenders/{notice}")))["live"]
        assert live["phase"] == "bidding"
