"""The rich progress display: one bar per tender, its phase in words."""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from nara.demo.plan import Plan

PHASES = (
    "announced",
    "bidding",
    "closed",
    "opened",
    "evaluating",
    "awarded",
    "contracted",
    "paying",
    "completed",
)


@dataclass
class TenderBar:
    """One tender's bar: how far along the phases it is."""

    progress: Progress
    task: TaskID
    plan: Plan

    def show(self, notice: str, phase: str) -> None:
        """Move the bar to the workflow's `phase`; unknown phases show an empty bar."""
        rank = PHASES.index(phase) + 1 if phase in PHASES else 0
        self.progress.update(
            self.task,
            completed=rank,
            phase=phase,
            description=f"#{self.plan.index + 1:<2} {notice} {self.plan.category:<12}",
        )

    def note(self, phase: str) -> None:
        """Change the words only, e.g. which payment is under way."""
        self.progress.update(self.task, phase=phase)


class Board:
    """All the tenders' bars; use as a context manager while they play."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(bar_width=24),
            TextColumn("[bold]{task.fields[phase]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )

    def add(self, plan: Plan) -> TenderBar:
        task = self.progress.add_task(
            f"#{plan.index + 1:<2} {plan.category:<12}", total=len(PHASES), phase="announcing"
        )
        return TenderBar(self.progress, task, plan)

    def __enter__(self) -> Board:
        self.progress.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.progress.__exit__(exc_type, exc, traceback)
