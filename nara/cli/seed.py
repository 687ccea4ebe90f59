"""`nara seed`: a catalogue of tenders for search, fast (COPY), with a progress bar."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from nara.settings import get_settings, reveal


def seed(
    tenders: Annotated[
        int,
        typer.Option(
            "--tenders",
            min=1,
            max=5_000_000,
            help="how many catalogue tenders to add (1 to 5,000,000)",
        ),
    ] = 100_000,
    seed_value: Annotated[
        int, typer.Option("--seed", help="random seed: the same seed writes the same catalogue")
    ] = 1,
    rebuild_index: Annotated[
        bool,
        typer.Option(
            "--rebuild-index",
            help="drop the trigram index for the load and build it again after: several "
            "times faster for a large load, but keyword search crawls meanwhile (use it on "
            "a database nobody searches yet)",
        ),
    ] = False,
) -> None:
    """Add a realistic catalogue of tenders for search (and its benchmark).

    Korean titles from real item and place vocabularies (서울특별시 강남구 도로포장 공사,
    사무용 복합기 구매, ...), district and national agencies, goods/services/construction,
    amounts, deadlines piled up at 10:00 and 11:00 KST. Written with COPY in chunks of
    20,000 rows. The rows are marked `catalogue`: no workflow stands behind them, bidding
    on them is closed, and the deadline capacity and weekly report ignore them. Uses
    DATABASE_URL (the embedded database when unset: run `nara dev` first). 1,000,000
    rows take about four minutes on two cores (triggers and the trigram index).
    """
    from nara.stack.seed import seed as write
    from nara.store.db import sqlalchemy_url

    url = reveal(get_settings().database_url)
    server = None
    if not url:
        from nara import embedded

        url, server = embedded.ensure_postgres(get_settings().var_dir)
    plain = sqlalchemy_url(url).replace("postgresql+psycopg://", "postgresql://", 1)
    started = time.perf_counter()
    with Progress(
        TextColumn("seeding tenders"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    ) as bar:
        task = bar.add_task("seed", total=tenders)
        try:
            write(
                plain,
                tenders,
                seed_value=seed_value,
                progress=lambda n: bar.advance(task, n),
                rebuild_index=rebuild_index,
            )
        finally:
            if server is not None:
                server.stop()  # leaves a server alone that a running `nara dev` owns
    typer.echo(f"{tenders:,} catalogue tenders in {time.perf_counter() - started:.1f} s")
