"""The bare endpoint `benchmarks/load.py` compares SalesFit with: FastAPI + SQLModel, written
the way their tutorials write it, doing one token lookup and one upsert per request.

    PUT /bare/{token}/answers   {"answers": {"ce_01": 4}}   ->   {"saved": 1}

It uses its own two tables (`bare_token`, `bare_answer`) in the same database as the app and
the same durability settings as the app's engine (SQLite: WAL, synchronous=FULL, a 30 s busy
timeout), so the comparison is the framework's ceiling against the product on equal terms.
Run it with `uvicorn benchmarks.bare_app:app` and DATABASE_URL set; `create_tables` and
`add_tokens` prepare it (load.py calls them).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel
from sqlalchemy import Engine, UniqueConstraint, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, create_engine, select


class BareToken(SQLModel, table=True):
    __tablename__ = "bare_token"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)


class BareAnswer(SQLModel, table=True):
    __tablename__ = "bare_answer"
    __table_args__ = (UniqueConstraint("token_id", "item_id"),)
    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(foreign_key="bare_token.id")
    item_id: str = Field(max_length=64)
    value: int
    revision: int = 1


def make_bare_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_tables(engine: Engine) -> None:
    SQLModel.metadata.create_all(engine)


def add_tokens(engine: Engine, tokens: Iterable[str]) -> None:
    with Session(engine) as session:
        for token in tokens:
            session.add(BareToken(token_hash=hash_token(token)))
        session.commit()


engine = make_bare_engine(os.environ.get("DATABASE_URL", "sqlite://"))


def get_session() -> Iterator[Session]:
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


class AnswersIn(BaseModel):
    answers: dict[str, int]


app = FastAPI()


@app.put("/bare/{token}/answers")
def save(token: str, body: AnswersIn, session: SessionDep) -> dict[str, int]:
    found = session.exec(select(BareToken.id).where(BareToken.token_hash == hash_token(token)))
    token_id = found.first()
    if token_id is None:
        raise HTTPException(404, "not found")
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    for item_id, value in body.answers.items():
        statement = insert(BareAnswer).values(token_id=token_id, item_id=item_id, value=value)
        statement = statement.on_conflict_do_update(
            index_elements=["token_id", "item_id"],
            set_={"value": statement.excluded.value, "revision": BareAnswer.revision + 1},
        )
        session.execute(statement)
    session.commit()
    return {"saved": len(body.answers)}
