"""Every recorded history replays on the current workflow code (determinism guard).

Record new ones after a deliberate, versioned workflow change with
`NARA_RECORD_HISTORIES=1 pytest tests/workflows`.
"""

from __future__ import annotations

import json

import pytest
from temporalio.client import WorkflowHistory

from tests.workflows.replay import HISTORIES, replayer

RECORDED = sorted(HISTORIES.glob("*.json"))


def test_there_are_recorded_histories() -> None:
    # tender-lifecycle: announced before sealed bids (the unpatched branch);
    # tender-lifecycle-sealed: the key service's tender key, bids opened by decryption.
    assert {p.stem for p in RECORDED} >= {
        "tender-lifecycle",
        "tender-lifecycle-sealed",
        "payment-with-retry",
    }


@pytest.mark.parametrize("path", RECORDED, ids=[p.stem for p in RECORDED])
async def test_recorded_history_replays(path) -> None:
    workflow_id = json.loads(path.read_text()).get("workflowId", path.stem)
    history = WorkflowHistory.from_json(workflow_id, path.read_text())
    result = await replayer().replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name} no longer replays: {result.replay_failure}"
