"""flaskapp: notes in PostgreSQL, a hit counter in Redis, uploads on disk."""
import logging
import os
import time
import uuid
from urllib.parse import urlsplit

import psycopg2
import redis
from flask import Flask, jsonify, request


def database_settings(url):
    # Settings loaders validate at import time: a malformed URL stops the app here.
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL must start with postgresql://, got {parts.scheme!r}")
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username,
        "password": parts.password,
        "dbname": parts.path.lstrip("/"),
        "connect_timeout": 3,
    }


def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    db = database_settings(os.environ["DATABASE_URL"])
    cache = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=3)
    upload_dir = os.environ.get("UPLOAD_DIR", "/srv/flaskapp/uploads")
    log_dir = os.environ.get("LOG_DIR", "/var/log/flaskapp")

    handler = logging.FileHandler(os.path.join(log_dir, "app.log"))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    app.logger.addHandler(handler)
    app.logger.setLevel(logging.INFO)

    # Fail fast: a worker that cannot reach its database or cache must not take traffic.
    with psycopg2.connect(**db) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM notes")
    cache.ping()
    app.logger.info("flaskapp started, database and redis reachable")

    def connect():
        return psycopg2.connect(**db)

    @app.get("/")
    def index():
        hits = cache.incr("flaskapp:hits")
        with connect() as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM notes")
            (count,) = cur.fetchone()
        return f"<h1>flaskapp</h1><p>{count} notes, {hits} visits</p><link rel=stylesheet href=/static/app.css>"

    @app.get("/health")
    def health():
        try:
            with connect() as conn, conn.cursor() as cur:
                cur.execute("SELECT 1")
            cache.ping()
        except Exception as exc:  # the health endpoint reports, it does not crash
            app.logger.error("health check failed: %s", exc)
            return jsonify(status="unhealthy", error=str(exc).strip()), 503
        return jsonify(status="ok")

    @app.get("/notes")
    def list_notes():
        with connect() as conn, conn.cursor() as cur:
            cur.execute("SELECT id, body FROM notes ORDER BY id DESC LIMIT 20")
            rows = cur.fetchall()
        return jsonify([{"id": i, "body": b} for i, b in rows])

    @app.post("/notes")
    def add_note():
        body = (request.get_json(silent=True) or {}).get("body") or request.form.get("body", "")
        with connect() as conn, conn.cursor() as cur:
            cur.execute("INSERT INTO notes (body) VALUES (%s) RETURNING id", (body,))
            (note_id,) = cur.fetchone()
        return jsonify(id=note_id), 201

    @app.post("/upload")
    def upload():
        name = f"{uuid.uuid4().hex}.bin"
        with open(os.path.join(upload_dir, name), "wb") as out:
            out.write(request.get_data())
        return jsonify(stored=name), 201

    @app.get("/report")
    def report():
        time.sleep(float(os.environ.get("REPORT_DELAY_SECONDS", "0")))
        return jsonify(report="ready")

    return app
