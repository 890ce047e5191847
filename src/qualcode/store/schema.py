"""The project schema, as SQLAlchemy Core tables (SQLite by default, any SQLAlchemy URL later)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 1

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
)

case_attributes = Table(
    "case_attributes",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("value", Text, nullable=False),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("source_path", Text, nullable=False),
    Column("source_sha256", String(64), nullable=False),
    Column("format", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("text_sha256", String(64), nullable=False),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="SET NULL")),
    Column("ingested_at", String(32), nullable=False),
    Column("attributes", Text, nullable=False, default="{}"),
)

turns = Table(
    "turns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("speaker", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("media_start", Float),
    Column("media_end", Float),
    UniqueConstraint("document_id", "idx"),
    CheckConstraint("role IN ('interviewer', 'participant', 'other')", name="turn_role"),
    CheckConstraint('start < "end"', name="turn_span"),
)

segments = Table(
    "segments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("turn_idx", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    CheckConstraint("kind IN ('sentence', 'paragraph')", name="segment_kind"),
    Index("ix_segments_document", "document_id", "kind", "start"),
)

codebooks = Table(
    "codebooks",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("label", Text, nullable=False),
    Column("source", Text),
    Column("sha256", String(64), nullable=False),
    Column("content", Text, nullable=False),
    Column("loaded_at", String(32), nullable=False),
)

codes = Table(
    "codes",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("category", String(255), nullable=False),
    Column("parent", String(255)),
    Column("name", Text, nullable=False),
    Column("definition", Text, nullable=False, default=""),
    Column("include", Text, nullable=False, default=""),
    Column("exclude", Text, nullable=False, default=""),
    Column("examples", Text, nullable=False, default="[]"),
    Column("cues", Text, nullable=False, default="[]"),
    Column("patterns", Text, nullable=False, default="[]"),
    Column("stage", String(255)),
    Column("colour", String(16)),
    Column("provenance", String(32)),
    Column("grp", String(255)),
    Column("stages", Boolean, nullable=False, default=False),
    Column("position", Integer, nullable=False),
    Column("archived", Boolean, nullable=False, default=False),
    Column("codebook_version", Integer, ForeignKey("codebooks.version"), nullable=False),
)

coders = Table(
    "coders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("created_at", String(32), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("params", Text, nullable=False, default="{}"),
    Column("status", String(16), nullable=False),
    Column("started_at", String(32), nullable=False),
    Column("finished_at", String(32)),
)

codings = Table(
    "codings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("quote", Text, nullable=False),
    Column("code_id", String(255), ForeignKey("codes.id"), nullable=False),
    Column("coder_id", Integer, ForeignKey("coders.id"), nullable=False),
    Column("origin", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("score", Float),
    Column("rationale", Text),
    Column("memo", Text),
    Column("created_at", String(32), nullable=False),
    Column("run_id", String(64), ForeignKey("runs.id")),
    CheckConstraint("origin IN ('human', 'rule', 'model')", name="coding_origin"),
    CheckConstraint("status IN ('suggested', 'accepted', 'rejected')", name="coding_status"),
    CheckConstraint('start < "end"', name="coding_span"),
    Index("ix_codings_document", "document_id", "start"),
    Index("ix_codings_code", "code_id"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", String(32), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("action", String(64), nullable=False),
    Column("entity", String(32), nullable=False),
    Column("entity_id", String(255)),
    Column("payload", Text, nullable=False, default="{}"),
)

classifiers = Table(
    "classifiers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", String(32), nullable=False),
    Column("codebook_version", Integer, ForeignKey("codebooks.version"), nullable=False),
    Column("coder", String(255)),
    Column("unit", String(16), nullable=False),
    Column("labels", Text, nullable=False, default="[]"),
    Column("params", Text, nullable=False, default="{}"),
    Column("metrics", Text, nullable=False, default="{}"),
    Column("data", LargeBinary, nullable=False),
)

# Token boundaries of a document's text, made at ingest so suggestions need not tokenise it
# again: valid only while ``text_sha256`` is the document's and ``tokenizer`` the one in
# use. Projects made before the table existed get it on first write; until then, and
# without a row, a document is simply tokenised again.
document_tokens = Table(
    "document_tokens",
    metadata,
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"),
           primary_key=True),
    Column("text_sha256", String(64), nullable=False),
    Column("tokenizer", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
)
