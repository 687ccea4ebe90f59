"""Process supervision for `nara dev`: children in their own process groups, their logs.

Every service but PostgreSQL and the Temporal dev server (see `nara.embedded`) is a
`Child`: its output goes to var/logs/<name>.log in full and to the terminal with a
prefix; once the stack is up (`quiet`) the terminal only gets warnings and errors.
Children are stopped with SIGTERM, then SIGKILL after a grace period, whole groups.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.text import Text

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
STYLES = ["cyan", "magenta", "green", "yellow", "blue", "bright_magenta"]
"""Prefix colours, one per child in start order."""


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

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

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
