"""The `nara` command: the embedded stack, its services one by one, the demo, the database."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import signal
import sys
from collections.abc import Awaitable
from pathlib import Path
from typing import Annotated, Any

import typer

from nara.cli import alerts, audit, bidder, console, identity, ops, passkeys, replay, seed
from nara.settings import get_settings

app = typer.Typer(
    name="nara",
    help=(
        "Nara back office: tenders as Temporal workflows, PostgreSQL as the system of record.\n\n"
        "Start here: `nara dev` runs everything on this machine and plays the demo. "
        "Configuration comes from environment variables (see the README)."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
)
db_app = typer.Typer(help="The database schema (Alembic migrations).", no_args_is_help=True)
simulators_app = typer.Typer(
    help="Partner simulators: a guarantee agency, a bank and a certificate authority, as "
    "small HTTP services.",
    no_args_is_help=True,
)
temporal_app = typer.Typer(
    help="The Temporal namespace the back office uses.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(temporal_app, name="temporal")
app.add_typer(simulators_app, name="simulators")


def _run_until_stopped(work: Awaitable[Any]) -> Any:
    """Run `work` until it ends or SIGTERM/Ctrl-C arrives; then cancel it and let it clean up."""

    async def main() -> Any:
        task = asyncio.ensure_future(work)
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
        try:
            return await task
        except asyncio.CancelledError:
            if task.cancelled():  # stopped by SIGTERM: a normal way to end
                return None
            raise

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


@app.command()
def dev(
    demo: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Play the demo week once the stack is up.")
    ] = True,
    exit_after_demo: Annotated[
        bool,
        typer.Option(
            "--exit-after-demo",
            help="Stop the stack after the demo's report (with --no-demo: once it is up).",
        ),
    ] = False,
    tenders: Annotated[
        int | None, typer.Option(min=1, help="How many tenders the demo announces.")
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Echo every log line, not only warnings and errors."),
    ] = False,
    time_scale: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="NARA_TIME_SCALE for the services: notice periods and payment deadlines "
            "pass this many times faster [default: NARA_TIME_SCALE if set, else 20000].",
        ),
    ] = None,
) -> None:
    """Run the whole back office on this machine, then the demo.

    Starts, in order: PostgreSQL (embedded, data in var/postgres, unless DATABASE_URL is
    set), the schema upgrade, the Temporal dev server (history in var/temporal.db, Web UI on
    http://localhost:8233, unless TEMPORAL_ADDRESS is set), the guarantee-agency and bank
    simulators, one worker and the API (http://localhost:8000/docs). The stack stays up
    until Ctrl-C, which stops every process it started. State in var/ survives restarts.
    """
    from nara.logs import configure_logging
    from nara.stack import DevOptions, run_dev

    configure_logging()
    options = DevOptions(
        demo=demo,
        exit_after_demo=exit_after_demo,
        tenders=tenders,
        verbose=verbose,
        time_scale=time_scale,
    )
    code = _run_until_stopped(run_dev(options))
    raise typer.Exit(code or 0)


@app.command()
def worker() -> None:
    """Run a worker: executes tender and payment workflows and their activities.

    Needs DATABASE_URL and TEMPORAL_ADDRESS (or the embedded defaults of `nara dev`).
    Stateless: run as many as the load needs. SIGTERM finishes running tasks, then exits.
    With WORKER_METRICS_ADDRESS (host:port) it serves Prometheus metrics there: the
    Temporal SDK's and its partner calls'.
    """
    from nara.logs import configure_logging
    from nara.workers.main import run_worker

    configure_logging()
    _run_until_stopped(run_worker(get_settings()))


@app.command()
def api(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind [default: NARA_API_HOST].")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: NARA_API_PORT].")] = None,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes.")] = 1,
) -> None:
    """Serve the HTTP API with uvicorn (OpenAPI docs at /docs).

    Stateless: it reads PostgreSQL and talks to Temporal, so any number of replicas may run.
    With --workers > 1 the processes share their metrics through PROMETHEUS_MULTIPROC_DIR
    (a fresh temporary directory unless set), so /metrics counts them all.
    """
    import uvicorn

    from nara.logs import configure_logging
    from nara.metrics import prepare_multiprocess

    configure_logging()
    settings = get_settings()
    prepare_multiprocess(workers)
    uvicorn.run(
        "nara.api.app:create_app",
        factory=True,
        host=host or settings.api_host,
        port=port or settings.api_port,
        workers=workers,
        log_config=None,  # keep our structlog set-up
        proxy_headers=False,  # the app believes X-Forwarded-For of TRUSTED_PROXIES only
    )


@app.command("demo")
def demo_command(
    tenders: Annotated[
        int | None, typer.Option(min=1, help="How many tenders the agencies announce.")
    ] = None,
    api_url: Annotated[
        str | None,
        typer.Option(help="The API to drive [default: http://NARA_API_HOST:NARA_API_PORT]."),
    ] = None,
    incidents: Annotated[
        bool,
        typer.Option(
            "--incidents",
            help="Instead of the week, leave three stuck cases for operators to practise "
            "on: a tender waiting for its officer, a payment the bank refused, and one whose "
            "bank is down (the bank simulator's transfers stay in an outage until its "
            "faults are cleared). Then `nara ops stuck`.",
        ),
    ] = False,
) -> None:
    """Play a busy procurement week through the public API, and print its report.

    Agencies announce tenders, businesses bid, officers approve, winners post guarantees,
    contracts are signed and payments made; everyone logs in with a certificate from the
    CA (CA_URL). Needs a running stack (`nara dev --no-demo`) and the simulators' admin
    token: SIMULATOR_ADMIN_TOKEN, else the one `nara dev` keeps in
    NARA_VAR_DIR/simulators/admin-token. Registers the demo's operator from the console
    first (DATABASE_URL, else the embedded database).
    """
    from nara.demo import run_demo
    from nara.demo.cast import OPERATOR
    from nara.domain.enums import Role
    from nara.logs import configure_logging
    from nara.stack.admin_token import existing_admin_token
    from nara.stack.people import add_person_at

    configure_logging()
    settings = get_settings()
    token = existing_admin_token(settings, settings.var_dir)
    if token is None:
        typer.echo(
            "the demo opens bank accounts and arms a bank fault, which needs the simulators' "
            "admin token: set SIMULATOR_ADMIN_TOKEN, or start the stack with "
            "`nara dev --no-demo`, which keeps it in NARA_VAR_DIR/simulators/admin-token",
            err=True,
        )
        raise typer.Exit(1)
    with identity.database_url(settings) as url:
        asyncio.run(
            add_person_at(url, person_id=OPERATOR, name="Demo operator", role=Role.OPERATOR)
        )
    kwargs: dict[str, Any] = {
        "api_url": api_url or f"http://{settings.api_host}:{settings.api_port}",
        "simulator_admin_token": token.value,
    }
    if tenders is not None:
        kwargs["tenders"] = tenders
    if incidents:
        kwargs["incidents"] = True
    _run_until_stopped(run_demo(**kwargs))


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    database_url: Annotated[
        str | None,
        typer.Option(
            envvar="DATABASE_URL",
            help="PostgreSQL URL; unset means the embedded server under NARA_VAR_DIR.",
        ),
    ] = None,
) -> None:
    """Bring the database schema up to date (Alembic upgrade)."""
    from nara.store.migrate import upgrade

    if database_url:
        upgrade(database_url, revision)
        typer.echo(f"database upgraded to {revision}")
        return
    from nara import embedded

    url, server = embedded.ensure_postgres(get_settings().var_dir)
    try:
        upgrade(url, revision)
        typer.echo(f"embedded database upgraded to {revision} ({server.pgdata})")
    finally:
        server.stop()  # leaves a server alone that a running `nara dev` owns


@temporal_app.command("setup")
def temporal_setup(
    wait: Annotated[
        float, typer.Option(min=0, help="Seconds to keep retrying while Temporal starts up.")
    ] = 60.0,
) -> None:
    """Register the project's search attributes in TEMPORAL_NAMESPACE (idempotent).

    Run once per cluster before the first worker starts (the worker refuses to start
    without them). The embedded dev server of `nara dev` needs no setup.
    """
    from nara.temporal import connect, missing_search_attributes, register_search_attributes

    async def setup() -> list[str] | str:
        settings = get_settings()
        deadline = asyncio.get_running_loop().time() + wait
        while True:
            try:
                client = await connect(settings)
                await register_search_attributes(client)
                return await missing_search_attributes(client)
            except Exception as exc:  # Temporal still starting: retry until the deadline
                if asyncio.get_running_loop().time() > deadline:
                    where = settings.temporal_address or f"127.0.0.1:{settings.temporal_dev_port}"
                    return f"Temporal at {where} did not answer: {exc}"
                await asyncio.sleep(2)

    outcome = _run_until_stopped(setup())
    if isinstance(outcome, str):
        typer.echo(outcome, err=True)
        raise typer.Exit(1)
    if outcome:
        typer.echo(f"still missing: {', '.join(outcome)}", err=True)
        raise typer.Exit(1)
    typer.echo("search attributes registered")


def _simulator(
    kind: str,
    default_url: str,
    host: str | None,
    port: int | None,
    ledger: Path | None,
    admin_token: str | None,
    extra: tuple[str, ...] = (),
) -> None:
    from urllib.parse import urlsplit

    from nara.stack.admin_token import ENV_VAR
    from nara.stack.admin_token import admin_token as kept_token

    if importlib.util.find_spec("nara.simulators.__main__") is None:
        typer.echo("the simulators are not installed in this version", err=True)
        raise typer.Exit(1)
    settings = get_settings()
    url = urlsplit(default_url)
    ledger = ledger or settings.var_dir / "simulators" / f"{kind}.sqlite3"
    ledger.parent.mkdir(parents=True, exist_ok=True)
    if admin_token:
        token, source = admin_token, "--admin-token"
    else:
        kept = kept_token(settings, settings.var_dir)
        token, source = kept.value, kept.source
    typer.echo(f"admin routes need Authorization: Bearer <token>; the token: {source}", err=True)
    argv = [sys.executable, "-m", "nara.simulators", kind,
            "--host", host or url.hostname or "127.0.0.1",
            "--port", str(port or url.port or 0),
            "--ledger", str(ledger), *extra]  # fmt: skip
    sys.stdout.flush()
    sys.stderr.flush()
    # the token goes in the environment: a command line is visible to every local user
    env = {**os.environ, ENV_VAR: token}
    os.execve(sys.executable, argv, env)  # the simulator owns this process (and its signals)


_HOST = typer.Option(help="Interface to bind [default: from the service URL setting].")
_PORT = typer.Option(help="Port [default: from the service URL setting].")
_LEDGER = typer.Option(help="SQLite ledger file [default: var/simulators/<name>.sqlite3].")
_ADMIN_TOKEN = typer.Option(
    help="Bearer token of the admin routes (/_faults, /_ledger, bank POST /accounts) "
    "[default: SIMULATOR_ADMIN_TOKEN, else the token kept in "
    "NARA_VAR_DIR/simulators/admin-token, made on first use]. Prefer the setting: a "
    "command line is visible to other users of the machine.",
    show_default=False,
)


@simulators_app.command("guarantee")
def simulators_guarantee(
    host: Annotated[str | None, _HOST] = None,
    port: Annotated[int | None, _PORT] = None,
    ledger: Annotated[Path | None, _LEDGER] = None,
    admin_token: Annotated[str | None, _ADMIN_TOKEN] = None,
) -> None:
    """Guarantee-agency simulator: bid, performance, advance-payment and defect guarantees.

    Listens where GUARANTEE_AGENCY_URL points; honours idempotency keys; faults on demand.
    The admin routes need the admin token (SIMULATOR_ADMIN_TOKEN or --admin-token).
    """
    _simulator("guarantee", get_settings().guarantee_agency_url, host, port, ledger, admin_token)


@simulators_app.command("bank")
def simulators_bank(
    host: Annotated[str | None, _HOST] = None,
    port: Annotated[int | None, _PORT] = None,
    ledger: Annotated[Path | None, _LEDGER] = None,
    admin_token: Annotated[str | None, _ADMIN_TOKEN] = None,
) -> None:
    """Bank simulator: account checks and transfers for contract and subcontract payments.

    Listens where BANK_URL points; honours idempotency keys; faults on demand.
    The admin routes (faults, ledger, opening accounts) need the admin token
    (SIMULATOR_ADMIN_TOKEN or --admin-token).
    """
    _simulator("bank", get_settings().bank_url, host, port, ledger, admin_token)


@simulators_app.command("ca")
def simulators_ca(
    host: Annotated[str | None, _HOST] = None,
    port: Annotated[int | None, _PORT] = None,
    ledger: Annotated[Path | None, _LEDGER] = None,
    admin_token: Annotated[str | None, _ADMIN_TOKEN] = None,
    ca_dir: Annotated[
        Path | None, typer.Option(help="Root key and certificate [default: var/ca].")
    ] = None,
) -> None:
    """Certificate-authority simulator: people's certificates, revocation, a signed CRL.

    Listens where CA_URL points; its root (made on first start) is what the API trusts
    (TRUSTED_CA_CERTS). Issuing and revoking need the admin token (SIMULATOR_ADMIN_TOKEN
    or --admin-token); GET /crl and GET /ca.pem are open.
    """
    settings = get_settings()
    directory = ca_dir or settings.var_dir / "ca"
    _simulator("ca", settings.ca_url, host, port, ledger, admin_token, ("--ca-dir", str(directory)))


# The person's side and development certificates (nara/cli/identity.py).
app.add_typer(identity.people_app, name="people")
app.add_typer(identity.ca_app, name="ca")
app.command("login")(identity.login)
app.command("whoami")(identity.whoami)
app.command("logout")(identity.logout)
# Development passkeys on a software authenticator (nara/cli/passkeys.py).
app.add_typer(passkeys.passkey_app, name="passkey")
app.add_typer(bidder.bidder_app, name="bidder")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(console.console_app, name="console")
app.add_typer(alerts.alerts_app, name="alerts")
app.add_typer(ops.ops_app, name="ops")
# A search catalogue (nara/cli/seed.py).
app.command("seed")(seed.seed)
app.add_typer(replay.replay_app, name="replay")


def main() -> None:
    """Console-script entry point (`nara`, `python -m nara`)."""
    with contextlib.suppress(BrokenPipeError):
        app(prog_name="nara")
