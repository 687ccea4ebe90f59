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
    """Replay a fresh history now, under the id test_replay gives the file (a check that
    compares the workflow id must stay in a validator, which replay does not run); with
    NARA_RECORD_HISTORIES=1 also keep it for CI."""
    await replayer().replay_workflow(WorkflowHistory(name, list(history.events)))
    if os.environ.get("NARA_RECORD_HISTORIES") == "1":
        (HISTORIES / f"{name}.json").write_text(history.to_json())
