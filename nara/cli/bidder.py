"""`nara bidder`: bid as a supplier's agent from the console, sealed and signed on this machine.

`submit` fetches the tender's public key, seals the price and the two reserve-price picks to
it (HPKE), signs the bid document with the key of `nara ca issue`, confirms it with the
passkey of `nara passkey enrol`, sends it with the session of `nara login`, checks the
server's signed receipt and keeps it in NARA_VAR_DIR/wallet/<person>/receipts/. The sealed
body waits in .../outbox/ so that a retry with the same client key resends the same bytes.
The price never leaves this machine in clear. `receipt verify` checks a kept receipt again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import httpx
import typer

from nara.settings import Settings, get_settings

T = TypeVar("T")

bidder_app = typer.Typer(
    help="Bid from the console: fetch a tender's key, seal, sign, confirm with your passkey, "
    "submit, check and keep the server's signed receipt; verify a receipt later.",
    no_args_is_help=True,
)
receipt_app = typer.Typer(help="Bid receipts: check one the server signed.", no_args_is_help=True)
bidder_app.add_typer(receipt_app, name="receipt")

ApiUrl = Annotated[
    str | None, typer.Option(help="The API [default: the logged-in session's, else NARA_API_*].")
]


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _wallet_dir(settings: Settings) -> Path:
    return settings.var_dir / "wallet"


def _run(api_url: str, call: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    """Run `call(http)`; a refusal or no answer exits with its words."""
    from nara.wallet.bidder import BidFailed, ReceiptInvalid

    async def go() -> T:
        async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
            return await call(http)

    try:
        return asyncio.run(go())
    except BidFailed as failed:
        problem = failed.problem
        field = f" [{problem['field']}]" if problem.get("field") else ""
        fix = f"\nfix: {problem['fix']}" if problem.get("fix") else ""
        raise _fail(f"refused ({failed.status}){field}: {problem.get('detail', '')}{fix}") from None
    except ReceiptInvalid as bad:
        raise _fail(f"the receipt is NOT valid: {bad}") from None
    except httpx.HTTPError as error:
        raise _fail(f"the API at {api_url} did not answer ({error!r}); is `nara dev` up?") from None


def _url(settings: Settings, api_url: str | None) -> str:
    return api_url or f"http://{settings.api_host}:{settings.api_port}"


@bidder_app.command("key")
def key(
    notice_no: Annotated[str, typer.Argument(help="The tender.")], api_url: ApiUrl = None
) -> None:
    """Show the tender's public key and reserve commitment (what bids are sealed to)."""
    from nara.domain import sealing
    from nara.wallet.bidder import fetch_tender_key

    found = _run(_url(get_settings(), api_url), lambda http: fetch_tender_key(http, notice_no))
    typer.echo(f"tender {found.notice_no}: key {found.key_id} ({sealing.SUITE_NAME})")
    typer.echo(f"public key {sealing.b64url(found.public_key)}")
    typer.echo(f"reserve commitment {found.reserve_commitment} (checked at the opening)")


def _parse_picks(text: str) -> list[int]:
    try:
        picks = [int(p) for p in text.split(",")]
    except ValueError:
        raise typer.BadParameter("two numbers 1-15, comma-separated, e.g. 3,11") from None
    if len(picks) != 2 or len(set(picks)) != 2 or not all(1 <= p <= 15 for p in picks):
        raise typer.BadParameter("two different numbers 1-15, comma-separated, e.g. 3,11")
    return picks


@bidder_app.command("submit")
def submit(
    notice_no: Annotated[str, typer.Argument(help="The tender to bid on.")],
    business: Annotated[str, typer.Option(help="The business you bid for (123-45-67890).")],
    price: Annotated[int, typer.Option(min=1, help="The bid price in whole KRW.")],
    picks: Annotated[str, typer.Option(help="Two reserve prices 1-15, e.g. 3,11.")],
    guarantee: Annotated[
        str | None, typer.Option(help="The bid guarantee certificate number.")
    ] = None,
    client_key: Annotated[
        str | None,
        typer.Option(help="Your key for this bid; resending it answers the receipt again."),
    ] = None,
) -> None:
    """Seal, sign, confirm and submit a bid as the logged-in agent; keep the receipt."""
    from nara.wallet import token_file
    from nara.wallet.bidder import (
        body_sha256,
        check_receipt,
        fetch_server_keys,
        fetch_tender_key,
        save_receipt,
        sealed_bid,
        submit_bid,
    )
    from nara.wallet.keys import Credential, write_private
    from nara.wallet.passkeys import SoftwareAuthenticator

    settings = get_settings()
    wallet = _wallet_dir(settings)
    saved = token_file.load(wallet)
    if saved is None:
        raise _fail("nobody is logged in here: `nara login <person>` first")
    try:
        credential = Credential.load(wallet, saved.person_id)
    except FileNotFoundError:
        raise _fail(f"no key and certificate of {saved.person_id}: `nara ca issue` first") from None
    device_path = wallet / saved.person_id / "passkeys.json"
    if not device_path.exists():
        raise _fail(f"{saved.person_id} has no passkey here: `nara passkey enrol` first")
    device = SoftwareAuthenticator(device_path)
    bid = {
        "business_no": business,
        "price": price,
        "reserve_picks": _parse_picks(picks),
        "client_key": client_key or f"cli-{uuid.uuid4().hex}",
        "bid_guarantee_cert": guarantee,
    }

    # The sealed body is kept before it is sent: a retry with the same client key resends
    # these very bytes (HPKE seals differently every time, and the server would see
    # another bid), and never the price in clear.
    outbox = wallet / saved.person_id / "outbox"
    kept_body = outbox / f"{notice_no}-{bid['client_key']}.json"
    intent = hashlib.sha256(json.dumps(bid, sort_keys=True).encode()).hexdigest()

    async def go(http: httpx.AsyncClient) -> tuple[dict[str, Any], Any]:
        if kept_body.exists():
            kept = json.loads(kept_body.read_text())
            if kept["intent_sha256"] != intent:
                raise _fail(
                    f"client key {bid['client_key']} was used for another bid on {notice_no} "
                    "(price, picks, business or guarantee differ); use a new --client-key"
                )
            body = kept["body"]
        else:
            tender_key = await fetch_tender_key(http, notice_no)
            body = sealed_bid(credential, device, tender_key, bid, origin=settings.webauthn_origin)
            outbox.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_private(kept_body, json.dumps({"intent_sha256": intent, "body": body}).encode())
        answer = await submit_bid(http, saved.headers, notice_no, body)
        receipt = check_receipt(
            answer,
            await fetch_server_keys(http),
            notice_no=notice_no,
            bid_sha256=body_sha256(body, notice_no),
        )
        return answer, receipt

    answer, receipt = _run(saved.api_url, go)
    folder = wallet / saved.person_id / "receipts"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    kept = save_receipt(folder / f"{notice_no}-{receipt.business_no}.json", answer)
    again = " (the receipt of your earlier submission)" if answer.get("replayed") else ""
    typer.echo(f"bid accepted{again}: {notice_no} for {receipt.business_no}")
    typer.echo(f"accepted at {receipt.accepted_at.isoformat()} (server time)")
    typer.echo(f"bid hash {receipt.bid_sha256}")
    typer.echo(f"receipt signed by server key {receipt.key_id}: verified; kept in {kept}")


@receipt_app.command("verify")
def verify(
    path: Annotated[Path, typer.Argument(help="A receipt file `nara bidder submit` kept.")],
    api_url: ApiUrl = None,
) -> None:
    """Check a receipt's signature against the server's published keys, and its bid's entry
    in the audit log by an inclusion proof against a signed tree head (exit 1 if either
    fails; an entry not yet sequenced is said, not failed)."""
    from nara.wallet.bidder import (
        check_inclusion,
        check_receipt,
        fetch_server_keys,
        load_receipt,
    )

    try:
        answer = load_receipt(path)
    except (OSError, ValueError) as error:
        raise _fail(f"cannot read {path}: {error}") from None

    async def go(http: httpx.AsyncClient) -> Any:
        receipt = check_receipt(answer, await fetch_server_keys(http))
        inclusion = await check_inclusion(http, receipt, await fetch_server_keys(http, "audit-log"))
        return receipt, inclusion

    receipt, inclusion = _run(_url(get_settings(), api_url), go)
    typer.echo(
        f"valid: bid {receipt.bid_sha256[:16]}… of {receipt.business_no} on "
        f"{receipt.notice_no}, accepted {receipt.accepted_at.isoformat()}, signed by "
        f"{receipt.key_id}"
    )
    if inclusion is None:
        typer.echo("its audit log entry is not sequenced yet: check again in a few seconds")
    else:
        typer.echo(
            f"in the audit log as entry #{inclusion.seq}: proven in the signed tree of "
            f"size {inclusion.tree_size:,} (root {inclusion.root_hash[:16]}…)"
        )
