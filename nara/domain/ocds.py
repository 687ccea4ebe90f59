"""Open Contracting Data Standard 1.1: the releases a tender publishes, one per stage.

Pure: plain values in, plain dicts (OCDS JSON) out. The store writes them in the same
transaction as the stage change they describe (`nara.store.ocds`); the open-data service
packages and merges them. What is published and when: docs/open-data.md. Nothing sealed
is ever an argument here: before the opening a release knows the announced estimated
price and the schedule, never a bid price, a reserve price or who bid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nara.domain.enums import AwardMethod, Category, Method

VERSION = "1.1"
CURRENCY = "KRW"

PROCUREMENT_METHOD = {
    Method.GENERAL: "open",  # 일반경쟁
    Method.LIMITED: "selective",  # 제한경쟁: only bidders meeting the stated qualifications
    Method.DESIGNATED: "selective",  # 지명경쟁: invited bidders
    Method.NEGOTIATED: "open",  # 협상에 의한 계약: open call, proposals scored
    Method.PRIVATE: "direct",  # 수의계약
}
METHOD_DETAILS = {
    Method.GENERAL: "general competition (일반경쟁)",
    Method.LIMITED: "limited competition (제한경쟁)",
    Method.DESIGNATED: "designated competition (지명경쟁)",
    Method.NEGOTIATED: "contract by negotiation (협상에 의한 계약)",
    Method.PRIVATE: "private contract (수의계약)",
}
CATEGORY = {
    Category.GOODS: "goods",
    Category.SERVICES: "services",
    Category.CONSTRUCTION: "works",
}
AWARD_CRITERIA = {
    AwardMethod.QUALIFICATION: (
        "priceOnly",
        "lowest price at or above the lower limit, after a qualification review (적격심사)",
    ),
    AwardMethod.NEGOTIATED: ("ratedCriteria", "technical and price scores (협상)"),
    AwardMethod.COMPREHENSIVE: (
        "ratedCriteria",
        "capability, price and social scores (종합심사)",
    ),
}


def ocid(prefix: str, notice_no: str) -> str:
    """The contracting process id of one tender round: `<prefix>-<notice no>`."""
    return f"{prefix}-{notice_no}"


def stamp(at: datetime) -> str:
    """An OCDS date: UTC, always with microseconds, so dates sort as text."""
    return at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Party:
    """An organisation of a release: an agency (buyer) or a business (supplier)."""

    id: str
    name: str
    roles: tuple[str, ...]

    @classmethod
    def agency(cls, code: str, name: str) -> Party:
        return cls(f"agency-{code}", name, ("buyer", "procuringEntity", "payer"))

    @classmethod
    def business(cls, business_no: str, name: str, *roles: str) -> Party:
        """A business in its roles (a party's roles are replaced whole when releases are
        merged: name every role it holds by then, e.g. tenderer and supplier)."""
        return cls(f"business-{business_no}", name, roles or ("supplier",))

    def reference(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name}

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "roles": list(self.roles)}


def _money(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": CURRENCY}


def _release(
    *,
    ocid: str,
    release_id: str,
    at: datetime,
    tags: Sequence[str],
    buyer: Party,
    parties: Sequence[Party] = (),
    **sections: Any,
) -> dict[str, Any]:
    return {
        "ocid": ocid,
        "id": release_id,
        "date": stamp(at),
        "tag": list(tags),
        "initiationType": "tender",
        "language": "ko",
        "buyer": buyer.reference(),
        "parties": [p.as_json() for p in (buyer, *parties)],
        **sections,
    }


def tender_release(
    *,
    ocid: str,
    release_id: str,
    at: datetime,
    buyer: Party,
    notice_no: str,
    title: str,
    description: str,
    category: Category,
    method: Method,
    award_method: AwardMethod,
    estimated_price: int,
    announced_at: datetime,
    deadline: datetime,
    previous_ocid: str | None = None,
) -> dict[str, Any]:
    """The announcement: planning (the estimated price as budget) and the open tender; a
    re-announcement names the failed round it follows (`previous_ocid`)."""
    criteria, criteria_details = AWARD_CRITERIA[award_method]
    related: dict[str, Any] = {}
    if previous_ocid is not None:
        related["relatedProcesses"] = [
            {
                "id": "previous-round",
                "relationship": ["unsuccessfulProcess"],
                "title": "the failed round this tender re-announces",
                "scheme": "ocid",
                "identifier": previous_ocid,
            }
        ]
    return _release(
        ocid=ocid,
        release_id=release_id,
        at=at,
        tags=("planning", "tender"),
        buyer=buyer,
        planning={
            "budget": {
                "description": "estimated price (추정가격)",
                "amount": _money(estimated_price),
            }
        },
        tender={
            "id": notice_no,
            "title": title,
            "description": description or title,
            "status": "active",
            "procuringEntity": buyer.reference(),
            "value": _money(estimated_price),
            "procurementMethod": PROCUREMENT_METHOD[method],
            "procurementMethodDetails": METHOD_DETAILS[method],
            "mainProcurementCategory": CATEGORY[category],
            "awardCriteria": criteria,
            "awardCriteriaDetails": criteria_details,
            "submissionMethod": ["electronicSubmission"],
            "tenderPeriod": {"startDate": stamp(announced_at), "endDate": stamp(deadline)},
        },
        **related,
    )


def amendment_release(
    *,
    ocid: str,
    release_id: str,
    at: datetime,
    buyer: Party,
    notice_no: str,
    amendment_id: str,
    deadline: datetime,
    rationale: str,
) -> dict[str, Any]:
    """A moved bid deadline (an officer's extension or an operator's outage)."""
    return _release(
        ocid=ocid,
        release_id=release_id,
        at=at,
        tags=("tenderAmendment",),
        buyer=buyer,
        tender={
            "id": notice_no,
            "tenderPeriod": {"endDate": stamp(deadline)},
            "amendments": [
                {
                    "id": amendment_id,
                    "date": stamp(at),
                    "rationale": rationale,
                    "description": f"bid deadline moved to {stamp(deadline)}",
                }
            ],
        },
    )


def tender_status_release(
    *,
    ocid: str,
    release_id: str,
    at: datetime,
    buyer: Party,
    notice_no: str,
    status: str,
    details: str,
    cancellation: bool = False,
    tenderers: Sequence[Party] | None = None,
) -> dict[str, Any]:
    """A tender's status moved: opened (who bid: public once opened), failed, cancelled."""
    tender: dict[str, Any] = {"id": notice_no, "status": status, "statusDetails": details}
    if tenderers is not None:
        tender["numberOfTenderers"] = len(tenderers)
        tender["tenderers"] = [p.reference() for p in tenderers]
    return _release(
        ocid=ocid,
        release_id=release_id,
        at=at,
        tags=("tenderCancellation",) if cancellation else ("tenderUpdate",),
        buyer=buyer,
        parties=tenderers or (),
        tender=tender,
    )


def award_id(notice_no: str, business_no: str) -> str:
    return f"{notice_no}-{business_no}"


def award_release(
    *,
    ocid: str,
    release_id: str,
    at: datetime,
    buyer: Party,
    notice_no: str,
    supplier: Party,
    price: int,
) -> dict[str, Any]:
    """The officer approved the award to a candidate (after the opening: prices are public)."""
    return _release(
        ocid=ocid,
        release_id=release_id,
        at=at,
        tags=("award",),
        buyer=buyer,
        parties=(supplier,),
        tender={"id": notice_no, "status": "complete"},
        awards=[
            {
                "id": award_id(notice_no, supplier.id.removeprefix("business-")),
                "status": "active",
                "date": stamp(at),
                "value": _money(price),
                "suppliers": [supplier.reference()],
            }
        ],
    )


def award_cancelled_release(
    *,
    ocid: str,
    release_id: str,
    at: datetime,
    buyer: Party,
    notice_no: str,
    business_no: str,
    reason: str,
) -> dict[str, Any]:
    """The winner forfeited the award (no guarantee or signature in time)."""
    return _release(
        ocid=ocid,
        release_id=release_id,
        at=at,
        tags=("awardCancellation",),
        buyer=buyer,
        awards=[
            {
                "id": award_id(notice_no, business_no),
                "status": "cancelled",
                "statusDetails": reason,
            }
        ],
    )


def contract_release(
    *,
    ocid: str,
    release_id: str,
    at: datetime,
    buyer: Party,
    notice_no: str,
    contract_no: str,
    business_no: str,
    amount: int,
    status: str,
    signed_at: datetime | None = None,
) -> dict[str, Any]:
    """The contract: pending its signatures, then active once both parties signed."""
    contract: dict[str, Any] = {
        "id": contract_no,
        "awardID": award_id(notice_no, business_no),
        "status": status,
        "value": _money(amount),
    }
    if signed_at is not None:
        contract["dateSigned"] = stamp(signed_at)
    return _release(
        ocid=ocid,
        release_id=release_id,
        at=at,
        tags=("contract",) if status == "pending" else ("contractUpdate",),
        buyer=buyer,
        contracts=[contract],
    )


@dataclass(frozen=True)
class Transfer:
    """One leg of a payment: to the contractor, to a subcontractor directly, late interest."""

    id: str
    payee: Party
    amount: int


def payment_release(
    *,
    ocid: str,
    release_id: str,
    at: datetime,
    buyer: Party,
    notice_no: str,
    contract_no: str,
    business_no: str,
    transfers: Sequence[Transfer],
    final: bool,
) -> dict[str, Any]:
    """A payment made: one implementation transaction per leg; the final one ends the
    contract."""
    contract: dict[str, Any] = {
        "id": contract_no,
        "awardID": award_id(notice_no, business_no),
        "implementation": {
            "transactions": [
                {
                    "id": t.id,
                    "date": stamp(at),
                    "value": _money(t.amount),
                    "payer": buyer.reference(),
                    "payee": t.payee.reference(),
                }
                for t in transfers
            ]
        },
    }
    tags = ["implementation"]
    if final:
        contract["status"] = "terminated"
        contract["statusDetails"] = "completed: the final payment was made"
        tags.append("contractTermination")
    payees = {t.payee.id: t.payee for t in transfers}
    return _release(
        ocid=ocid,
        release_id=release_id,
        at=at,
        tags=tags,
        buyer=buyer,
        parties=tuple(payees.values()),
        contracts=[contract],
    )
