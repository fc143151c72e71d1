"""fastapi: items in PostgreSQL, schema managed by Alembic."""
import logging

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from app.db import engine

log = logging.getLogger("uvicorn.error")
app = FastAPI(title="fastapi")


class Item(BaseModel):
    name: str
    priority: int = 0


@app.on_event("startup")
def check_schema():
    # The code of this release reads items.priority: refuse to start on an older schema.
    with engine.connect() as conn:
        conn.execute(text("SELECT id, name, priority FROM items LIMIT 1"))
    log.info("fastapi started, schema ok")


@app.get("/health")
def health():
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return JSONResponse({"status": "unhealthy", "error": str(exc).splitlines()[0]}, status_code=503)
    return {"status": "ok"}


@app.get("/items")
def list_items():
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, name, priority FROM items ORDER BY id DESC LIMIT 20"))
        return [dict(row._mapping) for row in rows]


@app.post("/items", status_code=201)
def add_item(item: Item):
    with engine.begin() as conn:
        new_id = conn.execute(
            text("INSERT INTO items (name, priority) VALUES (:name, :priority) RETURNING id"),
            {"name": item.name, "priority": item.priority},
        ).scalar_one()
    return {"id": new_id}


@app.get("/export")
def export(rows: int = 1000):
    # Builds the whole export in memory: a large `rows` is how this endpoint runs a worker out of memory.
    data = [f"{i:08d}" + "x" * 1016 for i in range(rows)]
    return {"rows": len(data)}
