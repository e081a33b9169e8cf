"""Every write appends exactly its oplog rows, in the same transaction as the change."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.errors import RecordNotFound, ValidationError
from liaison_desk.core.hlc import Stamp
from liaison_desk.core.ids import uuid7
from liaison_desk.core.kinds import ATTACHMENT, CONTACT
from liaison_desk.core.records import (
    Attachment,
    Contact,
    ContactPoint,
    FollowUp,
    Meeting,
    Organization,
    Participant,
    ProtocolRef,
)
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault


def oplog(vault: Vault) -> list[dict[str, Any]]:
    rows = vault.conn.execute(
        "SELECT origin, seq, hlc, entity, record_id, fields, base FROM oplog ORDER BY seq"
    ).fetchall()
    keys = ("origin", "seq", "hlc", "entity", "record_id", "fields", "base")
    out = [dict(zip(keys, r, strict=True)) for r in rows]
    for op in out:
        op["fields"], op["base"] = json.loads(op["fields"]), json.loads(op["base"])
    return out


def test_add_logs_one_op_with_every_field(vault: Vault) -> None:
    c = vault.store.add(Contact(full_name="Jean Dupont", nicknames=("JD",), tags=("navy",)))
    [op] = oplog(vault)
    assert op["entity"] == "contact"
    assert op["record_id"] == c.id
    assert op["seq"] == 1
    assert op["origin"] == vault.info.origin
    assert op["fields"]["full_name"] == "Jean Dupont"
    assert op["fields"]["nicknames"] == ["JD"]
    assert op["fields"]["marking"] == "UNCLASSIFIED"
    assert op["base"] == {}


def test_update_logs_only_changed_fields_with_their_base_clocks(vault: Vault) -> None:
    c = vault.store.add(Contact(full_name="Jean Dupont", rank="Major"))
    created_hlc = oplog(vault)[0]["hlc"]
    vault.store.update(Contact, c.id, {"rank": "Colonel", "full_name": "Jean Dupont"})
    ops = oplog(vault)
    assert len(ops) == 2
    assert ops[1]["fields"] == {"rank": "Colonel"}
    assert ops[1]["base"] == {"rank": created_hlc}
    assert ops[1]["hlc"] > created_hlc
    second_hlc = ops[1]["hlc"]
    vault.store.update(Contact, c.id, {"rank": "Brigadier"})
    assert oplog(vault)[2]["base"] == {"rank": second_hlc}


def test_update_without_change_logs_nothing(vault: Vault) -> None:
    c = vault.store.add(Contact(full_name="Jean Dupont", rank="Major"))
    assert vault.store.update(Contact, c.id, {"rank": " Major "}) == c
    assert len(oplog(vault)) == 1


def test_delete_logs_a_tombstone_and_hides_the_record(vault: Vault) -> None:
    c = vault.store.add(Contact(full_name="Jean Dupont"))
    vault.store.delete(Contact, c.id)
    ops = oplog(vault)
    assert ops[-1]["fields"] == {"deleted": True}
    assert vault.store.list(Contact) == []
    with pytest.raises(RecordNotFound):
        vault.store.get(Contact, c.id)
    with pytest.raises(RecordNotFound):
        vault.store.update(Contact, c.id, {"rank": "X"})


def test_failure_mid_write_leaves_neither_record_nor_oplog(vault: Vault) -> None:
    contact = vault.store.add(Contact(full_name="Present"))
    before = oplog(vault)
    with pytest.raises(ValidationError, match="does not name a contact"), vault.store.transaction():
        meeting = vault.store.add(Meeting(title="Talks", starts_at="2026-03-14T10:00Z"))
        vault.store.add(Participant(meeting_id=meeting.id, contact_id=contact.id))
        vault.store.add(Participant(meeting_id=meeting.id, contact_id="0" * 8))
    assert oplog(vault) == before
    assert vault.store.list(Meeting) == []
    assert vault.store.list(Participant) == []


def test_sql_failure_rolls_back_record_and_oplog(vault: Vault) -> None:
    vault.conn.execute(
        "CREATE TEMP TRIGGER refuse AFTER INSERT ON oplog WHEN new.seq = 2 "
        "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"
    )
    vault.store.add(Contact(full_name="First"))
    with pytest.raises(Exception, match="simulated failure"):
        vault.store.add(Contact(full_name="Second"))
    assert [c.full_name for c in vault.store.list(Contact)] == ["First"]
    assert len(oplog(vault)) == 1


def test_batch_is_all_or_nothing(vault: Vault) -> None:
    good = [Contact(full_name=f"Person {i}") for i in range(5)]
    with pytest.raises(ValidationError, match="birthday"):
        vault.store.add_many([*good, Contact(full_name="Bad", birthday="nope")])
    assert vault.store.count(Contact) == 0
    assert oplog(vault) == []


def test_sequence_numbers_are_dense_across_reopen(vault: Vault, vault_dir: Any) -> None:
    from tests.conftest import PASSPHRASE

    vault.store.add_many([Contact(full_name=f"P{i}") for i in range(3)])
    vault.lock()
    with Vault.unlock(vault_dir, PASSPHRASE) as again:
        again.store.add(Contact(full_name="P3"))
        assert [op["seq"] for op in oplog(again)] == [1, 2, 3, 4]
        stamps = [op["hlc"] for op in oplog(again)]
        assert stamps == sorted(stamps) and len(set(stamps)) == 4


def test_meeting_time_is_stored_in_utc(vault: Vault) -> None:
    m = vault.store.add(Meeting(title="Lunch", starts_at="2026-03-14T12:30+01:00"))
    assert m.starts_at == "2026-03-14T11:30:00Z"
    local = vault.store.add(
        Meeting(title="Tea", starts_at="2026-07-01T16:00", timezone="Asia/Tokyo")
    )
    assert local.starts_at == "2026-07-01T07:00:00Z"
    with pytest.raises(ValidationError, match="UTC offset"):
        vault.store.add(Meeting(title="When?", starts_at="2026-07-01T16:00"))
    with pytest.raises(ValidationError, match="ISO 8601"):
        vault.store.add(Meeting(title="When?", starts_at="next tuesday"))


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (Contact(full_name="  "), "full name is required"),
        (Contact(full_name="X", country="France"), "two-letter code"),
        (Contact(full_name="X", birthday="14 March"), "not a date"),
        (Contact(full_name="X", languages=("fr:fluent",)), "code with a level"),
        (ContactPoint(contact_id="missing", channel="phone", value="1"), "not name a contact"),
        (Contact(full_name="X", org_id="missing"), "does not name an organization"),
        (Contact(full_name="X", marking="TOP SECRET"), "Unknown marking"),
        (FollowUp(action="Send", status="maybe"), "status"),
        (FollowUp(action="Send", due_date="soon"), "not a date"),
        (ProtocolRef(title="T", body="B", category="gossip"), "category"),
        (Organization(name="O", kind="club"), "kind"),
        (Attachment(owner_id="nobody", name="a.txt", mime="text/plain", data=b"x"), "no record"),
    ],
)
def test_invalid_records_are_refused_with_a_sentence(
    vault: Vault, record: Any, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        vault.store.add(record)
    assert oplog(vault) == []


def test_marking_filters_and_ordering(vault: Vault) -> None:
    for name, marking in [("Ana", "SECRET"), ("bob", "RESTRICTED"), ("Cy", "")]:
        vault.store.add(Contact(full_name=name, marking=marking))
    names = [c.full_name for c in vault.store.list(Contact)]
    assert names == ["Ana", "bob", "Cy"]  # case-insensitive by name
    low = vault.store.list(Contact, ListQuery(markings=("UNCLASSIFIED", "RESTRICTED")))
    assert [c.full_name for c in low] == ["bob", "Cy"]
    assert vault.store.count(Contact, ListQuery(markings=("SECRET",))) == 1


def test_tag_filter_and_paging(vault: Vault) -> None:
    vault.store.add_many(
        Contact(full_name=f"P{i:03d}", tags=("navy",) if i % 2 else ()) for i in range(30)
    )
    navy = vault.store.list(Contact, ListQuery(tag="navy", limit=5, offset=5))
    assert [c.full_name for c in navy] == ["P011", "P013", "P015", "P017", "P019"]


def test_attachment_bytes_are_kept_and_digested(vault: Vault) -> None:
    c = vault.store.add(Contact(full_name="Card Holder"))
    a = vault.store.add(
        Attachment(owner_id=c.id, name="card.jpg", mime="image/jpeg", data=b"\xff" * 10)
    )
    got = vault.store.get(Attachment, a.id)
    assert got.data == b"\xff" * 10 and got.size == 10 and len(got.sha256) == 64
    assert "data" not in oplog(vault)[-1]["fields"]
    with pytest.raises(ValidationError, match="cannot be changed"):
        vault.store.update(Attachment, a.id, {"data": b"other"})


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(
    max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(name=text.filter(lambda s: s.strip()), notes=text, tags=st.lists(text, max_size=4))
def test_round_trip_any_text(vault: Vault, name: str, notes: str, tags: list[str]) -> None:
    stored = vault.store.add(Contact(full_name=name, notes=notes, tags=tuple(tags)))
    again = vault.store.get(Contact, stored.id)
    assert again == stored
    assert again.full_name == name.strip()
    assert again.notes == (notes.strip() or None)


def test_disk_full_is_a_sentence_and_saves_nothing(vault: Vault) -> None:
    from liaison_desk.core.errors import StorageError

    vault.store.add(Contact(full_name="Before"))
    pages = vault.conn.execute("PRAGMA page_count").fetchone()[0]
    vault.conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    with pytest.raises(StorageError, match="disk is full"):
        vault.store.add_many(Contact(full_name="x", notes="y" * 50_000) for _ in range(20))
    vault.conn.execute("PRAGMA max_page_count = 1073741823")
    assert [c.full_name for c in vault.store.list(Contact)] == ["Before"]
    assert len(oplog(vault)) == 1


def test_title_filter_is_case_insensitive_and_literal(vault: Vault) -> None:
    vault.store.add_many(
        Contact(full_name=n) for n in ("Hélène Girard", "Jean GIRARDOT", "50% Done", "Other")
    )
    found = vault.store.list(Contact, ListQuery(title_contains="girard"))
    assert [c.full_name for c in found] == ["Hélène Girard", "Jean GIRARDOT"]
    assert vault.store.count(Contact, ListQuery(title_contains="%")) == 1


def test_title_filter_folds_accents_and_case_as_search_does(vault: Vault) -> None:
    vault.store.add_many(Contact(full_name=n) for n in ("Hélène Girard", "Helene Martin", "Ève"))
    for typed in ("helene", "HÉLÈNE", "hél", "ELEN"):
        found = vault.store.list(Contact, ListQuery(title_contains=typed))
        assert [c.full_name for c in found] == ["Helene Martin", "Hélène Girard"], typed
        assert vault.store.count(Contact, ListQuery(title_contains=typed)) == 2
    assert [c.full_name for c in vault.store.list(Contact, ListQuery(title_contains="eve"))] == [
        "Ève"
    ]
    secret = vault.store.add(Contact(full_name="Hélène Secret", marking="SECRET"))
    narrowed = ListQuery(title_contains="hél", markings=("SECRET",))
    assert [c.id for c in vault.store.list(Contact, narrowed)] == [secret.id]
    assert vault.store.count(Contact, narrowed) == 1


# -- what a sync merge asks the store to write --------------------------------------------------

PEER = "ab" * 8  # another vault's origin
T0 = 1_790_000_000_000


def peer_stamp(ms: int, counter: int = 0) -> str:
    return str(Stamp(ms, counter, PEER))


def fields_of(vault: Vault, **changes: Any) -> dict[str, Any]:
    """Every field of a contact as an op carries it (taken from a contact this vault logged)."""
    vault.store.add(Contact(full_name="Template", tags=("navy",)))
    return {**oplog(vault)[-1]["fields"], **changes}


def found(vault: Vault, word: str) -> list[str]:
    """The ids the search index holds for a word."""
    sql = "SELECT record_id FROM search WHERE search MATCH ?"
    return [r for (r,) in vault.conn.execute(sql, (word,))]


def row_of(vault: Vault, record_id: str) -> tuple[Any, ...]:
    return tuple(
        vault.conn.execute(
            "SELECT created_at, updated_at, hlc, origin, clocks, deleted FROM contacts "
            "WHERE id = ?",
            (record_id,),
        ).fetchone()
    )


def test_new_records_go_in_by_the_thousand_with_the_times_and_origin_of_their_stamps(
    vault: Vault,
) -> None:
    fields = fields_of(vault, notes="received")
    ids = [uuid7(T0, os.urandom) for _ in range(1001)]
    with vault.store.transaction():
        batch = vault.store.new_records()
        for n, record_id in enumerate(ids):
            batch.add(CONTACT, record_id, fields, peer_stamp(T0, n), None)
        assert vault.store.count(Contact) == 1 + 1000  # the template, and one full batch
        batch.flush()
    assert vault.store.count(Contact) == 1 + 1001
    assert row_of(vault, ids[7]) == (
        iso_from_ms(T0),
        iso_from_ms(T0),
        peer_stamp(T0, 7),
        PEER,
        json.dumps({"*": peer_stamp(T0, 7)}, separators=(",", ":")),
        0,
    )
    assert vault.store.get(Contact, ids[7]).tags == ("navy",)
    assert set(found(vault, "received")) == set(ids)
    assert len(oplog(vault)) == 1  # received records are logged by their ops, not again here


def test_bulk_indexing_indexes_each_new_row_once_and_leaves_other_kinds_as_they_were(
    vault: Vault,
) -> None:
    # Meetings and organizations numbered past the contacts: their search rowids lie inside
    # the range of the contacts' new rows, which must not touch them.
    old = vault.store.add(Contact(full_name="Old contact", notes="harbour"))
    meetings = vault.store.add_many(
        Meeting(title=f"Talks {i}", starts_at="2026-03-14T10:00:00Z", notes="harbour")
        for i in range(20)
    )
    org = vault.store.add(Organization(name="Navy staff", notes="harbour"))
    fields = fields_of(vault, full_name="Received", notes="harbour")
    new = [uuid7(T0, os.urandom) for _ in range(3)]
    with vault.store.transaction(), vault.store.bulk_indexing():
        batch = vault.store.new_records()
        for n, record_id in enumerate(new):
            batch.add(CONTACT, record_id, fields, peer_stamp(T0, n), None)
        batch.flush()
        vault.store.update(Contact, new[0], {"notes": "harbour, edited"})
        vault.store.update(Contact, old.id, {"notes": "harbour, edited too"})

    assert sorted(found(vault, "harbour")) == sorted(
        [old.id, *(m.id for m in meetings), org.id, *new]
    )
    assert sorted(found(vault, "edited")) == sorted([old.id, new[0]])
    (rows,) = vault.conn.execute("SELECT count(*) FROM search").fetchone()
    assert rows == 1 + 20 + 1 + 1 + 3  # each record once, the template fields_of wrote too


def test_a_snapshot_dates_the_record_by_its_clocks_and_an_id_held_already_is_skipped(
    vault: Vault,
) -> None:
    fields = fields_of(vault, notes="snapshot", deleted=True)
    record_id = uuid7(T0, os.urandom)
    clocks = {"*": peer_stamp(T0), "notes": peer_stamp(T0 + 5000), "deleted": peer_stamp(T0 + 9)}
    with vault.store.transaction():
        batch = vault.store.new_records()
        batch.add(CONTACT, record_id, fields, clocks["notes"], clocks)
        batch.add(CONTACT, record_id, {**fields, "notes": "late creation"}, peer_stamp(T0), None)
        batch.flush()
    created, updated, hlc, origin, stored_clocks, deleted = row_of(vault, record_id)
    assert (created, updated, hlc, origin) == (
        iso_from_ms(T0),
        iso_from_ms(T0 + 5000),
        clocks["notes"],
        PEER,
    )
    assert (json.loads(stored_clocks), deleted) == (clocks, 1)
    assert vault.conn.execute(
        "SELECT notes FROM contacts WHERE id = ?", (record_id,)
    ).fetchone() == ("snapshot",)


def test_a_received_attachment_is_inserted_now_as_zeros_for_its_bytes_to_follow(
    vault: Vault,
) -> None:
    owner = vault.store.add(Contact(full_name="Card Holder"))
    vault.store.add(Attachment(owner_id=owner.id, name="a.png", mime="image/png", data=b"x"))
    fields = {**oplog(vault)[-1]["fields"], "size": 4, "sha256": "0" * 64}
    record_id = uuid7(T0, os.urandom)
    with vault.store.transaction():
        batch = vault.store.new_records()
        row = batch.add_attachment(ATTACHMENT, record_id, fields, peer_stamp(T0), None)
        assert row is not None
        assert vault.store.get(Attachment, record_id).data == bytes(4)
        blob = vault.conn.open_blob("attachments", "data", row)
        blob.write(b"card")
        blob.close()
        assert vault.store.get(Attachment, record_id).data == b"card"
        assert batch.add_attachment(ATTACHMENT, record_id, fields, peer_stamp(T0), None) is None


def test_write_merged_sets_fields_and_clocks_and_dates_the_row_by_its_newest_clock(
    vault: Vault,
) -> None:
    contact = vault.store.add(Contact(full_name="Jean Dupont", rank="Major"))
    before = oplog(vault)
    clocks = json.loads(row_of(vault, contact.id)[4])
    newest = peer_stamp(T0 + 60_000)
    clocks |= {"notes": newest, "languages": peer_stamp(T0)}
    with vault.store.transaction():
        vault.store.write_merged(
            CONTACT, contact.id, {"notes": "Merged in", "languages": ["fr", "de"]}, clocks
        )
    merged = vault.store.get(Contact, contact.id)
    assert (merged.notes, merged.languages, merged.rank) == ("Merged in", ("fr", "de"), "Major")
    _, updated, hlc, _, stored_clocks, _ = row_of(vault, contact.id)
    assert (updated, hlc, json.loads(stored_clocks)) == (iso_from_ms(T0 + 60_000), newest, clocks)
    assert found(vault, "merged") == [contact.id]
    assert oplog(vault) == before

    with vault.store.transaction():
        vault.store.write_merged(CONTACT, contact.id, {"deleted": True}, clocks)
    assert vault.store.list(Contact) == []


def test_received_ops_are_appended_as_given_and_carried_ops_renumbered_under_our_origin(
    vault: Vault,
) -> None:
    received = [
        (PEER, n, peer_stamp(T0 + n), "contact", f"id-{n}", '{"notes":"x"}', "{}", None)
        for n in (1, 2)
    ]
    with vault.store.transaction():
        vault.store.append_ops(received)
    vault.store.add_many([Contact(full_name=f"P{i}") for i in range(3)])
    ours = [op for op in oplog(vault) if op["origin"] == vault.info.origin]
    assert [op["seq"] for op in ours] == [1, 2, 3]
    assert (
        vault.conn.execute(
            "SELECT origin, seq, hlc, entity, record_id, fields, base, clocks FROM oplog "
            "WHERE origin = ? ORDER BY seq",
            (PEER,),
        ).fetchall()
        == received
    )

    old = vault.info.origin
    with vault.store.transaction():
        vault.store.set_origin("cd" * 8)
        assert vault.store.carry_ops(old, 1) == 2
        vault.store.add(Contact(full_name="P3"))
    carried = [(op["origin"], op["seq"], op["hlc"]) for op in oplog(vault) if op["origin"] != PEER]
    assert carried == [
        (old, 1, ours[0]["hlc"]),
        ("cd" * 8, 1, ours[1]["hlc"]),
        ("cd" * 8, 2, ours[2]["hlc"]),
        ("cd" * 8, 3, carried[-1][2]),
    ]


def test_the_merges_writes_refuse_to_run_outside_a_transaction(vault: Vault) -> None:
    """Alone, each row would commit by itself: an import cut short would keep half a bundle."""
    contact = vault.store.add(Contact(full_name="Jean Dupont"))
    clocks = json.loads(row_of(vault, contact.id)[4])
    for write in (
        lambda: vault.store.new_records(),
        lambda: vault.store.append_ops([]),
        lambda: vault.store.write_merged(CONTACT, contact.id, {"notes": "x"}, clocks),
    ):
        with pytest.raises(RuntimeError, match="outside a transaction"):
            write()
    assert vault.store.get(Contact, contact.id).notes is None
