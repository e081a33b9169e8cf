"""A station's audit log, carried to HQ in its bundles and checked there as a hash chain.

Every entry of the station's log travels once, in order: the security entries
(failed unlocks, exports, key changes, travel mode, revocations, the wipe
settings) whole, the others as links only (number, previous hash, hash), so
HQ can check the order of the whole log while reading the content of what
matters (docs/bundle-format.md §8.4). HQ keeps them per station and tells the
station, in each bundle back, the last entry it received from it, by number and
hash; the station sends what comes after, at most `MAX_ENTRIES` a bundle, if
its own entry of that number has that hash. If not (the station was restored
from a backup, whose log ends below what HQ holds, and wrote on), it sends
again from the last entry HQ and it agreed on, so HQ gets every entry the
restored log wrote, whatever its number.

HQ checks its copy whenever it is shown (`station_log`): an entry removed,
reordered or edited, at the station before it was sent or in HQ's own vault
since, breaks the chain where it happened, and the check names it. An entry
arriving under a number HQ holds with another hash means the station's log
went on from an earlier point: HQ keeps the entries it held from there
(`station_audit_superseded`) and names the restore where it happened.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from liaison_desk.core.audit_chain import ChainBreak, ChainEntry, check, local_entries
from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.core.vault import Vault
from liaison_desk.sync.identity import short
from liaison_desk.sync.payload import malformed

log = logging.getLogger("liaison_desk.sync")

FIELD = "audit"  # station -> HQ: the entries after `HELD_FIELD`
HELD_FIELD = "audit_held"  # HQ -> station: the number of the last entry it received
HASH_FIELD = "audit_held_hash"  # HQ -> station: that entry's hash
_HELD_KEY = "audit_held_by_hq"  # at a station: the last entry HQ and it agreed on
_RECEIVED_PREFIX = "audit_received:"  # at HQ, + a station's id: "n hash" of its last entry
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
    """What a bundle for `peer` carries of audit logs: a station its entries after the last
    one HQ and it agreed on, HQ the number and hash of the last entry that station sent."""
    conn = vault.conn
    if role == "hq":
        last = _last_received(conn, peer)
        return {HELD_FIELD: last[0], HASH_FIELD: last[1]} if last else {}
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (_HELD_KEY,)).fetchone()
    after = int(row[0]) if row and str(row[0]).isdigit() else 0
    if after and _local_hash(conn, after) is None:
        after = 0  # the log no longer reaches the entry agreed on: all of it again
    entries = [_wire(e) for e in local_entries(conn, after, MAX_ENTRIES)]
    return {FIELD: entries} if entries else {}


def _last_received(conn: Connection, station: str) -> tuple[int, str] | None:
    """At HQ: the last entry `station` sent (the highest held, before HQ noted which)."""
    row = conn.execute(
        "SELECT value FROM meta WHERE key = ?", (_RECEIVED_PREFIX + station,)
    ).fetchone()
    if row is not None:
        n, hash_ = str(row[0]).split()
        return int(n), hash_
    row = conn.execute(
        "SELECT n, hash FROM station_audit WHERE station = ? ORDER BY n DESC LIMIT 1", (station,)
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def _local_hash(conn: Connection, n: int) -> str | None:
    row = conn.execute("SELECT hash FROM audit WHERE n = ?", (n,)).fetchone()
    return str(row[0]) if row else None


def _wire(entry: ChainEntry) -> list[Any]:
    link: list[Any] = [entry.n, entry.prev, entry.hash]
    if entry.event in SECURITY_EVENTS:
        link += [entry.at, entry.event, entry.detail]
    return link


def take(vault: Vault, role: str, data: dict[str, Any], sender: str) -> int:
    """Keep what a bundle carries of audit logs (inside the import's transaction).

    At HQ: the station's entries, each checked for form (the chain is checked when
    shown, over all HQ holds); returns how many were new. At a station: the last
    entry HQ received, kept as agreed if this log holds it too.
    """
    conn = vault.conn
    if role != "hq":
        _take_received(vault, data)
        return 0
    links = data.get(FIELD, [])
    if not isinstance(links, list) or len(links) > MAX_ENTRIES:
        raise malformed("its audit entries are not a short list")
    entries = [_read(link) for link in links]
    now = iso_from_ms(vault.clock.now_ms())
    new = 0
    for entry in entries:
        row = conn.execute(
            "SELECT hash FROM station_audit WHERE station = ? AND n = ?", (sender, entry.n)
        ).fetchone()
        if row is not None and row[0] == entry.hash:
            continue
        if row is not None:
            _supersede(conn, sender, entry.n, now)
        conn.execute(
            "INSERT INTO station_audit (station, n, at, event, detail, prev, hash, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (sender, entry.n, entry.at, entry.event, entry.detail, entry.prev, entry.hash, now),
        )
        new += 1
    if entries:
        vault.set_meta(_RECEIVED_PREFIX + sender, f"{entries[-1].n} {entries[-1].hash}")
    return new


def _take_received(vault: Vault, data: dict[str, Any]) -> None:
    """At a station: HQ's last entry becomes the one agreed on if this log has it too."""
    held = data.get(HELD_FIELD, 0)
    hash_ = data.get(HASH_FIELD)
    if type(held) is not int or held < 0:
        raise malformed("the audit entries HQ holds are not a count")
    if hash_ is not None and not (isinstance(hash_, str) and _HASH.fullmatch(hash_)):
        raise malformed("the hash of the audit entry HQ holds is damaged")
    if hash_ is None or _local_hash(vault.conn, held) == hash_:  # (an HQ that sends no hash)
        vault.set_meta(_HELD_KEY, str(held))
    else:
        log.warning("HQ's copy of this log ends at an entry it does not hold; sending again")


def _supersede(conn: Connection, station: str, n: int, now: str) -> None:
    """The station's log goes on from before entry `n`: keep aside what HQ held from there."""
    moved = conn.execute(
        "INSERT OR IGNORE INTO station_audit_superseded "
        "(station, n, at, event, detail, prev, hash, received_at, superseded_at) "
        "SELECT station, n, at, event, detail, prev, hash, received_at, ? "
        "FROM station_audit WHERE station = ? AND n >= ?",
        (now, station, n),
    ).rowcount
    conn.execute("DELETE FROM station_audit WHERE station = ? AND n >= ?", (station, n))
    log.warning(
        "station %s's audit log goes on from before entry %d: %d entries HQ held set aside",
        short(station),
        n,
        moved,
    )


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
    breaks = check(entries) + _restores(conn, station)
    return StationLog(entries, sorted(breaks, key=lambda b: b.n))


def _restores(conn: Connection, station: str) -> list[ChainBreak]:
    """Each time the station's log went on from an earlier point, named with the entries
    HQ held from there (their content, for those that travel whole)."""
    rows = conn.execute(
        "SELECT superseded_at, n, at, event, detail, prev, hash FROM station_audit_superseded "
        "WHERE station = ? ORDER BY superseded_at, n",
        (station,),
    ).fetchall()
    by_time: dict[str, list[ChainEntry]] = {}
    for when, *entry in rows:
        by_time.setdefault(when, []).append(ChainEntry(*entry))
    found = []
    for when, gone in by_time.items():
        first, last = gone[0].n, gone[-1].n
        which = f"#{first}" if first == last else f"#{first} to #{last}"
        named = [e.label() for e in gone if e.has_content]
        among = f", among them {', '.join(named)}" if named else ""
        found.append(
            ChainBreak(
                first,
                "restored",
                f"The station's log went on from before entry #{first} (seen {when}): it was "
                f"restored from an earlier copy or rewritten. HQ keeps entries {which} it "
                f"received before, which the log no longer holds{among}.",
            )
        )
    return found


def station_log_of(vault: Vault, station: str) -> StationLog:
    """`station_log` of an open vault (what the GUI's worker calls)."""
    return station_log(vault.conn, station)
