"""The week's story: each tender played through the API from announcement to final payment."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from nara.demo.api import Api, DemoError
from nara.demo.cast import Business, Cast
from nara.demo.partners import GuaranteeAgency
from nara.demo.plan import BID_SHARES, Plan
from nara.demo.progress import Board, TenderBar
from nara.domain.calendar import SEOUL
from nara.domain.enums import AgencyKind, Category
from nara.domain.identifiers import NoticeNo
from nara.domain.rules import rules_on

POLL_S = 0.5


def full_capability(detail: dict[str, Any]) -> Decimal:
    """Every capability point the tender's qualification table gives (the officer found
    the documents complete): 100 minus the price points of its band, law and date."""
    row = rules_on(
        datetime.fromisoformat(detail["announced_at"]).astimezone(SEOUL).date()
    ).qualification(
        category=Category(detail["category"]),
        estimated_price=int(detail["estimated_price"]),
        agency_kind=AgencyKind(detail["agency_kind"]),
    )
    return row.capability_points


@dataclass
class Week:
    """What the tenders share (the API, the guarantee agency, the cast, the dice, the
    board) and what they record: every notice announced, re-announced and completed."""

    api: Api
    guarantees: GuaranteeAgency
    cast: Cast
    rng: random.Random
    board: Board
    announced: list[str] = field(default_factory=list)
    re_announced: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    poll_s: float = POLL_S  # how often a story polls its tender; more tenders, less often

    async def play(self, plan: Plan) -> None:
        """One tender's whole life; DemoError if it cannot be finished."""
        await TenderStory(self, plan, self.board.add(plan)).play()


class TenderStory:
    """One tender, played by its officer, the bidders' agents and its inspector."""

    next_round_s = 60.0
    """How long a failed round's re-announcement may take to appear."""

    def __init__(self, week: Week, plan: Plan, bar: TenderBar) -> None:
        self.week, self.plan, self.bar = week, plan, bar
        self.api = week.api
        self.notice = ""

    async def play(self) -> None:
        await self._announce()
        winner, guarantee_min = await self._award()
        await self._contract(winner, guarantee_min)
        await self._pay(winner)
        await self._wait("completed")
        self.week.completed.append(self.notice)

    async def _announce(self) -> None:
        plan = self.plan
        deadline = datetime.now().astimezone() + timedelta(seconds=plan.notice_s)
        tender = await self.api.call(
            "POST",
            "/tenders",
            person=plan.agency.officer,
            json={
                "title": plan.title,
                "description": "announced by the demo week",
                "category": plan.category,
                "method": "general",
                "estimated_price": plan.estimated_price,
                "urgent": plan.urgent,
                "deadline": deadline.isoformat(),
                "opening_at": (deadline + timedelta(seconds=3)).isoformat(),
                "region": plan.agency.name.split()[0],
            },
        )
        self.notice = tender["notice_no"]
        self.week.announced.append(self.notice)

    async def _award(self) -> tuple[Business, int]:
        """Bid round after round until an award is approved: (winner, minimum
        performance guarantee). A failed round is re-announced by the workflow."""
        bidders = self.plan.bidders
        while True:
            self.bar.show(self.notice, "announced")
            await self._wait("bidding")
            await self._bid(bidders)
            detail = await self._wait("evaluating", "failed")
            if detail["live"]["phase"] == "failed":
                await self._next_round()
                bidders = self.week.rng.sample(
                    self.week.cast.businesses, len(BID_SHARES[self.plan.category])
                )
                continue
            award = await self._evaluate(detail)
            if award is not None:
                return award
            await self._next_round()  # no candidate passed: the workflow re-announces

    async def _wait(self, *phases: str, timeout_s: float = 180.0) -> dict[str, Any]:
        """Poll until the workflow's live phase is one of `phases`."""
        give_up = time.monotonic() + timeout_s
        while True:
            detail = await self.api.tender(self.notice)
            phase = (detail.get("live") or {}).get("phase") or detail["phase"]
            self.bar.show(self.notice, phase)
            if phase in phases and detail.get("live"):  # live: null when the query timed out
                return detail
            if phase == "cancelled" or (phase == "failed" and "failed" not in phases):
                raise DemoError(f"tender {self.notice} ended {phase}: {detail.get('outcome_note')}")
            if time.monotonic() > give_up:
                raise DemoError(
                    f"tender {self.notice} stayed {phase} for {timeout_s:.0f} s while waiting "
                    f"for {' or '.join(phases)}; see workflow tender-{self.notice} in the Web UI"
                )
            await self._pause(phases)

    async def _pause(self, phases: tuple[str, ...]) -> None:
        """Between two reads of the tender while waiting for one of `phases`."""
        await asyncio.sleep(self.week.poll_s)

    async def _next_round(self) -> None:
        """Follow the failed tender to the round its workflow re-announced."""
        give_up = time.monotonic() + self.next_round_s
        while time.monotonic() < give_up:
            detail = await self.api.tender(self.notice)
            if detail.get("next_round"):
                self.week.re_announced.append(self.notice)
                self.week.announced.append(detail["next_round"])
                self.bar.note("failed: re-announced")
                self.notice = str(detail["next_round"])
                return
            await asyncio.sleep(self.week.poll_s)
        raise DemoError(f"tender {self.notice} failed but no re-announcement appeared")

    async def _bid(self, bidders: list[Business]) -> None:
        """Every bidder gets a bid guarantee and bids, all at once."""
        shares = BID_SHARES[self.plan.category]
        await asyncio.gather(
            *(self._bid_one(b, shares[i % len(shares)]) for i, b in enumerate(bidders))
        )

    async def _bid_one(self, business: Business, share: int) -> None:
        price = self.plan.estimated_price * share // 100_000 // 1000 * 1000
        cert = await self.week.guarantees.issue(
            kind="bid",
            reference=NoticeNo.parse(self.notice).base,
            business_no=business.no,
            amount=-(-price // 20),  # 5% of the price, rounded up
            beneficiary=self.plan.agency.code,
        )
        picks = self.week.rng.sample(range(1, 16), 2)
        await self.api.bid(
            business.agent,
            self.notice,
            {
                "business_no": business.no,
                "price": price,
                "reserve_picks": picks,
                "bid_guarantee_cert": cert,
                "client_key": f"{self.notice}:{business.no}",
            },
        )

    async def _evaluate(self, detail: dict[str, Any]) -> tuple[Business, int] | None:
        """Review candidates in rank order until one passes, then approve the award;
        (winner, minimum performance guarantee), or None when nobody passed."""
        officer = self.plan.agency.officer
        candidate = detail["live"]["candidate"]
        while candidate is not None:
            outcome = await self.api.call(
                "POST",
                f"/tenders/{self.notice}/review",
                person=officer,
                json={
                    "business_no": candidate["business_no"],
                    "capability_score": str(full_capability(detail)),
                    "note": "documents complete",
                },
            )
            if outcome["passed"]:
                award = await self.api.call(
                    "POST",
                    f"/tenders/{self.notice}/award",
                    person=officer,
                    json={"business_no": candidate["business_no"]},
                )
                winner = self.week.cast.business(candidate["business_no"])
                return winner, int(award["performance_guarantee_min"])
            candidate = outcome.get("next_candidate")
        return None

    async def _contract(self, winner: Business, guarantee_min: int) -> None:
        """The winner posts a performance guarantee; both sides sign."""
        detail = await self._wait("awarded")
        cert = await self.week.guarantees.issue(
            kind="performance",
            reference=detail["live"]["contract_no"],
            business_no=winner.no,
            amount=guarantee_min,
            beneficiary=self.plan.agency.code,
        )
        path = f"/tenders/{self.notice}"
        await self.api.call(
            "POST",
            f"{path}/performance-guarantee",
            person=winner.agent,
            json={"business_no": winner.no, "certificate_no": cert},
        )
        await self.api.call(
            "POST", f"{path}/sign", person=winner.agent, json={"business_no": winner.no}
        )
        await self.api.call("POST", f"{path}/sign", person=self.plan.agency.officer, json={})
        await self._wait("contracted", "paying")

    async def _pay(self, winner: Business) -> None:
        """The winner claims each planned payment; the inspector accepts; the bank pays."""
        detail = await self.api.tender(self.notice)
        total = int(detail["live"]["contract_amount"])
        claimed = 0
        others = [b for b in self.week.cast.businesses if b.no != winner.no]
        for kind, share, subcontracted in self.plan.payments:
            amount = total - claimed if kind == "final" else total * share // 10_000
            body: dict[str, Any] = {"business_no": winner.no, "kind": kind, "amount": amount}
            if subcontracted:
                body["subcontract_amount"] = amount // 4
                body["subcontractor_no"] = self.week.rng.choice(others).no
            claim = await self.api.call(
                "POST", f"/tenders/{self.notice}/payments", person=winner.agent, json=body
            )
            self.bar.note(f"paying: {kind}")
            await self.api.call(
                "POST",
                f"/payments/{claim['payment_id']}/inspection",
                person=self.plan.agency.inspector,
                json={"accepted": True, "note": f"{kind} work inspected"},
            )
            await self._paid(claim["payment_id"])
            claimed += amount

    async def _paid(self, payment_id: str, timeout_s: float = 600.0) -> None:
        """Poll, as the inspector, until the payment is paid. A transfer the bank refused
        is retried with backoff growing to 5 minutes (`PARTNER_RETRY`): a payment caught
        by a run of bank faults is paid minutes later, not lost, so the wait allows it."""
        person = self.plan.agency.inspector
        give_up = time.monotonic() + timeout_s
        while time.monotonic() < give_up:
            # The record only (live=false): a live read is a workflow query, and the
            # week's hundreds of payments followed at once kept the worker from paying.
            payment = await self.api.call(
                "GET", f"/payments/{payment_id}?live=false", person=person
            )
            record = payment.get("record") or {}
            if record.get("status") == "paid":
                return
            if record.get("status") == "rejected":
                raise DemoError(f"{payment_id} was rejected")
            await asyncio.sleep(self.week.poll_s)
        raise DemoError(f"{payment_id} was not paid within {timeout_s:.0f} s; see the Web UI")
