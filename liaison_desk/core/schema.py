"""The vault's schema as an ordered list of migrations, tracked by PRAGMA user_version.

Migration N takes a vault from version N-1 to N. A migration is history: once
released it never changes, so each one spells out its SQL literally instead of
deriving it from today's record definitions.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from liaison_desk.core import schema_indexes
from liaison_desk.core.audit_chain import chain_existing
from liaison_desk.core.clock import SystemClock, iso_from_ms
from liaison_desk.core.errors import MigrationFailed, SchemaTooNew, StorageError
from liaison_desk.core.identity_keys import SecretKeys
from liaison_desk.core.schema_contacts import contact_details
from liaison_desk.core.schema_names import names_index
from liaison_desk.core.schema_sql import SYNC_COLUMNS as _SYNC_COLUMNS
from liaison_desk.core.schema_sql import run_script as run_script
from liaison_desk.core.schema_sql import search_source as _search_source
from liaison_desk.core.schema_sql import words as _words
from liaison_desk.core.sqlite_types import Connection

log = logging.getLogger("liaison_desk.schema")


@dataclass(frozen=True)
class Migration:
    name: str
    apply: Callable[[Connection], None]


_V1 = (
    f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE oplog (
    n INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hlc TEXT NOT NULL,
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    fields TEXT NOT NULL,
    base TEXT NOT NULL,
    UNIQUE (origin, seq)
);

CREATE TABLE audit (
    n INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{{}}'
);

CREATE TABLE organizations ({_SYNC_COLUMNS},
    name TEXT NOT NULL,
    kind TEXT,
    country TEXT,
    parent_id TEXT,
    notes TEXT
);
CREATE INDEX organizations_by_name ON organizations (name COLLATE NOCASE, id) WHERE deleted = 0;

CREATE TABLE contacts ({_SYNC_COLUMNS},
    full_name TEXT NOT NULL,
    rank TEXT,
    position TEXT,
    org_id TEXT,
    country TEXT,
    languages TEXT NOT NULL DEFAULT '[]',
    phones TEXT NOT NULL DEFAULT '[]',
    emails TEXT NOT NULL DEFAULT '[]',
    address TEXT,
    how_met TEXT,
    trust_notes TEXT,
    notes TEXT,
    cadence_days INTEGER,
    photo_id TEXT
);
CREATE INDEX contacts_by_name ON contacts (full_name COLLATE NOCASE, id) WHERE deleted = 0;
CREATE INDEX contacts_by_org ON contacts (org_id);

CREATE TABLE meetings ({_SYNC_COLUMNS},
    title TEXT NOT NULL,
    kind TEXT,
    starts_at TEXT NOT NULL,
    timezone TEXT,
    place TEXT,
    summary TEXT,
    notes TEXT
);
CREATE INDEX meetings_by_start ON meetings (starts_at, id) WHERE deleted = 0;

CREATE TABLE participants ({_SYNC_COLUMNS},
    meeting_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    role TEXT
);
CREATE INDEX participants_by_meeting ON participants (meeting_id);
CREATE INDEX participants_by_contact ON participants (contact_id);

CREATE TABLE followups ({_SYNC_COLUMNS},
    action TEXT NOT NULL,
    owner TEXT,
    due_date TEXT,
    status TEXT NOT NULL,
    meeting_id TEXT,
    contact_id TEXT,
    notes TEXT
);
CREATE INDEX followups_by_due ON followups (status, due_date) WHERE deleted = 0;

CREATE TABLE protocol_refs ({_SYNC_COLUMNS},
    title TEXT NOT NULL,
    country TEXT,
    category TEXT,
    body TEXT NOT NULL,
    source TEXT,
    version TEXT,
    effective_date TEXT
);
CREATE INDEX protocol_refs_by_country ON protocol_refs (country, category) WHERE deleted = 0;

CREATE TABLE attachments ({_SYNC_COLUMNS},
    owner_id TEXT NOT NULL,
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX attachments_by_owner ON attachments (owner_id);

CREATE VIRTUAL TABLE search USING fts5 (
    kind UNINDEXED, record_id UNINDEXED, marking UNINDEXED, title, body,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
INSERT INTO search (search, rank) VALUES ('rank', 'bm25(0, 0, 0, 10.0, 1.0)');
"""
    + _search_source(
        "organizations",
        1,
        "organization",
        "name",
        f"kind, country, notes, {_words('tags')}",
    )
    + _search_source(
        "contacts",
        2,
        "contact",
        "full_name",
        f"rank, position, country, {_words('languages')}, {_words('phones')}, "
        f"{_words('emails')}, address, how_met, trust_notes, notes, "
        f"{_words('tags')}",
    )
    + _search_source(
        "meetings",
        3,
        "meeting",
        "title",
        f"kind, place, summary, notes, {_words('tags')}",
    )
    + _search_source(
        "followups", 4, "followup", "action", f"owner, status, notes, {_words('tags')}"
    )
    + _search_source(
        "protocol_refs",
        5,
        "protocol",
        "title",
        f"country, category, body, source, {_words('tags')}",
    )
)


_V2 = """
CREATE TABLE drafts (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    record_id TEXT,
    fields TEXT NOT NULL,
    saved_at TEXT NOT NULL
);
"""

_RECORD_TABLES = (
    "organizations",
    "contacts",
    "meetings",
    "participants",
    "followups",
    "protocol_refs",
    "attachments",
)

_V3 = (
    "".join(
        f"ALTER TABLE {t} ADD COLUMN distribution TEXT NOT NULL DEFAULT 'hq';\n"
        for t in _RECORD_TABLES
    )
    + """
ALTER TABLE oplog ADD COLUMN clocks TEXT;
CREATE TABLE identity (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    mldsa87_seed BLOB NOT NULL,
    ecdsa_p384 BLOB NOT NULL,
    mlkem1024_seed BLOB NOT NULL,
    kem_p384 BLOB NOT NULL,
    fingerprint TEXT NOT NULL
);
CREATE TABLE incarnations (origin TEXT PRIMARY KEY, started_at TEXT NOT NULL);
CREATE TABLE peers (
    fingerprint TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    post TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL,
    keys TEXT NOT NULL,
    status TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    revoked_at TEXT,
    last_in_at TEXT,
    last_out_at TEXT,
    ack_origin TEXT,
    ack_bundle INTEGER
);
CREATE TABLE peer_origins (
    origin TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT ''
);
CREATE TABLE holdings (origin TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE acks (
    peer TEXT NOT NULL,
    origin TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (peer, origin)
);
CREATE TABLE bundles_in (
    sender TEXT NOT NULL,
    origin TEXT NOT NULL,
    seq INTEGER NOT NULL,
    digest TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    ops INTEGER NOT NULL,
    PRIMARY KEY (sender, origin, seq)
);
CREATE TABLE bundles_out (
    peer TEXT NOT NULL,
    origin TEXT NOT NULL,
    seq INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    ops INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (peer, origin, seq)
);
CREATE TABLE conflicts (
    n INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field TEXT NOT NULL,
    local_value TEXT NOT NULL,
    local_clock TEXT NOT NULL,
    remote_value TEXT NOT NULL,
    remote_clock TEXT NOT NULL,
    detected_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    resolution TEXT,
    resolved_at TEXT
);
CREATE INDEX conflicts_by_record ON conflicts (record_id, field) WHERE status = 'open';
CREATE TABLE station_groups (name TEXT PRIMARY KEY, members TEXT NOT NULL DEFAULT '[]');
"""
)


def _v3(conn: Connection) -> None:
    """Sync: routing on every record, the vault's identity keys, peers and bookkeeping."""
    run_script(conn, _V3)
    keys = SecretKeys.generate(os.urandom)
    conn.execute(
        "INSERT INTO identity VALUES (1, ?, ?, ?, ?, ?)",
        (
            keys.mldsa87_seed,
            keys.ecdsa_p384,
            keys.mlkem1024_seed,
            keys.kem_p384,
            keys.public().fingerprint(),
        ),
    )
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    conn.execute(
        "INSERT INTO incarnations VALUES (?, ?)",
        (meta["origin"], iso_from_ms(SystemClock().now_ms())),
    )
    if meta.get("role") == "hq":
        conn.execute("UPDATE protocol_refs SET distribution = 'all'")


_V4 = """
CREATE TABLE refused_ops (
    n INTEGER PRIMARY KEY,
    peer TEXT NOT NULL,
    origin TEXT NOT NULL,
    seq INTEGER NOT NULL,
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    refused_at TEXT NOT NULL,
    UNIQUE (origin, seq)
);
CREATE INDEX refused_ops_by_peer ON refused_ops (peer, n);
CREATE TABLE refusals_reported (
    peer TEXT NOT NULL,
    n INTEGER NOT NULL,
    origin TEXT NOT NULL,
    seq INTEGER NOT NULL,
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    PRIMARY KEY (peer, n)
);
ALTER TABLE peers ADD COLUMN refusals_acked INTEGER NOT NULL DEFAULT 0;
"""


def _renamed_key(column: str) -> str:
    """`column` (a JSON object keyed by field) with its contact_id key renamed contact_ids."""
    moved = f"json_set({column}, '$.contact_ids', json_extract({column}, '$.contact_id'))"
    return f"json_remove({moved}, '$.contact_id')"


def _as_list(column: str) -> str:
    """`column`'s contact_id value (JSON text in an object) made a list: null is no one."""
    value = f"json_extract({column}, '$.contact_id')"
    listed = f"CASE WHEN {value} IS NULL THEN json('[]') ELSE json_array({value}) END"
    return f"json_remove(json_set({column}, '$.contact_ids', {listed}), '$.contact_id')"


_HAS_ID = "json_type({}, '$.contact_id') IS NOT NULL"

# A follow-up names several people: its contact_id becomes the list contact_ids,
# everywhere the field's name or value is kept (rows and their clocks, the oplog
# that is sent again to peers that lack it, open conflicts, drafts), so no old
# name is ever sent or merged again.
_V5 = f"""
ALTER TABLE followups ADD COLUMN contact_ids TEXT NOT NULL DEFAULT '[]';
UPDATE followups SET contact_ids = json_array(contact_id) WHERE contact_id IS NOT NULL;
UPDATE followups SET clocks = {_renamed_key("clocks")} WHERE {_HAS_ID.format("clocks")};
ALTER TABLE followups DROP COLUMN contact_id;
UPDATE oplog SET fields = {_as_list("fields")}
    WHERE entity = 'followup' AND {_HAS_ID.format("fields")};
UPDATE oplog SET base = {_renamed_key("base")}
    WHERE entity = 'followup' AND {_HAS_ID.format("base")};
UPDATE oplog SET clocks = {_renamed_key("clocks")}
    WHERE entity = 'followup' AND clocks IS NOT NULL AND {_HAS_ID.format("clocks")};
UPDATE conflicts SET
    field = 'contact_ids',
    local_value = CASE WHEN local_value = 'null' THEN '[]' ELSE json_array(json(local_value)) END,
    remote_value = CASE WHEN remote_value = 'null' THEN '[]' ELSE json_array(json(remote_value)) END
    WHERE entity = 'followup' AND field = 'contact_id';
UPDATE drafts SET fields = {_as_list("fields")}
    WHERE kind = 'followup' AND {_HAS_ID.format("fields")};
"""

# Meetings as calendars hold them: an end, all-day dates, a series (its rule, the
# occurrences left out and added) and the UID of the event they came from, looked
# up when a calendar is imported again.
_MEETING_CALENDAR = """
ALTER TABLE meetings ADD COLUMN ends_at TEXT;
ALTER TABLE meetings ADD COLUMN all_day INTEGER NOT NULL DEFAULT 0;
ALTER TABLE meetings ADD COLUMN recurrence TEXT;
ALTER TABLE meetings ADD COLUMN exdates TEXT NOT NULL DEFAULT '[]';
ALTER TABLE meetings ADD COLUMN rdates TEXT NOT NULL DEFAULT '[]';
ALTER TABLE meetings ADD COLUMN uid TEXT;
CREATE INDEX meetings_by_uid ON meetings (uid) WHERE deleted = 0 AND uid IS NOT NULL;
CREATE INDEX meetings_series ON meetings (starts_at)
    WHERE deleted = 0 AND (recurrence IS NOT NULL OR rdates != '[]');
"""
_STATION_AUDIT = """
CREATE TABLE station_audit (
    station TEXT NOT NULL,
    n INTEGER NOT NULL,
    at TEXT,
    event TEXT,
    detail TEXT,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (station, n)
) WITHOUT ROWID;
"""


def _audit_chain(conn: Connection) -> None:
    """The audit log chained by hash (`core.audit_chain`); at HQ, the stations' copies."""
    chain_existing(conn)
    run_script(conn, _STATION_AUDIT)


_COMPROMISE = """
ALTER TABLE peers ADD COLUMN revoke_reason TEXT;
ALTER TABLE peers ADD COLUMN compromised_since TEXT;
ALTER TABLE peers ADD COLUMN wipe_order TEXT;
CREATE TABLE held_records (
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    station TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'held',
    held_at TEXT NOT NULL,
    decided_at TEXT,
    PRIMARY KEY (kind, record_id)
) WITHOUT ROWID;
CREATE TABLE flagged_records (
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    flagged_at TEXT NOT NULL,
    PRIMARY KEY (kind, record_id)
) WITHOUT ROWID;
"""

# Where the ops of each bundle HQ received begin in its oplog (`bundles_in.first_n`): a
# date of compromise holds what HQ received after it, whatever the ops' own stamps say
# (`sync.compromise.HeldOps`). And a station's audit entries HQ held that a later copy of
# the station's log no longer has (a backup restored there), kept beside the log
# (`sync.station_audit`).
_RECEIPTS_AND_FORKS = """
ALTER TABLE bundles_in ADD COLUMN first_n INTEGER;
CREATE TABLE station_audit_superseded (
    station TEXT NOT NULL,
    n INTEGER NOT NULL,
    at TEXT,
    event TEXT,
    detail TEXT,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL,
    received_at TEXT NOT NULL,
    superseded_at TEXT NOT NULL,
    PRIMARY KEY (station, hash)
) WITHOUT ROWID;
"""


# Precedence: a contact's rank as its NATO code when it maps (`core.ranks`), its
# diplomatic rank and its date of accreditation. Older ops lack them and read as null.
_PRECEDENCE = """
ALTER TABLE contacts ADD COLUMN rank_code TEXT;
ALTER TABLE contacts ADD COLUMN diplomatic_rank TEXT;
ALTER TABLE contacts ADD COLUMN accredited_on TEXT;
"""

# A dinner's, lunch's or reception's seating plan: a child of its meeting (`core.seating_plan`).
_SEATING_PLANS = f"""
CREATE TABLE seating_plans ({_SYNC_COLUMNS},
    distribution TEXT NOT NULL DEFAULT 'hq',
    meeting_id TEXT NOT NULL,
    tables TEXT NOT NULL,
    convention TEXT NOT NULL,
    host_id TEXT,
    cohost_id TEXT,
    seats TEXT NOT NULL DEFAULT '[]',
    apart TEXT NOT NULL DEFAULT '[]',
    interpreters TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX seating_plans_by_meeting ON seating_plans (meeting_id);
"""

# The gifts and hospitality register: entries given and received, each with the
# declaration the core worked out at its save (`core.gifts`), searchable like the rest.
_GIFTS = f"""
CREATE TABLE gifts ({_SYNC_COLUMNS},
    distribution TEXT NOT NULL DEFAULT 'hq',
    direction TEXT NOT NULL,
    description TEXT NOT NULL,
    value TEXT NOT NULL,
    currency TEXT NOT NULL,
    exchanged_on TEXT NOT NULL,
    contact_ids TEXT NOT NULL DEFAULT '[]',
    occasion TEXT,
    meeting_id TEXT,
    country TEXT,
    notes TEXT,
    declaration TEXT,
    rules_id TEXT
);
CREATE INDEX gifts_by_date ON gifts (exchanged_on, id) WHERE deleted = 0;
CREATE INDEX gifts_declared ON gifts (origin, exchanged_on) WHERE deleted = 0
    AND declaration IS NOT NULL;
""" + _search_source(
    "gifts",
    6,
    "gift",
    "description",
    f"direction, occasion, country, currency, notes, declaration, {_words('tags')}",
)


MIGRATIONS: tuple[Migration, ...] = (
    Migration("records, oplog, audit log and search index", lambda c: run_script(c, _V1)),
    Migration("drafts of unsaved edits", lambda c: run_script(c, _V2)),
    Migration("sync identity, routing and peers", _v3),
    Migration("ops refused here, and those peers refused", lambda c: run_script(c, _V4)),
    Migration("follow-ups name several contacts", lambda c: run_script(c, _V5)),
    Migration("a contact's phones, emails, addresses, postings and relations", contact_details),
    Migration(
        "meetings with an end, all-day dates, series and UIDs",
        lambda c: run_script(c, _MEETING_CALENDAR),
    ),
    Migration("audit entries chained by hash; stations' security logs at HQ", _audit_chain),
    Migration(
        "revocation reasons and dates of compromise, held and flagged records, wipe orders",
        lambda c: run_script(c, _COMPROMISE),
    ),
    Migration(
        "the oplog indexed by record", lambda c: run_script(c, schema_indexes.OPLOG_BY_RECORD)
    ),
    Migration(
        "where received bundles' ops begin; station audit entries a restore superseded",
        lambda c: run_script(c, _RECEIPTS_AND_FORKS),
    ),
    Migration("names searchable in any script", names_index),
    Migration(
        "contacts' NATO rank codes, diplomatic ranks and dates of accreditation",
        lambda c: run_script(c, _PRECEDENCE),
    ),
    Migration("seating plans", lambda c: run_script(c, _SEATING_PLANS)),
    Migration("the gifts and hospitality register", lambda c: run_script(c, _GIFTS)),
    Migration(
        "engagements indexed for counting by month",
        lambda c: run_script(c, schema_indexes.ENGAGEMENTS),
    ),
    Migration(
        "acknowledgements indexed by origin", lambda c: run_script(c, schema_indexes.ACKS_BY_ORIGIN)
    ),
    Migration("records indexed for routing", lambda c: run_script(c, schema_indexes.ROUTING)),
)


def schema_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the vault up to date in one transaction; return the number of steps applied."""
    current = schema_version(conn)
    target = len(migrations)
    if current > target:
        raise SchemaTooNew(
            "This vault was written by a newer version of Liaison Desk. Update the application."
        )
    if current == target:
        return 0
    try:
        conn.execute("BEGIN IMMEDIATE")
        for version in range(current + 1, target + 1):
            migrations[version - 1].apply(conn)
            log.info("applied migration %d", version)
        conn.execute(f"PRAGMA user_version = {target}")
        conn.execute("COMMIT")
    except Exception as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        log.error("migration to version %d failed: %s", target, type(exc).__name__)
        if isinstance(exc, StorageError):  # the disk's fault (read-only, full), not the vault's
            raise StorageError(
                "This vault was written by an earlier version of Liaison Desk and is upgraded "
                f"the first time this version opens it, which cannot be done here: "
                f"{exc.message} Open it once from a disk that can be written to."
            ) from exc
        raise MigrationFailed(
            "The vault could not be upgraded to this version; it was left unchanged."
        ) from exc
    return target - current
