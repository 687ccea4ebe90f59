"""Guarantee agency: its wire models and a typed async client.

A guarantee agency (보증기관) issues bid, performance, advance-payment and defect
guarantees for a business, names the notice or contract they secure, confirms them
electronically to the contracting agency, and pays claims on them.

Rejection codes (`PartnerRejected.extra["code"]`): guarantee-not-found, reference-mismatch,
amount-too-low, wrong-kind, guarantee-claimed, guarantee-expired, invalid-amount,
invalid-validity, claim-exceeds-guarantee, idempotency-key-reused, invalid-request.
The client never retries; see `nara.partners`.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal
from urllib.parse import quote

from pydantic import Field

from nara.partners.base import PartnerClient, PartnerModel


class GuaranteeKind(StrEnum):
    BID = "bid"  # 입찰보증
    PERFORMANCE = "performance"  # 계약이행보증
    ADVANCE_PAYMENT = "advance_payment"  # 선금급보증
    DEFECT = "defect"  # 하자보수보증


class GuaranteeIssue(PartnerModel):
    """Ask the agency to issue a guarantee certificate."""

    kind: GuaranteeKind
    reference: str = Field(min_length=1, max_length=64, description="notice no or contract no")
    business_no: str = Field(min_length=1, max_length=20, description="business registration no")
    amount: int = Field(description="guaranteed amount, KRW")
    beneficiary: str = Field(min_length=1, max_length=64, description="agency code")
    valid_until: date | None = None


class Guarantee(PartnerModel):
    """A guarantee certificate as the agency holds it."""

    certificate_no: str
    kind: GuaranteeKind
    reference: str
    business_no: str
    amount: int
    beneficiary: str
    valid_until: date | None
    status: Literal["issued", "claimed"]
    claimed_amount: int = 0
    issued_at: datetime


class GuaranteeConfirm(PartnerModel):
    """What the contracting agency expects a certificate to secure."""

    reference: str = Field(min_length=1)
    business_no: str = Field(min_length=1)
    kind: GuaranteeKind
    min_amount: int = Field(ge=0)


class GuaranteeConfirmation(PartnerModel):
    """The agency's electronic confirmation that a certificate secures what was asked."""

    confirmed: Literal[True]
    certificate_no: str
    kind: GuaranteeKind
    reference: str
    business_no: str
    amount: int
    valid_until: date | None
    confirmed_at: datetime


class ClaimRequest(PartnerModel):
    """Call the guarantee: the beneficiary asks the agency to pay."""

    reason: str = Field(min_length=1, max_length=500)
    amount: int


class Claim(PartnerModel):
    """A paid claim."""

    claim_id: str
    certificate_no: str
    amount: int
    reason: str
    status: Literal["paid"]
    paid_at: datetime


class GuaranteeAgencyClient(PartnerClient):
    """Typed client of a guarantee agency; one HTTP request per call, no retries."""

    partner = "guarantee agency"

    async def issue(
        self,
        *,
        kind: GuaranteeKind | str,
        reference: str,
        business_no: str,
        amount: int,
        beneficiary: str,
        idempotency_key: str,
        valid_until: date | None = None,
    ) -> Guarantee:
        """Issue a certificate; the same key and request answer the first certificate again."""
        body = self._input(
            GuaranteeIssue,
            kind=kind,
            reference=reference,
            business_no=business_no,
            amount=amount,
            beneficiary=beneficiary,
            valid_until=valid_until,
        )
        response = await self._call(
            "POST", "/guarantees", body=body, idempotency_key=idempotency_key
        )
        return Guarantee.model_validate(response.json())

    async def get(self, certificate_no: str) -> Guarantee:
        """The certificate as the agency holds it."""
        response = await self._call("GET", f"/guarantees/{quote(certificate_no, safe='')}")
        return Guarantee.model_validate(response.json())

    async def confirm(
        self,
        certificate_no: str,
        *,
        reference: str,
        business_no: str,
        kind: GuaranteeKind | str,
        min_amount: int,
    ) -> GuaranteeConfirmation:
        """Confirm it secures `reference` for `business_no` with at least `min_amount` KRW."""
        body = self._input(
            GuaranteeConfirm,
            reference=reference,
            business_no=business_no,
            kind=kind,
            min_amount=min_amount,
        )
        response = await self._call(
            "POST", f"/guarantees/{quote(certificate_no, safe='')}/confirm", body=body
        )
        return GuaranteeConfirmation.model_validate(response.json())

    async def claim(
        self, certificate_no: str, *, amount: int, reason: str, idempotency_key: str
    ) -> Claim:
        """Claim on the guarantee; the same key and request answer the first claim again."""
        body = self._input(ClaimRequest, amount=amount, reason=reason)
        response = await self._call(
            "POST",
            f"/guarantees/{quote(certificate_no, safe='')}/claims",
            body=body,
            idempotency_key=idempotency_key,
        )
        return Claim.model_validate(response.json())
