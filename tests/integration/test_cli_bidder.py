"""`nara bidder key|submit|receipt verify`: a supplier's agent bids from the console, each
command a real process against the stack's API; the receipt is checked and kept, and a
receipt changed afterwards does not verify."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from nara.domain.identifiers import NoticeNo
from tests.integration.support import (
    ApiStack,
    announce,
    issue_guarantee,
    ok,
    operator,
    register,
    wait_for,
)
from tests.integration.test_cli_identity import _nara


@pytest.fixture
async def http(stack: ApiStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client:
        yield client


async def test_an_agent_bids_from_the_console_and_verifies_the_receipt(
    http: httpx.AsyncClient, stack: ApiStack, tmp_path: Path
) -> None:
    cast = await register(http, stack, businesses=1)
    (business,) = cast.businesses
    agent = f"agent-cli-{uuid.uuid4().hex[:6]}"
    assert (
        _nara(
            stack, tmp_path, "people", "add", "--id", agent, "--name", "Lee", "--role", "supplier"
        ).returncode
        == 0
    )
    await ok(
        await http.post(
            f"/businesses/{business}/agents",
            headers=await operator(http, stack),
            json={"person_id": agent},
        )
    )
    for args in (("ca", "issue", agent, "--business", business), ("login", agent)):
        done = _nara(stack, tmp_path, *args)
        assert done.returncode == 0, done.stderr
    assert _nara(stack, tmp_path, "passkey", "enrol").returncode == 0

    notice = (await announce(http, cast, notice_s=30.0))["notice_no"]
    await wait_for(http, notice, "bidding")
    shown = _nara(stack, tmp_path, "bidder", "key", notice)
    assert shown.returncode == 0 and "reserve commitment" in shown.stdout, shown.stderr
    cert = await issue_guarantee(
        stack,
        kind="bid",
        reference=NoticeNo.parse(notice).base,
        business=business,
        amount=5_000_000,
        agency_code=cast.agency_code,
    )
    bid = (
        "bidder", "submit", notice, "--business", business, "--price", "96543210",
        "--picks", "4,13", "--guarantee", cert, "--client-key", "console-bid-1",
    )  # fmt: skip
    sent = _nara(stack, tmp_path, *bid)
    assert sent.returncode == 0, sent.stderr
    assert "bid accepted" in sent.stdout and "verified" in sent.stdout
    assert "96543210" not in sent.stdout
    kept = tmp_path / "wallet" / agent / "receipts" / f"{notice}-{business}.json"
    verified = _nara(stack, tmp_path, "bidder", "receipt", "verify", str(kept))
    assert verified.returncode == 0 and "valid: bid" in verified.stdout, verified.stderr

    # Sent again with the same client key: the same receipt; the price never shows.
    again = _nara(stack, tmp_path, *bid)
    assert again.returncode == 0 and "earlier submission" in again.stdout, again.stderr

    other_price = _nara(stack, tmp_path, *bid[:5], "--price", "96543211", *bid[7:])
    assert other_price.returncode == 1 and "used for another bid" in other_price.stderr

    changed = json.loads(kept.read_text())
    changed["receipt"]["accepted_at"] = "2026-01-01T00:00:00+00:00"
    kept.write_text(json.dumps(changed))
    refused = _nara(stack, tmp_path, "bidder", "receipt", "verify", str(kept))
    assert refused.returncode == 1 and "NOT valid" in refused.stderr

    wrong_picks = _nara(stack, tmp_path, "bidder", "submit", notice, "--business", business,
                        "--price", "1", "--picks", "3,3")  # fmt: skip
    assert wrong_picks.returncode == 2 and "two different numbers" in wrong_picks.stderr
