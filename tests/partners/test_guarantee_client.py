"""GuaranteeAgencyClient against the real guarantee-agency simulator."""

from __future__ import annotations

import httpx
import pytest

from nara.domain.errors import PartnerRejected, PartnerUnavailable
from nara.partners.guarantee import Guarantee, GuaranteeAgencyClient, GuaranteeKind
from nara.simulators.runner import ServerHandle
from nara.testing.servers import admin_headers

NOTICE = "20260012345-00"
BUSINESS = "123-45-67890"


@pytest.fixture
async def certificate(guarantee_client: GuaranteeAgencyClient) -> Guarantee:
    return await guarantee_client.issue(
        kind=GuaranteeKind.BID,
        reference=NOTICE,
        business_no=BUSINESS,
        amount=5_000_000,
        beneficiary="1230000",
        idempotency_key=f"bid:{NOTICE}:{BUSINESS}",
    )


async def test_issue_is_idempotent_and_get_reads_it_back(
    guarantee_client: GuaranteeAgencyClient,
    certificate: Guarantee,
) -> None:
    again = await guarantee_client.issue(
        kind="bid",
        reference=NOTICE,
        business_no=BUSINESS,
        amount=5_000_000,
        beneficiary="1230000",
        idempotency_key=f"bid:{NOTICE}:{BUSINESS}",
    )

    assert again == certificate
    assert certificate.status == "issued"
    assert await guarantee_client.get(certificate.certificate_no) == certificate


async def test_confirm_a_fitting_certificate(
    guarantee_client: GuaranteeAgencyClient,
    certificate: Guarantee,
) -> None:
    confirmation = await guarantee_client.confirm(
        certificate.certificate_no,
        reference=NOTICE,
        business_no=BUSINESS,
        kind="bid",
        min_amount=4_500_000,
    )

    assert confirmation.confirmed is True
    assert confirmation.amount == 5_000_000


@pytest.mark.parametrize(
    ("certificate_no", "kind", "min_amount", "code"),
    [
        (None, "bid", 6_000_000, "amount-too-low"),
        (None, "performance", 1, "wrong-kind"),
        ("BG-2026-999999", "bid", 1, "guarantee-not-found"),
    ],
)
async def test_confirm_rejections_carry_the_agency_code(
    guarantee_client: GuaranteeAgencyClient,
    certificate: Guarantee,
    certificate_no: str | None,
    kind: str,
    min_amount: int,
    code: str,
) -> None:
    with pytest.raises(PartnerRejected) as caught:
        await guarantee_client.confirm(
            certificate_no or certificate.certificate_no,
            reference=NOTICE,
            business_no=BUSINESS,
            kind=kind,
            min_amount=min_amount,
        )

    assert caught.value.extra["code"] == code
    assert caught.value.fix


async def test_a_claim_pays_once_per_key_and_spends_the_certificate(
    guarantee_client: GuaranteeAgencyClient,
    certificate: Guarantee,
    guarantee_sim: ServerHandle,
    http: httpx.AsyncClient,
) -> None:
    key = f"bid-guarantee-claim:{NOTICE}:{BUSINESS}"
    await http.post(
        f"{guarantee_sim.url}/_faults",
        headers=admin_headers(),
        json={
            "mode": "commit_then_timeout",
            "path_prefix": "/guarantees",
            "method": "POST",
            "count": 1,
            "hang_ms": 3_000,
        },
    )

    with pytest.raises(PartnerUnavailable):
        await guarantee_client.claim(
            certificate.certificate_no,
            amount=5_000_000,
            reason="the winner did not sign",
            idempotency_key=key,
        )
    claim = await guarantee_client.claim(
        certificate.certificate_no,
        amount=5_000_000,
        reason="the winner did not sign",
        idempotency_key=key,
    )

    assert claim.status == "paid"
    ledger = (await http.get(f"{guarantee_sim.url}/_ledger", headers=admin_headers())).json()
    assert [row["claim_id"] for row in ledger["claims"]] == [claim.claim_id]
    with pytest.raises(PartnerRejected) as caught:
        await guarantee_client.confirm(
            certificate.certificate_no,
            reference=NOTICE,
            business_no=BUSINESS,
            kind="bid",
            min_amount=1,
        )
    assert caught.value.extra["code"] == "guarantee-claimed"


async def test_get_an_unknown_certificate(guarantee_client: GuaranteeAgencyClient) -> None:
    with pytest.raises(PartnerRejected) as caught:
        await guarantee_client.get("BG-2026-999999")

    assert caught.value.extra["code"] == "guarantee-not-found"
