"""The simulators' admin token of `nara dev`: the setting, else a 0600 file reused across runs."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from rich.console import Console

from nara.settings import Settings
from nara.stack import Stack
from nara.stack.admin_token import (
    AdminToken,
    admin_token,
    existing_admin_token,
    read_token_file,
    token_path,
)
from nara.stack.panel import panel

CONFIGURED = "configured-admin-token-0123456789"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def unset(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.delenv("SIMULATOR_ADMIN_TOKEN", raising=False)
    return Settings(SIMULATOR_ADMIN_TOKEN=None)


def test_without_the_setting_a_token_is_made_once_in_a_0600_file_and_reused(
    tmp_path: Path, unset: Settings
) -> None:
    old_umask = os.umask(0)  # even a permissive umask gives a private file
    try:
        first = admin_token(unset, tmp_path)
    finally:
        os.umask(old_umask)
    path = tmp_path / "simulators" / "admin-token"
    assert first.source == str(path) == str(token_path(tmp_path))
    assert _mode(path) == 0o600
    assert path.read_text().strip() == first.value
    assert len(first.value) >= 32
    assert [p.name for p in path.parent.iterdir()] == ["admin-token"]  # no partial file left

    again = admin_token(unset, tmp_path)
    assert again == first
    assert existing_admin_token(unset, tmp_path) == first
    assert admin_token(unset, tmp_path / "other").value != first.value  # one per var/


def test_the_setting_wins_and_no_file_is_written(tmp_path: Path) -> None:
    settings = Settings(SIMULATOR_ADMIN_TOKEN=CONFIGURED)
    token = admin_token(settings, tmp_path)
    assert token == AdminToken(CONFIGURED, "SIMULATOR_ADMIN_TOKEN")
    assert token.env() == {"SIMULATOR_ADMIN_TOKEN": CONFIGURED}
    assert not (tmp_path / "simulators").exists()


def test_nothing_is_made_where_only_an_existing_token_is_wanted(
    tmp_path: Path, unset: Settings
) -> None:
    assert existing_admin_token(unset, tmp_path) is None
    assert not (tmp_path / "simulators").exists()


def test_a_token_file_others_could_read_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "admin-token"
    path.write_text("kept-admin-token-0123456789\n")
    path.chmod(0o644)
    assert read_token_file(path) == "kept-admin-token-0123456789"
    assert _mode(path) == 0o600


def test_an_empty_token_file_is_replaced(tmp_path: Path, unset: Settings) -> None:
    path = token_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("")
    token = admin_token(unset, tmp_path)
    assert token.value and path.read_text().strip() == token.value
    assert _mode(path) == 0o600


def test_the_token_never_shows_in_repr_or_the_panel(tmp_path: Path, unset: Settings) -> None:
    stack = Stack(settings=unset, console=Console(), var_dir=tmp_path)
    stack.admin_token = admin_token(unset, tmp_path)
    assert stack.admin_token.value not in repr(stack.admin_token)
    assert stack.admin_token.value not in repr(stack)

    console = Console(record=True, width=200, force_terminal=False)
    console.print(panel(stack))
    shown = console.export_text()
    assert stack.admin_token.value not in shown
    assert f"Bearer token in {token_path(tmp_path)}" in shown


def test_only_the_simulators_are_given_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIMULATOR_ADMIN_TOKEN", CONFIGURED)
    stack = Stack(settings=Settings(), console=Console(), var_dir=tmp_path)
    assert "SIMULATOR_ADMIN_TOKEN" not in stack.child_env()  # the worker's and the API's
