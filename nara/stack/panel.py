"""What `nara dev` shows once the stack is up: where each service answers, where logs are."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.panel import Panel
from rich.table import Table

if TYPE_CHECKING:
    from nara.stack.services import Stack


def browser_url(host: str, port: int) -> str:
    """The URL to open for a server bound to `host`: wildcards and loopback read localhost."""
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::", "localhost") else host
    return f"http://{shown}:{port}"


def redact(url: str) -> str:
    """A database URL fit for a terminal: the password masked."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return "(set)"
    return parsed.render_as_string(hide_password=bool(parsed.password))


def panel(stack: Stack) -> Panel:
    """The "is up" panel: API, docs, Temporal, PostgreSQL, partners, logs, time scale.

    The simulators' admin token shows as where it is kept, never as its value.
    """
    settings = stack.settings
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("API", stack.api_url)
    table.add_row("API docs", f"{stack.api_url}/docs")
    table.add_row("Temporal Web UI", stack.web_ui_url or "(your Temporal's own UI)")
    table.add_row("Temporal", f"{stack.temporal_address}  ns={settings.temporal_namespace}")
    table.add_row("PostgreSQL", redact(stack.database_url))
    table.add_row("Guarantee agency", f"{settings.guarantee_agency_url} (simulator)")
    table.add_row("Bank", f"{settings.bank_url} (simulator)")
    table.add_row(
        "Certificate authority", f"{settings.ca_url} (simulator), root {stack.trusted_ca_certs}"
    )
    if stack.admin_token is not None:
        table.add_row("Simulator admin", f"Bearer token in {stack.admin_token.source}")
    table.add_row("Logs", f"{stack.logs_dir}/*.log")
    table.add_row("Ready", f"{stack.api_url}/ready")
    metrics = f"API {stack.api_url}/metrics, worker http://{stack.worker_metrics_address}/metrics"
    if stack.temporal is not None and stack.temporal.process is not None:
        metrics += f", Temporal http://localhost:{settings.temporal_metrics_port}/metrics"
    table.add_row("Metrics", metrics)
    if stack.time_scale != 1:
        table.add_row(
            "Time scale",
            f"notice periods and payment deadlines run {stack.time_scale:,}x faster",
        )
    return Panel(table, title="Nara back office is up", border_style="green", expand=False)
