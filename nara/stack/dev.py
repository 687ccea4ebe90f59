"""`nara dev`: start the stack in order, wait for each service, run the demo, stay up."""

from __future__ import annotations

import asyncio
import functools
import os
from dataclasses import dataclass

from rich.console import Console

from nara import embedded
from nara.settings import Settings, get_settings
from nara.stack.panel import panel
from nara.stack.readiness import (
    StackError,
    connect_host,
    first_exit,
    wait_for_http,
    wait_for_worker,
)
from nara.stack.services import Stack


@dataclass
class DevOptions:
    demo: bool = True
    exit_after_demo: bool = False
    tenders: int | None = None
    verbose: bool = False
    time_scale: int | None = None
    """NARA_TIME_SCALE for the services; None: the environment's, else DEMO_TIME_SCALE."""


async def run_dev(options: DevOptions, settings: Settings | None = None) -> int:
    """Start the stack, run the demo, wait for Ctrl-C; returns the process exit code."""
    settings = settings or get_settings()
    console = Console(stderr=False)
    var_dir = settings.var_dir.expanduser().resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    stack = Stack(settings=settings, console=console, var_dir=var_dir)
    if options.time_scale is not None:
        stack.time_scale = options.time_scale
    elif "NARA_TIME_SCALE" in os.environ:
        stack.time_scale = settings.time_scale
    try:
        stack.start_postgres()
        stack.migrate()
        await stack.start_temporal()
        for child, (_, url) in zip(stack.start_simulators(), stack.simulator_urls, strict=True):
            await wait_for_http(child, f"{url.rstrip('/')}/health")
        worker = stack.start_worker()
        api = stack.start_api()
        await wait_for_worker(worker, settings, stack.temporal_address)
        # /ready answers 200 once PostgreSQL, Temporal, the worker and the partners answer.
        api_health = f"http://{connect_host(settings.api_host)}:{settings.api_port}/ready"
        await wait_for_http(api, api_health, status=200)
        for child in stack.children:
            child.quiet = not options.verbose
        console.print(panel(stack))

        code = 0
        if options.demo:
            code = await _demo_while_watching(stack, options)
        if options.exit_after_demo:
            return code
        console.print("[green]The stack stays up.[/] Press [bold]Ctrl-C[/] to stop it.")
        broken = await first_exit(stack.children)
        console.print(f"[red]{broken.exit_message()}[/]")
        return 1
    except StackError as exc:
        console.print(f"[red bold]The stack could not start:[/] {exc}")
        return 1
    except embedded.EmbeddedError as exc:
        console.print(f"[red bold]The stack could not start:[/] {exc}")
        return 1
    finally:
        stack.stop()  # also on cancellation (Ctrl-C, SIGTERM): sync, so it cannot be cut short


async def _demo_while_watching(stack: Stack, options: DevOptions) -> int:
    """Run the demo; if a service dies meanwhile, say which one instead of hanging."""
    from nara.demo import run_demo
    from nara.demo.cast import OPERATOR

    # Our console: service log lines then print above the demo's progress bar.
    assert stack.admin_token is not None  # the simulators are up
    await stack.add_demo_operator()
    play = functools.partial(
        run_demo,
        api_url=stack.api_url,
        console=stack.console,
        simulator_admin_token=stack.admin_token.value,
        ca_url=stack.settings.ca_url,
        operator=OPERATOR,
    )
    playing = play() if options.tenders is None else play(tenders=options.tenders)
    demo = asyncio.ensure_future(playing)
    watch = asyncio.ensure_future(first_exit(stack.children))
    try:
        done, _ = await asyncio.wait({demo, watch}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (demo, watch):
            task.cancel()
    if watch in done:
        stack.console.print(f"[red]The demo stopped: {watch.result().exit_message()}[/]")
        return 1
    try:
        demo.result()
    except Exception as exc:
        stack.console.print(f"[red bold]The demo failed:[/] {type(exc).__name__}: {exc}")
        return 1
    return 0
