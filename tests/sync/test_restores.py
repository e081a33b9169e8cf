"""Restores that keep their word, through real backups and real bundles on a drive folder.

A station restored twice from one backup, and a restore of a restore, end up
holding everything, with HQ's count of what waits for them true and nothing
sent for ever. HQ restored from a backup older than its last writes gets back
from its stations what it lost, its own changes included; restored from one
older than a revocation, it learns the revocation again (from a station's
bundle, or from the relay's roster) and keeps refusing the revoked station.
"""

from __future__ import annotations

import base64
import json
import shutil
import time
from pathlib import Path

import pytest

from liaison_desk.core.audit import entries
from liaison_desk.core.backup import create_backup, restore_backup
from liaison_desk.core.ids import uuid7
from liaison_desk.core.records import Contact, FollowUp
from liaison_desk.core.vault import Vault
from liaison_desk.relay.app import Relay
from liaison_desk.relay.dir_store import DirStore
from liaison_desk.sync import revocations
from liaison_desk.sync.drive import mailbox, sync_drive
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.exchange import pending_ops
from liaison_desk.sync.identity import canonical, short
from liaison_desk.sync.online import sync_online
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import get_peer, revoke
from liaison_desk.sync.roster import read_roster
from liaison_desk.sync.status import peer_status
from liaison_desk.sync.vectors import own_origins
from tests.conftest import PASSPHRASE
from tests.relay.clients import enrol_on_roster, new_identity, send
from tests.relay.in_process import URL, ManualClock, client, transport
from tests.sync.helpers import canonical_dump, enrol_station, exchange, fingerprint, make_vault

DAY_MS = 24 * 3600 * 1000


def settle(drive: Path, *vaults: Vault, rounds: int = 3) -> None:
    """Each vault syncs with the drive in turn, `rounds` times over."""
    for _ in range(rounds):
        for vault in vaults:
            report = sync_drive(vault, drive)
            assert report.error is None and not report.refused, report.refused


def restore(backup: Path, folder: Path, like: Vault) -> Vault:
    return restore_backup(backup, folder, PASSPHRASE, clock=like.clock)


def pending(src: Vault, dst: Vault) -> int:
    peer = get_peer(src.conn, fingerprint(dst))
    assert peer is not None
    return pending_ops(src, peer)


def contacts(vault: Vault) -> set[str]:
    return {c.full_name for c in vault.store.list(Contact)}


def nothing_waits(drive: Path, *vaults: Vault) -> None:
    """Every count of what waits is 0, and another sync writes no op for anyone."""
    for vault in vaults:
        for status in peer_status(vault):
            assert status.pending == 0, (vault.info.name, status.peer.name)
    for vault in vaults:
        report = sync_drive(vault, drive)
        assert [r.ops for r in report.sent if r.ops] == [], vault.info.name


def test_a_station_restored_twice_from_one_backup_ends_holding_everything(tmp_path: Path) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    enrol_station(hq, paris)
    paris.store.add(Contact(full_name="Col. Ardent"))
    settle(drive, paris, hq)
    create_backup(paris, tmp_path / "paris.ldbackup")
    first_origin = paris.info.origin
    paris.lock()  # the laptop is lost

    # The first copy works for a while: its contact reaches HQ, HQ's reaches it.
    first = restore(tmp_path / "paris.ldbackup", tmp_path / "paris-1", paris)
    first.store.add(Contact(full_name="Adm. Tanaka", notes="made on the first copy"))
    settle(drive, first, hq)
    hq.store.add(Contact(full_name="Gen. Okafor", distribution="all"))
    settle(drive, hq, first)
    assert contacts(first) == {"Col. Ardent", "Adm. Tanaka", "Gen. Okafor"}
    # A last bundle of the first copy is still in the bag when that laptop is lost too.
    first.store.add(FollowUp(action="Call the attaché"))
    late = tmp_path / "bag"
    shutil.copytree(drive, late)
    sync_drive(first, late)
    first_incarnation = first.info.origin
    first.lock()

    # The same backup, restored again, knows nothing of the first copy's incarnation.
    second = restore(tmp_path / "paris.ldbackup", tmp_path / "paris-2", paris)
    assert own_origins(second.conn) == [first_origin, second.info.origin]
    assert contacts(second) == {"Col. Ardent"}
    second.store.add(Contact(full_name="Cdr. Sato", notes="made on the second copy"))
    settle(drive, second, hq)
    assert first_incarnation in own_origins(second.conn)  # HQ told it
    assert own_origins(second.conn)[-1] == second.info.origin

    # The first copy's late bundle lowers nothing HQ believes of the second.
    for path in mailbox(late, fingerprint(hq)).iterdir():
        shutil.copy(path, mailbox(drive, fingerprint(hq)))
    settle(drive, hq, second)

    everyone = {"Col. Ardent", "Adm. Tanaka", "Gen. Okafor", "Cdr. Sato"}
    assert contacts(second) == contacts(hq) == everyone
    assert [f.action for f in second.store.list(FollowUp)] == ["Call the attaché"]
    assert canonical_dump(second) == canonical_dump(hq)
    nothing_waits(drive, hq, second)

    # A restore of a restore: a backup of the second copy, restored after more work.
    create_backup(second, tmp_path / "paris-2.ldbackup")
    hq.store.add(Contact(full_name="Maj. Lindqvist", distribution="all"))
    settle(drive, second, hq)
    second.store.add(Contact(full_name="Lt. Moreau"))
    settle(drive, second, hq)
    second.lock()
    third = restore(tmp_path / "paris-2.ldbackup", tmp_path / "paris-3", paris)
    assert len(own_origins(third.conn)) == 4
    assert pending(hq, third) == 0  # what HQ knows before the third copy speaks
    settle(drive, third, hq)
    assert contacts(third) == contacts(hq) == everyone | {"Maj. Lindqvist", "Lt. Moreau"}
    assert canonical_dump(third) == canonical_dump(hq)
    nothing_waits(drive, hq, third)
    for vault in (hq, third):
        vault.lock()


def test_hq_restored_from_an_older_backup_gets_back_what_its_stations_hold(
    tmp_path: Path,
) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    tokyo = make_vault(tmp_path, "tokyo")
    enrol_station(hq, paris)
    enrol_station(hq, tokyo)
    shared = paris.store.add(Contact(full_name="Col. Ardent", distribution="all"))
    settle(drive, paris, tokyo, hq)
    create_backup(hq, tmp_path / "hq.ldbackup")

    # HQ's work after the backup: each piece reaches only the stations it is routed to.
    hq.store.add(Contact(full_name="For Paris", distribution=f"stations:{fingerprint(paris)}"))
    hq.store.add(Contact(full_name="For Tokyo", distribution=f"stations:{fingerprint(tokyo)}"))
    hq.store.add(Contact(full_name="For everyone", distribution="all"))
    hq.store.update(Contact, shared.id, {"notes": "HQ's note"})
    tokyo.store.add(Contact(full_name="Tokyo's own"))
    settle(drive, hq, paris, tokyo, hq)
    assert contacts(paris) == {"Col. Ardent", "For Paris", "For everyone"}
    assert contacts(tokyo) == {"Col. Ardent", "For Tokyo", "For everyone", "Tokyo's own"}
    lost_origin = hq.info.origin
    hq.lock()  # HQ's machine is lost

    restored = restore(tmp_path / "hq.ldbackup", tmp_path / "hq-2", hq)
    assert contacts(restored) == {"Col. Ardent"}
    settle(drive, restored, paris, tokyo, restored, paris)
    # Paris asked first and sent back only what it holds; Tokyo still sends its part.
    settle(drive, tokyo, restored, paris, tokyo)

    assert contacts(restored) == {
        "Col. Ardent",
        "For Paris",
        "For Tokyo",
        "For everyone",
        "Tokyo's own",
    }
    assert restored.store.get(Contact, shared.id).notes == "HQ's note"
    assert (
        restored.conn.execute(
            "SELECT count(*) FROM oplog WHERE origin = ?", (lost_origin,)
        ).fetchone()[0]
        >= 4
    )
    for station in (paris, tokyo):
        wanted = {k.split("/", 1)[1] for k in canonical_dump(station)}
        assert canonical_dump(station) == canonical_dump(restored, wanted)
        assert pending(station, restored) == 0
        assert pending(restored, station) == 0
    nothing_waits(drive, restored, paris, tokyo)
    for vault in (restored, paris, tokyo):
        vault.lock()


def test_hq_restored_twice_from_one_backup_gets_back_what_the_first_copy_acknowledged(
    tmp_path: Path,
) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    enrol_station(hq, paris)
    settle(drive, paris, hq)
    create_backup(hq, tmp_path / "hq.ldbackup")
    hq.lock()

    first = restore(tmp_path / "hq.ldbackup", tmp_path / "hq-1", hq)
    paris.store.add(Contact(full_name="Acknowledged by the first copy"))
    settle(drive, first, paris)
    assert "Acknowledged by the first copy" in contacts(first)
    first.lock()

    second = restore(tmp_path / "hq.ldbackup", tmp_path / "hq-2", hq)
    settle(drive, second, paris)
    assert contacts(second) == {"Acknowledged by the first copy"}
    assert canonical_dump(second) == canonical_dump(paris)
    nothing_waits(drive, second, paris)
    for vault in (second, paris):
        vault.lock()


@pytest.mark.parametrize("revokes_another_first", [False, True])
def test_hq_restored_from_before_a_revocation_keeps_refusing_the_station(
    tmp_path: Path, revokes_another_first: bool
) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    tokyo = make_vault(tmp_path, "tokyo")
    enrol_station(hq, paris)
    enrol_station(hq, tokyo)
    berlin = new_identity("berlin")  # a third station, never heard from
    enrol_on_roster(hq, berlin)
    settle(drive, paris, tokyo, hq)
    create_backup(hq, tmp_path / "hq.ldbackup")
    revoke(hq, fingerprint(paris))  # Paris's laptop was seized
    tokyo.store.add(Contact(full_name="Adm. Tanaka"))
    settle(drive, tokyo, hq, tokyo)  # Tokyo hears of the revocation in HQ's next bundle
    hq.lock()  # HQ's machine is lost

    restored = restore(tmp_path / "hq.ldbackup", tmp_path / "hq-2", hq)
    peer = get_peer(restored.conn, fingerprint(paris))
    assert peer is not None and peer.active  # the backup predates the revocation
    if revokes_another_first:  # its own notice (another list, the same number) reaches Tokyo
        revoke(restored, berlin.fingerprint)
        sync_drive(restored, drive)
    settle(drive, tokyo, restored)  # Tokyo's bundle carries HQ's signed notice back
    peer = get_peer(restored.conn, fingerprint(paris))
    assert peer is not None and not peer.active
    again = [e.detail for e in entries(restored.conn) if e.detail.get("source")]
    assert again == [{"peer": short(fingerprint(paris)), "source": "revocation notice"}]
    assert get_peer(restored.conn, berlin.fingerprint).active != revokes_another_first  # type: ignore[union-attr]

    paris.store.add(Contact(full_name="Written by whoever holds the laptop"))
    sync_drive(paris, drive)
    report = sync_drive(restored, drive)
    assert [r.reason for r in report.refused] == ["revoked-sender"]
    assert "Written by whoever holds the laptop" not in contacts(restored)
    assert [r.peer for r in report.sent] in ([], [fingerprint(tokyo)])
    # Tokyo keeps syncing; nothing it carries brings Paris back, whose bundle stays refused.
    for _ in range(2):
        sync_drive(tokyo, drive)
        report = sync_drive(restored, drive)
        assert [r.reason for r in report.refused] == ["revoked-sender"]
    assert "Adm. Tanaka" in contacts(restored)
    assert not get_peer(restored.conn, fingerprint(paris)).active  # type: ignore[union-attr]
    for vault in (restored, paris, tokyo):
        vault.lock()


def test_a_station_enrolled_again_after_its_revocation_stays_enrolled(tmp_path: Path) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    tokyo = make_vault(tmp_path, "tokyo")
    enrol_station(hq, paris)
    enrol_station(hq, tokyo)
    settle(drive, paris, tokyo, hq)
    revoke(hq, fingerprint(paris))
    settle(drive, hq, tokyo)  # Tokyo keeps the notice naming Paris, and stays away a while
    enrol_station(hq, paris)  # the laptop was found; Paris is enrolled again
    tokyo.store.add(Contact(full_name="Adm. Tanaka"))
    settle(drive, tokyo, paris, hq)
    assert get_peer(hq.conn, fingerprint(paris)).active  # type: ignore[union-attr]
    assert "Adm. Tanaka" in contacts(hq)
    for vault in (hq, paris, tokyo):
        vault.lock()


def test_hq_restored_from_before_a_revocation_reads_it_back_from_the_relay(
    tmp_path: Path,
) -> None:
    hq = make_vault(tmp_path, "hq", "hq", start_ms=int(time.time() * 1000))
    station = new_identity("paris")
    enrol_on_roster(hq, station)
    clock = ManualClock()
    relay = Relay(DirStore(tmp_path / "relay"), load_identity(hq.conn).public, clock=clock)

    def sync_hq(vault: Vault) -> None:
        report = sync_online(vault, URL, transport=transport(relay))
        assert report.error is None and report.roster_sent

    sync_hq(hq)
    create_backup(hq, tmp_path / "hq.ldbackup")
    revoke(hq, station.fingerprint)
    sync_hq(hq)
    hq.lock()

    restored = restore(tmp_path / "hq.ldbackup", tmp_path / "hq-2", hq)
    sync_hq(restored)  # no one revokes Paris again by hand
    peer = get_peer(restored.conn, station.fingerprint)
    assert peer is not None and not peer.active
    found = relay.store.read_roster()
    assert found is not None
    roster = read_roster(found[0], load_identity(restored.conn).public)
    assert station.fingerprint in roster.revoked  # the restored vault's roster keeps it
    with client(relay) as http:
        path = f"/v1/mailboxes/{station.fingerprint}"
        answer = send(http, station, "GET", path, created=clock.now_s())
    assert answer.json()["error"] == "revoked"
    restored.lock()


def test_a_station_cannot_revoke_another_with_a_notice_hq_did_not_sign(tmp_path: Path) -> None:
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    tokyo = make_vault(tmp_path, "tokyo")
    enrol_station(hq, paris)
    enrol_station(hq, tokyo)
    body = {
        "hq": fingerprint(hq),
        "origin": hq.info.origin,
        "seq": 1,
        "issued_ms": paris.clock.now_ms(),
        "revoked": [fingerprint(tokyo)],
    }
    signatures = load_identity(paris.conn).sign(canonical(body), revocations.CONTEXT)
    forged = {
        "notice": body,
        "signatures": {
            "ml-dsa-87": base64.b64encode(signatures.mldsa87).decode(),
            "ecdsa-p384": base64.b64encode(signatures.ecdsa_p384).decode(),
        },
    }
    with paris.store.transaction():
        paris.set_meta(revocations.KEPT_KEY, json.dumps({hq.info.origin: forged}))
    with pytest.raises(BundleRefused) as refused:
        exchange(paris, hq, tmp_path / "usb")
    assert refused.value.reason == "malformed-payload"
    assert get_peer(hq.conn, fingerprint(tokyo)).active  # type: ignore[union-attr]
    for vault in (hq, paris, tokyo):
        vault.lock()


def test_a_station_cannot_pass_off_new_work_as_hq_s_lost_changes(tmp_path: Path) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    enrol_station(hq, paris)
    settle(drive, paris, hq)
    create_backup(hq, tmp_path / "hq.ldbackup")
    hq.store.add(Contact(full_name="For everyone", distribution="all"))
    settle(drive, hq, paris)
    lost_origin = hq.info.origin
    hq.lock()
    restored = restore(tmp_path / "hq.ldbackup", tmp_path / "hq-2", hq)

    # Two days on, Paris makes up a creation under HQ's lost origin, numbered next and
    # stamped now, so that it would win over every change made since the restore.
    for vault in (restored, paris):
        vault.clock.ms += 2 * DAY_MS  # type: ignore[attr-defined]
    seq, fields = paris.conn.execute(
        "SELECT seq, fields FROM oplog WHERE origin = ? ORDER BY seq DESC LIMIT 1", (lost_origin,)
    ).fetchone()
    made_up = {**json.loads(fields), "full_name": "Made up at Paris"}
    now = paris.clock.now_ms()
    with paris.store.transaction():
        paris.conn.execute(
            "INSERT INTO oplog (origin, seq, hlc, entity, record_id, fields, base) "
            "VALUES (?, ?, ?, 'contact', ?, ?, '{}')",
            (
                lost_origin,
                seq + 1,
                f"{now:013d}.00000.{lost_origin}",
                uuid7(now),
                json.dumps(made_up),
            ),
        )
        paris.conn.execute("UPDATE holdings SET seq = ? WHERE origin = ?", (seq + 1, lost_origin))

    sync_drive(restored, drive)
    sync_drive(paris, drive)
    report = sync_drive(restored, drive)
    (result,) = report.applied
    assert [(r.origin, r.seq, r.reason) for r in result.refused] == [
        (lost_origin, seq + 1, "not-authorised")
    ]
    assert contacts(restored) == {"For everyone"}
    for vault in (restored, paris):
        vault.lock()


def test_hq_restored_sends_its_own_lost_ops_only_up_to_the_first_it_has_not_got_back(
    tmp_path: Path,
) -> None:
    """HQ wrote one contact for Oslo and Tokyo, then one for Paris, and lost both to a
    restore; Tokyo's bundle was lost too. Paris gives back the second before Oslo gives
    back the first: HQ's next bundle to Tokyo must not cover the first as passed over,
    or Tokyo would never get it."""
    drive = tmp_path / "drive"
    drive.mkdir()
    hq = make_vault(tmp_path, "hq", "hq")
    paris, tokyo, oslo = (make_vault(tmp_path, name) for name in ("paris", "tokyo", "oslo"))
    for station in (paris, tokyo, oslo):
        enrol_station(hq, station)
    settle(drive, paris, tokyo, oslo, hq, rounds=2)
    create_backup(hq, tmp_path / "hq.ldbackup")
    two = f"stations:{fingerprint(oslo)},{fingerprint(tokyo)}"
    hq.store.add(Contact(full_name="For Oslo and Tokyo", distribution=two))
    hq.store.add(Contact(full_name="For Paris", distribution=f"stations:{fingerprint(paris)}"))
    settle(drive, hq, oslo, paris, rounds=1)
    for lost in mailbox(drive, fingerprint(tokyo)).iterdir():
        lost.unlink()
    hq.lock()
    restored = restore(tmp_path / "hq.ldbackup", tmp_path / "hq-2", hq)

    settle(drive, restored, paris, restored, rounds=1)
    assert contacts(restored) == {"For Paris"}
    tokyo.store.add(Contact(full_name="Tokyo's note"))
    settle(drive, tokyo, restored, tokyo, rounds=1)
    settle(drive, oslo, restored, tokyo, paris)
    assert contacts(tokyo) == {"For Oslo and Tokyo", "Tokyo's note"}
    assert contacts(restored) == {"For Oslo and Tokyo", "For Paris", "Tokyo's note"}
    nothing_waits(drive, restored, paris, tokyo, oslo)
    for vault in (restored, paris, tokyo, oslo):
        vault.lock()


def test_a_station_cannot_widen_a_record_by_passing_the_change_off_as_hq_s_lost_op(
    tmp_path: Path,
) -> None:
    """HQ restored takes back its own lost ops from Paris. Paris makes up one under HQ's
    lost origin, stamped before the restore so it is old enough to pass: it opens a
    contact HQ shares with Tokyo alone to every station. Ops carry no signature, so what
    a returned op may do is narrow: never a change of who receives a record."""
    drive = tmp_path / "drive"
    drive.mkdir()
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    tokyo = make_vault(tmp_path, "tokyo")
    enrol_station(hq, paris)
    enrol_station(hq, tokyo)
    only_tokyo = f"stations:{fingerprint(tokyo)}"
    secret = hq.store.add(Contact(full_name="Tokyo's source", distribution=only_tokyo))
    hq.store.add(Contact(full_name="For everyone", distribution="all"))
    settle(drive, hq, paris, tokyo, rounds=2)
    create_backup(hq, tmp_path / "hq.ldbackup")
    lost_origin = hq.info.origin
    hq.lock()
    restored = restore(tmp_path / "hq.ldbackup", tmp_path / "hq-2", hq)
    settle(drive, restored, paris, tokyo, restored, rounds=1)

    (seq,) = paris.conn.execute(
        "SELECT seq FROM holdings WHERE origin = ?", (lost_origin,)
    ).fetchone()
    (stamp,) = paris.conn.execute(
        "SELECT hlc FROM oplog WHERE origin = ? AND seq = ?", (lost_origin, seq)
    ).fetchone()
    with paris.store.transaction():
        paris.conn.execute(
            "INSERT INTO oplog (origin, seq, hlc, entity, record_id, fields, base) "
            "VALUES (?, ?, ?, 'contact', ?, ?, ?)",
            (
                lost_origin,
                seq + 1,
                stamp,
                secret.id,
                json.dumps({"distribution": "all"}),
                json.dumps({"distribution": stamp}),
            ),
        )
        paris.conn.execute("UPDATE holdings SET seq = ? WHERE origin = ?", (seq + 1, lost_origin))

    sync_drive(paris, drive)
    report = sync_drive(restored, drive)
    refused = [r for result in report.applied for r in result.refused]
    assert [(r.origin, r.seq, r.reason) for r in refused] == [
        (lost_origin, seq + 1, "not-authorised")
    ]
    assert restored.store.get(Contact, secret.id).distribution == only_tokyo
    sync_drive(paris, drive)
    assert contacts(paris) == {"For everyone"}
    for vault in (restored, paris, tokyo):
        vault.lock()
