"""Schema migrations: an ordered list, each applied once in its own transaction.

Applied migrations are recorded in ``schema_migrations``; ``PRAGMA user_version``
mirrors the highest one so a newer file can be refused without reading tables.
Add a migration by appending to :data:`MIGRATIONS`; never edit an applied one.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

#: ``PRAGMA application_id`` of every qda project ("QDA1"), so another
#: program's SQLite file is recognised and refused.
APPLICATION_ID = 0x51444131


@dataclass(frozen=True)
class Migration:
    id: int
    name: str
    sql: str


_INITIAL = """
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL                -- JSON
);

CREATE TABLE documents (
    id          TEXT PRIMARY KEY,      -- slug of the file name, unique in the project
    name        TEXT NOT NULL,         -- the file name as given
    path        TEXT,                  -- where it was read from (informational)
    format      TEXT NOT NULL,
    sha256      TEXT NOT NULL,         -- of the source file's bytes
    text        TEXT NOT NULL,         -- stored text: UTF-8, '\\n' newlines; offsets index it
    unit        TEXT NOT NULL,         -- segmentation unit asked for at ingest
    imported_at TEXT NOT NULL,
    attributes  TEXT NOT NULL DEFAULT '{}'   -- JSON metadata from the reader
);

CREATE TABLE participants (
    id         TEXT PRIMARY KEY,
    label      TEXT NOT NULL,
    auto       INTEGER NOT NULL DEFAULT 0,   -- 1: made up by qda for an unmapped speaker
    created_at TEXT NOT NULL
);

CREATE TABLE participant_attributes (
    participant_id TEXT NOT NULL REFERENCES participants(id) ON DELETE CASCADE ON UPDATE CASCADE,
    name           TEXT NOT NULL,
    value          TEXT,
    PRIMARY KEY (participant_id, name)
);

CREATE TABLE speakers (
    document_id    TEXT NOT NULL REFERENCES documents(id),
    label          TEXT NOT NULL,            -- '' for a document without speaker labels
    participant_id TEXT REFERENCES participants(id) ON UPDATE CASCADE,
    is_interviewer INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (document_id, label)
);

CREATE TABLE segments (
    id             TEXT PRIMARY KEY,         -- '<document>#<unit letter><position>'
    document_id    TEXT NOT NULL REFERENCES documents(id),
    position       INTEGER NOT NULL,
    unit           TEXT NOT NULL CHECK (unit IN ('turn', 'paragraph', 'sentence', 'response')),
    start          INTEGER NOT NULL,         -- code points into documents.text
    "end"          INTEGER NOT NULL,         -- exclusive
    speaker        TEXT,
    participant_id TEXT REFERENCES participants(id) ON UPDATE CASCADE,
    is_interviewer INTEGER NOT NULL DEFAULT 0,
    CHECK (0 <= start AND start < "end"),
    UNIQUE (document_id, unit, position)
);

CREATE TABLE codes (
    id          TEXT PRIMARY KEY,
    parent_id   TEXT REFERENCES codes(id) ON UPDATE CASCADE,
    name        TEXT NOT NULL,
    description TEXT,
    include     TEXT,
    exclude     TEXT,
    examples    TEXT NOT NULL DEFAULT '[]',  -- JSON list
    keywords    TEXT NOT NULL DEFAULT '[]',  -- JSON list
    patterns    TEXT NOT NULL DEFAULT '[]',  -- JSON list of spaCy Matcher patterns
    color       TEXT,
    position    INTEGER NOT NULL
);

-- A coding is never deleted by a cascade: deleting a coded segment or code fails.
CREATE TABLE codings (
    id               INTEGER PRIMARY KEY,
    segment_id       TEXT REFERENCES segments(id),
    document_id      TEXT NOT NULL REFERENCES documents(id),
    start            INTEGER NOT NULL,
    "end"            INTEGER NOT NULL,
    code_id          TEXT NOT NULL REFERENCES codes(id) ON UPDATE CASCADE,
    coder            TEXT NOT NULL,
    source           TEXT NOT NULL CHECK (source IN ('human', 'rules', 'model', 'import')),
    status           TEXT NOT NULL CHECK (status IN ('suggested', 'accepted', 'rejected')),
    confidence       REAL,
    evidence         TEXT,                   -- JSON
    codebook_version TEXT,
    created_at       TEXT NOT NULL,
    CHECK (0 <= start AND start < "end"),
    UNIQUE (document_id, start, "end", code_id, coder, source)
);

CREATE TABLE history (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    who       TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT,
    detail    TEXT                           -- JSON
);

CREATE INDEX segments_document ON segments(document_id);
CREATE INDEX segments_participant ON segments(participant_id);
CREATE INDEX codings_segment ON codings(segment_id);
CREATE INDEX codings_code ON codings(code_id);
"""

# Versions of documents, cue times and survey questions on segments, rule fields and
# review flags for codes and codings, and an archive that codings are moved to
# instead of ever being deleted.
_VERSIONS_AND_ARCHIVE = """
ALTER TABLE documents ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- Earlier versions of a document's stored text, kept when a changed file is re-imported.
CREATE TABLE document_versions (
    document_id TEXT NOT NULL REFERENCES documents(id) ON UPDATE CASCADE,
    version     INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    text        TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    replaced_at TEXT NOT NULL,
    PRIMARY KEY (document_id, version)
);

ALTER TABLE segments ADD COLUMN begin_time REAL;     -- seconds into the recording (cues)
ALTER TABLE segments ADD COLUMN end_time REAL;
ALTER TABLE segments ADD COLUMN question TEXT;       -- survey column a response answers

ALTER TABLE codes ADD COLUMN exclude_keywords TEXT NOT NULL DEFAULT '[]';  -- JSON list

ALTER TABLE codings ADD COLUMN review TEXT;          -- why a person should look again

-- Codings taken out of use (a code deleted with --archive, a span that could not be
-- placed in a new version of its document): kept whole, with the quote and why.
CREATE TABLE archived_codings (
    id               INTEGER PRIMARY KEY,
    coding_id        INTEGER,                 -- its id in codings
    segment_id       TEXT,
    document_id      TEXT NOT NULL,
    document_version INTEGER,
    start            INTEGER NOT NULL,
    "end"            INTEGER NOT NULL,
    quote            TEXT NOT NULL,           -- the coded text when it was archived
    code_id          TEXT NOT NULL,
    code_name        TEXT,
    coder            TEXT NOT NULL,
    source           TEXT NOT NULL,
    status           TEXT NOT NULL,
    confidence       REAL,
    evidence         TEXT,
    codebook_version TEXT,
    created_at       TEXT NOT NULL,
    reason           TEXT NOT NULL,
    archived_at      TEXT NOT NULL,
    archived_by      TEXT NOT NULL
);
"""

# Human coding round trip: which segments each coder has reviewed (so "no code applies"
# can be told from "not yet coded"), and an id for the project so a coding sheet from
# another project is refused. No foreign key to segments: a new version of a document
# rebuilds its segments (unchanged ones keep their ids), and a review must not block it.
_REVIEWS = """
CREATE TABLE reviews (
    segment_id  TEXT NOT NULL,
    document_id TEXT NOT NULL,
    coder       TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    source_file TEXT,                        -- the sheet or CSV it came from
    UNIQUE (segment_id, coder)
);

CREATE INDEX reviews_coder ON reviews(coder);

INSERT OR IGNORE INTO settings (key, value) VALUES ('project_id', '"' ||
    lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
    substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1) ||
    substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))) || '"');
"""

# Rules windows and review: proximity rules on codes; on codings, who reviewed a
# suggestion and when, and for an accepted suggestion (now a human coding of the
# reviewer) the source that suggested it. The archive keeps the same columns.
_REVIEW = """
ALTER TABLE codes ADD COLUMN proximity TEXT NOT NULL DEFAULT '[]';  -- JSON list of rules

ALTER TABLE codings ADD COLUMN origin TEXT;       -- accepted suggestion: rules | model | ...
ALTER TABLE codings ADD COLUMN reviewed_by TEXT;  -- who accepted or rejected it
ALTER TABLE codings ADD COLUMN reviewed_at TEXT;

ALTER TABLE archived_codings ADD COLUMN origin TEXT;
ALTER TABLE archived_codings ADD COLUMN reviewed_by TEXT;
ALTER TABLE archived_codings ADD COLUMN reviewed_at TEXT;

CREATE INDEX codings_status ON codings(status);
"""

# Anonymity: the originals that ``qda anonymise --keep-original`` keeps apart from the
# project's texts (one row per rewritten value). No export or analysis reads this table.
_ANONYMITY = """
CREATE TABLE anonymisation_originals (
    id            INTEGER PRIMARY KEY,
    anonymised_at TEXT NOT NULL,
    key_sha256    TEXT NOT NULL,          -- of the key file
    table_name    TEXT NOT NULL,
    row_key       TEXT NOT NULL,          -- e.g. a document id, 'doc v2', 'coding 7'
    column_name   TEXT NOT NULL,
    original      TEXT
);
"""

# Framework matrix summaries: one researcher's summary per (participant, theme), edited
# in the exported Framework sheet and imported back. Renames of participants and codes
# carry them along; a summary goes with its code or participant when that is deleted
# (the history row of the import that wrote it keeps the text).
_FRAMEWORK = """
CREATE TABLE framework_summaries (
    participant_id TEXT NOT NULL REFERENCES participants(id)
                   ON UPDATE CASCADE ON DELETE CASCADE,
    code_id        TEXT NOT NULL REFERENCES codes(id) ON UPDATE CASCADE ON DELETE CASCADE,
    summary        TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    UNIQUE (participant_id, code_id)
);
"""

# Incremental rules coding: what the last rules run saw. A segment whose id, offsets
# and text hash are unchanged, coded by rules whose per-code fingerprint is unchanged,
# is not coded again. No foreign keys: segments are rebuilt by new document versions,
# and a row without its segment is simply stale. Indexes make the per-file "already
# imported?" lookups of ingest constant-time.
_RULES_STATE = """
CREATE TABLE rules_segments (
    segment_id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text_hash TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE rules_codes (
    code_id TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL   -- hash of the code's keywords, exclusions, patterns, windows
) WITHOUT ROWID;

CREATE INDEX documents_sha256 ON documents(sha256);
CREATE INDEX documents_name ON documents(name);
"""

# A speaker's segments found by the index, not by scanning the document: mapping each
# respondent of a survey of 100,000 answers scanned all 100,000 segments (issue 22).
_SPEAKER_INDEX = """
CREATE INDEX segments_speaker ON segments(document_id, speaker);
"""

# Memos: a researcher's notes on the project (target 'project', no target id), a
# document, a participant, a code or a coding. The target is named, not a foreign key:
# a memo outlives what it is about (a code deleted, a coding archived, a made-up
# participant dropped) and is never lost with it; renames follow in the store.
_MEMOS = """
CREATE TABLE memos (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,   -- never reused: history names memos by id
    target     TEXT NOT NULL
               CHECK (target IN ('project', 'document', 'participant', 'code', 'coding')),
    target_id  TEXT,                       -- NULL for the project; a coding's id as text
    title      TEXT NOT NULL DEFAULT '',
    text       TEXT NOT NULL CHECK (length(trim(text)) > 0),
    author     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((target = 'project') = (target_id IS NULL))
);

CREATE INDEX memos_target ON memos(target, target_id);
"""

_IMPORT_REPORT = """
-- What the reader found in each document (speakers, turns, words, warnings), as JSON:
-- the import report `qda ingest` prints and `qda documents` lists again.
ALTER TABLE documents ADD COLUMN import_report TEXT;
"""

# LLM suggestions: a new coding source ``llm`` (SQLite cannot change a CHECK in place, so
# codings is rebuilt with the same columns, ids and indexes), and the cache of the
# endpoint's answers: one row per (model, prompt, segment text), so running the same
# model and codebook again asks nothing. ``anonymise`` empties it (answers quote words).
_LLM = """
CREATE TABLE codings_llm (
    id               INTEGER PRIMARY KEY,
    segment_id       TEXT REFERENCES segments(id),
    document_id      TEXT NOT NULL REFERENCES documents(id),
    start            INTEGER NOT NULL,
    "end"            INTEGER NOT NULL,
    code_id          TEXT NOT NULL REFERENCES codes(id) ON UPDATE CASCADE,
    coder            TEXT NOT NULL,
    source           TEXT NOT NULL
                     CHECK (source IN ('human', 'rules', 'model', 'import', 'llm')),
    status           TEXT NOT NULL CHECK (status IN ('suggested', 'accepted', 'rejected')),
    confidence       REAL,
    evidence         TEXT,                   -- JSON
    codebook_version TEXT,
    created_at       TEXT NOT NULL,
    review           TEXT,
    origin           TEXT,
    reviewed_by      TEXT,
    reviewed_at      TEXT,
    CHECK (0 <= start AND start < "end"),
    UNIQUE (document_id, start, "end", code_id, coder, source)
);

INSERT INTO codings_llm (id, segment_id, document_id, start, "end", code_id, coder, source,
    status, confidence, evidence, codebook_version, created_at, review, origin, reviewed_by,
    reviewed_at)
SELECT id, segment_id, document_id, start, "end", code_id, coder, source, status, confidence,
    evidence, codebook_version, created_at, review, origin, reviewed_by, reviewed_at
FROM codings;

DROP TABLE codings;

ALTER TABLE codings_llm RENAME TO codings;

CREATE INDEX codings_segment ON codings(segment_id);
CREATE INDEX codings_code ON codings(code_id);
CREATE INDEX codings_status ON codings(status);

CREATE TABLE llm_answers (
    key           TEXT PRIMARY KEY,     -- sha256 of model, prompt and segment text
    model         TEXT NOT NULL,
    prompt_sha256 TEXT NOT NULL,        -- of the prompt (instructions and codebook)
    answer        TEXT NOT NULL,        -- the message content the endpoint returned
    created_at    TEXT NOT NULL
) WITHOUT ROWID;
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", _INITIAL),
    Migration(2, "document versions, cue times, rule fields, coding archive", _VERSIONS_AND_ARCHIVE),
    Migration(3, "reviews by coder, project id", _REVIEWS),
    Migration(4, "proximity rules, review of suggestions", _REVIEW),
    Migration(5, "framework matrix summaries", _FRAMEWORK),
    Migration(6, "originals kept apart by anonymisation", _ANONYMITY),
    Migration(8, "incremental rules coding state, document lookup indexes", _RULES_STATE),
    Migration(9, "segments by speaker index", _SPEAKER_INDEX),
    Migration(10, "llm coding source, cache of llm answers", _LLM),
    Migration(11, "memos", _MEMOS),
    Migration(14, "per-document import report (speakers, turns, words, warnings)", _IMPORT_REPORT),
)

LATEST = MIGRATIONS[-1].id


def applied(conn: sqlite3.Connection) -> set[int]:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if not exists:
        return set()
    return {row[0] for row in conn.execute("SELECT id FROM schema_migrations")}


def pending(conn: sqlite3.Connection) -> list[Migration]:
    done = applied(conn)
    return [m for m in MIGRATIONS if m.id not in done]


def apply_pending(conn: sqlite3.Connection) -> list[Migration]:
    """Apply every pending migration, each in one transaction; return those applied.

    The connection must be in autocommit mode (``isolation_level=None``).
    """
    todo = []
    for migration in pending(conn):
        conn.execute("BEGIN IMMEDIATE")
        # Another process may have applied it while this one waited for the lock.
        if migration.id in applied(conn):
            conn.execute("ROLLBACK")
            continue
        todo.append(migration)
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            for statement in _statements(migration.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)",
                (migration.id, migration.name, datetime.now(UTC).isoformat()),
            )
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {migration.id}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return todo


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (executescript would commit)."""
    out, buf = [], []
    for line in script.splitlines():
        buf.append(line)
        candidate = "\n".join(buf)
        if sqlite3.complete_statement(candidate):
            if candidate.strip():
                out.append(candidate)
            buf = []
    rest = "\n".join(buf).strip()
    if rest:
        out.append(rest)
    return out
