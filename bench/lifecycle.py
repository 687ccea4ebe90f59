"""Wall time of one full tender lifecycle on Temporal's time-skipping server.

Each lifecycle is the one of tests/workflows/test_tender_lifecycle.py: a goods tender with a
30-day notice period, three sealed bids (each with a bid guarantee from the guarantee-agency
simulator, made by the bidder client `nara.wallet.bidder.sealed_bid`: sealed to the tender's
key, signed with the agent's certificate key from the CA simulator, confirmed with their
passkey on a software authenticator; submitted through the bidding service
`nara.services.bids.submit`, which checks all three), opening (the key service decrypts),
qualification review and award, the performance guarantee, both signatures, then three
payments (advance, a progress payment with a subcontractor's direct share 30 days later,
the final payment 30 more days later), each inspected and transferred by the bank simulator.

Real activities on a real PostgreSQL (DATABASE_URL, else an embedded server), the real
worker (`build_worker`) with the local key service judging the close by the time-skipping
server's clock (`nara.testing.keys`), the simulators and the certificate authority in
threads. One time-skipping server and one worker serve all repetitions; every repetition
registers its own agency and businesses. The time is measured from starting the workflow
to its result (registration excluded), and split into stages. Months of timers pass in
milliseconds: what is left is the cost of the activities, the workflow tasks and the round
trips.
"""

from __future__ import annotations

import functools
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import _common as c
from sqlalchemy import func, select

STAGES = ("announce", "bids", "close+open", "award+contract", "payments", "result")


async def _register(sessions: Any, partners: Any, ca: Any, businesses: int) -> dict[str, Any]:
    """An agency, officer, inspector and businesses with agents, through the registry
    service (each write audited, as through the API); bank accounts at the simulator; each
    agent's passkey and certificate."""
    from nara.domain.enums import AgencyKind, Role
    from nara.services import actors, registry

    tag = uuid.uuid4().hex[:8]
    cast: dict[str, Any] = {
        "agency": f"A{tag}",
        "officer": f"officer-{tag}",
        "inspector": f"inspector-{tag}",
        "agency_account": f"AG-{tag}",
        "businesses": c.business_numbers(businesses, seed=int(tag, 16)),
        "agents": {},
        "accounts": {},
    }
    bench = actors.console("bench")  # set-up with DATABASE_URL in hand: no session here
    async with sessions.begin() as s:
        await registry.create_agency(
            session=s,
            actor=bench,
            code=cast["agency"],
            name=f"Bench agency {tag}",
            kind=AgencyKind.NATIONAL,
            account_no=cast["agency_account"],
        )
        for person, role in ((cast["officer"], Role.OFFICER), (cast["inspector"], Role.INSPECTOR)):
            await registry.create_person(
                session=s,
                actor=bench,
                person_id=person,
                name=person,
                role=role,
                agency_code=cast["agency"],
            )
        for i, no in enumerate(cast["businesses"]):
            agent, account = f"agent-{tag}-{i}", f"BZ-{tag}-{i}"
            cast["agents"][no], cast["accounts"][no] = agent, account
            await registry.create_business(
                session=s,
                actor=bench,
                business_no=no,
                name=f"Bench business {i}",
                account_no=account,
                region=None,
            )
            await registry.create_person(
                session=s,
                actor=bench,
                person_id=agent,
                name=agent,
                role=Role.SUPPLIER,
                agency_code=None,
            )
            await registry.create_agent(session=s, actor=bench, business_no=no, person_id=agent)
    await partners.bank.open_account(
        account_no=cast["agency_account"], holder=cast["agency"], balance=10_000_000_000
    )
    for no in cast["businesses"]:
        await partners.bank.open_account(account_no=cast["accounts"][no], holder=no, balance=0)
    cast["passkeys"] = {no: await _passkey(sessions, cast["agents"][no]) for no in cast["agents"]}
    cast["credentials"] = {
        no: await _certificate(sessions, ca, cast["agents"][no], no) for no in cast["agents"]
    }
    return cast


async def _certificate(sessions: Any, ca: Any, agent: str, business_no: str) -> Any:
    """A key certified by the CA simulator for the agent (bound to their business), enrolled
    by a login through the login service (challenge, signature, session); the credential."""
    from nara.services.identity import login
    from nara.wallet.login import enrol

    credential = await enrol(ca.client, agent, business_no=business_no)
    async with sessions() as s:
        challenge = await login.issue_challenge(session=s, verifier=ca.verifier, person_id=agent)
        await s.commit()
        await login.login(
            session=s,
            verifier=ca.verifier,
            challenge_id=challenge.challenge_id,
            certificate_pem=credential.certificate_pem,
            signature=credential.sign_login(challenge.nonce),
            client_address=None,
        )
        await s.commit()
    return credential


@functools.cache
def _rp() -> Any:
    """The relying party of the passkeys here (the settings' defaults)."""
    from nara.services.passkeys import RelyingParty

    return RelyingParty(rp_id="localhost", rp_name="Nara bench", origin="http://localhost:8000")


async def _passkey(sessions: Any, agent: str) -> Any:
    """A passkey for the agent on a software authenticator, enrolled through the passkey
    service (registration options, the authenticator, enrolment); the authenticator."""
    from nara.services import actors
    from nara.services.passkeys import RegistrationCredential, enrolment
    from nara.wallet.passkeys import SoftwareAuthenticator

    device = SoftwareAuthenticator()
    async with sessions() as s:
        actor = await actors.get_actor(session=s, person_id=agent)
        options = await enrolment.registration_options(session=s, rp=_rp(), actor=actor)
        await s.commit()
        answer = device.create(options.public_key, origin=_rp().origin)
        await enrolment.enrol(
            session=s,
            rp=_rp(),
            actor=actor,
            challenge_id=options.challenge_id,
            credential=RegistrationCredential.from_webauthn(answer),
            name="bench",
        )
        await s.commit()
    return device


def _terms(cast: dict[str, Any], now: datetime) -> Any:
    from nara.contracts.tender import TenderTerms
    from nara.domain.enums import AgencyKind, Category, Method
    from nara.domain.identifiers import NoticeNo

    deadline = (now + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
    notice = NoticeNo(now.year, random.randrange(10**6, 10**7 - 1), 0)
    return TenderTerms(
        notice_no=str(notice),
        agency_code=cast["agency"],
        agency_kind=AgencyKind.NATIONAL,
        officer_id=cast["officer"],
        title="Office furniture for the regional office (bench)",
        category=Category.GOODS,
        method=Method.GENERAL,
        estimated_price=100_000_000,
        base_amount=100_000_000,
        announced_at=now,
        deadline=deadline,
        opening_at=deadline + timedelta(hours=1),
    )


async def _bid(
    sessions: Any,
    partners: Any,
    keys: Any,
    cast: dict[str, Any],
    notice_no: str,
    business: str,
    price: int,
    picks: tuple[int, int],
) -> None:
    """A bid guarantee from the agency, then the bid as the bidder client makes it (sealed
    to the tender's key, signed, confirmed with the agent's passkey) through the bidding
    service, which checks the signature, the passkey and that the bid will open."""
    from nara.domain.identifiers import NoticeNo
    from nara.domain.sealing import SealedBid, b64url
    from nara.services import actors, bids
    from nara.services.passkeys import PasskeyAssertion
    from nara.wallet.bidder import TenderKey, sealed_bid

    cert = await partners.guarantee_agency.issue(
        kind="bid",
        reference=NoticeNo.parse(notice_no).base,
        business_no=business,
        amount=price // 20 + 1,
        beneficiary=cast["agency"],
        idempotency_key=uuid.uuid4().hex,
    )
    key = await keys.tender_key(notice_no=notice_no)  # what GET .../sealing-key answers
    tender_key = TenderKey.from_json(
        {
            "notice_no": key.notice_no,
            "key_id": key.key_id,
            "public_key": b64url(key.public_key),
            "reserve_commitment": key.reserve_commitment,
            "suite": _suite(),
        }
    )
    body = sealed_bid(
        cast["credentials"][business],
        cast["passkeys"][business],
        tender_key,
        {
            "business_no": business,
            "price": price,
            "reserve_picks": list(picks),
            "client_key": uuid.uuid4().hex,
            "bid_guarantee_cert": cert.certificate_no,
        },
        origin=_rp().origin,
    )
    async with sessions() as s:
        actor = await actors.get_actor(session=s, person_id=cast["agents"][business])
        await bids.submit(
            session=s,
            rp=_rp(),
            keys=keys,
            actor=actor,
            notice_no=notice_no,
            draft=bids.BidDraft(
                business_no=body["business_no"],
                bid_guarantee_cert=body["bid_guarantee_cert"],
                client_key=body["client_key"],
                tender_key_id=body["tender_key_id"],
                sealed=SealedBid.from_json(body["sealed"]),
                signature=body["signature"],
                signing_certificate=body["signing_certificate"],
                passkey_assertion=PasskeyAssertion.from_webauthn(body["passkey_assertion"]),
            ),
        )
        await s.commit()


def _suite() -> str:
    from nara.domain.sealing import SUITE_NAME

    return SUITE_NAME


async def _wait_phase(handle: Any, phase: Any, poll_s: float) -> Any:
    from nara.workflows.tender import TenderWorkflow

    async def probe() -> Any:
        status = await handle.query(TenderWorkflow.status)
        return status if status.phase is phase else None

    return await c.wait_until(probe, timeout_s=60, every_s=poll_s, what=f"phase {phase.value}")


async def one_lifecycle(
    env: Any, engine: Any, partners: Any, ca: Any, keys: Any, queue: str, poll_s: float
) -> tuple[float, dict[str, float]]:
    """One tender from announcement to final payment; (total seconds, seconds per stage)."""
    from nara.contracts.payment import Inspect
    from nara.contracts.tender import (
        ApproveAward,
        ClaimPayment,
        PostPerformanceGuarantee,
        ReviewCandidate,
        SignContract,
        TenderInput,
    )
    from nara.domain.enums import Phase, Role
    from nara.services.actors import Actor
    from nara.services.ops import tokens
    from nara.store.tables import Tender
    from nara.workflows.payment import PaymentWorkflow
    from nara.workflows.tender import TenderWorkflow, tender_workflow_id

    def signed(command: Any, workflow_id: str, person: str, role: Role, action: Any) -> Any:
        """The command with the person's token, as the API signs it."""
        command.token = tokens.issue(
            keys=keys,
            actor=Actor(id=person, name="", role=role, agency_code=None),
            action=action,
            workflow_id=workflow_id,
            reason=action,
            args=command.token_args(),
        )
        return command

    sessions = c_sessions(engine)
    cast = await _register(sessions, partners, ca, businesses=3)
    winner, runner_up, third = cast["businesses"]
    terms = _terms(cast, await env.get_current_time())
    stages: dict[str, float] = {}
    started = mark = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        stages[stage] = now - mark
        mark = now

    handle = await env.client.start_workflow(
        TenderWorkflow.run,
        TenderInput(terms=terms),
        id=tender_workflow_id(terms.notice_no),
        task_queue=queue,
    )

    async def bidding_open() -> bool:
        async with sessions() as s:
            row = await s.scalar(
                select(Tender.bidding_open).where(Tender.notice_no == terms.notice_no)
            )
            return bool(row)

    await c.wait_until(bidding_open, timeout_s=60, every_s=poll_s, what="bidding open")
    lap("announce")

    await _bid(sessions, partners, keys, cast, terms.notice_no, winner, 90_500_000, (1, 8))
    await _bid(sessions, partners, keys, cast, terms.notice_no, runner_up, 93_000_000, (8, 15))
    await _bid(sessions, partners, keys, cast, terms.notice_no, third, 95_000_000, (4, 8))
    lap("bids")

    await env.sleep(timedelta(days=31))
    status = await _wait_phase(handle, Phase.EVALUATING, poll_s)
    c.bail_if(status.bid_count != 3, f"expected 3 bids at opening, saw {status.bid_count}")
    c.bail_if(
        status.candidate is None or status.candidate.business_no != winner,
        f"expected {winner} as first candidate, saw {status.candidate}",
    )
    lap("close+open")

    officer = cast["officer"]
    outcome = await handle.execute_update(
        TenderWorkflow.review_candidate,
        ReviewCandidate(officer_id=officer, business_no=winner, capability_score=70),
    )
    c.bail_if(not outcome.passed, f"the winner did not pass review: {outcome}")
    award = await handle.execute_update(
        TenderWorkflow.approve_award,
        signed(
            ApproveAward(officer_id=officer, business_no=winner),
            handle.id,
            officer,
            Role.OFFICER,
            "award",
        ),
    )
    status = await handle.query(TenderWorkflow.status)
    cert = await partners.guarantee_agency.issue(
        kind="performance",
        reference=status.contract_no,
        business_no=winner,
        amount=award.performance_guarantee_min,
        beneficiary=cast["agency"],
        idempotency_key=uuid.uuid4().hex,
    )
    agent = cast["agents"][winner]
    await handle.execute_update(
        TenderWorkflow.post_performance_guarantee,
        PostPerformanceGuarantee(
            person_id=agent, business_no=winner, certificate_no=cert.certificate_no
        ),
    )
    await handle.execute_update(
        TenderWorkflow.sign_contract,
        signed(
            SignContract(person_id=agent, role=Role.SUPPLIER, business_no=winner),
            handle.id,
            agent,
            Role.SUPPLIER,
            "sign",
        ),
    )
    await handle.execute_update(
        TenderWorkflow.sign_contract,
        signed(
            SignContract(person_id=officer, role=Role.OFFICER),
            handle.id,
            officer,
            Role.OFFICER,
            "sign",
        ),
    )
    await _wait_phase(handle, Phase.CONTRACTED, poll_s)
    lap("award+contract")

    claims = [
        ClaimPayment(person_id=agent, business_no=winner, kind="advance", amount=27_000_000),
        ClaimPayment(
            person_id=agent,
            business_no=winner,
            kind="progress",
            amount=30_000_000,
            subcontract_amount=5_000_000,
            subcontractor_no=third,
        ),
        ClaimPayment(person_id=agent, business_no=winner, kind="final", amount=33_500_000),
    ]
    for i, claim in enumerate(claims):
        if i:
            await env.sleep(timedelta(days=30))
        claimed = await handle.execute_update(
            TenderWorkflow.claim_payment, signed(claim, handle.id, agent, Role.SUPPLIER, "claim")
        )
        payment = env.client.get_workflow_handle_for(PaymentWorkflow.run, claimed.workflow_id)
        inspector = cast["inspector"]
        await payment.execute_update(
            PaymentWorkflow.inspect,
            signed(
                Inspect(inspector_id=inspector, accepted=True),
                payment.id,
                inspector,
                Role.INSPECTOR,
                "inspect",
            ),
        )
        paid = await payment.result()
        c.bail_if(paid.status != "paid", f"payment {claimed.payment_id} ended {paid.status}")
    lap("payments")

    result = await handle.result()
    lap("result")
    total = time.perf_counter() - started
    c.bail_if(result.phase is not Phase.COMPLETED, f"the tender ended {result.phase}")
    c.bail_if(result.paid_total != 90_500_000, f"paid {result.paid_total}, expected 90,500,000")
    return total, stages


class _Authority:
    """The CA simulator's client (its admin token issues certificates) and the login
    service's verifier trusting its root."""

    def __init__(self, sim: Any) -> None:
        from nara.partners.ca import CertificateAuthorityClient
        from nara.services.identity.models import SessionPolicy
        from nara.services.identity.verifier import Verifier

        self.client = CertificateAuthorityClient(sim.url, admin_token=sim.admin_token)
        self.verifier = Verifier(
            root_paths=[sim.root_pem],
            ca=CertificateAuthorityClient(sim.url),
            crl_max_age_s=60.0,
            policy=SessionPolicy(),
        )

    async def __aenter__(self) -> _Authority:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.client.aclose()
        await self.verifier.ca.aclose()


def c_sessions(engine: Any) -> Any:
    from nara.store.db import session_factory

    return session_factory(engine)


async def measure(args: Any) -> c.Outcome:
    from nara.store.db import create_engine
    from nara.store.tables import Payment
    from nara.testing.keys import TimeSkippingKeys
    from nara.workers.main import build_worker

    totals: list[float] = []
    per_stage: dict[str, list[float]] = {stage: [] for stage in STAGES}
    server_starts: list[float] = []
    with c.progress() as bar:
        setup = bar.add_task("starting PostgreSQL and simulators", total=2, info="")
        t0 = time.perf_counter()
        with c.database("lifecycle") as url:
            bar.advance(setup)
            engine = create_engine(url, pool_size=10, application_name="bench-lifecycle")
            try:
                with (
                    c.simulators() as (guarantee, bank),
                    c.certificate_authority() as ca_sim,
                    tempfile.TemporaryDirectory(prefix="nara-bench-keys-") as key_dir,
                ):
                    async with (
                        c.partners(guarantee.url, bank.url) as partners,
                        _Authority(ca_sim) as ca,
                    ):
                        bar.advance(setup)
                        setup_s = time.perf_counter() - t0
                        runs = bar.add_task(
                            "full lifecycles", total=args.repeat + args.warmup, info=""
                        )
                        for i in range(args.warmup + args.repeat):
                            # A fresh time-skipping server and worker per lifecycle, as
                            # tests/workflows has per test: awaiting a result lets the
                            # server skip to any far timer (see the notes), and the next
                            # lifecycle would start years later.
                            ts0 = time.perf_counter()
                            async with c.time_skipping_server() as env:
                                queue = c.new_queue("lifecycle")
                                keys = TimeSkippingKeys(c_sessions(engine), Path(key_dir), env)
                                worker = build_worker(
                                    env.client,
                                    task_queue=queue,
                                    engine=engine,
                                    partners=partners,
                                    keys=keys,
                                )
                                async with worker:
                                    server_starts.append(time.perf_counter() - ts0)
                                    total, stages = await one_lifecycle(
                                        env,
                                        engine,
                                        partners,
                                        ca,
                                        keys,
                                        queue,
                                        args.poll_ms / 1000,
                                    )
                            warm = i < args.warmup
                            if not warm:
                                totals.append(total)
                                for stage, value in stages.items():
                                    per_stage[stage].append(value)
                            bar.update(
                                runs,
                                advance=1,
                                info=f"last {total:.2f} s" + (" (warm-up)" if warm else ""),
                            )
                async with c_sessions(engine)() as s:
                    payments = await s.scalar(
                        select(func.count()).select_from(Payment).where(Payment.status == "paid")
                    )
            finally:
                await engine.dispose()

    metrics = {
        "lifecycles": len(totals),
        "lifecycle_s": {
            "min": round(min(totals), 3),
            "median": round(statistics.median(totals), 3),
            "max": round(max(totals), 3),
            "mean": round(statistics.fmean(totals), 3),
            "all": [round(t, 3) for t in totals],
        },
        "stage_median_s": {
            stage: round(statistics.median(values), 3) for stage, values in per_stage.items()
        },
        "time_skipping_server_and_worker_start_s": round(statistics.median(server_starts), 3),
        "setup_s": round(setup_s, 2),
        "payments_paid": payments,
    }
    rows = [
        ("lifecycles measured", f"{len(totals)} (+{args.warmup} warm-up)"),
        ("lifecycle min", c.fmt_s(min(totals))),
        ("lifecycle median", c.fmt_s(statistics.median(totals))),
        ("lifecycle max", c.fmt_s(max(totals))),
        ("", ""),
        *((f"  {stage} (median)", c.fmt_s(v)) for stage, v in metrics["stage_median_s"].items()),
        ("", ""),
        ("time-skipping server + worker start (median)", c.fmt_s(statistics.median(server_starts))),
        ("setup (PostgreSQL, migrations, simulators)", c.fmt_s(setup_s)),
    ]
    expected_paid = 3 * (args.repeat + args.warmup)
    return c.Outcome(
        params={
            "repeat": args.repeat,
            "warmup": args.warmup,
            "poll_ms": args.poll_ms,
            "notice_days": 30,
            "bids": 3,
            "payments": 3,
            "months_of_payments": 2,
        },
        metrics=metrics,
        table=c.table(
            "Tender lifecycle on the time-skipping server",
            rows,
            caption="30-day notice, 3 bids, award, guarantee, signatures, 3 payments over 2 months",
        ),
        checks={"every payment paid": payments == expected_paid},
        notes=[
            "time from start_workflow to the workflow result; registration and bank accounts "
            "excluded",
            f"stages are polled every {args.poll_ms} ms (DB for bidding open, query for phases)",
        ],
    )


def main() -> int:
    p = c.parser(__doc__)
    p.add_argument("-n", "--repeat", type=c.positive_int, default=5, help="lifecycles measured")
    p.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="lifecycles run first and not counted (imports, sandbox, connection pools)",
    )
    p.add_argument(
        "--poll-ms", type=float, default=10.0, help="polling interval while waiting for a phase"
    )
    args = p.parse_args()
    return c.run("lifecycle", args, lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main())
