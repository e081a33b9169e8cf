"""A follow-up's contacts travel between HQ and a station and merge like any other field."""

from __future__ import annotations

from pathlib import Path

from liaison_desk.core.meetings import NewFollowUp, save_meeting
from liaison_desk.core.records import Contact, FollowUp
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from liaison_desk.sync.conflicts import list_conflicts, resolve
from tests.conftest import FAST_KDF, PASSPHRASE, StepClock
from tests.core.old_vaults import write_v5_contact
from tests.core.test_schema import BEFORE_CONTACT_IDS, write_v4_followup
from tests.sync.helpers import canonical_dump, enrol_station, make_vault, round_trip


def _paris_with_a_meeting(root: Path) -> tuple[Vault, Vault, Path, FollowUp, list[str]]:
    """HQ and Paris holding a meeting of Paris's with Ana and Bruno and the follow-up it made."""
    hq = make_vault(root, "HQ", "hq")
    paris = make_vault(root, "Paris")
    enrol_station(hq, paris)
    ana, bruno, carla = paris.store.add_many(
        [Contact(full_name="Ana"), Contact(full_name="Bruno"), Contact(full_name="Carla")]
    )
    meeting = save_meeting(
        paris.store,
        None,
        {"title": "Staff talks", "starts_at": "2026-03-14T10:30Z"},
        add_people=[ana.id, bruno.id],
        followups=[NewFollowUp("Send the agenda", "2026-03-20")],
    )
    (followup,) = paris.store.list(FollowUp, ListQuery(where={"meeting_id": meeting.id}))
    usb = root / "usb"
    round_trip(hq, paris, usb)
    return hq, paris, usb, followup, [ana.id, bruno.id, carla.id]


def test_a_followups_contacts_go_to_hq_and_an_edit_there_comes_back(tmp_path: Path) -> None:
    hq, paris, usb, followup, (ana, bruno, carla) = _paris_with_a_meeting(tmp_path)
    try:
        assert hq.store.get(FollowUp, followup.id).contact_ids == (ana, bruno)

        hq.store.update(FollowUp, followup.id, {"contact_ids": (bruno, carla)})
        round_trip(hq, paris, usb)

        assert paris.store.get(FollowUp, followup.id).contact_ids == (bruno, carla)
        assert canonical_dump(hq) == canonical_dump(paris)
    finally:
        hq.lock()
        paris.lock()


def test_concurrent_edits_merge_field_by_field_and_a_clash_on_the_people_is_kept(
    tmp_path: Path,
) -> None:
    hq, paris, usb, followup, (ana, bruno, carla) = _paris_with_a_meeting(tmp_path)
    try:
        paris.store.update(FollowUp, followup.id, {"contact_ids": (ana,)})
        hq.store.update(FollowUp, followup.id, {"due_date": "2026-04-01"})
        round_trip(hq, paris, usb)
        for vault in (hq, paris):
            merged = vault.store.get(FollowUp, followup.id)
            assert (merged.contact_ids, merged.due_date) == ((ana,), "2026-04-01")
        assert list_conflicts(paris) == list_conflicts(hq) == []

        paris.store.update(FollowUp, followup.id, {"contact_ids": (ana, carla)})
        hq.store.update(FollowUp, followup.id, {"contact_ids": (bruno,)})
        round_trip(hq, paris, usb)
        (conflict,) = list_conflicts(paris)
        assert conflict.field == "contact_ids"
        assert {tuple(conflict.mine.value), tuple(conflict.theirs.value)} == {
            (ana, carla),
            (bruno,),
        }
        assert tuple(conflict.theirs.value) == (bruno,)
        resolve(paris, conflict.n, "theirs")
        round_trip(hq, paris, usb)
        for vault in (hq, paris):
            assert vault.store.get(FollowUp, followup.id).contact_ids == (bruno,)
        assert canonical_dump(hq) == canonical_dump(paris)
    finally:
        hq.lock()
        paris.lock()


def test_a_station_upgraded_sends_its_older_followups_with_their_contact(tmp_path: Path) -> None:
    hq = make_vault(tmp_path, "HQ", "hq")
    clock = StepClock()
    old, _ = Vault.create(
        tmp_path / "Paris",
        PASSPHRASE,
        name="Paris",
        kdf=FAST_KDF,
        clock=clock,
        migrations=BEFORE_CONTACT_IDS,
    )
    person_id = write_v5_contact(old, "Hélène Girard")
    followup_id = write_v4_followup(old, person_id)
    old.lock()
    paris = Vault.unlock(tmp_path / "Paris", PASSPHRASE, clock=clock)
    try:
        enrol_station(hq, paris)
        round_trip(hq, paris, tmp_path / "usb")
        assert hq.store.get(FollowUp, followup_id).contact_ids == (person_id,)
        assert canonical_dump(hq) == canonical_dump(paris)
    finally:
        hq.lock()
        paris.lock()
