"""`peers revoke --reason --compromised-since`, `peers held/release/discard`, `peers wipe`,
and `sync flagged`, as an HQ operator and an officer would run them."""

from __future__ import annotations

from pathlib import Path

from tests.cli.runner import init_vault, one_sentence
from tests.cli.sync_desks import carry, export, import_, new_station


def test_hq_revokes_reviews_and_wipes_through_the_cli(tmp_path: Path) -> None:
    hq = init_vault(tmp_path / "hq", name="HQ", role="hq")[0]
    hq_id = str(hq.json("identity", "show")["fingerprint"])
    usb = tmp_path / "usb"
    usb.mkdir()
    paris, paris_id = new_station(hq, tmp_path, "Paris")
    rome, rome_id = new_station(hq, tmp_path, "Rome")
    paris.new_id("contact", "add", "--name", "Colonel Before", "--distribution", "all")
    carry(paris, hq, hq_id, usb)
    after = paris.new_id("contact", "add", "--name", "Colonel After", "--distribution", "all")
    carry(paris, hq, hq_id, usb)

    revoked = hq.ok(
        "peers", "revoke", paris_id[:12], "--reason", "Seized at the airport",
        "--compromised-since", "2000-01-01", "--yes",
    )  # fmt: skip
    assert "2 records it wrote since 2000-01-01 held for review" in revoked.out
    held = hq.json("peers", "held", "--search", "after")
    assert [(r["title"], r["station"], r["status"]) for r in held] == [
        ("Colonel After", "Paris", "held")
    ]
    for row in export(hq, usb):
        if row["peer"] != paris_id:
            import_(rome, row["path"])
    assert [r["full_name"] for r in rome.json("contact", "list")] == []

    hq.ok("peers", "release", "contact", after)
    assert hq.json("peers", "held", "--search", "after") == []
    carry(hq, rome, rome_id, usb)
    assert [r["full_name"] for r in rome.json("contact", "list")] == ["Colonel After"]

    refused = hq("peers", "release", "contact", after)
    assert "not held" in one_sentence(refused.err)

    hq.ok("peers", "wipe", paris_id[:12], "--yes")
    listed = {r["id"]: r for r in hq.json("peers", "list")}
    assert listed[paris_id]["status"] == "revoked"
    assert rome.json("sync", "flagged") == []
