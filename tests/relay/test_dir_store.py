"""The folder store's own housekeeping (the contract both stores keep is test_store_contract)."""

from __future__ import annotations

import os
from pathlib import Path

from liaison_desk.relay.dir_store import DirStore
from tests.relay.in_process import ManualClock


def test_a_relay_starting_removes_only_uploads_cut_short_over_an_hour_ago(tmp_path: Path) -> None:
    clock = ManualClock()
    DirStore(tmp_path, clock)
    incoming = tmp_path / "incoming"
    old, recent = incoming / "old.part", incoming / "recent.part"
    for part, age_s in ((old, 3601), (recent, 3000)):  # recent: maybe another relay's upload
        part.write_bytes(b"half a bundle")
        os.utime(part, (clock.wall_s - age_s, clock.wall_s - age_s))

    DirStore(tmp_path, clock)

    assert sorted(p.name for p in incoming.iterdir()) == ["recent.part"]
    clock.advance(601)
    DirStore(tmp_path, clock)
    assert list(incoming.iterdir()) == []
