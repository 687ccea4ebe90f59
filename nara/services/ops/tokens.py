"""Person tokens: the signed words "this operator asks this of that workflow"."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from nara.contracts.ops import REASON_TOKEN_MAX, OperatorVerb, PersonToken
from nara.domain.errors import ActionRefused
from nara.keys import KeyService
from nara.services.actors import Actor

TOKEN_TTL = timedelta(minutes=10)


def issue(
    *,
    keys: KeyService,
    actor: Actor,
    action: OperatorVerb,
    workflow_id: str,
    reason: str,
    args: dict[str, str] | None = None,
) -> PersonToken:
    """A token naming `actor`, signed with the action key, valid for `TOKEN_TTL`."""
    if keys.actions is None:
        raise ActionRefused("this process has no action key (NARA_KEY_DIR)")
    now = datetime.now(UTC)
    token = PersonToken(
        person_id=actor.id,
        role=actor.role,
        action=action,
        workflow_id=workflow_id,
        args=args or {},
        reason=reason[:REASON_TOKEN_MAX],
        issued_at=now,
        expires_at=now + TOKEN_TTL,
        nonce=secrets.token_hex(16),
    )
    token.mac = keys.actions.mac(token.signed_bytes())
    return token
