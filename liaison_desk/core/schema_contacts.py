"""Migration 6: a contact's repeatable details in tables of their own.

A contact gains a structured name, nicknames, aliases, birthday, anniversary
and the UID of the card it came from; its phones, emails and address leave the
contact row for `contact_points` (typed, several of each), beside `postings`
(the positions held) and `contact_relations` (spouse, deputy...). Every stored
phone, email and address becomes a point with the id and clock an old op
would give it (`core.legacy_points`), and the contact keeps the old fields'
clocks, so old ops still arriving merge into the same points.

Kept as it was: the oplog (old ops stay as written and are read by
`sync.legacy_ops`), and open conflicts over the old fields (resolving one
writes the chosen list into the points, `core.contact_details.set_legacy`).
A draft holding typed phones, emails or an address the contact does not hold
keeps them in its notes, where the officer sees them when the draft comes back.

A contact's search row also holds the text of its points, postings and
relations, kept current by triggers on those tables (see `search_source`).
"""

from __future__ import annotations

import json
from typing import Any

from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.hlc import stamp_ms, stamp_origin
from liaison_desk.core.legacy_points import derived_fields, derived_id, legacy_values
from liaison_desk.core.schema_sql import SYNC_COLUMNS, run_script, search_source, words
from liaison_desk.core.sqlite_types import Connection

_TABLES = f"""
CREATE TABLE contact_points ({SYNC_COLUMNS},
    distribution TEXT NOT NULL DEFAULT 'hq',
    contact_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    label TEXT,
    value TEXT,
    extension TEXT,
    e164 TEXT,
    po_box TEXT,
    extended TEXT,
    street TEXT,
    locality TEXT,
    region TEXT,
    postcode TEXT,
    country TEXT,
    pref INTEGER
);
CREATE INDEX contact_points_by_contact ON contact_points (contact_id);
CREATE INDEX contact_points_by_e164 ON contact_points (e164) WHERE e164 IS NOT NULL;

CREATE TABLE postings ({SYNC_COLUMNS},
    distribution TEXT NOT NULL DEFAULT 'hq',
    contact_id TEXT NOT NULL,
    title TEXT NOT NULL,
    org_id TEXT,
    organization TEXT,
    starts_on TEXT,
    ends_on TEXT
);
CREATE INDEX postings_by_contact ON postings (contact_id);
CREATE INDEX postings_by_org ON postings (org_id);

CREATE TABLE contact_relations ({SYNC_COLUMNS},
    distribution TEXT NOT NULL DEFAULT 'hq',
    contact_id TEXT NOT NULL,
    relation TEXT NOT NULL,
    other_id TEXT,
    name TEXT
);
CREATE INDEX contact_relations_by_contact ON contact_relations (contact_id);
CREATE INDEX contact_relations_by_other ON contact_relations (other_id);

-- Contacts whose search row waits for the end of a bulk write (`Store._bulk_indexing`).
CREATE TABLE search_stale (kind TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (kind, n))
    WITHOUT ROWID;

ALTER TABLE contacts ADD COLUMN name_prefix TEXT;
ALTER TABLE contacts ADD COLUMN given_name TEXT;
ALTER TABLE contacts ADD COLUMN additional_names TEXT;
ALTER TABLE contacts ADD COLUMN family_name TEXT;
ALTER TABLE contacts ADD COLUMN name_suffix TEXT;
ALTER TABLE contacts ADD COLUMN nicknames TEXT NOT NULL DEFAULT '[]';
ALTER TABLE contacts ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]';
ALTER TABLE contacts ADD COLUMN birthday TEXT;
ALTER TABLE contacts ADD COLUMN anniversary TEXT;
ALTER TABLE contacts ADD COLUMN uid TEXT;
CREATE INDEX contacts_by_uid ON contacts (uid) WHERE uid IS NOT NULL;
"""

_OLD_COLUMNS = """
DROP VIEW contacts_search;
DROP TRIGGER contacts_search_insert;
DROP TRIGGER contacts_search_update;
DROP TRIGGER contacts_search_delete;
ALTER TABLE contacts DROP COLUMN phones;
ALTER TABLE contacts DROP COLUMN emails;
ALTER TABLE contacts DROP COLUMN address;
"""

_POINTS_TEXT = (
    "(SELECT group_concat(concat_ws(' ', p.value, p.extension, p.e164, p.po_box, p.extended, "
    "p.street, p.locality, p.region, p.postcode, p.country), ' ') FROM contact_points p "
    "WHERE p.contact_id = contacts.id AND p.deleted = 0)"
)
_POSTINGS_TEXT = (
    "(SELECT group_concat(concat_ws(' ', p.title, p.organization), ' ') FROM postings p "
    "WHERE p.contact_id = contacts.id AND p.deleted = 0)"
)
_RELATIONS_TEXT = (
    "(SELECT group_concat(r.name, ' ') FROM contact_relations r "
    "WHERE r.contact_id = contacts.id AND r.deleted = 0)"
)
_CONTACT_BODY = (
    "name_prefix, given_name, additional_names, family_name, name_suffix, "
    f"{words('nicknames')}, {words('aliases')}, rank, position, country, "
    f"{words('languages')}, how_met, trust_notes, notes, {words('tags')}, "
    f"{_POINTS_TEXT}, {_POSTINGS_TEXT}, {_RELATIONS_TEXT}"
)
_BULK = "EXISTS (SELECT 1 FROM meta WHERE key = 'bulk-indexing')"


def _reindex(ref: str) -> str:
    """Statements re-indexing the contact `ref` names (at once, or at the bulk write's end)."""
    contact = f"(SELECT n FROM contacts WHERE id = {ref})"
    return f"""
    INSERT OR IGNORE INTO search_stale (kind, n)
        SELECT 'contact', n FROM contacts WHERE id = {ref} AND {_BULK};
    DELETE FROM search WHERE rowid = {contact} * 8 + 2 AND NOT {_BULK};
    INSERT INTO search (rowid, kind, record_id, marking, title, body)
        SELECT search_rowid, kind, record_id, marking, title, body FROM contacts_search
        WHERE n = {contact} AND NOT {_BULK};"""


def _child_triggers(table: str) -> str:
    """A change to a contact's point, posting or relation changes the contact's search row."""
    return f"""
CREATE TRIGGER {table}_search_insert AFTER INSERT ON {table} BEGIN{_reindex("new.contact_id")}
END;
CREATE TRIGGER {table}_search_update AFTER UPDATE ON {table} BEGIN{_reindex("new.contact_id")}
END;
CREATE TRIGGER {table}_search_moved AFTER UPDATE OF contact_id ON {table}
WHEN old.contact_id != new.contact_id BEGIN{_reindex("old.contact_id")}
END;
CREATE TRIGGER {table}_search_delete AFTER DELETE ON {table} BEGIN{_reindex("old.contact_id")}
END;
"""


_SEARCH = (
    search_source("contacts", 2, "contact", "full_name", _CONTACT_BODY)
    + "".join(_child_triggers(t) for t in ("contact_points", "postings", "contact_relations"))
    + """
DELETE FROM search WHERE kind = 'contact';
INSERT INTO search (rowid, kind, record_id, marking, title, body)
    SELECT search_rowid, kind, record_id, marking, title, body FROM contacts_search;
"""
)

_INSERT_POINT = (
    "INSERT INTO contact_points (id, created_at, updated_at, hlc, origin, clocks, marking, "
    "tags, distribution, contact_id, channel, label, value, extension, e164, po_box, "
    "extended, street, locality, region, postcode, country, pref) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, '[]', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_LEGACY = (("phones", "phone"), ("emails", "email"), ("address", "address"))


def contact_details(conn: Connection) -> None:
    run_script(conn, _TABLES)
    _points_from_columns(conn)
    _drafts_keep_typing(conn)
    run_script(conn, _OLD_COLUMNS)
    run_script(conn, _SEARCH)


def _points_from_columns(conn: Connection) -> None:
    """Each stored phone, email and address becomes the point an old op would make of it,
    stamped with the clock of the field it came from."""
    rows = conn.execute(
        "SELECT id, hlc, clocks, marking, phones, emails, address FROM contacts"
    ).fetchall()
    for contact_id, hlc, clocks_text, marking, phones, emails, address in rows:
        clocks = json.loads(clocks_text)
        stored = {"phones": json.loads(phones), "emails": json.loads(emails), "address": address}
        for field, channel in _LEGACY:
            clock = clocks.get(field) or clocks.get("*") or hlc
            at = iso_from_ms(stamp_ms(clock))
            for index, value in enumerate(legacy_values(field, stored[field])):
                point = derived_fields(contact_id, channel, value, marking)
                conn.execute(
                    _INSERT_POINT,
                    (
                        derived_id(contact_id, channel, index),
                        at,
                        at,
                        clock,
                        stamp_origin(clock),
                        json.dumps({"*": clock}),
                        point["marking"],
                        point["distribution"],
                        *(point[f] for f in _POINT_FIELDS),
                    ),
                )


_POINT_FIELDS = (
    "contact_id",
    "channel",
    "label",
    "value",
    "extension",
    "e164",
    "po_box",
    "extended",
    "street",
    "locality",
    "region",
    "postcode",
    "country",
    "pref",
)


def _drafts_keep_typing(conn: Connection) -> None:
    """Phones, emails or an address typed in a contact's draft and not saved go to its notes."""
    rows = conn.execute(
        "SELECT d.key, d.fields, c.phones, c.emails, c.address FROM drafts d "
        "LEFT JOIN contacts c ON c.id = d.record_id WHERE d.kind = 'contact'"
    ).fetchall()
    for key, fields_text, phones, emails, address in rows:
        fields: dict[str, Any] = json.loads(fields_text)
        stored = {"phones": json.loads(phones or "[]"), "emails": json.loads(emails or "[]")}
        stored["address"] = address
        typed = []
        for field, _ in _LEGACY:
            values = [v.strip() for v in legacy_values(field, fields.pop(field, None))]
            values = [v for v in values if v]
            if values and values != legacy_values(field, stored[field]):
                typed.append(f"{field.capitalize()}: {', '.join(values)}")
        if typed:
            notes = fields.get("notes")
            fields["notes"] = "\n".join([notes, *typed] if notes else typed)
        conn.execute("UPDATE drafts SET fields = ? WHERE key = ?", (json.dumps(fields), key))
