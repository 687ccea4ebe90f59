"""The worker's check for workflow modules without compiled bytecode."""

from __future__ import annotations

import os
import py_compile
from pathlib import Path

from nara.workers.bytecode import stale_modules


def test_a_module_without_bytecode_is_stale_until_compiled(tmp_path: Path) -> None:
    source = tmp_path / "tender.py"
    source.write_text("X = 1\n")
    (tmp_path / "payment.py").write_text("Y = 2\n")
    assert stale_modules(tmp_path) == ["payment", "tender"]

    py_compile.compile(str(source), doraise=True)
    assert stale_modules(tmp_path) == ["payment"]


def test_a_source_edited_after_compiling_is_stale(tmp_path: Path) -> None:
    source = tmp_path / "tender.py"
    source.write_text("X = 1\n")
    py_compile.compile(str(source), doraise=True)
    assert stale_modules(tmp_path) == []

    later = os.stat(source).st_mtime + 10
    os.utime(source, (later, later))
    assert stale_modules(tmp_path) == ["tender"]
