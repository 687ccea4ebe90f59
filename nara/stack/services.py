"""The services of `nara dev`, one start method each, and how they are stopped.

PostgreSQL (embedded unless DATABASE_URL) and the Temporal dev server (unless
TEMPORAL_ADDRESS) come from `nara.embedded`; the simulators, the worker and the API are
`Child` processes given the addresses found here. `stop` undoes it all, newest first.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from nara import embedded
from nara.settings import Settings, reveal
from nara.simulators.admin import check_admin_token
from nara.simulators.authority import ROOT_CERT
from nara.stack.admin_token import ENV_VAR, AdminToken, admin_token
from nara.stack.panel import browser_url, redact
from nara.stack.processes import STYLES, Child, stop_children
from nara.stack.readiness import StackError, host_port, require_free_port

WORKER_METRICS_ADDRESS = "127.0.0.1:9234"
"""Where `nara dev`'s worker serves its metrics when WORKER_METRICS_ADDRESS is unset."""

DEMO_TIME_SCALE = 20_000
"""NARA_TIME_SCALE given to the services when the environment does not set one: the demo
week's notice periods (days) then pass in seconds."""


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
    admin_token: AdminToken | None = None
    """The simulators' admin token, once `start_simulators` has found or made it."""
    children: list[Child] = field(default_factory=list)

    @property
    def logs_dir(self) -> Path:
        return self.var_dir / "logs"

    @property
    def api_url(self) -> str:
        return browser_url(self.settings.api_host, self.settings.api_port)

    def step(self, message: str) -> None:
        self.console.print(f"[bold]>[/] {message}")

    # -- PostgreSQL and Temporal ------------------------------------------------------

    def start_postgres(self) -> None:
        if self.settings.database_url:
            self.database_url = reveal(self.settings.database_url) or ""
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
                f"is PostgreSQL at {redact(self.database_url)} reachable?"
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
                metrics_port=self.settings.temporal_metrics_port,
            )
            self.step(f"Temporal: dev server, history in {server.db_file}")
            if not embedded.port_open(server.ip, server.port):  # else reused as it is
                metrics_port = self.settings.temporal_metrics_port
                require_free_port(server.ip, metrics_port, "Temporal dev server's metrics")
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

    # -- child processes --------------------------------------------------------------

    @property
    def ca_dir(self) -> Path:
        """Where the CA simulator keeps its root key and certificate."""
        return self.var_dir / "ca"

    @property
    def trusted_ca_certs(self) -> str:
        """TRUSTED_CA_CERTS of the API: the setting, else the CA simulator's root."""
        return self.settings.trusted_ca_certs or str(self.ca_dir / ROOT_CERT)

    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop(ENV_VAR, None)  # only the simulators get it (`start_simulators`)
        env.update(
            DATABASE_URL=self.database_url,
            TEMPORAL_ADDRESS=self.temporal_address,
            NARA_VAR_DIR=str(self.var_dir),
            NARA_TIME_SCALE=str(self.time_scale),
            TRUSTED_CA_CERTS=self.trusted_ca_certs,
            PYTHONUNBUFFERED="1",
        )
        return env

    def add_child(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Child:
        """Start `argv` as the child `name`, with `child_env` plus `env`."""
        child = Child(
            name=name,
            argv=argv,
            env={**self.child_env(), **(env or {})},
            log_path=self.logs_dir / f"{name}.log",
            console=self.console,
            style=STYLES[len(self.children) % len(STYLES)],
        )
        self.children.append(child)
        child.start()
        return child

    def start_simulators(self) -> list[Child]:
        """The guarantee agency, the bank and the certificate authority, their admin token in
        their environment (never on the command line); the CA's root is kept in var/ca."""
        self.admin_token = token = admin_token(self.settings, self.var_dir)
        try:
            check_admin_token(token.value)
        except ValueError as exc:
            raise StackError(f"{token.source}: {exc}") from exc
        self.step(f"simulators' admin token: {token.source}")
        started = []
        for kind, url in self.simulator_urls:
            host, port = host_port(url)
            require_free_port(host, port, f"{kind} simulator ({url})")
            ledger = self.var_dir / "simulators" / f"{kind}.sqlite3"
            ledger.parent.mkdir(parents=True, exist_ok=True)
            self.step(f"{kind} simulator on {url}, ledger {ledger}")
            argv = [sys.executable, "-m", "nara.simulators", kind]
            argv += ["--host", host, "--port", str(port), "--ledger", str(ledger)]
            if kind == "ca":
                argv += ["--ca-dir", str(self.ca_dir)]
            started.append(self.add_child(kind, argv, env=token.env()))
        return started

    @property
    def simulator_urls(self) -> list[tuple[str, str]]:
        """(kind, URL) of each simulator, in start order."""
        return [
            ("guarantee", self.settings.guarantee_agency_url),
            ("bank", self.settings.bank_url),
            ("ca", self.settings.ca_url),
        ]

    async def add_demo_operator(self) -> None:
        """Register the demo's operator from the console (there is no session yet)."""
        from nara.demo.cast import OPERATOR
        from nara.domain.enums import Role
        from nara.stack.people import add_person_at

        created = await add_person_at(
            self.database_url,
            person_id=OPERATOR,
            name="Demo operator",
            role=Role.OPERATOR,
            by="nara-dev",
        )
        if created.created:
            self.step(f"operator {OPERATOR} registered from the console")

    def start_worker(self) -> Child:
        address = self.worker_metrics_address
        self.step(
            f"worker on task queue {self.settings.temporal_task_queue}, "
            f"metrics on http://{address}/metrics"
        )
        host, _, port = address.rpartition(":")
        require_free_port(host, int(port), f"worker's metrics (http://{address}/metrics)")
        argv = [sys.executable, "-m", "nara", "worker"]
        return self.add_child("worker", argv, env={"WORKER_METRICS_ADDRESS": address})

    @property
    def worker_metrics_address(self) -> str:
        return self.settings.worker_metrics_address or WORKER_METRICS_ADDRESS

    def start_api(self) -> Child:
        host, port = self.settings.api_host, self.settings.api_port
        require_free_port(host, port, f"API ({self.api_url})")
        self.step(f"API on {self.api_url}")
        argv = [sys.executable, "-m", "nara", "api", "--host", host, "--port", str(port)]
        return self.add_child("api", argv)

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
