"""Which records HQ sends to a station: need-to-know, decided record by record.

A record goes to a station if its distribution names the station (directly,
through "all", or through a group the station belongs to) or if the station
wrote it. Child records travel with their record (a meeting's participants,
a contact's points, postings and relations) and files with the record they
are attached to.

A record whose distribution narrows stops reaching some stations; each of them
is told to withdraw its copy (`Router.withdrawn`, `sync.withdrawal`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from typing import Any

from liaison_desk.core import routing
from liaison_desk.core.kinds import BY_NAME
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.core.vault import Vault
from liaison_desk.sync.identity import Identity
from liaison_desk.sync.ops import Op
from liaison_desk.sync.peers import Peer, groups
from liaison_desk.sync.vectors import Vector

OWNER_TABLES = ("contacts", "meetings", "organizations", "followups", "protocol_refs", "gifts")
_OWNER_KINDS = [k for k in BY_NAME.values() if k.table in OWNER_TABLES]
OWNER_ENTITIES = frozenset(k.name for k in _OWNER_KINDS)


# A distribution read for each record routed: a vault holds few distinct ones.
parse_distribution = functools.lru_cache(maxsize=4096)(routing.parse)
# What routing reads of a child's row (its origin and its parent's id); of others, theirs.
_FACTS = {k.table: f"origin, {k.parent[1]}" for k in BY_NAME.values() if k.parent} | {
    "attachments": "origin, owner_id"
}
# A record's distribution and origin are read from the index holding them (`core.schema`,
# records indexed for routing), not from its wide row.
_FROM = {t: f"{t} INDEXED BY {t}_routing" for t in OWNER_TABLES}


_CHUNK = 500  # record ids per query when many rows are read at once


class RecordFacts:
    """What routing reads of each record's row, the same for every peer: shared by the
    routers of the bundles of one sync, so HQ reads a record once for all its stations.

    Kept while the rows stay as read: the holder writes no record between two bundles
    (writing a bundle changes none), and a commit by any other connection, which
    `PRAGMA data_version` tells, empties it.
    """

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], tuple[Any, ...] | None] = {}
        self._version: int | None = None

    def check(self, conn: Connection) -> None:
        """Forget every row if another connection has written the vault since the last check."""
        (version,) = conn.execute("PRAGMA data_version").fetchone()
        if version != self._version:
            self._rows.clear()
            self._version = int(version)

    def prefetch(self, conn: Connection, table: str, record_ids: Iterable[str]) -> None:
        """Read many records' rows in a few queries: HQ counting what its stations are owed
        routes a day's ops at once (`sync.pending`)."""
        wanted = sorted({r for r in record_ids if (table, r) not in self._rows})
        columns = _FACTS.get(table, "distribution, origin")
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            found = {
                row[0]: tuple(row[1:])
                for row in conn.execute(
                    f"SELECT id, {columns} FROM {_FROM.get(table, table)} WHERE id IN ({marks})",
                    chunk,
                )
            }
            for record_id in chunk:
                self._rows[(table, record_id)] = found.get(record_id)

    def row(self, conn: Connection, table: str, record_id: str) -> tuple[Any, ...] | None:
        key = (table, record_id)
        if key not in self._rows:
            self._rows[key] = read_facts(conn, table, record_id)
        return self._rows[key]


def read_facts(conn: Connection, table: str, record_id: str) -> tuple[Any, ...] | None:
    """(distribution, origin) of a record; (origin, parent id) of a child or a file."""
    row: tuple[Any, ...] | None = conn.execute(
        f"SELECT {_FACTS.get(table, 'distribution, origin')} FROM {_FROM.get(table, table)} "
        "WHERE id = ?",
        (record_id,),
    ).fetchone()
    return row


class Router:
    """Decides, record by record, what reaches one peer (`facts`: see `RecordFacts`)."""

    def __init__(self, conn: Connection, peer: Peer, facts: RecordFacts | None = None) -> None:
        self._conn = conn
        self._facts = facts
        if facts is not None:
            facts.check(conn)
        self._peer = peer.fingerprint
        self._groups = {name for name, members in groups(conn).items() if self._peer in members}
        self._origins = {
            o
            for (o,) in conn.execute(
                "SELECT origin FROM peer_origins WHERE fingerprint = ?", (self._peer,)
            )
        }
        self._cache: dict[tuple[str, str], bool] = {}  # by kind and id: a child names its parent's
        self._reached: dict[str, bool] = {}

    def withdrawn(self, op: Op) -> bool:
        """Whether `op`, not routed to the peer, narrows away a record the peer held.

        An op that sets the distribution of a record no longer routed to the peer
        withdraws the record there if it ever reached the peer (`reached`): HQ names
        the record in the peer's bundle, without the op, for as long as the peer has
        not acknowledged the op.
        """
        return "distribution" in op.fields and self.reached(op.entity, op.record_id)

    def reached(self, entity: str, record_id: str) -> bool:
        """Whether any distribution this vault logged for the record reached the peer.

        Narrowing is rare, and this is asked only of records not routed to the peer
        now: a scan of the log is cheap enough.
        """
        if entity not in OWNER_ENTITIES:
            return False
        reached = self._reached.get(record_id)
        if reached is None:
            rows = self._conn.execute(
                "SELECT DISTINCT json_extract(fields, '$.distribution') FROM oplog "
                "WHERE record_id = ? AND json_extract(fields, '$.distribution') IS NOT NULL",
                (record_id,),
            ).fetchall()
            row = self._conn.execute(
                f"SELECT origin FROM {BY_NAME[entity].table} WHERE id = ?", (record_id,)
            ).fetchone()
            reached = row is not None and any(self._allows(d, row[0]) for (d,) in rows)
            self._reached[record_id] = reached
        return reached

    def narrowing_unseen(self, record_id: str) -> bool:
        """Whether the peer has yet to acknowledge the last change of the record's
        distribution: until it has, an edit of its may have crossed that change on the way.
        Once it has (it holds the change, so withdrew the record), it edits it no more."""
        row = self._conn.execute(
            "SELECT origin, seq FROM oplog WHERE record_id = ? "
            "AND json_extract(fields, '$.distribution') IS NOT NULL ORDER BY n DESC LIMIT 1",
            (record_id,),
        ).fetchone()
        if row is None:
            return False
        acked = self._conn.execute(
            "SELECT seq FROM acks WHERE peer = ? AND origin = ?", (self._peer, row[0])
        ).fetchone()
        return acked is None or int(acked[0]) < int(row[1])

    def routed(self, entity: str, record_id: str) -> bool:
        known = self._cache.get((entity, record_id))
        if known is None:
            known = self._cache[(entity, record_id)] = self._decide(entity, record_id)
        return known

    def _row(self, table: str, record_id: str) -> tuple[Any, ...] | None:
        if self._facts is None:  # alone, the router's own decisions are its cache
            return read_facts(self._conn, table, record_id)
        return self._facts.row(self._conn, table, record_id)

    def _decide(self, entity: str, record_id: str) -> bool:
        kind = BY_NAME[entity]
        row = self._row(kind.table, record_id)
        if kind.parent is not None:  # a meeting's participant, a contact's point...
            return row is not None and (
                row[0] in self._origins or self.routed(kind.parent[0], row[1])
            )
        if entity == "attachment":
            return row is not None and (row[0] in self._origins or self._owner_routed(row[1]))
        return row is not None and self._allows(row[0], row[1])

    def _owner_routed(self, owner_id: str) -> bool:
        for table in OWNER_TABLES:
            row = self._row(table, owner_id)
            if row is not None:
                return self._allows(row[0], row[1])
        return False

    def _allows(self, distribution: str, origin: str) -> bool:
        if origin in self._origins:
            return True
        dist = parse_distribution(distribution)
        if dist.scope == "all":
            return True
        if dist.scope == "stations":
            return self._peer in dist.members
        if dist.scope == "group":
            return dist.members[0] in self._groups
        return False


def origin_names(conn: Connection, me: Identity, origins: list[str]) -> dict[str, tuple[str, str]]:
    """Who wrote under each origin, so a station can say who changed what."""
    own = {o for (o,) in conn.execute("SELECT origin FROM incarnations")}
    out: dict[str, tuple[str, str]] = {}
    for origin in origins:
        if origin in own:
            out[origin] = (me.fingerprint, me.public.name)
            continue
        row = conn.execute(
            "SELECT fingerprint, name FROM peer_origins WHERE origin = ?", (origin,)
        ).fetchone()
        if row is not None:
            out[origin] = (row[0], row[1])
    return out


def authors_held(
    conn: Connection, origins: list[str], peer: Peer, acked: Callable[[str], Vector]
) -> dict[str, Vector]:
    """At HQ: what each other station writing under `origins` last said it held
    (`acked(fingerprint)`: its acknowledgements, read once for every bundle of a sync).

    A station receiving another station's edit through HQ cannot tell from the
    edit whether its author had seen both sides of a conflict; this tells it (as
    of that station's last bundle to HQ), so a resolution closes the conflict
    wherever it travels (`Merger._supersede`).
    """
    out: dict[str, Vector] = {}
    for origin in origins:
        row = conn.execute(
            "SELECT fingerprint FROM peer_origins WHERE origin = ?", (origin,)
        ).fetchone()
        if row is None or row[0] == peer.fingerprint:
            continue
        if held := acked(row[0]):
            out[origin] = held
    return out


def welcome_to_groups(vault: Vault, peer: Peer) -> int:
    """At HQ, before a bundle for `peer`: the records of groups it joined since go to it whole.

    A station that joins a group has acknowledged past the changes of the group's
    records (they did not reach it then); HQ logs a snapshot of each, as it does
    when a record's distribution widens. Returns how many records were logged.
    """
    conn = vault.conn
    key = f"groups-sent:{peer.fingerprint}"
    now = sorted(name for name, members in groups(conn).items() if peer.fingerprint in members)
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    if row is not None and json.loads(row[0]) == now:
        return 0
    joined = sorted(set(now) - set(json.loads(row[0]))) if row is not None else []
    logged = 0
    with vault.store.transaction():
        for name in joined:
            for kind in _OWNER_KINDS:
                rows = conn.execute(
                    f"SELECT id FROM {kind.table} WHERE distribution = ?", (f"group:{name}",)
                ).fetchall()
                for (record_id,) in rows:
                    vault.store.log_snapshots(kind, record_id)
                    logged += 1
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(now)),
        )
    return logged
