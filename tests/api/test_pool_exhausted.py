"""A full connection pool is a busy API, answered 503 with Retry-After, never a 500."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import TimeoutError as PoolTimeout

from nara.api.problems import install_problem_handlers


def test_a_pool_timeout_is_answered_503_with_retry_after() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/busy")
    async def busy() -> None:
        raise PoolTimeout("QueuePool limit of size 10 overflow 10 reached")

    answer = TestClient(app).get("/busy")

    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "1"
    assert answer.json()["code"] == "database-busy"
    assert "QueuePool" not in answer.text  # the pool's internals stay in the log
