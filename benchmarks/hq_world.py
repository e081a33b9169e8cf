"""An HQ and its enrolled stations, with a history and a day of changes: hq_scale.py's world.

Everything goes through the domain layer (`Store.add_many`, `Store.update`) and the real
bundle exchange (`export_bundle`, `import_bundle`), with one stand-in, `as_if_caught_up`:
a station enrolled at an HQ that already holds history receives once a bundle covering
every op HQ holds, routing each of them for that station (none reaches it: the other
stations' records are distributed to HQ only). That pass costs what the history costs, once
per station: hq_scale.py measures it for one station ("first bundle of a new station"),
and for the others writes what that bundle would leave in the station's vault (its
holdings of every other station's origin, and who writes under each) straight into it.
Every round after that, the one measured, is the real exchange.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.records import Contact, Meeting, ProtocolRef, Record
from liaison_desk.core.vault import Vault
from liaison_desk.sync import enrol
from liaison_desk.sync.exchange import export_bundle
from liaison_desk.sync.fanout import Fanout
from liaison_desk.sync.importing import import_bundle
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.transfer import owed

from corpus import LAST_NAMES, LIAISON_WORDS, PLACES, TAGS, paragraph
from report import log

PASSPHRASE = "benchmark amber harbor lantern 42"
BATCH = 10_000  # records per add_many call while the history is written
STATION_CACHE_KIB = 8192  # two hundred stations stay open: each reads a few pages only
_RANKS = ("Colonel", "Commander", "Major", "Captain (N)", "Brigadier General", "Mr", "Ms", "Dr")


@dataclass(frozen=True)
class Day:
    """A day of changes: per station, edits of its own contacts and new meetings; at HQ,
    edits of stations' contacts (each goes back to the station that wrote it), references
    for every station, and notes for HQ alone."""

    station_edits: int = 40
    station_new: int = 10
    hq_edits: int = 300
    hq_for_all: int = 150
    hq_private: int = 50

    @property
    def station_changes(self) -> int:
        return self.station_edits + self.station_new

    @property
    def hq_changes(self) -> int:
        return self.hq_edits + self.hq_for_all + self.hq_private

    def scaled(self, factor: float) -> Day:
        return Day(*(max(1, round(v * factor)) for v in self.__dict__.values()))


@dataclass
class World:
    root: Path
    hq: Vault
    stations: list[Vault]
    hq_fp: str
    fps: list[str]
    box: Path
    records: int
    days: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        for vault in (self.hq, *self.stations):
            if not vault.locked:
                vault.lock()


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choices(LIAISON_WORDS, k=rng.randint(6, 14))).capitalize() + "."


def history(rng: random.Random, station: int, count: int) -> Iterator[Record]:
    """A station's records as officers keep them: three contacts for each meeting."""
    for i in range(count):
        if i % 4 == 3:
            yield Meeting(
                title=f"{rng.choice(LIAISON_WORDS).capitalize()} talks {station}-{i}",
                starts_at=f"20{rng.randint(18, 25)}-{rng.randint(1, 12):02}-"
                f"{rng.randint(1, 28):02}T{rng.randint(7, 19):02}:00:00Z",
                place=rng.choice(PLACES),
                notes=paragraph(lambda: _sentence(rng), rng.randint(150, 500)),
                tags=(rng.choice(TAGS),),
            )
        else:
            yield Contact(
                full_name=f"{rng.choice(LAST_NAMES)} {station}-{i}",
                rank=rng.choice(_RANKS),
                position=f"Liaison officer, {rng.choice(PLACES)}",
                country=rng.choice(("FR", "DE", "JP", "KE", "BR", "IN")),
                notes=paragraph(lambda: _sentence(rng), rng.randint(80, 300)),
                tags=(rng.choice(TAGS),),
            )


def _open_station(vault: Vault) -> Vault:
    vault.conn.execute(f"PRAGMA cache_size = -{STATION_CACHE_KIB}")
    return vault


def create(root: Path, stations: int, library: int, seed: int) -> World:
    """HQ with its protocol library (for every station) and `stations` enrolled stations."""
    floor = KdfParams.floor()
    hq, _ = Vault.create(root / "hq", PASSPHRASE, name="HQ", role="hq", kdf=floor)
    rng = random.Random(seed)
    hq.store.add_many(
        ProtocolRef(title=f"Reference {i}", body=paragraph(lambda: _sentence(rng), 400))
        for i in range(library)
    )
    world = World(root, hq, [], load_identity(hq.conn).fingerprint, [], root / "box", 0)
    world.box.mkdir()
    for i in range(stations):
        station, _ = Vault.create(root / f"station-{i}", PASSPHRASE, name=f"Post {i}", kdf=floor)
        _open_station(station)
        request = enrol.write_request(load_identity(station.conn), station.clock)
        _, approval = enrol.approve(hq, request)
        enrol.accept(station, approval)
        world.stations.append(station)
        world.fps.append(load_identity(station.conn).fingerprint)
    return world


def write_history(world: World, records: int, seed: int) -> None:
    """Each station writes its share of `records` (bulk, as an import would)."""
    share = records // len(world.stations)
    for i, station in enumerate(world.stations):
        rng = random.Random(seed * 1000 + i)
        made = history(rng, i, share)
        done = 0
        while done < share:
            batch = [next(made) for _ in range(min(BATCH, share - done))]
            station.store.add_many(batch)
            done += len(batch)
        if i % 20 == 19:
            log(f"  {i + 1} stations wrote their history")
    world.records = share * len(world.stations)


def as_if_caught_up(world: World, skip: int | None = None) -> None:
    """Write at each station what its first bundle from HQ would leave: see the docstring.

    Done before the stations send their history, so each one's first bundle already says it
    holds every other station's (the next bundle from HQ, real, then covers only what is new).
    """
    tops = []
    for station, fp in zip(world.stations, world.fps, strict=True):
        origin = station.info.origin
        (top,) = station.conn.execute(
            "SELECT max(seq) FROM oplog WHERE origin = ?", (origin,)
        ).fetchone()
        tops.append((origin, fp, station.info.name, int(top or 0)))
    for i, station in enumerate(world.stations):
        if i == skip:
            continue
        with station.store.transaction():
            station.conn.executemany(
                "INSERT INTO peer_origins (origin, fingerprint, name) VALUES (?, ?, ?)",
                [(o, fp, name) for j, (o, fp, name, _) in enumerate(tops) if j != i],
            )
            station.conn.executemany(
                "INSERT INTO holdings (origin, seq) VALUES (?, ?)",
                [(o, top) for j, (o, _, _, top) in enumerate(tops) if j != i and top],
            )


def send_history(world: World) -> None:
    for i, station in enumerate(world.stations):
        bundle = export_bundle(station, world.hq_fp, world.box)
        import_bundle(world.hq, bundle.path)
        bundle.path.unlink()
        if i % 20 == 19:
            log(f"  HQ applied the history of {i + 1} stations")


def station_bundles(world: World) -> list[Path]:
    """Every station's bundle for HQ (what each sends when it next syncs)."""
    return [export_bundle(s, world.hq_fp, world.box).path for s in world.stations]


def hq_applies(world: World, bundles: list[Path]) -> None:
    for path in bundles:
        import_bundle(world.hq, path)
        path.unlink()


def hq_sends(world: World) -> dict[str, Path]:
    """What `sync` does at HQ once the bundles are in: a bundle for every station owed one,
    each record read once for all of them (as `sync.online` and `sync.drive` do)."""
    fanout = Fanout()
    return {
        p.fingerprint: export_bundle(world.hq, p.fingerprint, world.box, fanout=fanout).path
        for p in owed(world.hq)
    }


def stations_apply(world: World, sent: dict[str, Path]) -> None:
    for station, fp in zip(world.stations, world.fps, strict=True):
        if fp in sent:
            import_bundle(station, sent[fp])
            sent[fp].unlink()


def settle(world: World) -> None:
    """HQ's bundles to the stations that sent their history, and their acknowledgements."""
    stations_apply(world, hq_sends(world))
    hq_applies(world, station_bundles(world))


def day_of_changes(world: World, day: Day, seed: int) -> None:
    """Each station edits its own contacts and records new meetings; HQ annotates stations'
    contacts, publishes references to every station and keeps notes of its own."""
    world.days += 1
    tag = f"day {world.days}"
    for i, station in enumerate(world.stations):
        rng = random.Random(seed * 7919 + i * 31 + world.days)
        ids = [
            r
            for (r,) in station.conn.execute(
                "SELECT id FROM contacts WHERE origin = ? ORDER BY random() LIMIT ?",
                (station.info.origin, day.station_edits),
            )
        ]
        for record_id in ids:
            station.store.update(Contact, record_id, {"notes": f"{tag}: {_sentence(rng)}"})
        for k in range(day.station_new):
            station.store.add(
                Meeting(title=f"{tag} meeting {k}", starts_at="2026-03-14T10:00:00Z", notes=tag)
            )
    hq = world.hq
    rng = random.Random(seed + world.days)
    ids = [
        r
        for (r,) in hq.conn.execute(
            "SELECT id FROM contacts WHERE origin != ? ORDER BY random() LIMIT ?",
            (hq.info.origin, day.hq_edits),
        )
    ]
    for record_id in ids:
        hq.store.update(Contact, record_id, {"trust_notes": f"{tag}: {_sentence(rng)}"})
    for k in range(day.hq_for_all):
        hq.store.add(ProtocolRef(title=f"{tag} directive {k}", body=_sentence(rng)))
    for k in range(day.hq_private):
        hq.store.add(Contact(full_name=f"{tag} source {k}", notes=_sentence(rng)))


def build(
    root: Path,
    stations: int,
    records: int,
    library: int,
    seed: int,
    first_bundle: Callable[[World, int], None] | None = None,
) -> World:
    """The world in its quiet state: every station holds what it should, nothing is owed.

    `first_bundle(world, i)`, if given, is called once the history is at HQ, for station
    `i`, which was left out of `as_if_caught_up`: it runs the real first exchange.
    """
    log(f"world: {stations} stations, {records:,} records")
    world = create(root, stations, library, seed)
    log("  created and enrolled")
    write_history(world, records, seed)
    skip = 0 if first_bundle else None
    as_if_caught_up(world, skip)
    send_history(world)
    if first_bundle is not None:
        first_bundle(world, 0)
    settle(world)
    log("  settled")
    return world
