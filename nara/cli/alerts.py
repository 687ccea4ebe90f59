"""`nara alerts`: personalised alerts as the logged-in agent of a business (the session of
`nara login`): subscribe, list and delete subscriptions, read the notification feed, and
see the open tenders recommended to the business, with the reasons."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import httpx
import typer

from nara.settings import get_settings

alerts_app = typer.Typer(
    help="Personalised alerts of a business: subscriptions, the notification feed, "
    "recommended open tenders. Log in first (`nara login <agent>`).",
    no_args_is_help=True,
)
Business = Annotated[str, typer.Argument(help="The business (123-45-67890).")]


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _call(method: str, path: str, **kwargs: Any) -> Any:
    """One request with the saved session; a refusal exits with the problem's words."""
    from nara.wallet import token_file

    saved = token_file.load(get_settings().var_dir / "wallet")
    if saved is None:
        raise _fail("nobody is logged in here: `nara login <person>` first")

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(base_url=saved.api_url, timeout=30) as http:
            return await http.request(method, path, headers=saved.headers, **kwargs)

    try:
        response = asyncio.run(go())
    except httpx.HTTPError as error:
        raise _fail(f"the API at {saved.api_url} did not answer ({error!r})") from None
    if response.status_code >= 400:
        problem = response.json() if response.content else {}
        field = f" [{problem['field']}]" if problem.get("field") else ""
        fix = f"\nfix: {problem['fix']}" if problem.get("fix") else ""
        errors = "".join(
            f"\n  {e.get('field', '')}: {e.get('message', '')}" for e in problem.get("errors", [])
        )
        detail = problem.get("detail", response.text)
        raise _fail(f"refused ({response.status_code}){field}: {detail}{errors}{fix}")
    return response.json() if response.content else None


def _krw(amount: int | None) -> str:
    return "-" if amount is None else f"{amount:,}"


@alerts_app.command("subscribe")
def subscribe(
    business: Business,
    keyword: Annotated[
        list[str] | None, typer.Option(help="A word of the title (repeat for any of several).")
    ] = None,
    category: Annotated[
        list[str] | None, typer.Option(help="goods, services or construction (repeatable).")
    ] = None,
    region: Annotated[list[str] | None, typer.Option(help="A region (repeatable).")] = None,
    min_amount: Annotated[int | None, typer.Option(min=0, help="Estimated price at least.")] = None,
    max_amount: Annotated[int | None, typer.Option(min=0, help="Estimated price at most.")] = None,
    email: Annotated[str | None, typer.Option(help="Also send each match to this address.")] = None,
    sms: Annotated[str | None, typer.Option(help="Also text each match to this number.")] = None,
) -> None:
    """Subscribe the business to announcements; left out, a criterion means any."""
    if email and sms:
        raise typer.BadParameter("one channel per subscription: --email or --sms")
    channel, address = ("email", email) if email else ("sms", sms) if sms else ("feed", None)
    made = _call(
        "POST",
        f"/businesses/{business}/subscriptions",
        json={
            "keywords": keyword or [],
            "categories": category or [],
            "regions": region or [],
            "min_amount": min_amount,
            "max_amount": max_amount,
            "channel": channel,
            "address": address,
        },
    )
    typer.echo(f"subscription {made['id']} of {business} ({made['channel']})")


@alerts_app.command("list")
def list_subscriptions(business: Business) -> None:
    """The business's subscriptions."""
    found = _call("GET", f"/businesses/{business}/subscriptions")["items"]
    if not found:
        typer.echo(f"{business} has no subscriptions: `nara alerts subscribe {business} ...`")
    for s in found:
        words = ", ".join(s["keywords"]) or "any words"
        typer.echo(
            f"{s['id']:>6}  {words} | {', '.join(s['categories']) or 'any category'} | "
            f"{', '.join(s['regions']) or 'any region'} | "
            f"{_krw(s['min_amount'])}..{_krw(s['max_amount'])} KRW | {s['channel']}"
        )


@alerts_app.command("unsubscribe")
def unsubscribe(business: Business, subscription_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """Delete one of the business's subscriptions."""
    _call("DELETE", f"/businesses/{business}/subscriptions/{subscription_id}")
    typer.echo(f"subscription {subscription_id} deleted")


@alerts_app.command("feed")
def feed(
    business: Business,
    unread: Annotated[bool, typer.Option(help="Only those not marked read.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
    cursor: Annotated[int | None, typer.Option(min=1, help="The page after this id.")] = None,
    mark_read: Annotated[bool, typer.Option(help="Mark the ones shown read.")] = False,
) -> None:
    """The business's notifications, newest first."""
    params: dict[str, Any] = {"limit": limit, "unread": unread}
    if cursor:
        params["cursor"] = cursor
    page = _call("GET", f"/businesses/{business}/notifications", params=params)
    for n in page["items"]:
        seen = " " if n["read_at"] else "*"
        typer.echo(
            f"{seen}{n['id']:>7}  {n['notice_no']}  {n['title']}  "
            f"(bids until {n['deadline']}, {n['estimated_price']:,} KRW)  why: {n['reason']}"
        )
    if not page["items"]:
        typer.echo("no notifications")
    if page["next_cursor"]:
        typer.echo(f"more: --cursor {page['next_cursor']}")
    if mark_read and page["items"]:
        marked = _call(
            "POST",
            f"/businesses/{business}/notifications/read",
            json={"ids": [n["id"] for n in page["items"]]},
        )
        typer.echo(f"{marked['marked']} marked read")


@alerts_app.command("recommend")
def recommend(business: Business, limit: Annotated[int, typer.Option(min=1, max=50)] = 10) -> None:
    """Open tenders for the business, best first, with the reasons."""
    found = _call("GET", f"/businesses/{business}/recommendations", params={"limit": limit})
    if not found["items"]:
        typer.echo("nothing to recommend yet: register licences, a region, or bid")
    for r in found["items"]:
        typer.echo(f"{r['score']:>4}  {r['notice_no']}  {r['title']} ({r['agency_name']})")
        typer.echo(f"      {'; '.join(r['reasons'])}")
