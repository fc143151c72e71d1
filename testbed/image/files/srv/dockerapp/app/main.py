"""dockerapp: notes in PostgreSQL, word counts by a Celery worker, all in containers."""
import logging
import os

import psycopg2
import redis
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.tasks import count_words

DATABASE_URL = os.environ["DATABASE_URL"]
REDIS_URL = os.environ["REDIS_URL"]
SECRET_KEY = os.environ["SECRET_KEY"]

# The app's own log file, on the `logs` volume, as many images do beside stdout.
os.makedirs("/app/logs", exist_ok=True)
logging.basicConfig(
    level=logging.INFO,
    format="%(asctime)s %(levelname)s %(name)s %(message)s",
    handlers=[logging.StreamHandler(), logging.FileHandler("/app/logs/app.log")],
)
log = logging.getLogger("dockerapp")
app = FastAPI(title="dockerapp")


class Note(BaseModel):
    body: str


def db():
    return psycopg2.connect(DATABASE_URL, connect_timeout=3)


SCHEMA = "CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, body text NOT NULL, words int)"


@app.on_event("startup")
def create_schema():
    # The database may still be starting (depends_on does not wait): the health check reports it, and the
    # first note creates the table.
    try:
        with db() as conn, conn.cursor() as cur:
            cur.execute(SCHEMA)
        log.info("dockerapp started, schema ok")
    except psycopg2.OperationalError as exc:
        log.warning("database not ready at start: %s", str(exc).strip().splitlines()[0])


@app.get("/health")
def health():
    try:
        with db() as conn, conn.cursor() as cur:
            cur.execute("SELECT 1")
        redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()
    except Exception as exc:
        return JSONResponse({"status": "unhealthy", "error": str(exc).strip().splitlines()[0]}, status_code=503)
    return {"status": "ok"}


@app.post("/notes", status_code=201)
def add_note(note: Note):
    with db() as conn, conn.cursor() as cur:
        cur.execute(SCHEMA)
        cur.execute("INSERT INTO notes (body) VALUES (%s) RETURNING id", (note.body,))
        note_id = cur.fetchone()[0]
    count_words.delay(note_id)
    return {"id": note_id}


@app.get("/notes/{note_id}")
def get_note(note_id: int):
    with db() as conn, conn.cursor() as cur:
        cur.execute("SELECT id, body, words FROM notes WHERE id = %s", (note_id,))
        row = cur.fetchone()
    if row is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    return {"id": row[0], "body": row[1], "words": row[2]}


@app.get("/export")
def export(rows: int = 1000):
    # Builds the whole export in memory: a large `rows` is how this endpoint runs the container out of memory.
    data = [f"{i:08d}" + "x" * 1016 for i in range(rows)]
    return {"rows": len(data)}
