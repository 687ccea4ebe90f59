"""Bank: its wire models and a typed async client.

Rejection codes (`PartnerRejected.extra["code"]`): invalid-account, insufficient-funds,
invalid-amount, account-exists, account-not-found, transfer-not-found,
idempotency-key-reused, invalid-request, and from a simulator's admin route (`open_account`)
admin-token-required, admin-token-invalid. The client never retries; see `nara.partners`.

After a `PartnerUnavailable` from `transfer`, the money may or may not have moved. Either
retry with the same idempotency key (the bank answers the original transfer if there
was one) or ask `find_transfer(idempotency_key)`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import quote

from pydantic import Field

from nara.partners.base import PartnerClient, PartnerModel


class AccountOpen(PartnerModel):
    """Open an account (for simulators and test set-up: real banks open accounts elsewhere)."""

    account_no: str = Field(min_length=1, max_length=40)
    holder: str = Field(min_length=1, max_length=100)
    balance: int = Field(0, ge=0, description="opening balance, KRW")


class Account(PartnerModel):
    account_no: str
    holder: str
    balance: int
    opened_at: datetime


class TransferRequest(PartnerModel):
    """Move `amount` KRW between two accounts of this bank."""

    from_account: str = Field(min_length=1)
    to_account: str = Field(min_length=1)
    amount: int
    reference: str = Field(
        min_length=1, max_length=64, description="e.g. the payment's business key"
    )
    memo: str = Field("", max_length=200)


class Transfer(PartnerModel):
    """A completed transfer."""

    transfer_id: str
    idempotency_key: str
    status: Literal["completed"]
    amount: int
    from_account: str
    to_account: str
    reference: str
    memo: str
    completed_at: datetime


class TransferList(PartnerModel):
    items: list[Transfer]


class BankClient(PartnerClient):
    """Typed client of a bank; one HTTP request per call, no retries."""

    partner = "bank"

    async def open_account(self, *, account_no: str, holder: str, balance: int = 0) -> Account:
        """Open an account; opening it again for the same holder answers the existing one.

        An admin route of the simulator: the client needs its `admin_token`.
        """
        body = self._input(AccountOpen, account_no=account_no, holder=holder, balance=balance)
        response = await self._call("POST", "/accounts", body=body, admin=True)
        return Account.model_validate(response.json())

    async def get_account(self, account_no: str) -> Account:
        """The account and its balance."""
        response = await self._call("GET", f"/accounts/{quote(account_no, safe='')}")
        return Account.model_validate(response.json())

    async def transfer(
        self,
        *,
        from_account: str,
        to_account: str,
        amount: int,
        reference: str,
        memo: str = "",
        idempotency_key: str,
    ) -> Transfer:
        """Move money once per idempotency key; a repeat answers the original transfer."""
        body = self._input(
            TransferRequest,
            from_account=from_account,
            to_account=to_account,
            amount=amount,
            reference=reference,
            memo=memo,
        )
        response = await self._call(
            "POST", "/transfers", body=body, idempotency_key=idempotency_key
        )
        return Transfer.model_validate(response.json())

    async def get_transfer(self, transfer_id: str) -> Transfer:
        response = await self._call("GET", f"/transfers/{quote(transfer_id, safe='')}")
        return Transfer.model_validate(response.json())

    async def find_transfer(self, idempotency_key: str) -> Transfer | None:
        """The transfer made under this key, or None if the bank never made one."""
        response = await self._call(
            "GET", "/transfers", params={"idempotency_key": idempotency_key}
        )
        items = TransferList.model_validate(response.json()).items
        return items[0] if items else None

    async def list_transfers(self, *, reference: str) -> list[Transfer]:
        """Every transfer made with this reference, oldest first."""
        response = await self._call("GET", "/transfers", params={"reference": reference})
        return TransferList.model_validate(response.json()).items
