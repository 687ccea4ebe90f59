"""`nara --help` is the first thing a newcomer runs: it must list and explain every command."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nara.cli import app
from nara.settings import Settings

runner = CliRunner()
COMMANDS = ["dev", "worker", "api", "demo", "db", "temporal", "simulators"]


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
        (["temporal", "setup"], ["search attributes", "--wait"]),
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


def _readme_configuration() -> dict[str, str]:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([A-Z0-9_]+)` \| (.+?) \|", section, flags=re.MULTILINE)
    return {name: default.strip().strip("`") for name, default in rows}


def _shown(default: object) -> str:
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return str(default).lower()
    return str(default)


def test_readme_configuration_table_matches_settings() -> None:
    documented = _readme_configuration()
    known = {field.alias or name.upper(): field for name, field in Settings.model_fields.items()}
    for variable, field in known.items():
        assert variable in documented, f"README configuration table lacks {variable}"
        assert documented[variable] == _shown(field.default), (
            f"README says {variable} defaults to {documented[variable]!r}, "
            f"nara/settings.py says {_shown(field.default)!r}"
        )
    unknown = set(documented) - set(known)
    assert not unknown, f"README documents settings that do not exist: {unknown}"
