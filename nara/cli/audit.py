"""`nara audit`: check the verifiable audit log as an outside monitor would.

`verify` reads the database directly (DATABASE_URL, else the embedded one), recomputes
every entry's leaf hash, the whole Merkle tree and every signed tree head, and, given a
tree head kept from earlier (`--since-tree-head`), checks that the log only grew since.
`--save-tree-head` keeps the newest head for the next check. Exit 1 on any problem.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from nara.cli.identity import database_url
from nara.settings import get_settings

audit_app = typer.Typer(
    help="The verifiable audit log: recompute it and check it against kept tree heads.",
    no_args_is_help=True,
)


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


@audit_app.command("verify")
def verify(
    since_tree_head: Annotated[
        Path | None,
        typer.Option(
            help="A tree head kept earlier (JSON: size, root_hash, at, key_id, signature), "
            "as GET /audit/tree-head answers or --save-tree-head wrote it."
        ),
    ] = None,
    save_tree_head: Annotated[
        Path | None, typer.Option(help="Write the newest signed tree head here (JSON).")
    ] = None,
) -> None:
    """Recompute the whole log and check every tree head; exit 1 on any problem.

    Catches an entry edited, deleted, inserted or reordered in PostgreSQL, a node or tree
    head changed, and (with --since-tree-head) a history rewritten since that head. Uses
    the log's public key from NARA_KEY_DIR (the same machine's key service).
    """
    from nara.domain.tree_heads import SignedTreeHead
    from nara.keys import KeyService
    from nara.services import audit_log
    from nara.store.db import create_engine, session_factory

    settings = get_settings()
    kept = None
    if since_tree_head is not None:
        try:
            kept = SignedTreeHead.from_json(json.loads(since_tree_head.read_text()))
        except (OSError, ValueError) as error:
            raise _fail(f"cannot read the kept tree head {since_tree_head}: {error}") from None

    async def check(url: str) -> Any:
        engine = create_engine(url, pool_size=2, application_name="nara-audit-verify")
        try:
            sessions = session_factory(engine)
            keys = KeyService.local(sessions, settings.key_dir)
            async with sessions() as session:
                return await audit_log.verify(session=session, actor=None, keys=keys, kept=kept)
        finally:
            await engine.dispose()

    with database_url(settings) as url:
        report = asyncio.run(check(url))
    latest = report.latest
    typer.echo(
        f"{report.entries:,} entries recomputed, {report.tree_heads:,} signed tree heads checked; "
        f"{report.pending:,} waiting for the sequencer"
    )
    if latest is not None:
        typer.echo(f"newest tree head: size {latest.size:,}, root {latest.root_hash}")
    if kept is not None:
        verdict = "the log only grew since" if report.kept_consistent else "NOT consistent"
        typer.echo(f"kept tree head of size {kept.head.size:,}: {verdict}")
    if save_tree_head is not None and latest is not None:
        save_tree_head.write_text(json.dumps(latest.model_dump(mode="json"), indent=2) + "\n")
        typer.echo(f"newest tree head kept in {save_tree_head}")
    if not report.ok:
        for problem in report.problems:
            typer.echo(f"  PROBLEM: {problem}", err=True)
        raise _fail("the audit log does NOT verify")
    typer.echo("the audit log verifies")
