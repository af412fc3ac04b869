"""`SessionDep`: one transaction per handler, committed before the response, rolled back
on error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from chartyard.api.deps import SessionDep
from chartyard.api.errors import install_error_handlers
from chartyard.context import AppContext
from chartyard.errors import ConflictError
from chartyard.settings import Settings


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    context = AppContext.create(Settings(data_dir=tmp_path / "data",
                                         database_url=f"sqlite:///{tmp_path / 'db.sqlite'}"))
    with context.transaction() as session:
        session.execute(text("CREATE TABLE notes (text VARCHAR NOT NULL)"))
    yield context
    context.dispose()


@pytest.fixture
def client(ctx: AppContext) -> TestClient:
    app = FastAPI()
    app.state.ctx = ctx
    install_error_handlers(app)

    def note(session: Session, value: str) -> None:
        session.execute(text("INSERT INTO notes (text) VALUES (:v)"), {"v": value})

    @app.post("/kept")
    def kept(session: SessionDep) -> dict[str, str]:
        note(session, "kept")
        return {"ok": "yes"}

    @app.post("/raises")
    def raises(session: SessionDep) -> dict[str, str]:
        note(session, "raises")
        raise ConflictError("the handler failed after writing")

    @app.post("/commit-fails")
    def commit_fails(session: SessionDep) -> dict[str, str]:
        note(session, "commit-fails")

        def refuse(_: Session) -> None:
            raise ConflictError("the commit was refused")

        event.listen(session, "before_commit", refuse)
        return {"ok": "yes"}

    return TestClient(app, raise_server_exceptions=False)


def notes(ctx: AppContext) -> list[str]:
    with ctx.transaction() as session:
        return list(session.scalars(text("SELECT text FROM notes ORDER BY text")))


def test_a_returning_handler_is_committed(client: TestClient, ctx: AppContext) -> None:
    assert client.post("/kept").status_code == 200
    assert notes(ctx) == ["kept"]


def test_a_raising_handler_is_rolled_back(client: TestClient, ctx: AppContext) -> None:
    answer = client.post("/raises")
    assert answer.status_code == 409 and answer.json()["code"] == "Conflict"
    assert notes(ctx) == []


def test_a_failing_commit_is_the_response(client: TestClient, ctx: AppContext) -> None:
    # The commit runs before the response is sent, so its failure is what the client sees.
    answer = client.post("/commit-fails")
    assert answer.status_code == 409, answer.text
    assert "refused" in answer.json()["message"]
    assert notes(ctx) == []
