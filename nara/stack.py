"""`nara dev`: the whole back office on one machine, then the demo.

Order: PostgreSQL (embedded unless DATABASE_URL) -> Alembic upgrade -> Temporal dev server
(unless TEMPORAL_ADDRESS) -> the two partner simulators -> one worker -> the API. Every
service but PostgreSQL is a child process in its own process group, so Ctrl-C reaches
only this process, which then stops the children in reverse order: SIGTERM, and SIGKILL
after a grace period. Full logs go to var/logs/<name>.log; the terminal shows start-up
output and, once the stack is up, warnings and errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from nara import embedded
from nara.settings import Settings, get_settings

DEMO_TIME_SCALE = 20_000
"""NARA_TIME_SCALE given to the services when the environment does not set one: the demo
week's notice periods (days) then pass in seconds."""

GRACE_S = 10.0
"""How long a child may take to stop after SIGTERM before it is killed."""

# The first line of a warning or worse, in the formats our services write: structlog
# console and JSON, uvicorn's default, the Temporal server's, and a Python exception line.
_NOTEWORTHY = re.compile(
    r"\[(warning|error|critical|exception) *\]"
    r"|^(WARNING|ERROR|CRITICAL):"
    r"|level=(WARN|ERROR|FATAL|PANIC)"
    r"|\"level\": ?\"(warning|error|critical|exception)\""
    r"|^[A-Za-z_][\w.]*(Error|Exception): "
)
_STYLES = ["cyan", "magenta", "green", "yellow", "blue", "bright_magenta"]


class StackError(RuntimeError):
    """The stack could not start; the message names the service and where its log is."""


@dataclass
class Child:
    """One service as a child process, its output prefixed on the terminal and kept in a file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    console: Console
    style: str = "cyan"
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    quiet: bool = field(default=False, init=False)
    """When set, the terminal only gets warnings, errors and tracebacks (the file gets all)."""
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=30), init=False, repr=False)
    started_at: float = field(default=0.0, init=False)
    _reader: threading.Thread | None = field(default=None, init=False, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.started_at = time.time()
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: we decide when it stops
        )
        self._reader = threading.Thread(target=self._pump, name=f"log-{self.name}", daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        with self.log_path.open("ab") as log:
            for raw in iter(self.process.stdout.readline, b""):
                log.write(raw)
                log.flush()
                line = raw.decode("utf-8", "replace").rstrip()
                self.tail.append(line)
                # Once the stack is up, only the headline of a warning or an error: the
                # traceback of an activity that will be retried is noise on a terminal.
                if not self.quiet or _NOTEWORTHY.search(line):
                    self._echo(line)

    def _echo(self, line: str) -> None:
        # Text, not markup: log lines hold brackets such as "[info     ]".
        self.console.print(Text.assemble((f"{self.name:>9} | ", self.style), line))

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def exit_message(self) -> str:
        code = self.process.returncode if self.process else None
        last = "\n".join(list(self.tail)[-10:])
        return f"{self.name} exited with code {code}; full log: {self.log_path}\n{last}"

    def terminate(self) -> None:
        if self.running:
            assert self.process is not None
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGTERM)

    def kill(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def join_reader(self) -> None:
        if self._reader is not None:
            self._reader.join(timeout=2)


def stop_children(children: list[Child], grace: float = GRACE_S) -> None:
    """SIGTERM all, wait up to `grace` seconds in total, SIGKILL what is left (whole groups)."""
    for child in children:
        child.terminate()
    deadline = time.monotonic() + grace
    try:
        for child in children:
            if child.process is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.process.wait(max(0.0, deadline - time.monotonic()))
    except KeyboardInterrupt:
        pass  # a second Ctrl-C: no more waiting
    for child in children:
        child.kill()  # leftovers and any grandchildren still in the group
        if child.process is not None:
            child.process.wait()
        child.join_reader()


@dataclass
class DevOptions:
    demo: bool = True
    exit_after_demo: bool = False
    tenders: int | None = None
    verbose: bool = False
    time_scale: int | None = None
    """NARA_TIME_SCALE for the services; None: the environment's, else DEMO_TIME_SCALE."""


@dataclass
class Stack:
    """The running embedded stack: what was started, and the addresses children were given."""

    settings: Settings
    console: Console
    var_dir: Path
    database_url: str = ""
    temporal_address: str = ""
    web_ui_url: str | None = None
    time_scale: int = DEMO_TIME_SCALE
    postgres: embedded.EmbeddedPostgres | None = None
    temporal: embedded.TemporalDevServer | None = None
    children: list[Child] = field(default_factory=list)

    @property
    def logs_dir(self) -> Path:
        return self.var_dir / "logs"

    @property
    def api_url(self) -> str:
        host = self.settings.api_host
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::", "localhost") else host
        return f"http://{shown}:{self.settings.api_port}"

    # -- start-up ---------------------------------------------------------------------

    def step(self, message: str) -> None:
        self.console.print(f"[bold]>[/] {message}")

    def start_postgres(self) -> None:
        if self.settings.database_url:
            self.database_url = self.settings.database_url
            self.step("PostgreSQL: using DATABASE_URL")
            return
        self.step(f"PostgreSQL: embedded, data in {self.var_dir / 'postgres'}")
        self.database_url, self.postgres = embedded.ensure_postgres(self.var_dir)

    def migrate(self) -> None:
        self.step("database schema: alembic upgrade head")
        logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines are chatter
        from nara.store.migrate import upgrade

        try:
            upgrade(self.database_url)
        except Exception as exc:
            raise StackError(
                f"the database migration failed ({type(exc).__name__}: {exc}); "
                f"is PostgreSQL at {_redact(self.database_url)} reachable?"
            ) from exc

    async def start_temporal(self) -> None:
        from nara.temporal import connect, missing_search_attributes, register_search_attributes

        if self.settings.temporal_address:
            self.temporal_address = self.settings.temporal_address
            self.step(f"Temporal: using TEMPORAL_ADDRESS={self.temporal_address}")
        else:
            server = embedded.TemporalDevServer(
                db_file=self.var_dir / "temporal.db",
                port=self.settings.temporal_dev_port,
                ui_port=self.settings.temporal_ui_port,
                namespace=self.settings.temporal_namespace,
                log_file=self.logs_dir / "temporal.log",
            )
            self.step(f"Temporal: dev server, history in {server.db_file}")
            await asyncio.to_thread(server.start)
            if server.reused:
                self.console.print(f"  (reusing the server already listening on {server.address})")
            self.temporal = server
            self.temporal_address = server.address
            self.web_ui_url = server.ui_url
        client = await connect(self.settings, address=self.temporal_address)
        try:
            await register_search_attributes(client)
        except Exception as exc:  # Temporal Cloud: attributes are managed outside the SDK
            missing = await missing_search_attributes(client)
            if missing:
                raise StackError(
                    f"Temporal at {self.temporal_address} lacks search attributes {missing} "
                    f"and refused to add them ({exc}); register them, then retry"
                ) from exc

    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.database_url,
            TEMPORAL_ADDRESS=self.temporal_address,
            NARA_VAR_DIR=str(self.var_dir),
            NARA_TIME_SCALE=str(self.time_scale),
            PYTHONUNBUFFERED="1",
        )
        return env

    def add_child(self, name: str, argv: list[str]) -> Child:
        child = Child(
            name=name,
            argv=argv,
            env=self.child_env(),
            log_path=self.logs_dir / f"{name}.log",
            console=self.console,
            style=_STYLES[len(self.children) % len(_STYLES)],
        )
        self.children.append(child)
        child.start()
        return child

    def start_simulators(self) -> list[Child]:
        started = []
        for kind, url in (
            ("guarantee", self.settings.guarantee_agency_url),
            ("bank", self.settings.bank_url),
        ):
            host, port = _host_port(url)
            _require_free_port(host, port, f"{kind} simulator ({url})")
            ledger = self.var_dir / "simulators" / f"{kind}.sqlite3"
            ledger.parent.mkdir(parents=True, exist_ok=True)
            self.step(f"{kind} simulator on {url}, ledger {ledger}")
            argv = [sys.executable, "-m", "nara.simulators", kind]
            argv += ["--host", host, "--port", str(port), "--ledger", str(ledger)]
            started.append(self.add_child(kind, argv))
        return started

    def start_worker(self) -> Child:
        self.step(f"worker on task queue {self.settings.temporal_task_queue}")
        return self.add_child("worker", [sys.executable, "-m", "nara", "worker"])

    def start_api(self) -> Child:
        host, port = self.settings.api_host, self.settings.api_port
        _require_free_port(host, port, f"API ({self.api_url})")
        self.step(f"API on {self.api_url}")
        argv = [sys.executable, "-m", "nara", "api", "--host", host, "--port", str(port)]
        return self.add_child("api", argv)

    # -- health -----------------------------------------------------------------------

    async def wait_for_port(self, child: Child, url: str, timeout: float = 60.0) -> None:
        host, port = _host_port(url)
        await self._wait(child, lambda: embedded.port_open(host, port), timeout, f"{url} to open")

    async def wait_for_http(
        self, child: Child, url: str, timeout: float = 90.0, *, status: int | None = None
    ) -> None:
        """Wait until `url` answers (with `status`, when given; else anything but 5xx)."""

        def answers() -> bool:
            try:
                code = httpx.get(url, timeout=2.0).status_code
                return code == status if status is not None else code < 500
            except httpx.HTTPError:
                return False

        await self._wait(child, answers, timeout, f"{url} to answer")

    async def wait_for_worker(self, child: Child, timeout: float = 90.0) -> None:
        """Ready when Temporal sees a poller on the worker's task queue."""
        from temporalio.api.enums.v1 import TaskQueueType
        from temporalio.api.taskqueue.v1 import TaskQueue
        from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

        from nara.temporal import connect

        client = await connect(self.settings, address=self.temporal_address)
        request = DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=self.settings.temporal_task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
        deadline = time.monotonic() + timeout
        while True:
            if not child.running:
                raise StackError(child.exit_message())
            response = await client.workflow_service.describe_task_queue(request)
            # Pollers are remembered for minutes: count only this worker's (same pid in the
            # SDK's default identity, or seen polling since the child started).
            pid = str(child.process.pid if child.process else "")
            if any(
                p.identity.startswith(f"{pid}@") or p.last_access_time.seconds >= child.started_at
                for p in response.pollers
            ):
                return
            if time.monotonic() > deadline:
                raise StackError(f"worker did not poll its task queue in {timeout:.0f}s")
            await asyncio.sleep(0.5)

    async def _wait(
        self, child: Child, ready: Callable[[], bool], timeout: float, what: str
    ) -> None:
        deadline = time.monotonic() + timeout
        while not await asyncio.to_thread(ready):
            if not child.running:
                raise StackError(child.exit_message())
            if time.monotonic() > deadline:
                raise StackError(f"gave up waiting for {what}; see {child.log_path}")
            await asyncio.sleep(0.2)

    async def watch_children(self) -> Child:
        """Return the first child that exits (the stack is broken from then on)."""
        while True:
            for child in self.children:
                if not child.running:
                    return child
            await asyncio.sleep(0.5)

    # -- the panel --------------------------------------------------------------------

    def panel(self) -> Panel:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        table.add_row("API", self.api_url)
        table.add_row("API docs", f"{self.api_url}/docs")
        table.add_row("Temporal Web UI", self.web_ui_url or "(your Temporal's own UI)")
        table.add_row("Temporal", f"{self.temporal_address}  ns={self.settings.temporal_namespace}")
        table.add_row("PostgreSQL", _redact(self.database_url))
        table.add_row("Guarantee agency", f"{self.settings.guarantee_agency_url} (simulator)")
        table.add_row("Bank", f"{self.settings.bank_url} (simulator)")
        table.add_row("Logs", f"{self.logs_dir}/*.log")
        if self.time_scale != 1:
            table.add_row("Time scale", f"notice periods run {self.time_scale:,}x faster")
        return Panel(table, title="Nara back office is up", border_style="green", expand=False)

    # -- shutdown ---------------------------------------------------------------------

    def stop(self) -> None:
        """Stop everything this stack started, newest first. Safe to call twice."""
        if self.children:
            self.console.print("[bold]>[/] stopping API, worker and simulators")
            stop_children(list(reversed(self.children)))
            self.children.clear()
        if self.temporal is not None:
            if self.temporal.process is not None:
                self.console.print("[bold]>[/] stopping the Temporal dev server")
            self.temporal.stop()
            self.temporal = None
        if self.postgres is not None:
            if not self.postgres.reused:
                self.console.print("[bold]>[/] stopping PostgreSQL")
            self.postgres.stop()
            self.postgres = None


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
        for child, url in zip(
            stack.start_simulators(),
            (settings.guarantee_agency_url, settings.bank_url),
            strict=True,
        ):
            await stack.wait_for_http(child, f"{url.rstrip('/')}/health")
        worker = stack.start_worker()
        api = stack.start_api()
        await stack.wait_for_worker(worker)
        # /health answers 200 only when PostgreSQL and Temporal answer the API too.
        api_health = f"http://{_connect_host(settings.api_host)}:{settings.api_port}/health"
        await stack.wait_for_http(api, api_health, status=200)
        for child in stack.children:
            child.quiet = not options.verbose
        console.print(stack.panel())

        code = 0
        if options.demo:
            code = await _demo_while_watching(stack, options)
        if options.exit_after_demo:
            return code
        console.print("[green]The stack stays up.[/] Press [bold]Ctrl-C[/] to stop it.")
        broken = await stack.watch_children()
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

    # Our console: service log lines then print above the demo's progress bar.
    kwargs: dict[str, object] = {"api_url": stack.api_url, "console": stack.console}
    if options.tenders is not None:
        kwargs["tenders"] = options.tenders
    demo = asyncio.ensure_future(run_demo(**kwargs))
    watch = asyncio.ensure_future(stack.watch_children())
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


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if not parts.hostname or not parts.port:
        raise StackError(f"{url!r} needs an explicit host and port")
    return parts.hostname, parts.port


def _connect_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)


def _require_free_port(host: str, port: int, what: str) -> None:
    if embedded.port_open(_connect_host(host), port):
        raise StackError(
            f"port {port} is already in use, so the {what} cannot start; "
            "is another `nara dev` running? Stop it, or change the port in the environment"
        )


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return "(set)"
    return parsed.render_as_string(hide_password=bool(parsed.password))


__all__ = ["Child", "DevOptions", "Stack", "StackError", "run_dev", "stop_children"]
