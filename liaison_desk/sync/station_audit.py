"""A station's audit log, carried to HQ in its bundles and checked there as a hash chain.

Every entry of the station's log travels once, in order: the security entries
(failed unlocks, exports, key changes, travel mode, revocations, the wipe
settings) whole, the others as links only (number, previous hash, hash), so
HQ can check the order of the whole log while reading the content of what
matters (docs/bundle-format.md §8.4). HQ keeps them per station and tells the
station, in each bundle back, the last number it holds; the station sends what
comes after, at most `MAX_ENTRIES` a bundle.

HQ checks its copy whenever it is shown (`station_log`): an entry removed,
reordered or edited, at the station before it was sent or in HQ's own vault
since, breaks the chain where it happened, and the check names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from liaison_desk.core.audit_chain import ChainBreak, ChainEntry, check, local_entries
from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.core.vault import Vault
from liaison_desk.sync.payload import malformed

FIELD = "audit"  # station -> HQ: the entries after `HELD_FIELD`
HELD_FIELD = "audit_held"  # HQ -> station: the last entry number HQ holds
_HELD_KEY = "audit_held_by_hq"  # at a station: what HQ said it holds
MAX_ENTRIES = 1000
_MAX_TEXT = 4096
_HASH = re.compile(r"[0-9a-f]{64}")

SECURITY_EVENTS = frozenset(
    {
        "vault-created",
        "unlock-failed",
        "passphrase-changed",
        "recovered",
        "backup-created",
        "restored",
        "export",
        "enrolment",
        "peer-revoked",
        "new-incarnation",
        "wipe-policy-changed",
        "hq-slot-added",
        "recovery-granted",
        "recovery-applied",
        "travel-sealed",
        "travel-restored",
    }
)


def for_start(vault: Vault, role: str, peer: str) -> dict[str, Any]:
    """What a bundle for `peer` carries of audit logs: a station its next entries, HQ the
    number it holds of that station's."""
    conn = vault.conn
    if role == "hq":
        held = held_by_hq(conn, peer)
        return {HELD_FIELD: held} if held else {}
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (_HELD_KEY,)).fetchone()
    after = int(row[0]) if row and str(row[0]).isdigit() else 0
    entries = [_wire(e) for e in local_entries(conn, after, MAX_ENTRIES)]
    return {FIELD: entries} if entries else {}


def _wire(entry: ChainEntry) -> list[Any]:
    link: list[Any] = [entry.n, entry.prev, entry.hash]
    if entry.event in SECURITY_EVENTS:
        link += [entry.at, entry.event, entry.detail]
    return link


def take(vault: Vault, role: str, data: dict[str, Any], sender: str) -> int:
    """Keep what a bundle carries of audit logs (inside the import's transaction).

    At HQ: the station's entries, each checked for form (the chain is checked when
    shown, over all HQ holds); returns how many were new. At a station: HQ's count.
    """
    conn = vault.conn
    if role != "hq":
        held = data.get(HELD_FIELD, 0)
        if type(held) is not int or held < 0:
            raise malformed("the audit entries HQ holds are not a count")
        vault.set_meta(_HELD_KEY, str(held))
        return 0
    links = data.get(FIELD, [])
    if not isinstance(links, list) or len(links) > MAX_ENTRIES:
        raise malformed("its audit entries are not a short list")
    now = iso_from_ms(vault.clock.now_ms())
    new = 0
    for link in links:
        entry = _read(link)
        cursor = conn.execute(
            "INSERT OR IGNORE INTO station_audit "
            "(station, n, at, event, detail, prev, hash, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (sender, entry.n, entry.at, entry.event, entry.detail, entry.prev, entry.hash, now),
        )
        new += cursor.rowcount
    return new


def _read(link: Any) -> ChainEntry:
    if not isinstance(link, list) or len(link) not in (3, 6):
        raise malformed("an audit entry is not a link of the chain")
    n, prev, hash_ = link[:3]
    content = link[3:] or [None, None, None]
    if (
        type(n) is not int
        or not 0 < n < 2**53
        or not all(isinstance(h, str) and _HASH.fullmatch(h) for h in (prev, hash_))
        or not all(c is None or (isinstance(c, str) and len(c) <= _MAX_TEXT) for c in content)
        or (link[3:] and None in content)
    ):
        raise malformed("an audit entry is damaged")
    return ChainEntry(n, content[0], content[1], content[2], prev, hash_)


def held_by_hq(conn: Connection, station: str) -> int:
    row = conn.execute("SELECT max(n) FROM station_audit WHERE station = ?", (station,)).fetchone()
    return int(row[0] or 0)


@dataclass(frozen=True)
class StationLog:
    """A station's log as HQ holds it, with the check of its chain."""

    entries: list[ChainEntry]
    breaks: list[ChainBreak]

    @property
    def intact(self) -> bool:
        return not self.breaks

    def verified(self, entry: ChainEntry) -> bool:
        """Whether the chain vouches for this entry: it comes before the first break."""
        return not self.breaks or entry.n < min(b.n for b in self.breaks)


def station_log(conn: Connection, station: str) -> StationLog:
    rows = conn.execute(
        "SELECT n, at, event, detail, prev, hash FROM station_audit WHERE station = ? ORDER BY n",
        (station,),
    ).fetchall()
    entries = [ChainEntry(*row) for row in rows]
    return StationLog(entries, check(entries))


def station_log_of(vault: Vault, station: str) -> StationLog:
    """`station_log` of an open vault (what the GUI's worker calls)."""
    return station_log(vault.conn, station)
