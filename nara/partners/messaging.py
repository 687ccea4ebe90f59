"""Delivery adapters for alerts: e-mail and SMS as interfaces, and the logging
implementation this project ships (a real gateway plugs in behind the same interface).

An adapter delivers one message or raises; the worker (`nara.activities.alerts`) records
the attempt and retries with backoff. Nothing here writes a full address or the message
body to the logs: an address is masked (`masked_address`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from nara.logs import get_logger


@dataclass(frozen=True)
class Message:
    """One alert: who it is for, and what it says."""

    notification_id: int
    business_no: str
    address: str
    subject: str
    body: str


class EmailSender(Protocol):
    async def send_email(self, message: Message) -> None:
        """Deliver `message` by e-mail to `message.address`, or raise."""


class SmsSender(Protocol):
    async def send_sms(self, message: Message) -> None:
        """Deliver `message` by SMS to the phone number `message.address`, or raise."""


def masked_address(address: str) -> str:
    """An address as a log may show it: `k***@example.org`, `***-****-5678`."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"***{address[-4:]}" if len(address) > 4 else "***"


class LoggingSender:
    """Both adapters, writing one log line per message instead of sending it: the
    notification, the business, the masked address and the subject (no body)."""

    def __init__(self) -> None:
        self.log = get_logger("nara.alerts.delivery")

    async def _log(self, channel: str, message: Message) -> None:
        self.log.info(
            "alert delivered",
            channel=channel,
            notification_id=message.notification_id,
            business_no=message.business_no,
            to=masked_address(message.address),
            subject=message.subject,
        )

    async def send_email(self, message: Message) -> None:
        await self._log("email", message)

    async def send_sms(self, message: Message) -> None:
        await self._log("sms", message)
