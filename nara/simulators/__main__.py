"""Command line: `python -m nara.simulators {guarantee,bank,ca} [--port N] [--ledger PATH]`.

The admin token comes from SIMULATOR_ADMIN_TOKEN (or `--admin-token`); without one the
simulator refuses to start.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from nara.settings import get_settings, reveal
from nara.simulators import bank, ca, guarantee_agency

_SIMULATORS: dict[str, tuple[Callable[..., FastAPI], int]] = {
    # default ports match the defaults of GUARANTEE_AGENCY_URL, BANK_URL and CA_URL
    "guarantee": (guarantee_agency.create_app, 8101),
    "bank": (bank.create_app, 8102),
    "ca": (ca.create_app, 8103),
}

_EPILOG = """\
Every simulator also serves:
  GET /health             liveness
  GET /_ledger            every ledger row (for tests and the demo report)   [admin]
  POST|GET|DELETE /_faults arm, list, clear faults: latency, timeout, error_5xx,
                          outage, commit_then_timeout (see nara/simulators/faults.py)  [admin]
  GET /docs               the OpenAPI docs
The bank's POST /accounts and the certificate authority's POST /certificates and
POST /certificates/{serial}/revoke are admin routes too; the CA also serves GET /crl
(DER) and GET /ca.pem (its root, made in --ca-dir on first start). Admin routes
answer 401 unless the request carries `Authorization: Bearer <admin token>`; the
simulator does not start without a token (SIMULATOR_ADMIN_TOKEN, or --admin-token).

examples:
  export SIMULATOR_ADMIN_TOKEN=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')
  python -m nara.simulators bank --ledger var/bank.sqlite3
  python -m nara.simulators guarantee --port 9101
  python -m nara.simulators ca --ca-dir var/ca --ledger var/simulators/ca.sqlite3
  curl -X POST localhost:8102/_faults -H 'content-type: application/json' \\
       -H "Authorization: Bearer $SIMULATOR_ADMIN_TOKEN" \\
       -d '{"mode": "commit_then_timeout", "path_prefix": "/transfers", "count": 1}'
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nara.simulators",
        description="Run a simulator of an external partner of the Nara back office: "
        "a guarantee agency (issues and confirms guarantees, pays claims), a bank "
        "(accounts and idempotent transfers) or a certificate authority (people's "
        "certificates, revocation, CRL). Each keeps a ledger and injects faults on demand.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("simulator", choices=sorted(_SIMULATORS), help="which partner to simulate")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to listen on (default: %(default)s, loopback only)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="port to listen on (default: 8101 for guarantee, 8102 for bank, 8103 for ca)",
    )
    parser.add_argument(
        "--ca-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="ca only: where its root key and certificate live, made on first start "
        "(default: NARA_VAR_DIR/ca)",
    )
    parser.add_argument(
        "--ledger",
        type=Path,
        default=None,
        metavar="PATH",
        help="SQLite file for the ledger, kept across restarts "
        "(default: in memory, lost when the simulator stops)",
    )
    parser.add_argument(
        "--hang-ms",
        type=int,
        default=30_000,
        metavar="MS",
        help="how long injected timeouts hang when a fault gives no hang_ms (default: %(default)s)",
    )
    parser.add_argument(
        "--admin-token",
        default=None,
        metavar="TOKEN",
        help="bearer token of the admin routes (default: SIMULATOR_ADMIN_TOKEN; prefer it, "
        "a command line is visible to other users of the machine)",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn log level (default: %(default)s)",
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    create_app, default_port = _SIMULATORS[args.simulator]
    settings = get_settings()
    token = args.admin_token or reveal(settings.simulator_admin_token)
    extra = {"ca_dir": args.ca_dir or settings.var_dir / "ca"} if args.simulator == "ca" else {}
    try:
        app = create_app(args.ledger, admin_token=token, hang_ms=args.hang_ms, **extra)
    except ValueError as exc:  # no usable admin token: the admin routes are never open
        parser.error(str(exc))
    # A request hanging in an injected timeout must not hold up Ctrl-C or SIGTERM for 30 s.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port or default_port,
        log_level=args.log_level,
        timeout_graceful_shutdown=2,
    )


if __name__ == "__main__":
    main()
