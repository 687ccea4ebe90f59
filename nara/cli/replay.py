"""`nara replay launch-week`: the real system's first week of volume, through the public API."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from nara.cli.identity import database_url
from nara.settings import get_settings

replay_app = typer.Typer(
    help="Replay a real week of volume through the public API and check nothing was lost.",
    no_args_is_help=True,
)


@replay_app.command("launch-week")
def launch_week(
    scale: Annotated[
        float,
        typer.Option(
            min=0.0005,
            max=1.0,
            help="Share of the real first week: 1 is 7,885 announcements, 0.1 is 789, 0.01 is 79.",
        ),
    ] = 0.01,
    minutes: Annotated[
        float | None,
        typer.Option(
            min=0.05,
            max=120.0,
            help="Real minutes over which the agencies announce [default: one week of the "
            "API's compressed time, 30 s at NARA_TIME_SCALE=20000].",
        ),
    ] = None,
    bids_per_s: Annotated[
        float,
        typer.Option(
            min=0.5,
            max=10_000.0,
            help="Bids per second the stack is expected to take: bidding stays open long "
            "enough for the week's bids at this rate (one API process took 17-18 a second "
            "with the whole stack and the replay on 2 cores; see docs/replay.md).",
        ),
    ] = 15.0,
    seed: Annotated[
        int | None, typer.Option(min=0, help="Seed of the dice, to replay the same week.")
    ] = None,
    api_url: Annotated[
        list[str] | None,
        typer.Option(
            help="The API to drive [default: http://NARA_API_HOST:NARA_API_PORT]. Repeat it "
            "for several API processes (stateless replicas on one database and namespace): "
            "each request goes to the next one in turn."
        ),
    ] = None,
) -> None:
    """Play the launch week at `--scale`, then print the weekly report beside the real
    week's figures and the checks; exit 1 when a check fails or a tender did not finish.

    Agencies of both laws announce goods, services and construction in the week's
    proportions, deadlines piled at 10:00 and 11:00 KST under the 1,500-per-hour cap;
    bidders per tender by category bid sealed and signed through the bidder client; awards,
    guarantees, contracts and payments with subcontractors' shares follow; the bank and the
    guarantee agency answer with latency and a share of faults; an outage is declared at the
    start. The checks read PostgreSQL (DATABASE_URL, else the embedded database), the bank's
    ledger and the API. Needs a running stack (`nara dev --no-demo`) and the simulators'
    admin token (SIMULATOR_ADMIN_TOKEN, else the one `nara dev` keeps). See docs/replay.md.
    """
    from nara.cli import _run_until_stopped
    from nara.demo.cast import OPERATOR
    from nara.domain.enums import Role
    from nara.logs import configure_logging
    from nara.replay import ReplayFailed, run_replay
    from nara.stack.admin_token import existing_admin_token
    from nara.stack.people import add_person_at

    configure_logging()
    settings = get_settings()
    token = existing_admin_token(settings, settings.var_dir)
    if token is None:
        typer.echo(
            "the replay opens bank accounts, arms the partners' faults and reads the bank's "
            "ledger, which needs the simulators' admin token: set SIMULATOR_ADMIN_TOKEN, or "
            "start the stack with `nara dev --no-demo`",
            err=True,
        )
        raise typer.Exit(1)
    with database_url(settings) as url:
        asyncio.run(
            add_person_at(url, person_id=OPERATOR, name="Demo operator", role=Role.OPERATOR)
        )
        try:
            _run_until_stopped(
                run_replay(
                    api_url=api_url or f"http://{settings.api_host}:{settings.api_port}",
                    database_url=url,
                    scale=scale,
                    minutes=minutes,
                    seed=seed,
                    bids_per_s=bids_per_s,
                    simulator_admin_token=token.value,
                )
            )
        except ReplayFailed as failed:
            typer.echo(f"the replay failed: {failed}", err=True)
            raise typer.Exit(1) from failed
