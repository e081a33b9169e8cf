"""Resolving a conflict the merge kept: keep mine, keep theirs or a merged text, everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison_desk.core.errors import RecordNotFound
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync.conflicts import (
    get_conflict,
    list_conflicts,
    open_count,
    resolve,
    restore_record,
)
from liaison_desk.sync.errors import ConflictError
from tests.conftest import StepClock
from tests.sync.helpers import (
    canonical_dump,
    hq_and_paris_sharing_a_contact,
    hq_and_two_stations,
    round_trip,
    send,
)


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Vault, Vault, str, Path]:
    """HQ and Paris, both holding one contact written at Paris."""
    return hq_and_paris_sharing_a_contact(tmp_path)


@pytest.mark.parametrize(
    ("choice", "merged", "expected"),
    [
        ("mine", None, "Paris: prefers French"),
        ("theirs", None, "HQ: speaks English too"),
        ("merged", "Prefers French; speaks English too", "Prefers French; speaks English too"),
    ],
)
def test_resolving_at_a_station_settles_the_conflict_everywhere(
    pair: tuple[Vault, Vault, str, Path], choice: str, merged: str | None, expected: str
) -> None:
    hq, paris, cid, usb = pair
    paris.store.update(Contact, cid, {"notes": "Paris: prefers French"})
    hq.store.update(Contact, cid, {"notes": "HQ: speaks English too"})
    round_trip(hq, paris, usb)
    (conflict,) = list_conflicts(paris)
    resolved = resolve(paris, conflict.n, choice, merged)
    assert (resolved.status, resolved.resolution) == ("resolved", choice)
    round_trip(hq, paris, usb)
    assert hq.store.get(Contact, cid).notes == paris.store.get(Contact, cid).notes == expected
    assert open_count(paris) == 0
    assert open_count(hq) == 0  # HQ's copy of the conflict was superseded
    assert canonical_dump(hq) == canonical_dump(paris)


def test_resolve_refuses_what_it_cannot_do(pair: tuple[Vault, Vault, str, Path]) -> None:
    hq, paris, cid, usb = pair
    paris.store.update(Contact, cid, {"notes": "a"})
    hq.store.update(Contact, cid, {"notes": "b"})
    round_trip(hq, paris, usb)
    (conflict,) = list_conflicts(paris)
    with pytest.raises(ConflictError, match="merged text"):
        resolve(paris, conflict.n, "merged")
    with pytest.raises(ConflictError, match="Choose one of"):
        resolve(paris, conflict.n, "both")
    with pytest.raises(ConflictError, match="no conflict number"):
        get_conflict(paris, 999)
    resolve(paris, conflict.n, "theirs")
    with pytest.raises(ConflictError, match="already resolved"):
        resolve(paris, conflict.n, "mine")
    assert len(list_conflicts(paris, include_resolved=True)) == 1


def test_a_deletion_conflict_resolved_for_the_edit_brings_the_record_back_everywhere(
    pair: tuple[Vault, Vault, str, Path],
) -> None:
    hq, paris, cid, usb = pair
    paris.store.delete(Contact, cid)
    hq.store.update(Contact, cid, {"notes": "HQ added this after a call"})
    round_trip(hq, paris, usb)
    (at_paris,) = list_conflicts(paris)
    assert at_paris.is_deletion

    resolve(paris, at_paris.n, "theirs")  # bring it back with HQ's note
    round_trip(hq, paris, usb)
    for vault in (hq, paris):
        assert vault.store.get(Contact, cid).notes == "HQ added this after a call"
    assert open_count(hq) == open_count(paris) == 0


def test_a_recipient_keeps_the_authors_deletion_and_cannot_undo_it(tmp_path: Path) -> None:
    """Tokyo edited Paris's shared contact while Paris deleted it: at Tokyo, keeping the
    deletion settles the conflict; bringing the contact back is for Paris or HQ."""
    with hq_and_two_stations(tmp_path) as (hq, paris, tokyo):
        usb = tmp_path / "usb"
        shared = paris.store.add(Contact(full_name="Adm. Tanaka", distribution="all"))
        for station in (paris, tokyo, paris, tokyo):
            round_trip(hq, station, usb)
        paris.store.delete(Contact, shared.id)
        tokyo.store.update(Contact, shared.id, {"notes": "Met in Yokosuka"})
        round_trip(hq, paris, usb)
        round_trip(hq, tokyo, usb)
        (conflict,) = list_conflicts(tokyo)
        assert conflict.is_deletion and (conflict.mine.value, conflict.theirs.value) == (
            False,
            True,
        )
        with pytest.raises(ConflictError, match="Only paris, which wrote this contact, and HQ"):
            resolve(tokyo, conflict.n, "mine")
        assert resolve(tokyo, conflict.n, "theirs").status == "resolved"
        assert send(tokyo, hq, usb).ops == 0  # nothing to tell: the deletion was Paris's


def tick(vault: Vault, ms: int) -> None:
    clock = vault.clock
    assert isinstance(clock, StepClock)
    clock.ms += ms


def test_a_deletion_stands_everywhere_and_says_so_even_when_the_unseen_edit_is_newer(
    pair: tuple[Vault, Vault, str, Path],
) -> None:
    """Paris deletes; HQ, not knowing, edits a minute later. The deletion stands on both
    vaults, and both conflicts say so; restoring from the conflict brings the edit back."""
    hq, paris, cid, usb = pair
    paris.store.delete(Contact, cid)
    tick(hq, 60_000)
    hq.store.update(Contact, cid, {"notes": "HQ added this after a call"})
    round_trip(hq, paris, usb)
    for vault in (hq, paris):
        with pytest.raises(RecordNotFound):
            vault.store.get(Contact, cid)
        (conflict,) = list_conflicts(vault)
        assert conflict.is_deletion
        kept = conflict.mine if conflict.winner == "mine" else conflict.theirs
        assert kept.value is True, vault.info.name  # the side kept is the deletion
        edit = conflict.mine if conflict.edit_side == "mine" else conflict.theirs
        assert edit.value is False and edit.clock > kept.clock

    (at_hq,) = list_conflicts(hq)
    restored = restore_record(hq, at_hq.n)
    assert (restored.status, restored.resolution) == ("resolved", "mine")
    round_trip(hq, paris, usb)
    for vault in (hq, paris):
        assert vault.store.get(Contact, cid).notes == "HQ added this after a call"
    assert open_count(hq) == open_count(paris) == 0


def test_restore_refuses_a_field_conflict(pair: tuple[Vault, Vault, str, Path]) -> None:
    hq, paris, cid, usb = pair
    paris.store.update(Contact, cid, {"notes": "a"})
    hq.store.update(Contact, cid, {"notes": "b"})
    round_trip(hq, paris, usb)
    (conflict,) = list_conflicts(paris)
    with pytest.raises(ConflictError, match="about a field, not a deletion"):
        restore_record(paris, conflict.n)
    assert open_count(paris) == 1


def test_a_field_conflict_closes_with_the_records_deletion(
    pair: tuple[Vault, Vault, str, Path],
) -> None:
    """Notes conflict at HQ and Paris; Paris then deletes the contact. Paris's copy is
    closed with the deletion when resolved, HQ's as the deletion arrives: both values
    stay in the closed conflict."""
    hq, paris, cid, usb = pair
    paris.store.update(Contact, cid, {"notes": "Paris: prefers French"})
    hq.store.update(Contact, cid, {"notes": "HQ: speaks English too"})
    round_trip(hq, paris, usb)
    (at_paris,) = list_conflicts(paris)
    paris.store.delete(Contact, cid)
    closed = resolve(paris, at_paris.n, "mine")
    assert (closed.status, closed.resolution) == ("resolved", "deleted")
    round_trip(hq, paris, usb)
    assert open_count(hq) == open_count(paris) == 0
    (at_hq,) = list_conflicts(hq, include_resolved=True)
    assert at_hq.resolution == "deleted"
    assert {at_hq.mine.value, at_hq.theirs.value} == {
        "Paris: prefers French",
        "HQ: speaks English too",
    }
    assert canonical_dump(hq) == canonical_dump(paris)


def test_a_resolution_forwarded_through_hq_closes_the_conflict_at_the_other_station(
    tmp_path: Path,
) -> None:
    """Paris and Tokyo edit one shared contact's notes unseen; each keeps the conflict.
    Paris resolves it; once that travels through HQ, Tokyo's copy is closed too."""
    with hq_and_two_stations(tmp_path) as (hq, paris, tokyo):
        usb = tmp_path / "usb"
        shared = hq.store.add(Contact(full_name="Adm. Tanaka", distribution="all"))
        for station in (paris, tokyo):
            round_trip(hq, station, usb)
        paris.store.update(Contact, shared.id, {"notes": "Paris: met at the embassy"})
        tokyo.store.update(Contact, shared.id, {"notes": "Tokyo: met in Yokosuka"})
        for station in (paris, tokyo, paris, tokyo):
            round_trip(hq, station, usb)
        (at_paris,) = list_conflicts(paris)
        (at_tokyo,) = list_conflicts(tokyo)
        assert at_paris.field == at_tokyo.field == "notes"

        resolve(paris, at_paris.n, "merged", "Met at the embassy, then in Yokosuka")
        round_trip(hq, paris, usb)
        assert open_count(hq) == 0
        assert open_count(tokyo) == 1  # not yet travelled
        round_trip(hq, tokyo, usb)
        assert open_count(tokyo) == 0
        closed = get_conflict(tokyo, at_tokyo.n)
        assert (closed.status, closed.resolution) == ("resolved", "superseded")
        assert tokyo.store.get(Contact, shared.id).notes == "Met at the embassy, then in Yokosuka"
        assert canonical_dump(tokyo) == canonical_dump(hq) == canonical_dump(paris)


def test_a_forwarded_edit_whose_author_never_saw_the_loser_leaves_the_conflict_open(
    tmp_path: Path,
) -> None:
    """Tokyo edits on top of HQ's note before Paris's rival note reaches it: HQ, which saw
    both, keeps the conflict open, and so does Paris."""
    with hq_and_two_stations(tmp_path) as (hq, paris, tokyo):
        usb = tmp_path / "usb"
        shared = hq.store.add(Contact(full_name="Adm. Tanaka", distribution="all"))
        for station in (paris, tokyo):
            round_trip(hq, station, usb)
        hq.store.update(Contact, shared.id, {"notes": "HQ's note"})
        paris.store.update(Contact, shared.id, {"notes": "Paris's note"})
        round_trip(hq, tokyo, usb)  # Tokyo has HQ's note, not Paris's
        tick(tokyo, 60_000)
        tokyo.store.update(Contact, shared.id, {"notes": "Tokyo, on top of HQ's note"})
        round_trip(hq, paris, usb)
        assert open_count(paris) == 1 and open_count(hq) == 1
        round_trip(hq, tokyo, usb)
        round_trip(hq, paris, usb)
        assert open_count(paris) == 1 and open_count(hq) == 1
