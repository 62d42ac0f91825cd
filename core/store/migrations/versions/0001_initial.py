"""Initial schema: profiles, samples, voice prompt cache, generations, versions, FTS5.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_FTS = [
    "CREATE VIRTUAL TABLE generation_fts USING fts5("
    "text, content='generation', content_rowid='id', tokenize='unicode61', prefix='2 3 4')",
    "CREATE TRIGGER generation_fts_ai AFTER INSERT ON generation BEGIN "
    "INSERT INTO generation_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER generation_fts_ad AFTER DELETE ON generation BEGIN "
    "INSERT INTO generation_fts(generation_fts, rowid, text) VALUES ('delete', old.id, old.text);"
    " END",
    "CREATE TRIGGER generation_fts_au AFTER UPDATE OF text ON generation BEGIN "
    "INSERT INTO generation_fts(generation_fts, rowid, text) VALUES ('delete', old.id, old.text);"
    " INSERT INTO generation_fts(rowid, text) VALUES (new.id, new.text); END",
]


def upgrade() -> None:
    op.create_table(
        "profile",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("voice_type", sa.String(16), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("preset_engine", sa.String(64)),
        sa.Column("preset_voice", sa.String(128)),
        sa.Column("default_engine", sa.String(64)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_profile_name", "profile", ["name"], unique=True)
    op.create_table(
        "profile_sample",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "profile_id",
            sa.Integer,
            sa.ForeignKey("profile.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("audio_path", sa.String(255), nullable=False),
        sa.Column("original_path", sa.String(255), nullable=False),
        sa.Column("original_format", sa.String(16), nullable=False),
        sa.Column("reference_text", sa.Text, nullable=False, server_default=""),
        sa.Column("duration", sa.Float, nullable=False),
        sa.Column("sample_rate", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_profile_sample_profile_id", "profile_sample", ["profile_id"])
    op.create_table(
        "voice_prompt_cache",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cache_key", sa.String(64), nullable=False),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("profile.id", ondelete="CASCADE")),
        sa.Column("engine", sa.String(64), nullable=False),
        sa.Column("model_size", sa.String(64), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index(
        "ix_voice_prompt_cache_cache_key", "voice_prompt_cache", ["cache_key"], unique=True
    )
    op.create_index("ix_voice_prompt_cache_profile_id", "voice_prompt_cache", ["profile_id"])
    op.create_table(
        "generation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("profile_id", sa.Integer, sa.ForeignKey("profile.id", ondelete="SET NULL")),
        sa.Column("profile_name", sa.String(100), nullable=False, server_default=""),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("seed", sa.BigInteger),
        sa.Column("engine", sa.String(64)),
        sa.Column("model_size", sa.String(64)),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("instruct", sa.Text),
        sa.Column("normalize", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("error_code", sa.String(64)),
        sa.Column("group_id", sa.String(36)),
        sa.Column("favourite", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("audio_path", sa.String(255)),
        sa.Column("duration", sa.Float),
        sa.Column("sample_rate", sa.Integer),
        sa.Column("version_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("started_at", sa.DateTime),
        sa.Column("completed_at", sa.DateTime),
        sa.Column("queue_wait_ms", sa.Float),
        sa.Column("prompt_ms", sa.Float),
        sa.Column("synth_ms", sa.Float),
        sa.Column("rtf", sa.Float),
    )
    for column in ("profile_id", "status", "group_id", "favourite", "created_at"):
        op.create_index(f"ix_generation_{column}", "generation", [column])
    op.create_table(
        "generation_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "generation_id",
            sa.Integer,
            sa.ForeignKey("generation.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("seed", sa.BigInteger),
        sa.Column("audio_path", sa.String(255), nullable=False),
        sa.Column("raw_path", sa.String(255)),
        sa.Column("duration", sa.Float, nullable=False),
        sa.Column("sample_rate", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_generation_version_generation_id", "generation_version", ["generation_id"])
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in _FTS:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_generation_text_tsv ON generation "
            "USING gin (to_tsvector('simple', text))"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS generation_fts")
    for table in ("generation_version", "generation", "voice_prompt_cache", "profile_sample"):
        op.drop_table(table)
    op.drop_table("profile")
