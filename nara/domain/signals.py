"""Signs of lent certificates: competing bids on one tender that share a trace.

The abuse this looks for is a broker bidding for several businesses from one desk with
their lent certificates. Honest competitors prepare and send their bids apart; a broker's
bids share what the broker holds: the passkey that confirmed them, the certificate the
session was opened with, the network address they came from, or the person who sent
them. Every bid records those traces (`bid` columns); at the opening, `shared_traces`
compares the bids of one tender and returns one `Signal` per value that two or more
competing businesses share. A signal is a reason for the officer to look, not a verdict
(two firms in one shared office building may well share an address).

Pure: no I/O. The opening activity stores the signals, records an audit event for each,
and `GET /tenders/{n}/signals` lists them.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Trace(StrEnum):
    """What competing bids may share (in the order signals are listed)."""

    AGENT = "agent"  # the person who submitted the bid
    PASSKEY = "passkey"  # the passkey credential id whose assertion confirmed the bid
    CERTIFICATE = "certificate"  # SHA-256 fingerprint of the session's certificate
    ADDRESS = "address"  # the client network address the bid came from


_ORDER = {trace: n for n, trace in enumerate(Trace)}


@dataclass(frozen=True)
class BidTraces:
    """What one bid was sent with. None: not recorded (bids from before the records)."""

    business_no: str
    agent_id: str | None = None
    passkey_credential_id: str | None = None
    certificate_fingerprint: str | None = None
    client_address: str | None = None

    def value(self, trace: Trace) -> str | None:
        """The bid's value of `trace`, in the form values are compared in."""
        if trace is Trace.AGENT:
            return self.agent_id or None
        if trace is Trace.PASSKEY:
            return self.passkey_credential_id or None
        if trace is Trace.CERTIFICATE:
            return self.certificate_fingerprint.lower() if self.certificate_fingerprint else None
        return normal_address(self.client_address)


@dataclass(frozen=True)
class Signal:
    """Competing businesses whose bids share one value of one trace.

    Attributes:
        trace: What they share.
        value: The shared value (an agent id, a credential id, a certificate fingerprint,
            an address).
        business_nos: The businesses, sorted; always two or more.
    """

    trace: Trace
    value: str
    business_nos: tuple[str, ...]

    def describe(self) -> str:
        """One line for the opening report and the audit log."""
        n = len(self.business_nos)
        if self.trace is Trace.AGENT:
            return f"agent {self.value} submitted bids for {n} competing businesses"
        if self.trace is Trace.PASSKEY:
            return f"passkey {self.value} confirmed bids for {n} competing businesses"
        if self.trace is Trace.CERTIFICATE:
            return f"certificate {self.value[:16]} was used for bids of {n} competing businesses"
        return f"address {self.value} sent bids for {n} competing businesses"

    def as_dict(self) -> dict[str, object]:
        """Plain data, for storage and the audit log."""
        return {
            "trace": self.trace.value,
            "value": self.value,
            "business_nos": list(self.business_nos),
            "text": self.describe(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Signal:
        """The signal `as_dict` stored."""
        nos = data["business_nos"]
        assert isinstance(nos, list)
        return cls(
            trace=Trace(str(data["trace"])),
            value=str(data["value"]),
            business_nos=tuple(str(no) for no in nos),
        )


def normal_address(address: str | None) -> str | None:
    """An address in one spelling: `::ffff:10.0.0.1` is `10.0.0.1`, IPv6 compressed and
    lower case. Text that is not an IP address (a Unix socket's name) is kept as it is."""
    if not address:
        return None
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(parsed)


def shared_traces(bids: Iterable[BidTraces]) -> tuple[Signal, ...]:
    """Every value of every trace that bids of two or more different businesses share.

    The same bids in any order give the same signals: by trace (agent, passkey,
    certificate, address), then by value. A missing value is never shared.
    """
    holders: dict[tuple[Trace, str], set[str]] = defaultdict(set)
    for bid in bids:
        for trace in Trace:
            value = bid.value(trace)
            if value is not None:
                holders[(trace, value)].add(bid.business_no)
    return tuple(
        Signal(trace=trace, value=value, business_nos=tuple(sorted(businesses)))
        for (trace, value), businesses in sorted(
            holders.items(), key=lambda item: (_ORDER[item[0][0]], item[0][1])
        )
        if len(businesses) > 1
    )
