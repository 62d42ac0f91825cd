"""Stories: story → tracks → clips on a timeline, and word timings per generation version.

A clip refers to a generation with ON DELETE RESTRICT (the store refuses to drop a generation a
story still uses; the service says which story first). Tracks and clips go with their story;
word timings go with their version. Existing tables, the full-text index and its triggers are
untouched.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "story",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sample_rate", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_story_name", "story", ["name"])
    op.create_table(
        "story_track",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "story_id", sa.Integer, sa.ForeignKey("story.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("gain_db", sa.Float, nullable=False),
        sa.Column("muted", sa.Boolean, nullable=False),
        sa.Column("solo", sa.Boolean, nullable=False),
    )
    op.create_index("ix_story_track_story_id", "story_track", ["story_id"])
    op.create_table(
        "story_clip",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "track_id",
            sa.Integer,
            sa.ForeignKey("story_track.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("generation_id", sa.Integer, sa.ForeignKey("generation.id", ondelete="RESTRICT")),
        sa.Column("version", sa.Integer),
        sa.Column("audio_path", sa.String(255)),
        sa.Column("label", sa.Text, nullable=False, server_default=""),
        sa.Column("start", sa.Float, nullable=False),
        sa.Column("trim_start", sa.Float, nullable=False),
        sa.Column("trim_end", sa.Float, nullable=False),
        sa.Column("gain_db", sa.Float, nullable=False),
        sa.Column("fade_in", sa.Float, nullable=False),
        sa.Column("fade_out", sa.Float, nullable=False),
        sa.Column("muted", sa.Boolean, nullable=False),
    )
    op.create_index("ix_story_clip_track_id", "story_clip", ["track_id"])
    op.create_index("ix_story_clip_generation_id", "story_clip", ["generation_id"])
    op.create_table(
        "version_words",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "version_id",
            sa.Integer,
            sa.ForeignKey("generation_version.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("words", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_version_words_version_id", "version_words", ["version_id"], unique=True)


def downgrade() -> None:
    op.drop_table("version_words")
    op.drop_table("story_clip")
    op.drop_table("story_track")
    op.drop_table("story")
