"""Concurrent edits: both values kept as a conflict, resolved by keep-mine, keep-theirs or merge."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison_desk.core.errors import RecordNotFound
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync.conflicts import get_conflict, list_conflicts, open_count, resolve
from liaison_desk.sync.errors import ConflictError
from tests.sync.helpers import canonical_dump, enrol_station, exchange, make_vault


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Vault, Vault, str, Path]:
    """HQ and Paris, both holding one contact written at Paris."""
    hq = make_vault(tmp_path, "HQ", "hq")
    paris = make_vault(tmp_path, "Paris")
    enrol_station(hq, paris)
    contact = paris.store.add(Contact(full_name="Hélène Girard", notes="first meeting"))
    usb = tmp_path / "usb"
    exchange(paris, hq, usb)
    exchange(hq, paris, usb)
    return hq, paris, contact.id, usb


def _round(hq: Vault, paris: Vault, usb: Path) -> None:
    exchange(paris, hq, usb)
    exchange(hq, paris, usb)


def test_concurrent_edits_converge_and_keep_the_loser(pair: tuple[Vault, Vault, str, Path]) -> None:
    hq, paris, cid, usb = pair
    paris.store.update(Contact, cid, {"notes": "Paris: prefers French"})
    hq.store.update(Contact, cid, {"notes": "HQ: speaks English too", "rank": "Colonel"})
    _round(hq, paris, usb)
    assert canonical_dump(hq) == canonical_dump(paris)
    (at_hq,) = list_conflicts(hq)
    (at_paris,) = list_conflicts(paris)
    assert at_hq.field == at_paris.field == "notes"  # rank changed on one side only
    assert {at_hq.mine.value, at_hq.theirs.value} == {
        "Paris: prefers French",
        "HQ: speaks English too",
    }
    assert at_paris.mine.value == "Paris: prefers French"
    assert at_paris.mine.author == "this vault" and at_paris.theirs.author == "HQ"
    assert at_hq.theirs.author == "Paris"
    assert at_paris.title == "Hélène Girard"


def test_sequential_and_identical_edits_are_not_conflicts(
    pair: tuple[Vault, Vault, str, Path],
) -> None:
    hq, paris, cid, usb = pair
    paris.store.update(Contact, cid, {"notes": "second"})
    _round(hq, paris, usb)
    hq.store.update(Contact, cid, {"notes": "third, knowing the second"})
    paris.store.update(Contact, cid, {"rank": "General"})
    _round(hq, paris, usb)
    hq.store.update(Contact, cid, {"position": "Attaché"})
    paris.store.update(Contact, cid, {"position": "Attaché"})
    _round(hq, paris, usb)
    assert open_count(hq) == open_count(paris) == 0
    assert paris.store.get(Contact, cid).notes == "third, knowing the second"


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
    _round(hq, paris, usb)
    (conflict,) = list_conflicts(paris)
    resolved = resolve(paris, conflict.n, choice, merged)
    assert (resolved.status, resolved.resolution) == ("resolved", choice)
    _round(hq, paris, usb)
    assert hq.store.get(Contact, cid).notes == paris.store.get(Contact, cid).notes == expected
    assert open_count(paris) == 0
    assert open_count(hq) == 0  # HQ's copy of the conflict was superseded
    assert canonical_dump(hq) == canonical_dump(paris)


def test_resolve_refuses_what_it_cannot_do(pair: tuple[Vault, Vault, str, Path]) -> None:
    hq, paris, cid, usb = pair
    paris.store.update(Contact, cid, {"notes": "a"})
    hq.store.update(Contact, cid, {"notes": "b"})
    _round(hq, paris, usb)
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


def test_delete_against_a_concurrent_edit_is_a_conflict_not_a_loss(
    pair: tuple[Vault, Vault, str, Path],
) -> None:
    hq, paris, cid, usb = pair
    paris.store.delete(Contact, cid)
    hq.store.update(Contact, cid, {"notes": "HQ added this after a call"})
    _round(hq, paris, usb)
    assert canonical_dump(hq) == canonical_dump(paris)
    with pytest.raises(RecordNotFound):
        paris.store.get(Contact, cid)
    (at_hq,) = list_conflicts(hq)
    (at_paris,) = list_conflicts(paris)
    assert at_hq.is_deletion and at_paris.is_deletion
    assert (at_paris.mine.value, at_paris.theirs.value) == (True, False)

    resolve(paris, at_paris.n, "theirs")  # bring it back with HQ's note
    _round(hq, paris, usb)
    for vault in (hq, paris):
        assert vault.store.get(Contact, cid).notes == "HQ added this after a call"
    assert open_count(hq) == open_count(paris) == 0
