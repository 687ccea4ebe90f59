"""Operators' actions on workflows: the signed person token, the Updates and their step.

A Signal or Update that changes money or a deadline names the person acting in a
`PersonToken` the API signs (HMAC-SHA256 with the action key under NARA_KEY_DIR, see
`nara.keys.actions`). The workflow does not trust the token's words: its Update runs the
`apply_operator_action` activity first, which checks the signature, the expiry and that
the token was not used before, then writes the audit event naming the person. A token
made up in the Web UI or the `temporal` CLI has no valid signature and is refused.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from nara.contracts.base import Model
from nara.domain.enums import Role

OperatorVerb = Literal["retry", "correct-account", "extend", "cancel"]
Payee = Literal["prime", "subcontractor"]

REASON_MIN, REASON_MAX = 5, 500
"""Bounds of an operator's stated reason (characters)."""
REASON_TOKEN_MAX = 1000
"""A token keeps at most this much of a reason (an outage's carries its own words)."""


class PersonToken(Model):
    """Who asks for an action, for which workflow and with which arguments, signed."""

    person_id: str
    role: Role
    action: OperatorVerb
    workflow_id: str
    args: dict[str, str] = Field(default_factory=dict)
    reason: str = Field(max_length=REASON_TOKEN_MAX)
    issued_at: AwareDatetime
    expires_at: AwareDatetime
    nonce: str = Field(min_length=16, max_length=64)
    mac: str = ""

    def signed_bytes(self) -> bytes:
        """What the MAC covers: every field but the MAC, as sorted compact JSON."""
        return json.dumps(
            self.model_dump(mode="json", exclude={"mac"}),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()


class RetryNow(Model):
    """Update `retry_now` of PaymentWorkflow: try the waiting bank call at once."""

    token: PersonToken


class CorrectAccount(Model):
    """Update `correct_account` of PaymentWorkflow: a payee's account, checked at the bank."""

    token: PersonToken
    payee: Payee
    account_no: str = Field(min_length=1, max_length=40)


class OperatorExtend(Model):
    """Update `operator_extend` of TenderWorkflow: move one tender's deadline later."""

    token: PersonToken
    deadline: AwareDatetime
    opening_at: AwareDatetime


class OperatorCancel(Model):
    """Update `operator_cancel` of TenderWorkflow: cancel one tender before its contract."""

    token: PersonToken


class ActionOutcome(Model):
    workflow_id: str
    action: str
    person_id: str
    note: str


class PaymentCheck(Model):
    """What to ask the bank before an action on a payment: the payee accounts on file (or
    the corrected one) and the transfer's read path."""

    payment_id: str
    contract_no: str
    subcontractor_no: str | None = None
    correction: CorrectAccount | None = None


class OperatorActionStep(Model):
    """Activity `apply_operator_action`: verify the token, check the cause, audit, apply."""

    token: PersonToken
    entity: str  # the audit entity: tender:<no> or contract:<no>
    roles: list[Role] = Field(default_factory=lambda: [Role.OPERATOR])
    """Who may ask for this action (the workflow checks an officer is the tender's)."""
    payment: PaymentCheck | None = None
    payload: dict[str, str] = Field(default_factory=dict)


class OperatorActionDone(Model):
    person_id: str
    at: datetime
    note: str = ""


class PaymentProgress(Model):
    """Signal `payment_progress` from a PaymentWorkflow to its tender: where it stands."""

    payment_id: str
    n: int = 0  # the payment's count of progress signals: a late one never undoes a newer
    progress: str
    awaiting_role: Role | None = None
    stuck_reason: str | None = None
    partner: str | None = None
    overdue: bool = False
    legs_paid: list[str] = Field(default_factory=list)


def schedule_args(deadline: datetime, opening_at: datetime) -> dict[str, str]:
    """The arguments a token for an extension names (UTC, so both sides spell them alike)."""
    return {
        "deadline": deadline.astimezone(UTC).isoformat(),
        "opening_at": opening_at.astimezone(UTC).isoformat(),
    }
