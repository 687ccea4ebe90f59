"""The layers of `nara/` and the one direction their imports may point.

Read `LAYERS` as the architecture in one table: each room of the package, the rooms it
may import, and why. A new import that breaks the table fails here with the rule it
broke, so the layering is learnt from this test rather than from a review. See
docs/architecture.md for the picture.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "nara"

# Rooms that only wire things together: they may import every room below them.
_BASE = {"settings", "logs", "metrics"}

LAYERS: dict[str, tuple[set[str], str]] = {
    # Pure procurement rules: what a procurement lawyer would check.
    "domain": (set(), "pure rules: no I/O, no framework, nothing else of nara"),
    # Pure Temporal contracts: message models, activity declarations, search keys.
    "contracts": ({"domain"}, "pure contracts: domain vocabulary only"),
    "settings": (set(), "configuration is read by others and reads none of them"),
    "logs": ({"settings"}, "logging configuration"),
    "metrics": (set(), "Prometheus metrics of a process: HTTP answers, partner calls"),
    "store": ({"domain"} | _BASE, "persistence: tables, repositories, migrations"),
    "partners": ({"domain"} | _BASE, "HTTP clients of guarantee agencies and banks"),
    "keys": (
        {"domain", "store"},
        "the key service: tender keys wrapped at rest, used only after the close; receipts",
    ),
    "temporal": ({"contracts"} | _BASE, "the Temporal client and attribute registration"),
    "workflows": (
        {"domain", "contracts"},
        "deterministic orchestration: no I/O, no settings, nothing that does I/O",
    ),
    "activities": (
        {"domain", "contracts", "store", "partners", "keys"} | _BASE,
        "the I/O a workflow asks for, through repositories and partner clients",
    ),
    "services": (
        {"domain", "contracts", "store", "workflows", "temporal", "partners", "keys"} | _BASE,
        "use cases; workflow classes only as typed references to start, update, query; "
        "partners only for the certificate authority's CRL (value-moving partner calls are "
        "activities)",
    ),
    "api": (
        {"services", "domain", "store", "temporal", "problem_json", "keys"} | _BASE,
        "HTTP to service calls and back (store only for the engine and session); the "
        "officers' console (api/console) is part of it: the same services, the same gate",
    ),
    "workers": (
        {"workflows", "activities", "contracts", "store", "partners", "temporal", "keys"} | _BASE,
        "wires workflows and activities to a task queue",
    ),
    "simulators": (
        {"partners", "problem_json"} | _BASE,
        "stand-ins for the partners: share only the wire models of the clients",
    ),
    "problem_json": (set(), "the RFC 9457 body builder, shared by the API and simulators"),
    "demo": ({"domain", "wallet"} | _BASE, "plays a week through the public HTTP API only"),
    "replay": (
        {"demo", "domain", "wallet"} | _BASE,
        "plays the launch week through the public HTTP API and the bidder client; its checks "
        "read PostgreSQL (plain read-only SQL), the bank's ledger and the API, as an auditor",
    ),
    "wallet": (
        {"domain", "partners"},
        "the person's side of identity (key, certificate from the CA, login by challenge, "
        "the software passkey authenticator): HTTP only, never imported by a server room",
    ),
    "embedded": ({"contracts"} | _BASE, "embedded PostgreSQL and Temporal binaries"),
}

# The launchers at the top may import anything.
TOP = {"cli", "__main__", "stack", "testing", "__init__"}

FRAMEWORKS = {"temporalio", "sqlalchemy", "fastapi", "starlette", "httpx", "pydantic", "alembic"}
PURE_ROOMS = {"domain": FRAMEWORKS}


def _room(module: str) -> str:
    """`nara.services.tenders` -> `services`; `nara.settings` -> `settings`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1] or parts
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every absolute module a file imports, with its line (type-checking imports too)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [
                (node.lineno, f"{node.module}.{alias.name}")
                for alias in node.names
                if node.module == "nara"
            ]
    return found


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _edges() -> dict[tuple[str, str], list[str]]:
    """(from room, to room) -> where, for every import between two rooms of nara."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in _sources():
        here = _room(_module_of(path))
        for line, module in _imports(path):
            if module != "nara" and module.startswith("nara."):
                there = _room(module)
                if there != here:
                    edges[(here, there)].append(f"{path.relative_to(PACKAGE.parent)}:{line}")
    return edges


def test_every_room_is_in_the_table() -> None:
    rooms = {_room(_module_of(p)) for p in _sources()}
    unknown = sorted(rooms - set(LAYERS) - TOP)
    assert not unknown, f"add these rooms of nara/ to LAYERS with their rule: {unknown}"


# Edges the structure issue is still removing; each must disappear, never grow.
PENDING: set[tuple[str, str]] = set()


def test_imports_point_only_down() -> None:
    broken = []
    edges = _edges()
    gone = sorted(PENDING - set(edges))
    assert not gone, f"these edges are gone: remove them from PENDING: {gone}"
    for (here, there), where in sorted(edges.items()):
        if here in TOP or (here, there) in PENDING:
            continue
        allowed, rule = LAYERS[here]
        if there not in allowed:
            broken.append(
                f"{here} -> {there} at {', '.join(where[:3])}: {here} may import only "
                f"{sorted(allowed) or 'nothing of nara'} ({rule})"
            )
    assert not broken, "imports against the layer table:\n" + "\n".join(broken)


def test_the_table_has_no_cycle() -> None:
    state: dict[str, str] = {}

    def visit(room: str, path: list[str]) -> None:
        if state.get(room) == "done":
            return
        assert state.get(room) != "open", f"cycle in LAYERS: {' -> '.join([*path, room])}"
        state[room] = "open"
        for below in LAYERS.get(room, (set(), ""))[0]:
            visit(below, [*path, room])
        state[room] = "done"

    for room in LAYERS:
        visit(room, [])


@pytest.mark.parametrize("room", sorted(PURE_ROOMS))
def test_pure_rooms_import_no_framework(room: str) -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}"
        for path in (PACKAGE / room).rglob("*.py")
        for line, module in _imports(path)
        if module.split(".")[0] in PURE_ROOMS[room]
    ]
    assert not offenders, "\n".join(offenders)


def test_workflows_do_not_import_settings_or_io() -> None:
    """The sandbox re-imports workflow modules: nothing there may pull in I/O code."""
    io_modules = {"sqlalchemy", "httpx", "psycopg", "fastapi", "structlog"}
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}"
        for path in (PACKAGE / "workflows").rglob("*.py")
        for line, module in _imports(path)
        if module.split(".")[0] in io_modules
    ]
    assert not offenders, "\n".join(offenders)


# Rooms that run in the back office's own processes (the API, the worker, the simulators).
SERVER_ROOMS = {
    "domain", "contracts", "store", "partners", "temporal", "workflows", "activities",
    "services", "api", "workers", "simulators", "problem_json", "settings", "logs",
    "embedded",
}  # fmt: skip
CLIENT_ONLY = "wallet"


def test_no_server_room_may_import_the_persons_side() -> None:
    """The software authenticator claims "user verified" without a sensor: a server that
    could import it could vouch for a fingerprint nobody gave. No server room lists it."""
    allowed = sorted(room for room in SERVER_ROOMS if CLIENT_ONLY in LAYERS[room][0])
    assert not allowed, f"server rooms allowed to import {CLIENT_ONLY}: {allowed}"
    assert not SERVER_ROOMS - set(LAYERS), sorted(SERVER_ROOMS - set(LAYERS))
    reached = sorted(
        f"{here} at {where[0]}"
        for (here, there), where in _edges().items()
        if there == CLIENT_ONLY and here in SERVER_ROOMS
    )
    assert not reached, f"server rooms import {CLIENT_ONLY}: {reached}"


def test_the_server_processes_never_load_the_software_authenticator() -> None:
    """Importing the API app and the worker (and everything they import) leaves nara.wallet
    unloaded: the layer table holds for imports made at run time too."""
    probe = (
        "import sys, nara.api.app, nara.workers.main, nara.simulators.runner\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('nara.wallet'))\n"
        "assert not loaded, loaded\n"
        "import nara.wallet.passkeys\n"
        "assert 'nara.wallet.passkeys' in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=PACKAGE.parent,
        env={**os.environ, "PYTHONPATH": str(PACKAGE.parent)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_forbidden_edge_is_caught(tmp_path: Path) -> None:
    """The walker sees a plain, a from- and a nested import (so the rules above can fail)."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import nara.api.app\nfrom nara.store import tables\n"
        "def f():\n    from nara.services.bids import submit\n"
    )
    modules = {module for _, module in _imports(sample)}
    assert {"nara.api.app", "nara.store", "nara.services.bids"} <= modules
    assert _room("nara.services.bids") == "services" and _room("nara.settings") == "settings"
