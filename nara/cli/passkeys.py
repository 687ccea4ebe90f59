"""`nara passkey`: development passkeys on a software authenticator (the fingerprint step).

The authenticator keeps a person's passkeys, private keys included, in
NARA_VAR_DIR/wallet/<person>/passkeys.json (mode 0600), beside the key and certificate of
`nara ca issue`. `enrol` and `list` act for the person of the saved session (`nara login`);
`login` logs in with a passkey instead of the certificate and saves that session.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from nara.settings import Settings, get_settings

PASSKEYS_FILE = "passkeys.json"

passkey_app = typer.Typer(
    help="Development passkeys (WebAuthn) on a software authenticator: enrol one from a "
    "certificate login, list yours, log in with one. Bids need a passkey.",
    no_args_is_help=True,
)


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _wallet_dir(settings: Settings) -> Path:
    return settings.var_dir / "wallet"


def _device_path(settings: Settings, person_id: str) -> Path:
    return _wallet_dir(settings) / person_id / PASSKEYS_FILE


def _saved(settings: Settings) -> Any:
    from nara.wallet import token_file

    saved = token_file.load(_wallet_dir(settings))
    if saved is None:
        raise _fail("nobody is logged in here: `nara login <person>` first")
    return saved


def _run(api_url: str, call: Any) -> Any:
    """Run `call(http)` against the API; a refusal or no answer exits with its words."""
    from nara.wallet import LoginFailed
    from nara.wallet.passkeys import AuthenticatorError

    async def go() -> Any:
        async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
            return await call(http)

    try:
        return asyncio.run(go())
    except AuthenticatorError as error:
        raise _fail(f"the authenticator cannot: {error}") from None
    except LoginFailed as error:
        reason = f" ({error.reason})" if error.reason else ""
        raise _fail(f"refused{reason}: {error.detail}") from None
    except httpx.HTTPError as error:
        raise _fail(f"the API at {api_url} did not answer ({error!r}); is `nara dev` up?") from None


@passkey_app.command("enrol")
def enrol(
    name: Annotated[str, typer.Option(help="Yours to recognise the passkey by.")] = "nara cli",
) -> None:
    """Make a passkey on the logged-in person's software authenticator and enrol it.

    Needs a certificate login (`nara login <person>`): a passkey login cannot enrol more.
    The passkey is made for WEBAUTHN_RP_ID, on WEBAUTHN_ORIGIN, and kept (private key
    included) in NARA_VAR_DIR/wallet/<person>/passkeys.json, mode 0600.
    """
    from nara.wallet.passkey_api import enrol_passkey
    from nara.wallet.passkeys import SoftwareAuthenticator

    settings = get_settings()
    saved = _saved(settings)
    path = _device_path(settings, saved.person_id)
    device = SoftwareAuthenticator(path)
    enrolled = _run(
        saved.api_url,
        lambda http: enrol_passkey(
            http, saved.headers, device, origin=settings.webauthn_origin, name=name
        ),
    )
    typer.echo(f"passkey {enrolled['id']} ({enrolled['name']}) enrolled for {saved.person_id}")
    typer.echo(f"credential {enrolled['credential_id']}; kept in {path}")


@passkey_app.command("list")
def list_mine() -> None:
    """The logged-in person's passkeys in use (GET /passkeys): id, name, counter, last use."""
    settings = get_settings()
    saved = _saved(settings)

    from nara.wallet.passkey_api import list_passkeys

    passkeys = _run(saved.api_url, lambda http: list_passkeys(http, saved.headers))
    if not passkeys:
        typer.echo(f"{saved.person_id} has no passkey: `nara passkey enrol`")
    for passkey in passkeys:
        used = passkey["last_used_at"] or "never"
        typer.echo(
            f"{passkey['id']}  {passkey['name']}  counter {passkey['sign_count']}  "
            f"created {passkey['created_at']}  last used {used}"
        )


@passkey_app.command("login")
def login(
    person_id: Annotated[str, typer.Argument(help="Whose passkey (their authenticator file).")],
    api_url: Annotated[
        str | None, typer.Option(help="The API [default: http://NARA_API_HOST:NARA_API_PORT].")
    ] = None,
) -> None:
    """Log in with the person's passkey (POST /auth/passkey/options, the authenticator,
    POST /auth/passkey); the session is saved as `nara login` saves it (session.json, 0600)."""
    from nara.wallet import token_file
    from nara.wallet.passkey_api import passkey_login
    from nara.wallet.passkeys import SoftwareAuthenticator

    settings = get_settings()
    url = api_url or f"http://{settings.api_host}:{settings.api_port}"
    path = _device_path(settings, person_id)
    if not path.exists():
        raise _fail(f"no passkey of {person_id} in {path}: `nara passkey enrol` first")
    device = SoftwareAuthenticator(path)
    session = _run(url, lambda http: passkey_login(http, device, origin=settings.webauthn_origin))
    saved = token_file.save(_wallet_dir(settings), url, session)
    typer.echo(
        f"logged in with a passkey as {session.person_id} ({session.role}) until "
        f"{session.expires_at.isoformat()}; token {token_file.masked(session.token)} in {saved}"
    )
