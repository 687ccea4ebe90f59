"""The officers' and inspectors' web console: server-rendered pages of the API's app.

Jinja2 templates and a few lines of plain JavaScript (passkeys only), static files served
by the app, no front-end build. The console is part of the API room: its routes are API
routes with a rule each in `nara.api.access.RULES`, run the same access gate, and call the
same services. Pages: docs/console.md.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from nara.api.console import actions, pages, sessions, web


def install(app: FastAPI) -> None:
    """Add the console's routes, its static files and its cookie middleware to `app`."""
    for module in (sessions, pages, actions):
        app.include_router(module.router)
    app.mount(
        f"{web.PREFIX}/static", StaticFiles(directory=web.HERE / "static"), name="console-static"
    )
    app.add_middleware(web.ConsoleCookies)
