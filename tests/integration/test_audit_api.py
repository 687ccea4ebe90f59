"""The verifiable audit log through the API on the real stack: auditors read a tender's
entries; anyone reads the signed tree head and proofs; a bid receipt's entry is proven in
the log once sequenced; a kept tree head is consistent with the newer one; the server's
recomputation and `nara audit verify` both find the log whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx

from nara.domain import merkle, receipts, tree_heads
from nara.domain.identifiers import NoticeNo
from nara.testing.polling import eventually
from nara.wallet.bidder import check_inclusion, fetch_server_keys
from tests.integration.support import (
    ApiStack,
    announce,
    as_,
    issue_guarantee,
    keyring,
    ok,
    person,
    register,
    wait_for,
)


async def _head(http: httpx.AsyncClient) -> tree_heads.SignedTreeHead:
    return tree_heads.SignedTreeHead.from_json(await ok(await http.get("/audit/tree-head")))


async def test_auditor_reads_entries_and_anyone_checks_the_log(
    stack: ApiStack, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as http:
        cast = await register(http, stack, businesses=1)
        tender = await announce(http, cast, notice_s=20.0)
        notice = tender["notice_no"]
        await wait_for(http, notice, "bidding")
        auditor = await person(http, stack, "auditor")
        log_keys = await fetch_server_keys(http, "audit-log")
        kept = await eventually(lambda: _head_or_none(http), what=lambda: "a first tree head")
        assert tree_heads.verify(kept, log_keys)

        (business,) = cast.businesses
        cert = await issue_guarantee(
            stack,
            kind="bid",
            reference=NoticeNo.parse(notice).base,
            business=business,
            amount=5_000_000,
            agency_code=cast.agency_code,
        )
        agent = cast.agents[business]
        body = await keyring(stack).bid_body(
            http,
            agent,
            notice,
            {
                "business_no": business,
                "price": 95_000_000,
                "reserve_picks": [2, 7],
                "bid_guarantee_cert": cert,
                "client_key": uuid.uuid4().hex,
            },
        )
        answer = await ok(
            await http.post(f"/tenders/{notice}/bids", json=body, headers=as_(agent)), 201
        )
        receipt = receipts.Receipt.from_dict(answer["receipt"])

        # The sequencer takes the entry within a second or two; then its proof holds.
        inclusion = await eventually(
            lambda: check_inclusion(http, receipt, log_keys),
            timeout_s=15,
            what=lambda: "the bid's entry in the log",
        )
        assert inclusion.tree_size > inclusion.seq >= kept.head.size

        # The log only grew since the head kept before the bid.
        newest = await _head(http)
        proof = await ok(
            await http.get("/audit/proofs/consistency", params={"first": kept.head.size})
        )
        assert proof["second"] == newest.head.size
        assert merkle.verify_consistency(
            kept.head.size,
            newest.head.size,
            [bytes.fromhex(p) for p in proof["proof"]],
            kept.head.root_hash,
            newest.head.root_hash,
        )

        page = await ok(
            await http.get(
                "/audit/events", headers=as_(auditor), params={"entity": f"tender:{notice}"}
            )
        )
        actions = [e["action"] for e in page["items"]]
        assert actions[0] == "announcement-requested" and "bid-submitted" in actions
        assert all(len(e["leaf_hash"]) == 64 for e in page["items"])
        assert "95000000" not in json.dumps(page)  # the entries never hold a price

        check = await ok(await http.get("/audit/verify", headers=as_(auditor)))
        assert check["ok"] and check["problems"] == [] and check["entries"] >= inclusion.seq
        refused = await http.get("/audit/verify", headers=as_(cast.officer))
        assert refused.status_code == 403 and "audit" in refused.json()["detail"]
        private = await http.get("/audit/events")
        assert private.status_code == 401

    # An outside monitor's check: the CLI recomputes everything and keeps the newest head.
    saved = tmp_path / "head.json"
    saved.write_text(json.dumps(kept.as_json()))
    done = _nara_audit(stack, "verify", "--since-tree-head", str(saved), "--save-tree-head",
                       str(tmp_path / "newest.json"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "the audit log verifies" in done.stdout and "only grew" in done.stdout, done.stdout
    assert json.loads((tmp_path / "newest.json").read_text())["size"] >= newest.head.size


async def _head_or_none(http: httpx.AsyncClient) -> tree_heads.SignedTreeHead | None:
    response = await http.get("/audit/tree-head")
    if response.status_code == 404:
        return None
    return tree_heads.SignedTreeHead.from_json(response.json())


def _nara_audit(stack: ApiStack, *args: str) -> subprocess.CompletedProcess[str]:
    env: dict[str, Any] = {
        **os.environ,
        "DATABASE_URL": stack.database_url,
        "NARA_KEY_DIR": str(stack.settings.key_dir),
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "nara", "audit", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
