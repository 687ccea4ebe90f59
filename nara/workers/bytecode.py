"""Whether the workflow modules have compiled bytecode beside them.

The workflow sandbox imports `nara.workflows` afresh for every workflow it runs (that is
how it keeps one run's module state from another's). Without a fresh `.pyc` every such
import compiles the source again: 14 % of the worker's CPU per announced tender here
(docs/replay.md). A normal `pip install` writes the bytecode; an editable install under
PYTHONDONTWRITEBYTECODE does not, which `make` covers with `python -m compileall`.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import nara.workflows

WORKFLOWS = Path(nara.workflows.__file__).parent


def stale_modules(package: Path = WORKFLOWS) -> list[str]:
    """The modules of `package` whose compiled bytecode is missing or older than the source."""
    stale = []
    for source in sorted(package.glob("*.py")):
        cached = Path(importlib.util.cache_from_source(str(source)))
        if not cached.exists() or os.stat(cached).st_mtime < os.stat(source).st_mtime:
            stale.append(source.stem)
    return stale
