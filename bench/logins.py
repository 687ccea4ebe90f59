"""Logins per second through the real API: challenge, signature, certificate checks, session.

The stack is the one of bids.py: a fresh database on PostgreSQL (DATABASE_URL, else an
embedded server), the Temporal dev server, the simulators including the certificate
authority (whose root the API trusts), a worker and the API (`nara api` by default).

The stack's operator registers P people (auditors) through the API, and the CA simulator
certifies a fresh EC P-256 key for each (not measured). Then, with C requests in flight:

1. First logins: each person logs in once, which also enrols their certificate (one
   audit event each). A login is what a person's client does: POST /auth/challenge, sign
   b"nara-login\\0" + nonce with the key (ECDSA-SHA256, in this process), POST /auth/login,
   where the API checks the chain with cryptography's X.509 verifier at the database's
   clock, the CA's CRL (cached, CRL_MAX_AGE_S), the subject, the signature and the
   enrolment, and stores a session (only its token's SHA-256).
2. Logins: N more logins spread over the same people (certificates already enrolled).
3. Baseline, in the same process against the same API: N session lookups, GET
   /auth/whoami with the tokens of step 2 (bearer token -> session row, person, CRL check).

Reported: logins/s and latency (whole login, and its two requests), lookups/s, and the
ratio of the two, i.e. what a login costs in units of an authenticated request. Checks:
every answer was a success, and PostgreSQL holds one session per login.
"""

from __future__ import annotations

import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import _common as c
import httpx
from sqlalchemy import func, select


@dataclass
class Phase:
    label: str
    latencies: list[float] = field(default_factory=list)
    challenge_latencies: list[float] = field(default_factory=list)
    answer_latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    def rate(self) -> float:
        return len(self.latencies) / self.wall_s if self.wall_s else 0.0

    def metrics(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "count": len(self.latencies),
            "wall_s": round(self.wall_s, 3),
            "per_s": round(self.rate(), 1),
            "latency_ms": c.latency_summary_ms(self.latencies),
            "errors": len(self.errors),
            "first_errors": self.errors[:3],
        }
        if self.challenge_latencies:
            out["challenge_latency_ms"] = c.latency_summary_ms(self.challenge_latencies)
            out["login_latency_ms"] = c.latency_summary_ms(self.answer_latencies)
        return out


async def register_people(
    http: httpx.AsyncClient, stack: c.ApiStack, people: int, concurrency: int
) -> tuple[list[str], Any]:
    """P auditors registered by the operator, each with a certificate from the CA; (their
    ids, the keyring holding their keys)."""
    operator = await c.login(http, stack, stack.operator)
    tag = uuid.uuid4().hex[:6]
    ids = [f"auditor-{tag}-{i}" for i in range(people)]
    keyring = stack.keyring()

    async def one(person: str) -> None:
        await c.expect(
            await http.post(
                "/people",
                headers=operator,
                json={"id": person, "name": person, "role": "auditor"},
            ),
            201,
        )
        await keyring.credential(person)

    await c.gather_limited(ids, concurrency, one)
    return ids, keyring


async def log_in_all(
    http: httpx.AsyncClient, keyring: Any, people: list[str], phase: Phase, concurrency: int
) -> list[str]:
    """Log each of `people` in (challenge, sign, login), timing each; their tokens."""
    from nara.wallet.login import LoginFailed, answer, challenge

    async def one(person: str) -> str | None:
        credential = keyring.credentials[person]
        t0 = time.perf_counter()
        try:
            issued = await challenge(http, person)
            t1 = time.perf_counter()
            session = await answer(http, credential, issued)
        except (LoginFailed, httpx.HTTPError) as error:
            phase.errors.append(f"{person}: {error}")
            return None
        t2 = time.perf_counter()
        phase.challenge_latencies.append(t1 - t0)
        phase.answer_latencies.append(t2 - t1)
        phase.latencies.append(t2 - t0)
        return session.token

    t0 = time.perf_counter()
    tokens = await c.gather_limited(people, concurrency, one)
    phase.wall_s = time.perf_counter() - t0
    return [t for t in tokens if t]


async def look_up_all(
    http: httpx.AsyncClient, tokens: list[str], phase: Phase, concurrency: int
) -> None:
    """GET /auth/whoami once per token: the cost of resolving a session."""

    async def one(token: str) -> None:
        t0 = time.perf_counter()
        response = await http.get("/auth/whoami", headers={"Authorization": f"Bearer {token}"})
        if response.status_code != 200:
            phase.errors.append(c.problem(response))
            return
        phase.latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await c.gather_limited(tokens, concurrency, one)
    phase.wall_s = time.perf_counter() - t0


async def count_sessions(engine: Any, people: list[str]) -> int:
    from nara.store.db import session_factory
    from nara.store.identity_tables import AuthSession

    async with session_factory(engine)() as s:
        found = await s.scalar(
            select(func.count()).select_from(AuthSession).where(AuthSession.person_id.in_(people))
        )
    return int(found or 0)


async def measure(args: Any) -> c.Outcome:
    with c.progress() as bar:
        setup = bar.add_task("starting the stack", total=1, info="dev server, CA, API, worker")
        t0 = time.perf_counter()
        async with c.api_stack(
            "logins", time_scale=1, api_mode=args.api, api_workers=args.api_workers
        ) as stack:
            stack_s = time.perf_counter() - t0
            bar.update(setup, advance=1, info=f"{stack_s:.1f} s")
            async with c.http_client(stack.api_url, args.concurrency) as http:
                reg = bar.add_task("people and certificates", total=1, info="")
                people, keyring = await register_people(http, stack, args.people, args.concurrency)
                bar.update(reg, advance=1, info=f"{len(people)} people")

                first = Phase("first login (enrols)")
                task = bar.add_task("first logins", total=1, info="")
                await log_in_all(http, keyring, people, first, args.concurrency)
                bar.update(task, advance=1, info=f"{first.rate():.0f}/s")

                again = Phase("login")
                plan = [people[i % len(people)] for i in range(args.logins)]
                task = bar.add_task("logins", total=1, info="")
                tokens = await log_in_all(http, keyring, plan, again, args.concurrency)
                bar.update(task, advance=1, info=f"{again.rate():.0f}/s")

                lookups = Phase("session lookup")
                task = bar.add_task("session lookups (baseline)", total=1, info="")
                await look_up_all(http, tokens, lookups, args.concurrency)
                bar.update(task, advance=1, info=f"{lookups.rate():.0f}/s")
                sessions_in_db = await count_sessions(stack.engine, people)
            await keyring.aclose()

    ratio = lookups.rate() / again.rate() if again.rate() else 0.0
    expected_sessions = len(first.latencies) + len(again.latencies)
    metrics = {
        "stack_start_s": round(stack_s, 2),
        "first_login": first.metrics(),
        "login": again.metrics(),
        "session_lookup": lookups.metrics(),
        "lookups_per_login": round(ratio, 2),
        "sessions_in_db": sessions_in_db,
    }
    checks = {
        "no errors": not (first.errors or again.errors or lookups.errors),
        "one session per login in PostgreSQL": sessions_in_db == expected_sessions,
    }
    rows = []
    for phase in (first, again, lookups):
        m = phase.metrics()
        rows.append((f"{phase.label}: per second", f"{m['per_s']:.1f} ({m['count']} in "
                     f"{m['wall_s']:.2f} s)"))  # fmt: skip
        rows.append((f"{phase.label}: latency p50/p95/p99", c.fmt_ms(m["latency_ms"])))
        if "challenge_latency_ms" in m:
            rows.append(("  POST /auth/challenge", c.fmt_ms(m["challenge_latency_ms"])))
            rows.append(("  sign + POST /auth/login", c.fmt_ms(m["login_latency_ms"])))
        rows.append((f"{phase.label}: errors", str(m["errors"])))
    rows += [
        ("session lookups per login (ratio)", f"{ratio:.2f}"),
        ("sessions in PostgreSQL", f"{sessions_in_db} of {expected_sessions}"),
        ("stack start", c.fmt_s(stack_s)),
    ]
    return c.Outcome(
        params={
            "people": args.people,
            "logins": args.logins,
            "concurrency": args.concurrency,
            "api": args.api,
            "api_workers": args.api_workers if args.api == "process" else None,
        },
        metrics=metrics,
        table=c.table(
            f"Logins: {args.people} people, {args.logins} logins, {args.concurrency} in flight",
            rows,
            caption="challenge + ECDSA signature + certificate checks + session, against a "
            "session lookup (GET /auth/whoami) in the same process",
        ),
        checks=checks,
        notes=[
            "the client signs in this process (ECDSA P-256, a fraction of a millisecond); the "
            "API verifies the chain, the CRL (cached), the signature and writes the challenge "
            "and the session",
            "a first login also enrols the certificate: one audit event under the chain's "
            "head lock",
        ],
    )


def main() -> int:
    p = c.parser(__doc__)
    p.add_argument("-p", "--people", type=c.positive_int, default=100, help="people (P)")
    p.add_argument(
        "-n", "--logins", type=c.positive_int, default=1000, help="logins after the first (N)"
    )
    p.add_argument(
        "-c", "--concurrency", type=c.positive_int, default=16, help="requests in flight (C)"
    )
    p.add_argument("--api", choices=c.API_MODES, default="process", help=c.API_MODE_HELP)
    p.add_argument(
        "--api-workers",
        type=c.positive_int,
        default=1,
        help="uvicorn worker processes of `nara api` (--api process only)",
    )
    args = p.parse_args()
    return c.run("logins", args, lambda: measure(args))


if __name__ == "__main__":
    sys.exit(main())
