"""`nara console`: the officers' web console, from the terminal.

`enrol` asks the API for a one-time link (POST /console/enrolment-links, with the session
`nara login` saved) and prints it: opened in a browser within ten minutes, once, it shows
the passkey registration page of the console for that person.
"""

from __future__ import annotations

from typing import Any

import typer

from nara.cli.passkeys import _run, _saved
from nara.settings import get_settings

console_app = typer.Typer(
    help="The officers' web console (/console): enrol the first passkey by a one-time link.",
    no_args_is_help=True,
)


@console_app.command("enrol")
def enrol() -> None:
    """Print a one-time link that opens the console's passkey registration page.

    Needs a certificate login (`nara login <person>`). The link works once, for ten
    minutes; its secret is after `#`, so it never reaches a server log. Open it in the
    browser of the device whose fingerprint (or screen lock) will log you in.
    """
    settings = get_settings()
    saved = _saved(settings)

    async def ask(http: Any) -> Any:
        response = await http.post("/console/enrolment-links", headers=saved.headers)
        if response.status_code != 201:
            problem = response.json() if response.content else {}
            raise typer.Exit(_refused(problem, response.status_code))
        return response.json()

    answer = _run(saved.api_url, ask)
    typer.echo(answer["link"])  # alone on stdout, for a script; the rest on stderr
    typer.echo(f"(for {saved.person_id}; opens once; expires {answer['expires_at']})", err=True)


def _refused(problem: dict[str, Any], status: int) -> int:
    detail = problem.get("detail", f"HTTP {status}")
    fix = problem.get("fix")
    typer.echo(f"refused: {detail}" + (f" ({fix})" if fix else ""), err=True)
    return 1
