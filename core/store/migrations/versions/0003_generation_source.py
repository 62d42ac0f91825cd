"""Where a generation came from: `source` on every generation (app, api, cli, mcp, wyoming, story).

History shows it, so a clip made by a script through the OpenAI-compatible API or by Home
Assistant over Wyoming can be told from one made in the app. Existing rows become "app". A plain
column: the full-text index and its triggers (0002) are untouched.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "generation",
        sa.Column("source", sa.String(16), nullable=False, server_default="app"),
    )


def downgrade() -> None:
    op.drop_column("generation", "source")
