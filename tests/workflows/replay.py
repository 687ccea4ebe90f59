"""Replay support: histories recorded from real runs must replay on the current code."""

from __future__ import annotations

import os
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from nara.workers.main import WORKFLOWS, sandbox_runner

HISTORIES = Path(__file__).parent / "histories"


def replayer() -> Replayer:
    return Replayer(
        workflows=list(WORKFLOWS),
        data_converter=pydantic_data_converter,
        workflow_runner=sandbox_runner(),
    )


async def check_and_record(name: str, history: WorkflowHistory) -> None:
    """Replay a fresh history now; with NARA_RECORD_HISTORIES=1 also keep it for CI."""
    await replayer().replay_workflow(history)
    if os.environ.get("NARA_RECORD_HISTORIES") == "1":
        (HISTORIES / f"{name}.json").write_text(history.to_json())
