"""`nara ops`: an operator's desk from the console, through the API as the logged-in person.

Every command uses the session of `nara login` (an operator's), so the audit log names
that person. `stuck` lists every case needing a person (a table, or `--json`); `retry`,
`correct-account`, `extend` and `cancel` are the audited actions, each with a reason.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Annotated, Any

import httpx
import typer

from nara.settings import get_settings

ops_app = typer.Typer(
    help="Operators: every stuck case at a glance (`stuck`), and the audited actions that "
    "fix one (`retry`, `correct-account`, `extend`, `cancel`). Log in first as an operator "
    "(`nara login PERSON`).",
    no_args_is_help=True,
)

Reason = Annotated[
    str,
    typer.Option("--reason", "-r", help="Why (5 to 500 characters): it goes to the audit log."),
]


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _call(method: str, path: str, body: dict[str, Any] | None = None, **params: Any) -> Any:
    """One request as the logged-in person, with a spinner; a problem exits with its words."""
    from rich.console import Console

    from nara.wallet import token_file

    saved = token_file.load(get_settings().var_dir / "wallet")
    if saved is None:
        raise _fail("nobody is logged in here: `nara login <operator>` first")

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(base_url=saved.api_url, timeout=90) as http:
            return await http.request(
                method,
                path,
                json=body,
                params={k: v for k, v in params.items() if v is not None},
                headers=saved.headers,
            )

    try:
        with Console(stderr=True).status(f"{method} {path} ..."):
            response = asyncio.run(go())
    except httpx.HTTPError as error:
        raise _fail(f"the API at {saved.api_url} did not answer ({error!r})") from None
    answer = response.json() if response.content else {}
    if response.status_code >= 400:
        field = f" [{answer.get('field')}]" if answer.get("field") else ""
        fix = f"\nfix: {answer['fix']}" if answer.get("fix") else ""
        raise _fail(f"refused ({response.status_code}){field}: {answer.get('detail', answer)}{fix}")
    return answer


def _ago(at: str | None, now: datetime) -> str:
    if not at:
        return ""
    seconds = int((now - datetime.fromisoformat(at)).total_seconds())
    if seconds >= 86400:
        return f"{seconds // 86400} d"
    return f"{seconds // 3600} h" if seconds >= 3600 else f"{seconds // 60} min"


@ops_app.command("stuck")
def stuck(
    as_json: Annotated[bool, typer.Option("--json", help="The whole answer as JSON.")] = False,
    older_than: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Count a person's step as overdue after this many seconds [default: officer "
            "1 day, inspector 14, supplier 10, divided by NARA_TIME_SCALE].",
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many cases.")] = 200,
) -> None:
    """Every case needing a person: people's steps past due, partner calls failing or
    refused, overdue payments with the interest accrued; each with its Web UI link and
    the suggested action (GET /ops/stuck)."""
    from rich.console import Console
    from rich.table import Table

    found = _call("GET", "/ops/stuck", older_than_s=older_than, limit=limit)
    if as_json:
        typer.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    now = datetime.fromisoformat(found["at"])
    table = Table(title=f"{len(found['cases'])} cases needing a person", show_lines=True)
    for column in ("kind", "workflow", "waits for / since", "what is wrong", "do"):
        table.add_column(column, overflow="fold")
    for case in found["cases"]:
        wrong = []
        if case["partner"]:
            wrong.append(f"{case['partner']}")
        if case["attempts"]:
            wrong.append(f"attempt {case['attempts']}")
        if case["last_error"]:
            wrong.append(case["last_error"])
        if case["next_retry"]:
            wrong.append(f"next retry {case['next_retry']}")
        if case["overdue_since"]:
            wrong.append(
                f"overdue {_ago(case['overdue_since'], now)}: {case['amount']:,} KRW, "
                f"interest {case['interest_accrued'] or 0:,} KRW"
            )
        since = case["waiting_since"]
        table.add_row(
            case["kind"],
            f"{case['workflow_id']}\n[link={case['ui_url']}]{case['ui_url']}[/link]",
            f"{case['awaiting_role'] or '-'}" + (f"\n{_ago(since, now)}" if since else ""),
            "\n".join(wrong),
            case["action"] + (f"\n[bold]{case['command']}[/bold]" if case["command"] else ""),
        )
    console = Console()
    console.print(table)
    if found["truncated"]:
        console.print(f"[yellow]more than {limit} cases: fix these first, or raise --limit")


def _done(answer: dict[str, Any]) -> None:
    typer.echo(
        f"{answer['action']} on {answer['workflow_id']} by {answer['person_id']} (audited): "
        f"{answer['note']}"
    )


@ops_app.command("retry")
def retry(
    payment_id: Annotated[str, typer.Argument(help="e.g. payment-C20260012345-00-1")],
    reason: Reason,
) -> None:
    """Transfer now instead of at the next backoff; refused while the bank still fails or
    refuses (it is asked first)."""
    _done(_call("POST", f"/ops/payments/{payment_id}/retry", {"reason": reason}))


@ops_app.command("correct-account")
def correct_account(
    payment_id: Annotated[str, typer.Argument(help="e.g. payment-C20260012345-00-1")],
    account: Annotated[str, typer.Option(help="An account the bank knows.")],
    reason: Reason,
    payee: Annotated[str, typer.Option(help="prime (the contractor) or subcontractor.")] = "prime",
) -> None:
    """Put a payee's account on file (checked at the bank first), then transfer at once."""
    body = {"payee": payee, "account_no": account, "reason": reason}
    _done(_call("POST", f"/ops/payments/{payment_id}/account", body))


@ops_app.command("extend")
def extend(
    notice_no: Annotated[str, typer.Argument(help="e.g. 20260012345-00")],
    deadline: Annotated[datetime, typer.Option(help="New bid deadline, ISO 8601 with zone.")],
    opening: Annotated[datetime, typer.Option(help="New opening, at or after the deadline.")],
    reason: Reason,
) -> None:
    """Move one tender's deadline and opening later (at most 90 days)."""
    body = {"deadline": deadline.isoformat(), "opening_at": opening.isoformat(), "reason": reason}
    _done(_call("POST", f"/ops/tenders/{notice_no}/extend", body))


@ops_app.command("cancel")
def cancel(
    notice_no: Annotated[str, typer.Argument(help="e.g. 20260012345-00")], reason: Reason
) -> None:
    """Cancel one tender before its contract."""
    _done(_call("POST", f"/ops/tenders/{notice_no}/cancel", {"reason": reason}))
