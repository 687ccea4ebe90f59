"""Errors the workflows' Update validators and handlers raise, as project errors.

They extend the hierarchy of `nara.errors` (they belong there; kept here until that
module takes them) and carry the names of the Temporal `ApplicationError` types the
workflows raise: WrongPhase, Forbidden, StaleCandidate, InvalidClaim, GuaranteeRejected.
"""

from __future__ import annotations

from nara.errors import Conflict, NaraError, PartnerRejected


class StaleCandidate(Conflict):
    """The decision names a candidate who is no longer the one under review."""

    code, title = "stale-candidate", "That candidate is not the one under review"


class InvalidClaim(NaraError):
    """A payment claim breaks the contract's payment terms."""

    status, code, title = 422, "invalid-claim", "The payment claim is not valid"


class GuaranteeRejected(PartnerRejected):
    """The guarantee agency refused to confirm a certificate."""

    code, title = "guarantee-rejected", "The guarantee agency refused the certificate"


class TemporalUnavailable(NaraError):
    """Temporal (the workflow service) did not answer."""

    status, code, title = 503, "temporal-unavailable", "The workflow service is unavailable"
    retryable = True


class ProcessFailed(NaraError):
    """A workflow answered an Update with a failure the API has no better word for."""

    status, code, title = 500, "process-failed", "The tender process could not do this"
