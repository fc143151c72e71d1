import os

import psycopg2
from celery import Celery

celery = Celery("dockerapp", broker=os.environ["CELERY_BROKER_URL"])


@celery.task
def count_words(note_id):
    with psycopg2.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cur:
        cur.execute("UPDATE notes SET words = array_length(regexp_split_to_array(trim(body), '\\s+'), 1) WHERE id = %s", (note_id,))
    return note_id
