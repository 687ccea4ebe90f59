"""BankClient against the real bank simulator: results, rejections, and surviving faults."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from nara.contracts.errors import to_application_error
from nara.domain.errors import PartnerRejected, PartnerUnavailable
from nara.partners.bank import BankClient, Transfer
from nara.simulators.runner import ServerHandle
from nara.testing.servers import SIMULATOR_ADMIN_TOKEN, admin_headers


@pytest.fixture
async def bank(bank_client: BankClient) -> BankClient:
    await bank_client.open_account(account_no="agency", holder="Seoul City", balance=1_000_000)
    await bank_client.open_account(account_no="supplier", holder="Hangang Build", balance=0)
    return bank_client


async def pay(
    bank: BankClient, key: str = "PAY-1:progress:prime", amount: int = 300_000
) -> Transfer:
    return await bank.transfer(
        from_account="agency",
        to_account="supplier",
        amount=amount,
        reference="PAY-1",
        memo="progress payment 1",
        idempotency_key=key,
    )


async def arm(http: httpx.AsyncClient, sim: ServerHandle, **fault: object) -> None:
    response = await http.post(f"{sim.url}/_faults", json=fault, headers=admin_headers())
    assert response.status_code == 201, response.text


async def balances(bank: BankClient) -> tuple[int, int]:
    agency, supplier = [await bank.get_account(no) for no in ("agency", "supplier")]
    return agency.balance, supplier.balance


async def test_a_transfer_moves_money_once_per_key(bank: BankClient) -> None:
    first = await pay(bank)
    again = await pay(bank)

    assert again == first
    assert first.status == "completed"
    assert await balances(bank) == (700_000, 300_000)
    assert await bank.find_transfer("PAY-1:progress:prime") == first
    assert await bank.get_transfer(first.transfer_id) == first
    assert await bank.list_transfers(reference="PAY-1") == [first]
    assert await bank.find_transfer("never-sent") is None


@pytest.mark.parametrize(
    ("to_account", "amount", "code", "field"),
    [
        ("supplier", 2_000_000, "insufficient-funds", "amount"),
        ("nobody", 1, "invalid-account", "to_account"),
        ("supplier", 0, "invalid-amount", "amount"),
    ],
)
async def test_business_rejections_raise_partner_rejected(
    bank: BankClient,
    to_account: str,
    amount: int,
    code: str,
    field: str,
) -> None:
    with pytest.raises(PartnerRejected) as caught:
        await bank.transfer(
            from_account="agency",
            to_account=to_account,
            amount=amount,
            reference="PAY-1",
            idempotency_key="k1",
        )

    error = caught.value
    assert (error.extra["code"], error.field) == (code, field)
    assert error.extra["partner"] == "bank"
    assert to_application_error(error).non_retryable  # Temporal must not retry it


async def test_a_bad_field_is_rejected_before_any_request(bank: BankClient) -> None:
    with pytest.raises(PartnerRejected) as caught:
        await bank.transfer(
            from_account="agency",
            to_account="supplier",
            amount=1,
            reference="",
            idempotency_key="k1",
        )

    assert (caught.value.extra["code"], caught.value.field) == ("invalid-request", "reference")


async def test_commit_then_timeout_then_a_retry_with_the_same_key_pays_once(
    bank: BankClient,
    bank_sim: ServerHandle,
    http: httpx.AsyncClient,
) -> None:
    await arm(
        http, bank_sim, mode="commit_then_timeout", path_prefix="/transfers", count=1, hang_ms=3_000
    )

    with pytest.raises(PartnerUnavailable) as caught:
        await pay(bank)  # the bank commits, then the client's 2 s timeout fires
    happened = await bank.find_transfer("PAY-1:progress:prime")
    retried = await pay(bank)  # what the activity's retry does

    assert caught.value.extra["code"] == "timeout"
    assert not to_application_error(caught.value).non_retryable
    assert happened is not None
    assert retried == happened
    assert await balances(bank) == (700_000, 300_000)
    ledger = (await http.get(f"{bank_sim.url}/_ledger", headers=admin_headers())).json()
    assert [t["transfer_id"] for t in ledger["transfers"]] == [retried.transfer_id]


async def test_a_timeout_that_did_nothing_is_done_by_the_retry(
    bank: BankClient,
    bank_sim: ServerHandle,
    http: httpx.AsyncClient,
) -> None:
    await arm(
        http,
        bank_sim,
        mode="timeout",
        path_prefix="/transfers",
        method="POST",
        count=1,
        hang_ms=3_000,
    )

    with pytest.raises(PartnerUnavailable):
        await pay(bank)
    missing = await bank.find_transfer("PAY-1:progress:prime")
    retried = await pay(bank)

    assert missing is None
    assert retried.status == "completed"
    assert await balances(bank) == (700_000, 300_000)


@pytest.mark.parametrize(
    ("fault", "code", "status"),
    [
        ({"mode": "error_5xx", "status_code": 500}, "simulated-error", 500),
        ({"mode": "error_5xx", "status_code": 503}, "simulated-error", 503),
        ({"mode": "outage"}, "simulated-outage", 503),
        ({"mode": "timeout", "hang_ms": 50}, "simulated-timeout", 504),
    ],
)
async def test_partner_failures_raise_partner_unavailable(
    bank: BankClient,
    bank_sim: ServerHandle,
    http: httpx.AsyncClient,
    fault: dict[str, object],
    code: str,
    status: int,
) -> None:
    await arm(http, bank_sim, path_prefix="/transfers", **fault)

    with pytest.raises(PartnerUnavailable) as caught:
        await pay(bank)

    assert (caught.value.extra["code"], caught.value.extra["http_status"]) == (code, status)
    assert await balances(bank) == (1_000_000, 0)


async def test_an_unreachable_bank_is_unavailable() -> None:
    async with BankClient("http://127.0.0.1:9", timeout_s=0.5) as bank:
        with pytest.raises(PartnerUnavailable) as caught:
            await bank.get_account("agency")

    assert caught.value.extra["code"] == "unreachable"


async def test_closing_a_client_leaves_a_shared_pool_open(
    bank_sim: ServerHandle,
    http: httpx.AsyncClient,
) -> None:
    async with BankClient(bank_sim.url, http=http, admin_token=SIMULATOR_ADMIN_TOKEN) as bank:
        await bank.open_account(account_no="a", holder="a")

    assert not http.is_closed
    assert (await BankClient(bank_sim.url, http=http).get_account("a")).holder == "a"


async def test_concurrent_retries_and_payments_keep_the_books_exact(bank: BankClient) -> None:
    retries = [pay(bank, key="same", amount=1_000) for _ in range(10)]
    payments = [pay(bank, key=f"key-{n}", amount=1_000) for n in range(20)]

    results = await asyncio.gather(*retries, *payments)

    assert len({transfer.transfer_id for transfer in results[:10]}) == 1
    assert len({transfer.transfer_id for transfer in results}) == 21
    assert await balances(bank) == (1_000_000 - 21_000, 21_000)


@pytest.mark.parametrize(
    ("token", "code"),
    [(None, "admin-token-required"), ("wrong-admin-token-0123456789", "admin-token-invalid")],
)
async def test_opening_an_account_without_the_admin_token_is_rejected(
    bank_sim: ServerHandle, http: httpx.AsyncClient, token: str | None, code: str
) -> None:
    client = BankClient(bank_sim.url, timeout_s=2.0, http=http, admin_token=token)

    with pytest.raises(PartnerRejected) as caught:
        await client.open_account(account_no="agency", holder="Seoul City", balance=1_000)

    assert caught.value.extra["code"] == code
    assert caught.value.extra["http_status"] == 401
    assert caught.value.field == "Authorization"
    assert to_application_error(caught.value).non_retryable
    with pytest.raises(PartnerRejected) as missing:
        await client.get_account("agency")  # nothing was opened
    assert missing.value.extra["code"] == "account-not-found"


async def test_the_admin_token_goes_with_admin_calls_only(bank_sim: ServerHandle) -> None:
    sent: dict[str, str | None] = {}

    async def record(request: httpx.Request) -> None:
        sent[f"{request.method} {request.url.path}"] = request.headers.get("Authorization")

    async with (
        httpx.AsyncClient(event_hooks={"request": [record]}) as http,
        BankClient(bank_sim.url, http=http, admin_token=SIMULATOR_ADMIN_TOKEN) as bank,
    ):
        await bank.open_account(account_no="agency", holder="Seoul City", balance=1_000)
        await bank.open_account(account_no="supplier", holder="Hangang Build")
        await pay(bank, amount=100, key="k-admin-only")
        await bank.get_account("supplier")
        await bank.find_transfer("k-admin-only")

    assert sent == {
        "POST /accounts": f"Bearer {SIMULATOR_ADMIN_TOKEN}",
        "POST /transfers": None,
        "GET /accounts/supplier": None,
        "GET /transfers": None,
    }
