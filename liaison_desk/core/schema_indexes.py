"""Indexes later migrations add so that a read costs what it returns, not what the vault
holds: each with the read it serves and the figure that called for it.

A migration is fixed once released: these statements never change, a later need is a new
migration.
"""

from __future__ import annotations

# Which ops concern a record: HQ asks it of every op it does not route to a station (did the
# record ever reach it, `sync.routes.Router.reached`), and a withdrawal removes them. Without
# the index each question read the whole log, so a round grew with the history.
OPLOG_BY_RECORD = "CREATE INDEX oplog_by_record ON oplog (record_id);"

# "Is any station behind?" reads, per origin, only the acknowledgements short of what HQ
# holds (`exchange.Owed`), not every station's 200 rows.
ACKS_BY_ORIGIN = "CREATE INDEX acks_by_origin ON acks (origin, seq);"

# HQ routes each op by its record's distribution and origin (`sync.routes.RecordFacts`):
# right after it sent a day's bundles at 1,000,000 records, counting what each station is
# owed looks up 10,000 records by id. Through the id index and then the wide row, that is
# two random pages a record, more than the page cache holds, read again at every count;
# these indexes hold all that is read, one page a record (the reads name them: the planner
# takes the unique id index otherwise, and fails without them: a migration that rebuilds one
# of these tables creates its index again). The counts went from 290 to 111 ms.
ROUTING = "\n".join(
    f"CREATE INDEX {table}_routing ON {table} (id, distribution, origin);"
    for table in ("contacts", "meetings", "organizations", "followups", "protocol_refs", "gifts")
)

# A brief's charts count engagements per month: a contact's meetings, and a whole
# country's (`core.timelines`). Both indexes cover what is read (a contact's meeting ids;
# a meeting's start), so the count stays inside them instead of visiting a table row for
# each engagement: three times faster at 100,000 meetings (benchmarks/brief.py).
ENGAGEMENTS = """
CREATE INDEX participants_meetings_of_contact ON participants (contact_id, meeting_id)
    WHERE deleted = 0;
CREATE INDEX meetings_start_by_id ON meetings (id, starts_at) WHERE deleted = 0;
"""
