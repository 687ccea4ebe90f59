"""`nara --help` is the first thing a newcomer runs: it must list and explain every command."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from nara.cli import app

runner = CliRunner()
COMMANDS = ["dev", "worker", "api", "demo", "db", "simulators"]


def _help(*args: str) -> str:
    result = runner.invoke(app, [*args, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


def test_top_level_help_lists_every_command() -> None:
    output = _help()
    for command in COMMANDS:
        assert f" {command} " in output, f"`{command}` missing from nara --help"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["dev"], ["--no-demo", "--exit-after-demo", "--tenders", "Ctrl-C", "DATABASE_URL"]),
        (["worker"], ["TEMPORAL_ADDRESS"]),
        (["api"], ["--host", "--port", "/docs"]),
        (["demo"], ["--tenders", "--api-url"]),
        (["db"], ["upgrade"]),
        (["db", "upgrade"], ["--database-url", "DATABASE_URL", "head"]),
        (["simulators"], ["guarantee", "bank"]),
        (["simulators", "guarantee"], ["--port", "--ledger", "GUARANTEE_AGENCY_URL"]),
        (["simulators", "bank"], ["--port", "--ledger", "BANK_URL"]),
    ],
)
def test_each_command_explains_itself(args: list[str], expected: list[str]) -> None:
    output = _help(*args)
    for word in expected:
        assert word in output, f"`nara {' '.join(args)} --help` does not mention {word}"


def test_python_dash_m_nara_is_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nara", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert "Usage: nara" in result.stdout
    assert " dev " in result.stdout and " worker " in result.stdout
