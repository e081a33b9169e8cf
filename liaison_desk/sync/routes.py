"""Which records HQ sends to a station: need-to-know, decided record by record.

A record goes to a station if its distribution names the station (directly,
through "all", or through a group the station belongs to) or if the station
wrote it. Participants travel with their meeting and files with the record
they are attached to.
"""

from __future__ import annotations

from liaison_desk.core import routing
from liaison_desk.core.kinds import BY_NAME
from liaison_desk.core.schema import Connection
from liaison_desk.sync.identity import Identity
from liaison_desk.sync.peers import Peer, groups

_OWNER_TABLES = ("contacts", "meetings", "organizations", "followups", "protocol_refs")


class Router:
    def __init__(self, conn: Connection, peer: Peer) -> None:
        self._conn = conn
        self._peer = peer.fingerprint
        self._groups = {name for name, members in groups(conn).items() if self._peer in members}
        self._origins = {
            o
            for (o,) in conn.execute(
                "SELECT origin FROM peer_origins WHERE fingerprint = ?", (self._peer,)
            )
        }
        self._cache: dict[str, bool] = {}

    def routed(self, entity: str, record_id: str) -> bool:
        known = self._cache.get(record_id)
        if known is None:
            known = self._cache[record_id] = self._decide(entity, record_id)
        return known

    def _decide(self, entity: str, record_id: str) -> bool:
        table = BY_NAME[entity].table
        if entity == "participant":
            row = self._conn.execute(
                "SELECT origin, meeting_id FROM participants WHERE id = ?", (record_id,)
            ).fetchone()
            return row is not None and (row[0] in self._origins or self.routed("meeting", row[1]))
        if entity == "attachment":
            row = self._conn.execute(
                "SELECT origin, owner_id FROM attachments WHERE id = ?", (record_id,)
            ).fetchone()
            return row is not None and (row[0] in self._origins or self._owner_routed(row[1]))
        row = self._conn.execute(
            f"SELECT distribution, origin FROM {table} WHERE id = ?", (record_id,)
        ).fetchone()
        return row is not None and self._allows(row[0], row[1])

    def _owner_routed(self, owner_id: str) -> bool:
        for table in _OWNER_TABLES:
            row = self._conn.execute(
                f"SELECT distribution, origin FROM {table} WHERE id = ?", (owner_id,)
            ).fetchone()
            if row is not None:
                return self._allows(row[0], row[1])
        return False

    def _allows(self, distribution: str, origin: str) -> bool:
        if origin in self._origins:
            return True
        dist = routing.parse(distribution)
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
