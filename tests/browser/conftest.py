"""The browser tier: Playwright driving Debian's Chromium, headless, against a stack.

Chromium comes from the distribution (`tests/browser/install-chromium.sh`, run by `make
test`); Playwright never downloads one. Without it every test here is skipped, saying so.
Passkeys are made by Chromium's virtual authenticator (the DevTools protocol's WebAuthn
domain), so the page's own `navigator.credentials` calls run as they would on a device.
The console's API runs on http://localhost:<port>, the origin its passkeys are made for.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from nara.api.app import create_app
from nara.simulators.runner import serve_in_thread
from tests.integration.support import ApiStack, api_settings, as_, ok, running_stack

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def chromium_path() -> str | None:
    """Debian's Chromium, or CHROMIUM if set; None when there is none."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", "chromium"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


def _no_browser() -> str | None:
    if chromium_path() is None:
        return "no chromium: run tests/browser/install-chromium.sh as root (make test does)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = _no_browser()
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class Console:
    """The console's API (origin `url`, passkeys made for it) beside the stack's."""

    url: str
    stack: ApiStack


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
async def stack(
    dev_env: WorkflowEnvironment, db_engine: AsyncEngine, database_url: str
) -> AsyncIterator[ApiStack]:
    async with running_stack(dev_env, db_engine, database_url, name="browser") as stack:
        yield stack


@pytest.fixture(scope="module")
def console(stack: ApiStack) -> Iterator[Console]:
    port = _free_port()
    origin = f"http://localhost:{port}"
    settings = api_settings(stack, WEBAUTHN_ORIGIN=origin, WEBAUTHN_RP_ID="localhost")
    with serve_in_thread(create_app(settings), port=port, startup_timeout_s=20.0):
        yield Console(url=origin, stack=stack)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=["--no-sandbox"]
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def with_passkey_device(browser: Any) -> tuple[Any, Any]:
    """A new browser context and page with a virtual platform authenticator that verifies
    the user (the fingerprint step), as a laptop's sensor would."""
    context = await browser.new_context(locale="ko-KR")
    context.set_default_timeout(10_000)
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    await cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return context, page


async def enrolment_link(http: httpx.AsyncClient, console: Console, person: str) -> str:
    """What `nara console enrol` prints for `person` (logged in with their certificate)."""
    answer = await ok(
        await http.post(f"{console.url}/console/enrolment-links", headers=as_(person)), 201
    )
    link: str = answer["link"]
    return link


UNLABELLED = """() => [...document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button')]
  .filter((e) => e.tagName === 'BUTTON' ? !e.textContent.trim() : e.labels.length === 0)
  .map((e) => e.outerHTML)"""
"""The page's form controls without a label (a button's label is its text)."""


async def press_tab_until(page: Any, element_id: str, *, presses: int = 15) -> None:
    """Move the focus with the Tab key alone until `element_id` has it."""
    for _ in range(presses):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} is not reachable with the Tab key")


async def enrol_and_log_in(
    page: Any,
    http: httpx.AsyncClient,
    console: Console,
    person: str,
    shots: str | None = None,
    *,
    keyboard: bool = False,
) -> None:
    """Open the person's one-time link, enrol a passkey, log in with it: on "my work".
    With `keyboard`, the login is done with the Tab and Enter keys only."""
    await page.goto(await enrolment_link(http, console, person))
    await page.get_by_label("패스키 이름").fill(f"laptop of {person}")
    await page.get_by_role("button", name="패스키 등록").click()
    await page.get_by_text("패스키를 등록했습니다").wait_for()
    if shots:
        await page.screenshot(path=str(SCREENSHOTS / f"{shots}-enrol.png"), full_page=True)
    await page.goto(f"{console.url}/console/login")
    if keyboard:
        await press_tab_until(page, "passkey-login")
        await page.keyboard.press("Enter")
    else:
        await page.get_by_role("button", name="패스키로 로그인").click()
    await page.wait_for_url(f"{console.url}/console")
