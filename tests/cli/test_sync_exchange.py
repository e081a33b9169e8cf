"""HQ and two stations exchanging bundles through a folder, as through a USB drive.

The tests share one HQ and two stations, enrolled through the CLI's files.
Each test makes the records it looks at and carries its own bundles, so the
order they run in does not matter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from liaison_desk.cli.sync_cmds import Progress
from liaison_desk.sync.bundle import PREFIX, SEALED_KEY, Header
from liaison_desk.sync.identity import MLDSA87_SIGNATURE
from tests.cli.runner import Desk, init_vault, one_sentence
from tests.cli.sync_desks import by_id, carry, enrol, export, import_, new_station


@dataclass
class Network:
    root: Path
    hq: Desk
    hq_id: str
    rome: Desk
    rome_id: str
    oslo: Desk
    oslo_id: str

    def usb(self, name: str) -> Path:
        folder = self.root / name
        folder.mkdir()
        return folder


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Network:
    root = tmp_path_factory.mktemp("exchange")
    hq = init_vault(root / "hq", name="HQ Paris", role="hq")[0]
    rome = init_vault(root / "rome", name="Rome DAO")[0]
    oslo = init_vault(root / "oslo", name="Oslo DAO")[0]
    rome_id, hq_id = enrol(hq, rome, root)
    oslo_id, _ = enrol(hq, oslo, root)
    return Network(root, hq, hq_id, rome, rome_id, oslo, oslo_id)


def contacts(desk: Desk) -> dict[str, dict[str, object]]:
    return by_id(desk.json("contact", "list", "--limit", "1000"))


def test_bundles_carry_changes_and_the_vaults_converge(net: Network) -> None:
    usb = net.usb("converge")
    hq, rome, oslo = net.hq, net.rome, net.oslo
    from_rome = rome.new_id("contact", "add", "--name", "Giulia Conti", "--rank", "Colonnello")
    from_oslo = oslo.new_id("contact", "add", "--name", "Kari Nordmann")
    hq.ok("peers", "group", "set", "north", net.oslo_id[:12])
    for_oslo = hq.new_id(
        "contact", "add", "--name", "Ingrid Berg", "--distribution", f"stations:{net.oslo_id}"
    )
    for_north = hq.new_id("org", "add", "--name", "Nordic Council", "--distribution", "group:north")
    library = hq.new_id("protocol", "add", "--title", "Gifts", "--body", "Nothing over 50 EUR.")

    sent = [*export(rome, usb), *export(oslo, usb)]
    at_hq = import_(hq, *(row["path"] for row in sent))
    to_stations = export(hq, usb)
    (at_rome,) = import_(rome, *(r["path"] for r in to_stations if r["peer"] == net.rome_id))
    (at_oslo,) = import_(oslo, *(r["path"] for r in to_stations if r["peer"] == net.oslo_id))

    assert [row["peer"] for row in sent] == [net.hq_id, net.hq_id]
    assert [(row["status"], row["sender_name"]) for row in at_hq] == [
        ("applied", "Rome DAO"),
        ("applied", "Oslo DAO"),
    ]
    assert {r["peer_name"] for r in to_stations} == {"Rome DAO", "Oslo DAO"}
    assert (at_rome["status"], at_oslo["status"]) == ("applied", "applied")
    everything, at_rome_now, at_oslo_now = contacts(hq), contacts(rome), contacts(oslo)
    assert {from_rome, from_oslo, for_oslo} <= set(everything)
    assert from_rome in at_rome_now and {for_oslo, from_oslo} & set(at_rome_now) == set()
    assert {from_oslo, for_oslo} <= set(at_oslo_now) and from_rome not in at_oslo_now
    assert at_oslo_now[for_oslo] == everything[for_oslo]  # the same record, field for field
    assert everything[from_rome] == at_rome_now[from_rome]
    assert everything[for_oslo]["distribution"] == f"stations:{net.oslo_id}"
    assert for_north in oslo.ids("org", "list")  # Oslo is in the group north
    assert for_north not in rome.ids("org", "list")
    assert library in rome.ids("protocol", "list") and library in oslo.ids("protocol", "list")


def test_sync_status_shows_pending_going_to_zero(net: Network) -> None:
    usb = net.usb("status")
    net.rome.new_id("followup", "add", "--action", "Send the exercise dates")

    before = by_id(net.rome.json("sync", "status"))[net.hq_id]
    carry(net.rome, net.hq, net.hq_id, usb)
    hq_waiting = by_id(net.hq.json("sync", "status"))[net.rome_id]
    carry(net.hq, net.rome, net.rome_id, usb)
    carry(net.rome, net.hq, net.hq_id, usb)
    after = by_id(net.rome.json("sync", "status"))[net.hq_id]
    hq_after = by_id(net.hq.json("sync", "status"))[net.rome_id]
    table = net.rome.ok("sync", "status").out

    assert before["pending"] >= 1
    assert hq_waiting["held_of_theirs"] >= before["pending"]
    assert after["pending"] == 0
    assert after["acked_of_ours"] == after["ours"]
    assert after["last_in_at"] is not None and after["lag_seconds"] is not None
    assert hq_after["pending"] == 0
    assert hq_after["held_of_theirs"] == after["ours"]
    assert table.splitlines()[0].split()[:6] == ["ID", "NAME", "STATUS", "HELD", "ACKED", "PENDING"]
    assert "HQ Paris" in table


def test_import_reports_each_file_replayed_or_refused(net: Network) -> None:
    usb = net.usb("mixed")
    (mine,) = export(net.hq, usb, net.rome_id)
    (other,) = export(net.hq, usb, net.oslo_id)
    notes = usb / "notes.txt"
    notes.write_text("not a bundle\n", encoding="utf-8")

    result = net.rome("sync", "import", mine["path"], mine["path"], notes, other["path"])
    again = net.rome("sync", "import", mine["path"], other["path"], "--json")

    assert result.code == 1
    assert one_sentence(result.err) == "Error: 2 of 4 files were refused."
    lines = result.out.splitlines()
    assert [line.split()[0] for line in lines] == ["applied", "replayed", "refused", "refused"]
    assert "from HQ Paris" in lines[0]
    assert "notes.txt" in lines[2] and "not a Liaison Desk bundle" in lines[2]
    assert "addressed to another vault" in lines[3]
    assert again.code == 1
    assert [(r["status"], r.get("reason")) for r in again.json()] == [
        ("replayed", None),
        ("refused", "wrong-recipient"),
    ]
    assert one_sentence(again.err) == "Error: 1 of 2 files was refused."


def test_a_revoked_station_is_refused_and_sent_nothing(net: Network) -> None:
    usb = net.usb("revoke")
    bergen, bergen_id = new_station(net.hq, net.root, "Bergen DAO")
    bergen.new_id("contact", "add", "--name", "Ola Nordmann")
    carry(bergen, net.hq, net.hq_id, usb)

    unconfirmed = net.hq("peers", "revoke", bergen_id[:12], "--reason", "Laptop stolen")
    revoked = net.hq.ok("peers", "revoke", bergen_id[:12], "--reason", "Laptop stolen", "--yes")
    bergen.new_id("contact", "add", "--name", "Per Hansen")
    (late,) = export(bergen, usb)
    refused = net.hq("sync", "import", late["path"], "--json")
    to_stations = export(net.hq, usb)
    listed = by_id(net.hq.json("peers", "list"))[bergen_id]

    assert unconfirmed.code == 1
    assert "--yes" in one_sentence(unconfirmed.err)
    assert "Revoked Bergen DAO" in revoked.out
    assert refused.code == 1
    assert [(r["status"], r["reason"]) for r in refused.json()] == [("refused", "revoked-sender")]
    assert "revoked by HQ: Laptop stolen." in refused.json()[0]["message"]
    assert bergen_id not in {r["peer"] for r in to_stations}
    assert {net.rome_id, net.oslo_id} <= {r["peer"] for r in to_stations}
    assert listed["status"] == "revoked" and listed["revoked_at"]


def test_export_needs_a_folder_and_an_enrolled_peer(net: Network) -> None:
    lonely = init_vault(net.root / "lonely", name="Lonely DAO")[0]

    no_folder = net.hq("sync", "export", "--to", net.root / "missing")
    not_enrolled = lonely("sync", "export", "--to", net.root)
    bad_distribution = net.hq("contact", "add", "--name", "X", "--distribution", "everyone")

    assert no_folder.code == 1
    assert "is not a folder" in one_sentence(no_folder.err)
    assert not_enrolled.code == 1
    assert "not enrolled" in one_sentence(not_enrolled.err)
    assert bad_distribution.code == 1
    assert "distribution" in one_sentence(bad_distribution.err)


def test_progress_is_shown_only_on_a_terminal_and_only_for_long_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    quiet, short, live = Progress("a", live=False), Progress("b", live=True), Progress("c", True)

    quiet(1000, 5000)
    short(10, 20)
    live(1000, 5000)
    live.close()

    err = capsys.readouterr().err
    line = "c: 1,000 of 5,000 changes"
    assert err == f"\r{line}\r{' ' * len(line)}\r"


def test_a_bundle_over_the_limit_is_refused_until_hq_raises_it(net: Network) -> None:
    usb = net.usb("limit")
    hq, oslo = net.hq, net.oslo
    assert hq.json("sync", "max-bundle") == {"max_bundle_mib": 2048, "default": True}
    owner = oslo.new_id("contact", "add", "--name", "Nils Dahl")
    scan = usb / "scan.pdf"
    scan.write_bytes(os.urandom(3 << 20))
    oslo.ok("attachment", "add", owner, scan)
    (written,) = export(oslo, usb)

    assert hq.ok("sync", "max-bundle", "2").out == "2 MiB\n"
    refused = hq("sync", "import", written["path"])
    assert refused.code == 1
    assert "more than the 2 MiB this vault accepts" in refused.out
    assert refused.out.rstrip().endswith("(too-large)")

    assert hq.ok("sync", "max-bundle", "--default").out == "2,048 MiB (the default)\n"
    assert import_(hq, written["path"])[0]["status"] == "applied"
    assert owner in contacts(hq)


def test_a_sparse_file_claiming_8_gib_is_refused_before_it_is_hashed(net: Network) -> None:
    """12 KiB of data from an enrolled station, for HQ, whose header and size say 8 GiB.

    Everything checked before hashing held (sender, recipient, sealed key length),
    so the whole 8 GiB was hashed before the signatures could refuse it.
    """
    header = Header(net.rome_id, net.hq_id, 1, "0123456789abcdef", 1_780_000_000_000, 8 << 30)
    size = PREFIX + 2 + SEALED_KEY + header.ciphertext_len + 4 + MLDSA87_SIGNATURE + 104
    sparse = net.usb("sparse") / "giant.ldbundle"
    with sparse.open("wb") as out:
        out.write(header.pack() + SEALED_KEY.to_bytes(2, "big") + os.urandom(12 * 1024))
        out.truncate(size)
    result = net.hq("sync", "import", sparse, "--json")
    assert result.code == 1
    [row] = result.json()
    assert row["reason"] == "too-large"
    assert row["message"].startswith("The bundle is 8.0 GiB, more than the 2 GiB this vault")
