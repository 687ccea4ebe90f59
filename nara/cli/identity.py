"""The `nara` commands of identity: people from the console, development certificates, and
the person's side of a session (`login`, `whoami`, `logout`).

Keys and certificates live in NARA_VAR_DIR/wallet/<person>/ (the key readable by its owner
only); the session of `nara login` in NARA_VAR_DIR/wallet/session.json (mode 0600). A
token is never printed whole.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, cast, get_args

import httpx
import typer

from nara.domain.enums import Role
from nara.domain.errors import NaraError
from nara.settings import Settings, get_settings, reveal

people_app = typer.Typer(
    help="People registered from the console: the first operator of a new installation.",
    no_args_is_help=True,
)
ca_app = typer.Typer(
    help="Development certificates: the CA simulator's root, people's keys and "
    "certificates (kept under NARA_VAR_DIR/wallet), revocation.",
    no_args_is_help=True,
)


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _wallet_dir(settings: Settings) -> Path:
    return settings.var_dir / "wallet"


def _api_url(settings: Settings, api_url: str | None) -> str:
    return api_url or f"http://{settings.api_host}:{settings.api_port}"


@contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """DATABASE_URL, else the embedded server under NARA_VAR_DIR (left as it was found)."""
    if settings.database_url:
        yield reveal(settings.database_url) or ""
        return
    from nara import embedded

    url, server = embedded.ensure_postgres(settings.var_dir)
    try:
        yield url
    finally:
        server.stop()  # leaves a server alone that a running `nara dev` owns


@people_app.command("add")
def people_add(
    person_id: Annotated[str, typer.Option("--id", help="The person's id, e.g. operator-kim.")],
    name: Annotated[str, typer.Option(help="The person's name.")],
    role: Annotated[Role, typer.Option(help="The person's role.")],
    agency: Annotated[
        str | None, typer.Option(help="Agency code (officers and inspectors).")
    ] = None,
) -> None:
    """Register a person from the console, where there is no session yet.

    For the first operator of a new installation (`nara people add --role operator --id
    operator-kim --name "Kim"`), who then logs in (`nara ca issue`, `nara login`) and
    registers everyone else through the API. Writes through the registry service as
    `console:nara-cli` (the audit log names it); needs DATABASE_URL (unset: the embedded
    database under NARA_VAR_DIR) with the schema applied (`nara db upgrade`).
    """
    from nara.stack.people import add_person_at

    settings = get_settings()
    try:
        with database_url(settings) as url:
            created = asyncio.run(
                add_person_at(
                    url,
                    person_id=person_id,
                    name=name,
                    role=role,
                    agency_code=agency,
                    by="nara-cli",
                )
            )
    except NaraError as error:
        raise _fail(f"refused: {error.detail}; {error.fix or ''}".rstrip("; ")) from None
    what = "registered" if created.created else "already registered"
    typer.echo(f"{person_id} ({role.value}) {what}")


@ca_app.command("init")
def ca_init(
    ca_dir: Annotated[
        Path | None, typer.Option(help="Where the root lives [default: NARA_VAR_DIR/ca].")
    ] = None,
) -> None:
    """Make the CA simulator's root (EC P-256) if there is none, and show where it is.

    The CA simulator (`nara simulators ca`, started by `nara dev`) makes it on its first
    start too; the API trusts it through TRUSTED_CA_CERTS (unset: NARA_VAR_DIR/ca/root.pem).
    """
    from cryptography.hazmat.primitives import hashes

    from nara.simulators.authority import ROOT_CERT, CertificateAuthority

    directory = ca_dir or get_settings().var_dir / "ca"
    authority, created = CertificateAuthority.load_or_create(directory)
    typer.echo(f"root {'made' if created else 'already there'}: {directory / ROOT_CERT}")
    typer.echo(f"subject {authority.root.subject.rfc4514_string()}")
    typer.echo(f"SHA-256 {authority.root.fingerprint(hashes.SHA256()).hex()}")


def _admin_token(settings: Settings) -> str:
    from nara.stack.admin_token import existing_admin_token

    token = existing_admin_token(settings, settings.var_dir)
    if token is None:
        raise _fail(
            "the CA's issue and revoke need the simulators' admin token: set "
            "SIMULATOR_ADMIN_TOKEN, or start the stack with `nara dev`, which keeps it in "
            "NARA_VAR_DIR/simulators/admin-token"
        )
    return token.value


@ca_app.command("issue")
def ca_issue(
    person_id: Annotated[str, typer.Argument(help="Whose certificate.")],
    business: Annotated[
        str | None,
        typer.Option(help="Bind it to this business (an agent's business-use certificate)."),
    ] = None,
    days: Annotated[int, typer.Option(min=1, max=3650, help="Validity in days.")] = 365,
) -> None:
    """Make a key for a person and have the CA (CA_URL) certify it.

    The key (mode 0600) and the certificate go to NARA_VAR_DIR/wallet/<person>/, where
    `nara login` finds them. Issuing is an admin call of the CA simulator (the registration
    desk): it needs SIMULATOR_ADMIN_TOKEN, else the token `nara dev` keeps in var/.
    """
    from nara.partners.ca import CertificateAuthorityClient
    from nara.wallet.keys import Credential, csr_pem, new_key

    settings = get_settings()
    token = _admin_token(settings)

    async def issue() -> Any:
        key = new_key()
        async with CertificateAuthorityClient(settings.ca_url, admin_token=token) as ca:
            assert isinstance(ca, CertificateAuthorityClient)
            issued = await ca.issue(
                csr_pem=csr_pem(key, person_id),
                person_id=person_id,
                business_no=business,
                valid_days=days,
            )
        return issued, Credential(person_id, key, issued.certificate_pem)

    try:
        issued, credential = asyncio.run(issue())
    except NaraError as error:
        raise _fail(f"the CA at {settings.ca_url} refused: {error.detail}") from None
    folder = credential.save(_wallet_dir(settings))
    typer.echo(
        f"certificate {issued.serial} for {person_id}" + (f" of {business}" if business else "")
    )
    typer.echo(f"valid {issued.not_before.isoformat()} to {issued.not_after.isoformat()}")
    typer.echo(f"SHA-256 {issued.fingerprint_sha256}; key and certificate in {folder}")


@ca_app.command("revoke")
def ca_revoke(
    serial: Annotated[str, typer.Argument(help="The certificate's serial (hex).")],
    reason: Annotated[
        str, typer.Option(help="unspecified, key_compromise, affiliation_changed, ...")
    ] = "unspecified",
) -> None:
    """Revoke a certificate at the CA (CA_URL); its sessions end at the API's next CRL read.

    The API re-reads the CA's revocation list every CRL_MAX_AGE_S (30 s): from then on the
    certificate logs in nowhere and every session opened with it is refused.
    """
    from nara.partners.ca import CertificateAuthorityClient, RevocationReason

    reasons = get_args(RevocationReason)
    if reason not in reasons:
        raise _fail(f"--reason must be one of {', '.join(reasons)}")
    settings = get_settings()
    token = _admin_token(settings)

    async def revoke() -> Any:
        async with CertificateAuthorityClient(settings.ca_url, admin_token=token) as ca:
            assert isinstance(ca, CertificateAuthorityClient)
            return await ca.revoke(serial.lower(), reason=cast(RevocationReason, reason))

    try:
        revoked = asyncio.run(revoke())
    except NaraError as error:
        raise _fail(f"the CA at {settings.ca_url} refused: {error.detail}") from None
    typer.echo(
        f"certificate {revoked.serial} of {revoked.person_id} revoked at {revoked.revoked_at}"
    )


def login(
    person_id: Annotated[
        str,
        typer.Argument(
            help="Who logs in (their key and certificate must be in NARA_VAR_DIR/wallet/<person>)."
        ),
    ],
    api_url: Annotated[
        str | None, typer.Option(help="The API [default: http://NARA_API_HOST:NARA_API_PORT].")
    ] = None,
) -> None:
    """Log in as a person: sign the API's challenge with their key; keep the session.

    Reads the key and certificate `nara ca issue` saved, asks POST /auth/challenge, signs
    it, POST /auth/login. The session token is kept in NARA_VAR_DIR/wallet/session.json
    (mode 0600) for `nara whoami` and `nara logout`, and shown by its first characters only.
    """
    from nara.wallet import LoginFailed, token_file
    from nara.wallet import login as log_in
    from nara.wallet.keys import Credential

    settings = get_settings()
    url = _api_url(settings, api_url)
    try:
        credential = Credential.load(_wallet_dir(settings), person_id)
    except FileNotFoundError:
        raise _fail(
            f"no key and certificate for {person_id} in {_wallet_dir(settings)}: "
            f"run `nara ca issue {person_id}` first"
        ) from None

    async def go() -> Any:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            return await log_in(http, credential)

    try:
        session = asyncio.run(go())
    except LoginFailed as error:
        reason = f" ({error.reason})" if error.reason else ""
        raise _fail(f"login refused{reason}: {error.detail}") from None
    except httpx.HTTPError as error:
        raise _fail(f"the API at {url} did not answer ({error!r}); is `nara dev` up?") from None
    path = token_file.save(_wallet_dir(settings), url, session)
    typer.echo(
        f"logged in as {session.person_id} ({session.role}) until "
        f"{session.expires_at.isoformat()}; token {token_file.masked(session.token)} in {path}"
    )


def _saved(settings: Settings) -> Any:
    from nara.wallet import token_file

    saved = token_file.load(_wallet_dir(settings))
    if saved is None:
        raise _fail("nobody is logged in here: `nara login <person>` first")
    return saved


def whoami() -> None:
    """Who the saved session (`nara login`) is: person, role, certificate, expiry."""
    from nara.wallet import LoginFailed
    from nara.wallet import whoami as ask

    saved = _saved(get_settings())

    async def go() -> Any:
        async with httpx.AsyncClient(base_url=saved.api_url, timeout=30) as http:
            return await ask(http, saved.token)

    try:
        me = asyncio.run(go())
    except LoginFailed as error:
        raise _fail(f"the session no longer works ({error.reason}): {error.detail}") from None
    except httpx.HTTPError as error:
        raise _fail(f"the API at {saved.api_url} did not answer ({error!r})") from None
    agency = f" of agency {me['agency_code']}" if me["agency_code"] else ""
    business = f", bound to business {me['business_no']}" if me["business_no"] else ""
    typer.echo(f"{me['person_id']} ({me['name']}), {me['role']}{agency}")
    typer.echo(f"certificate {me['certificate_serial']}{business}")
    typer.echo(f"session until {me['expires_at']}, idle timeout {me['idle_timeout_s']} s")


def logout() -> None:
    """End the saved session at the API and forget its token."""
    from nara.wallet import LoginFailed, token_file
    from nara.wallet import logout as end

    settings = get_settings()
    saved = _saved(settings)

    async def go() -> None:
        async with httpx.AsyncClient(base_url=saved.api_url, timeout=30) as http:
            await end(http, saved.token)

    try:
        asyncio.run(go())
        message = f"{saved.person_id} logged out"
    except LoginFailed as error:
        message = f"the session had already ended ({error.reason}); token forgotten"
    except httpx.HTTPError as error:
        raise _fail(f"the API at {saved.api_url} did not answer ({error!r})") from None
    token_file.forget(_wallet_dir(settings))
    typer.echo(message)
