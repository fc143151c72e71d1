"""notes: the table the app writes (the app creates it too when a note comes before any migration)

Revision ID: 0001
Revises:
"""
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.execute("CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, body text NOT NULL, words int)")


def downgrade():
    op.drop_table("notes")
