"""A contact's details travel between HQ and a station and merge field by field, old ops too."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from liaison_desk.core.contact_details import ContactDetails, details_of, save_details
from liaison_desk.core.hlc import Stamp
from liaison_desk.core.legacy_points import derived_id
from liaison_desk.core.records import Contact, ContactPoint
from liaison_desk.core.search import search
from liaison_desk.core.vault import Vault
from liaison_desk.sync.conflicts import list_conflicts
from liaison_desk.sync.merge import Merger
from liaison_desk.sync.ops import Op
from tests.conftest import FAST_KDF, PASSPHRASE, StepClock
from tests.core.old_vaults import BEFORE_CONTACT_POINTS, write_v5_contact
from tests.core.test_contact_details import rich
from tests.sync.helpers import canonical_dump, enrol_station, make_vault, round_trip


def _hq_and_paris(root: Path) -> tuple[Vault, Vault, Path]:
    hq = make_vault(root, "HQ", "hq")
    paris = make_vault(root, "Paris")
    enrol_station(hq, paris)
    return hq, paris, root / "usb"


def test_every_new_field_goes_to_hq_and_an_edit_there_comes_back(tmp_path: Path) -> None:
    hq, paris, usb = _hq_and_paris(tmp_path)
    try:
        contact, _ = rich(paris)
        round_trip(hq, paris, usb)
        assert hq.store.get(Contact, contact.id) == paris.store.get(Contact, contact.id)
        assert details_of(hq.store, contact.id) == details_of(paris.store, contact.id)

        held = details_of(hq.store, contact.id)
        mobile = held.points[0]
        edited = (dataclasses.replace(mobile, label="work", pref=None), *held.points[1:])
        posting = dataclasses.replace(held.postings[1], ends_on="2026-06")
        save_details(
            hq.store,
            contact.id,
            ContactDetails(edited, (held.postings[0], posting), ()),
        )
        hq.store.update(Contact, contact.id, {"nicknames": ("Léna", "Hel"), "birthday": None})
        round_trip(hq, paris, usb)

        there = details_of(paris.store, contact.id)
        assert there == details_of(hq.store, contact.id)
        assert there.relations == ()
        assert [p.label for p in there.points if p.channel == "phone"] == ["work", "work", "fax"]
        assert there.postings[1].ends_on == "2026-06"
        person = paris.store.get(Contact, contact.id)
        assert (person.nicknames, person.birthday, person.given_name) == (
            ("Léna", "Hel"),
            None,
            "Hélène",
        )
        assert canonical_dump(hq) == canonical_dump(paris)
        assert [h.id for h in search(paris.store, "Hel")] == [contact.id]
    finally:
        hq.lock()
        paris.lock()


def test_edits_of_two_phones_are_both_kept_and_of_one_phone_are_a_conflict(
    tmp_path: Path,
) -> None:
    hq, paris, usb = _hq_and_paris(tmp_path)
    try:
        contact, _ = rich(paris)
        round_trip(hq, paris, usb)
        held = details_of(paris.store, contact.id)
        mobile, work = held.points[0], held.points[1]

        def edit(vault: Vault, point: ContactPoint, **changes: object) -> None:
            now = details_of(vault.store, contact.id)
            points = tuple(
                dataclasses.replace(p, **changes) if p.id == point.id else p  # type: ignore[arg-type]
                for p in now.points
            )
            save_details(vault.store, contact.id, dataclasses.replace(now, points=points))

        edit(paris, mobile, value="+33 6 99 99 99 99")
        edit(hq, work, value="+33 1 44 42 30 99", label="direct")
        round_trip(hq, paris, usb)
        for vault in (hq, paris):
            points = details_of(vault.store, contact.id).points
            assert [(p.value, p.label) for p in points[:2]] == [
                ("+33 6 99 99 99 99", "mobile"),
                ("+33 1 44 42 30 99", "direct"),
            ]
            assert points[1].e164 == "+33144423099"
        assert list_conflicts(hq) == list_conflicts(paris) == []

        edit(paris, mobile, value="+33 6 11 11 11 11")
        edit(hq, mobile, value="+33 6 22 22 22 22")
        round_trip(hq, paris, usb)
        for vault in (hq, paris):
            conflicts = list_conflicts(vault)
            assert {(c.entity, c.record_id, c.field) for c in conflicts} == {
                ("contact_point", mobile.id, "value"),
                ("contact_point", mobile.id, "e164"),
            }
            value = next(c for c in conflicts if c.field == "value")
            assert value.title.startswith("Col. Hélène Girard: +33 6 ")  # whose phone it is
            assert {value.mine.value, value.theirs.value} == {
                "+33 6 11 11 11 11",
                "+33 6 22 22 22 22",
            }
        assert canonical_dump(hq) == canonical_dump(paris)
    finally:
        hq.lock()
        paris.lock()


def test_deleting_and_restoring_a_contact_takes_its_details_along(tmp_path: Path) -> None:
    hq, paris, usb = _hq_and_paris(tmp_path)
    try:
        contact, _ = rich(paris)
        round_trip(hq, paris, usb)
        paris.store.delete(Contact, contact.id)
        round_trip(hq, paris, usb)
        assert search(hq.store, "Valin") == []
        paris.store.restore(Contact, contact.id)
        round_trip(hq, paris, usb)
        assert details_of(hq.store, contact.id) == details_of(paris.store, contact.id)
        assert len(details_of(hq.store, contact.id).points) == 8
        assert [h.id for h in search(hq.store, "Valin")] == [contact.id]
    finally:
        hq.lock()
        paris.lock()


def _live(vault: Vault, contact_id: str) -> list[tuple[str, str, str | None, str | None]]:
    """The contact's live points, as an officer sees them (times apart: a derived point
    was made by the migration here, by an older op there)."""
    return [(p.id, p.channel, p.value, p.e164) for p in details_of(vault.store, contact_id).points]


def _labels(vault: Vault, contact_id: str) -> list[str | None]:
    return [p.label for p in details_of(vault.store, contact_id).points]


def _merge(vault: Vault, ops: list[Op]) -> None:
    with vault.store.transaction(), vault.store.bulk_indexing():
        merger = Merger(vault.store, vault.clock, every_conflict=True)
        for op in ops:
            assert merger.apply(op) is None
        merger.flush()


def test_old_ops_become_the_points_a_migrated_vault_holds(tmp_path: Path) -> None:
    """Paris's vault was made before schema 6: upgraded, it holds derived points; HQ, a new
    vault, receives Paris's old ops and derives the same; an old op arriving late (from a
    peer not yet upgraded) moves both alike, and an older one changes neither."""
    clock = StepClock()
    old, _ = Vault.create(
        tmp_path / "Paris",
        PASSPHRASE,
        name="Paris",
        kdf=FAST_KDF,
        clock=clock,
        migrations=BEFORE_CONTACT_POINTS,
    )
    contact_id = write_v5_contact(
        old,
        "Hélène Girard",
        phones=("+33 1 44 42 30 11", "+33 6 12 34 56 78", "+1 202 555 0100"),
        emails=("helene.girard@defense.gouv.example",),
        address="12 rue des Écoles, Paris",
        later_phones=("+33 1 44 42 30 12", "+33 6 12 34 56 78"),
    )
    origin = old.info.origin
    old.lock()
    paris = Vault.unlock(tmp_path / "Paris", PASSPHRASE, clock=clock)
    hq = make_vault(tmp_path, "HQ", "hq")
    try:
        enrol_station(hq, paris)
        round_trip(hq, paris, tmp_path / "usb")
        expected = [
            (derived_id(contact_id, "phone", 0), "phone", "+33 1 44 42 30 12", "+33144423012"),
            (derived_id(contact_id, "phone", 1), "phone", "+33 6 12 34 56 78", "+33612345678"),
            (
                derived_id(contact_id, "email", 0),
                "email",
                "helene.girard@defense.gouv.example",
                None,
            ),
            (derived_id(contact_id, "address", 0), "address", "12 rue des Écoles, Paris", None),
        ]
        assert _live(hq, contact_id) == _live(paris, contact_id) == expected
        assert [h.id for h in search(hq.store, "33612345678")] == [contact_id]

        # A point edited since, at Paris: the edit reaches HQ's derived point.
        held = details_of(paris.store, contact_id)
        mobile = dataclasses.replace(held.points[1], label="mobile")
        points = (held.points[0], mobile, *held.points[2:])
        save_details(paris.store, contact_id, dataclasses.replace(held, points=points))
        round_trip(hq, paris, tmp_path / "usb")
        assert _live(hq, contact_id) == _live(paris, contact_id) == expected
        assert _labels(hq, contact_id) == _labels(paris, contact_id) == [None, "mobile", None, None]

        # Old ops from a peer not yet upgraded: a newer one sets the phones, an older one
        # (made before, arriving after) changes nothing.
        (clocks,) = hq.conn.execute(
            "SELECT clocks FROM contacts WHERE id = ?", (contact_id,)
        ).fetchone()
        held_clock = json.loads(clocks)["phones"]
        newer = str(Stamp(Stamp.parse(held_clock).ms + 10_000, 0, origin))
        older = str(Stamp(Stamp.parse(held_clock).ms - 1, 0, origin))
        late = {"phones": ["+33 1 00 00 00 01"]}
        ops = [
            Op(origin, 90, newer, "contact", contact_id, late, {"phones": held_clock}),
            Op(origin, 91, older, "contact", contact_id, {"phones": ["+49"]}, {"phones": older}),
        ]
        for vault in (hq, paris):
            _merge(vault, ops)
        moved = _live(hq, contact_id)
        assert moved == _live(paris, contact_id)
        assert [v for _, c, v, _ in moved if c == "phone"] == ["+33 1 00 00 00 01"]
        for vault in (hq, paris):
            (deleted,) = vault.conn.execute(
                "SELECT deleted FROM contact_points WHERE id = ?",
                (derived_id(contact_id, "phone", 1),),
            ).fetchone()
            assert deleted == 1  # past the end of the list: deleted, as every vault does
            assert [h.id for h in search(vault.store, "1 00 00 00 01")] == [contact_id]
            assert search(vault.store, "33612345678") == []
    finally:
        hq.lock()
        paris.lock()
