"""OCDS 1.1 releases of every stage, checked against the official schema and codelists;
the vendored merge rules against the ones ocdsmerge derives from the official schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import ocdsmerge
import ocdsmerge.rules
import pytest

from nara.domain import ocds
from nara.domain.enums import AwardMethod, Category, Method
from nara.services.open_data import compile_release, merge_rules
from tests.ocds_schema import (
    OCDS_DIR,
    coded_fields,
    codelist_errors,
    needs_schema,
    schema_errors,
)

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
OCID = ocds.ocid("ocds-xxxxxx", "20260000001-00")
BUYER = ocds.Party.agency("B552584", "조달청")
WINNER = ocds.Party.business("220-81-62517", "한빛건설", "tenderer", "supplier", "payee")
SUB = ocds.Party.business("110-81-00001", "두리전기", "payee")


def _lifecycle() -> list[dict[str, Any]]:
    """One release per stage of a tender, as the steps write them."""
    common: dict[str, Any] = {"ocid": OCID, "buyer": BUYER}
    return [
        ocds.tender_release(
            **common,
            release_id=f"{OCID}-tender",
            at=T0,
            notice_no="20260000001-00",
            title="도로 포장 공사",
            description="",
            category=Category.CONSTRUCTION,
            method=Method.GENERAL,
            award_method=AwardMethod.QUALIFICATION,
            estimated_price=100_000_000,
            announced_at=T0,
            deadline=T0 + timedelta(days=7),
        ),
        ocds.amendment_release(
            **common,
            release_id=f"{OCID}-amendment-1",
            at=T0 + timedelta(days=1),
            notice_no="20260000001-00",
            amendment_id="20260000001-00-schedule-1",
            deadline=T0 + timedelta(days=9),
            rationale="the certificate service was down",
        ),
        ocds.tender_status_release(
            **common,
            release_id=f"{OCID}-opened",
            at=T0 + timedelta(days=10),
            notice_no="20260000001-00",
            status="active",
            details="bids opened",
            tenderers=[
                ocds.Party.business("220-81-62517", "한빛건설", "tenderer"),
                ocds.Party.business("110-81-00002", "가람토건", "tenderer"),
            ],
        ),
        ocds.award_release(
            **common,
            release_id=f"{OCID}-award-220-81-62517",
            at=T0 + timedelta(days=11),
            notice_no="20260000001-00",
            supplier=ocds.Party.business("220-81-62517", "한빛건설", "tenderer", "supplier"),
            price=90_500_000,
        ),
        ocds.contract_release(
            **common,
            release_id=f"{OCID}-contract-C1",
            at=T0 + timedelta(days=12),
            notice_no="20260000001-00",
            contract_no="C1",
            business_no="220-81-62517",
            amount=90_500_000,
            status="pending",
        ),
        ocds.contract_release(
            **common,
            release_id=f"{OCID}-contract-C1-signed",
            at=T0 + timedelta(days=13),
            notice_no="20260000001-00",
            contract_no="C1",
            business_no="220-81-62517",
            amount=90_500_000,
            status="active",
            signed_at=T0 + timedelta(days=13),
        ),
        ocds.payment_release(
            **common,
            release_id=f"{OCID}-payment-1",
            at=T0 + timedelta(days=40),
            notice_no="20260000001-00",
            contract_no="C1",
            business_no="220-81-62517",
            transfers=[
                ocds.Transfer("payment-C1-1:prime", WINNER, 25_500_000),
                ocds.Transfer("payment-C1-1:sub", SUB, 5_000_000),
            ],
            final=False,
        ),
        ocds.payment_release(
            **common,
            release_id=f"{OCID}-payment-2",
            at=T0 + timedelta(days=70),
            notice_no="20260000001-00",
            contract_no="C1",
            business_no="220-81-62517",
            transfers=[ocds.Transfer("payment-C1-2:prime", WINNER, 60_000_000)],
            final=True,
        ),
    ]


@needs_schema
def test_every_stage_is_a_valid_release_with_codes_from_the_codelists() -> None:
    releases = _lifecycle()
    for release in releases:
        assert schema_errors(release) == [], release["id"]
        assert codelist_errors(release) == [], release["id"]
    used = set().union(*(coded_fields(r) for r in releases))
    assert {"releaseTag.csv", "tenderStatus.csv", "method.csv", "currency.csv"} <= used
    assert {"partyRole.csv", "awardStatus.csv", "contractStatus.csv"} <= used


@needs_schema
def test_a_re_announcement_names_the_failed_round() -> None:
    first = _lifecycle()[0]
    again = ocds.tender_release(
        ocid=ocds.ocid("ocds-xxxxxx", "20260000001-01"),
        release_id="ocds-xxxxxx-20260000001-01-tender",
        at=T0 + timedelta(days=20),
        buyer=BUYER,
        notice_no="20260000001-01",
        title=first["tender"]["title"],
        description="",
        category=Category.CONSTRUCTION,
        method=Method.GENERAL,
        award_method=AwardMethod.QUALIFICATION,
        estimated_price=100_000_000,
        announced_at=T0 + timedelta(days=20),
        deadline=T0 + timedelta(days=27),
        previous_ocid=OCID,
    )
    assert schema_errors(again) == [] and codelist_errors(again) == []
    assert {"relatedProcess.csv", "relatedProcessScheme.csv"} <= coded_fields(again)
    assert again["relatedProcesses"][0]["identifier"] == OCID


@needs_schema
def test_a_forfeited_award_is_cancelled_and_the_next_one_stands() -> None:
    stages = _lifecycle()[:4]
    forfeit = ocds.award_cancelled_release(
        ocid=OCID,
        release_id=f"{OCID}-award-220-81-62517-cancelled",
        at=T0 + timedelta(days=21),
        buyer=BUYER,
        notice_no="20260000001-00",
        business_no="220-81-62517",
        reason="no performance guarantee and signature in time",
    )
    next_award = ocds.award_release(
        ocid=OCID,
        release_id=f"{OCID}-award-110-81-00002",
        at=T0 + timedelta(days=22),
        buyer=BUYER,
        notice_no="20260000001-00",
        supplier=ocds.Party.business("110-81-00002", "가람토건", "tenderer", "supplier"),
        price=94_000_000,
    )
    for release in (forfeit, next_award):
        assert schema_errors(release) == [] and codelist_errors(release) == []
    compiled = compile_release([*stages, forfeit, next_award])
    assert schema_errors(compiled) == []
    assert {a["id"]: a["status"] for a in compiled["awards"]} == {
        "20260000001-00-220-81-62517": "cancelled",
        "20260000001-00-110-81-00002": "active",
    }


@needs_schema
def test_the_checks_refuse_what_the_standard_refuses() -> None:
    release = _lifecycle()[0]
    assert schema_errors({**release, "tag": ["announcement"]})
    assert schema_errors({k: v for k, v in release.items() if k != "ocid"})
    assert codelist_errors({**release, "tender": {**release["tender"], "status": "open"}})
    assert codelist_errors({**release, "planning": {"budget": {"amount": {"currency": "WON"}}}})


@needs_schema
def test_the_record_compiles_every_stage_into_one_valid_release() -> None:
    compiled = compile_release(_lifecycle())
    assert schema_errors(compiled) == []
    assert codelist_errors(compiled) == []
    assert compiled["tag"] == ["compiled"]
    assert compiled["tender"]["status"] == "complete"
    assert compiled["tender"]["tenderPeriod"]["endDate"] == ocds.stamp(T0 + timedelta(days=9))
    assert compiled["tender"]["numberOfTenderers"] == 2
    (contract,) = compiled["contracts"]
    assert contract["status"] == "terminated" and contract["dateSigned"]
    paid = [t["value"]["amount"] for t in contract["implementation"]["transactions"]]
    assert paid == [25_500_000, 5_000_000, 60_000_000]
    roles = {p["id"]: p["roles"] for p in compiled["parties"]}
    assert roles["business-220-81-62517"] == ["tenderer", "supplier", "payee"]
    assert roles["business-110-81-00002"] == ["tenderer"]


@needs_schema
def test_the_vendored_merge_rules_are_those_of_the_official_schema() -> None:
    derived = ocdsmerge.rules.get_merge_rules(str(OCDS_DIR / "release-schema.json"))
    assert merge_rules() == derived


@pytest.mark.parametrize("at", [T0, T0.replace(microsecond=5)])
def test_release_dates_sort_as_text(at: datetime) -> None:
    assert ocds.stamp(at) < ocds.stamp(at + timedelta(microseconds=1))
    assert ocds.stamp(at).endswith("Z") and len(ocds.stamp(at)) == 27
