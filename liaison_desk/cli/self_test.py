"""`liaison-desk self-test`: proves an installed build works, end to end, in a throwaway folder.

Each check exercises one part a build can lose on the way (SQLCipher, `cryptography`'s
Rust backend, the Qt platform plugins, resources/), on fresh vaults with random passphrases
at the Argon2id floor, in a private temporary directory that is removed afterwards: nothing
readable is written anywhere else. The checks run in order, each on what the ones before
built; after a failure the rest are reported as not run.

`--startup-timing` reuses the window check on an existing vault and prints when the unlock
dialog and the main window appeared (benchmarks/startup.py reads it, for the frozen build
and from source alike). The window check itself is the GUI's (`ui/self_check.py`), reached
through `ui.entry` like everything else the CLI asks of the GUI.
"""

from __future__ import annotations

import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click

from liaison_desk.cli.context import AppContext
from liaison_desk.core.contact_details import ContactDetails, save_details
from liaison_desk.core.errors import LiaisonError, WrongPassphrase
from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.kinds import ALL_KINDS
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
from liaison_desk.core.search import search
from liaison_desk.core.vault import DB_FILE, Vault
from liaison_desk.core.wording import plural
from liaison_desk.sync import enrol
from liaison_desk.sync.exchange import ExportResult, export_bundle
from liaison_desk.sync.importing import import_bundle
from liaison_desk.sync.own_identity import load_identity

PLAINTEXT_DB_MAGIC = b"SQLite format 3\x00"


class SelfTestFailed(LiaisonError):
    """At least one check failed (each failure is on its own line above)."""


class CheckFailed(Exception):
    """A check saw something wrong; the message is the reason printed after FAIL."""


def expect(condition: bool, reason: str) -> None:
    if not condition:
        raise CheckFailed(reason)


def random_passphrase() -> str:
    """192 random bits; never shown, never stored outside the vault it opens."""
    return "self-test " + secrets.token_urlsafe(24)


@dataclass
class Bench:
    """What the checks build and hand on to each other, all under `root`."""

    root: Path
    kdf: KdfParams = field(default_factory=KdfParams.floor)
    marker: str = field(default_factory=lambda: "zq" + secrets.token_hex(6))
    passphrases: dict[str, str] = field(default_factory=dict)
    vaults: dict[str, Vault] = field(default_factory=dict)
    bundles: list[ExportResult] = field(default_factory=list)

    def create(self, name: str, role: str) -> Vault:
        self.passphrases[name] = random_passphrase()
        vault, _ = Vault.create(
            self.root / name, self.passphrases[name], name=name, role=role, kdf=self.kdf
        )
        self.vaults[name] = vault
        return vault

    def close(self) -> None:
        for vault in self.vaults.values():
            if not vault.locked:
                vault.lock()


# -- the checks: each returns a short detail for its "ok" line, or raises ----------------------


def check_vault(bench: Bench) -> str:
    vault = bench.create("station", "station")
    vault.lock()
    try:
        wrong = Vault.unlock(vault.path, "not the " + bench.passphrases["station"])
    except WrongPassphrase:
        pass
    else:
        wrong.lock()
        raise CheckFailed("a wrong passphrase unlocked the vault")
    vault = bench.vaults["station"] = Vault.unlock(vault.path, bench.passphrases["station"])
    (cipher,) = vault.conn.execute("PRAGMA cipher_version").fetchone()
    with (vault.path / DB_FILE).open("rb") as db:
        expect(db.read(16) != PLAINTEXT_DB_MAGIC, "the database file is not encrypted")
    return f"SQLCipher {cipher}, Argon2id key slots"


def check_records(bench: Bench) -> str:
    store = bench.vaults["station"].store
    with store.transaction():
        org = store.add(Organization(name="Self-test ministry", country="FR"))
        contact = store.add(Contact(full_name="Self Test", org_id=org.id))
        email = ContactPoint(contact_id=contact.id, channel="email", value="self.test@example.org")
        save_details(store, contact.id, ContactDetails(points=(email,)))
        meeting = store.add(
            Meeting(
                title="Self-test meeting",
                starts_at="2026-01-02T10:00:00Z",
                notes=f"The {bench.marker} word is only in this note.",
            )
        )
        store.add(Participant(meeting_id=meeting.id, contact_id=contact.id))
        store.add(FollowUp(action="Check the self-test", meeting_id=meeting.id))
        store.add(Attachment(owner_id=contact.id, name="card.txt", mime="text/plain", data=b"x"))
    written = [org, contact, meeting]
    read = [store.get(type(r), r.id) for r in written]
    expect(read == written, "a record read back differs from what was written")
    return plural(sum(store.count(k.cls) for k in ALL_KINDS), "record")


def check_search(bench: Bench) -> str:
    store = bench.vaults["station"].store
    hits = search(store, bench.marker)
    expect([h.title for h in hits] == ["Self-test meeting"], f"found {len(hits)} records")
    marked = hits[0].snippet.marked("[", "]")
    expect(f"[{bench.marker}]" in marked, "the snippet does not mark the word")
    prefix = search(store, bench.marker[:6] + "*")
    expect(len(prefix) == 1, "a prefix search missed the note")
    return "full text, prefix"


def check_identities(bench: Bench) -> str:
    bench.create("hq", "hq")
    station, hq = (load_identity(bench.vaults[n].conn) for n in ("station", "hq"))
    expect(len(station.fingerprint) == 96, "the station id is not a SHA-384 fingerprint")
    expect(station.fingerprint != hq.fingerprint, "HQ and the station share an id")
    return "ML-DSA-87, ECDSA P-384, ML-KEM-1024 + P-384"


def check_enrolment(bench: Bench) -> str:
    station, hq = bench.vaults["station"], bench.vaults["hq"]
    me = load_identity(station.conn)
    request = enrol.write_request(me, station.clock)
    expect(enrol.read_request(request).fingerprint == me.fingerprint, "the request lost its id")
    _, approval = enrol.approve(hq, request)
    pinned = enrol.accept(station, approval)
    expect(
        pinned.fingerprint == load_identity(hq.conn).fingerprint, "the station pinned a stranger"
    )
    return "request, approval, accept"


def _carry(bench: Bench, src: str, dst: str) -> tuple[ExportResult, int]:
    folder = bench.root / "usb"
    folder.mkdir(exist_ok=True)
    sent = export_bundle(
        bench.vaults[src], load_identity(bench.vaults[dst].conn).fingerprint, folder
    )
    expect(bench.marker.encode() not in sent.path.read_bytes(), "the bundle holds plaintext")
    got = import_bundle(bench.vaults[dst], sent.path)
    expect(got.status == "applied", f"the bundle was {got.status}")
    expect(got.applied == sent.ops, f"{got.applied} of {sent.ops} changes applied")
    bench.bundles.append(sent)
    return sent, got.applied


def check_station_to_hq(bench: Bench) -> str:
    sent, applied = _carry(bench, "station", "hq")
    return ", ".join(
        (plural(applied, "change"), plural(sent.attachments, "attachment"), f"{sent.size:,} bytes")
    )


def check_hq_to_station(bench: Bench) -> str:
    hq = bench.vaults["hq"]
    with hq.store.transaction():
        hq.store.add(ProtocolRef(title="Self-test protocol", body="Seating plan for the test."))
    _, applied = _carry(bench, "hq", "station")
    again = import_bundle(bench.vaults["station"], bench.bundles[-1].path)
    expect(again.status == "replayed", "importing the same bundle twice applied it twice")
    return f"{plural(applied, 'change')}, a replay refused"


def _contents(vault: Vault) -> dict[str, list[dict[str, Any]]]:
    return {
        k.name: sorted((asdict(r) for r in vault.store.list(k.cls)), key=lambda r: r["id"])
        for k in ALL_KINDS
    }


def check_convergence(bench: Bench) -> str:
    station, hq = (_contents(bench.vaults[n]) for n in ("station", "hq"))
    differ = [kind for kind in station if station[kind] != hq[kind]]
    expect(not differ, f"the vaults differ in {', '.join(differ)}")
    return f"{plural(sum(map(len, station.values())), 'record')} identical"


def check_window(bench: Bench) -> str:
    from liaison_desk.ui.entry import check_main_window  # Qt is loaded for this check only

    station = bench.vaults.pop("station")
    station.lock()  # the window opens it itself, as an officer would
    return check_main_window(
        station.path, bench.passphrases["station"], bench.root / "settings.ini", lambda _: None
    )


CHECKS: tuple[tuple[str, Callable[[Bench], str]], ...] = (
    ("vault", check_vault),
    ("records", check_records),
    ("search", check_search),
    ("identities", check_identities),
    ("enrolment", check_enrolment),
    ("bundle station to HQ", check_station_to_hq),
    ("bundle HQ to station", check_hq_to_station),
    ("convergence", check_convergence),
    ("main window", check_window),
)


def run_checks(
    checks: Sequence[tuple[str, Callable[[Bench], str]]],
    bench: Bench,
    echo: Callable[[str], None],
) -> int:
    """Run the checks in order, one line each; returns how many failed or were not run."""
    failed = 0
    for name, check in checks:
        if failed:
            echo(f"FAIL {name}: not run, an earlier check failed")
            failed += 1
            continue
        try:
            detail = check(bench)
        except (CheckFailed, LiaisonError) as exc:
            reason = exc.message if isinstance(exc, LiaisonError) else str(exc)
            echo(f"FAIL {name}: {reason}")
            failed += 1
        except Exception as exc:  # a self-test reports a bug instead of dying on it
            echo(f"FAIL {name}: {type(exc).__name__}: {exc}")
            failed += 1
        else:
            echo(f"ok   {name} ({detail})" if detail else f"ok   {name}")
    return failed


# -- the command ----------------------------------------------------------------------------------


def _print_mark(name: str) -> None:
    # perf_counter is CLOCK_MONOTONIC on Linux: the benchmark compares it with its own clock.
    click.echo(f"{name} {time.perf_counter():.9f}")
    sys.stdout.flush()


@click.command("self-test")
@click.option(
    "--startup-timing",
    is_flag=True,
    hidden=True,
    help="Instead of the checks: open --vault's unlock dialog, type the passphrase, wait for "
    "the main window, and print a monotonic time stamp at each step (for benchmarks).",
)
@click.pass_obj
def self_test(app: AppContext, startup_timing: bool) -> None:
    """Check that this installation works: vaults, search, sync and the window.

    Runs in a temporary folder that is removed afterwards, with random passphrases;
    prints one line per check ("ok" or "FAIL") and exits non-zero if any failed.
    With no display, the window is drawn offscreen.

    Example: liaison-desk self-test
    """
    if startup_timing:
        from liaison_desk.ui.entry import WindowCheckFailed, check_main_window

        _print_mark("main")
        passphrase = app.passphrase()
        with tempfile.TemporaryDirectory(prefix="liaison-desk-startup-") as tmp:
            settings = Path(tmp) / "settings.ini"
            try:
                check_main_window(app.vault_dir, passphrase, settings, _print_mark)
            except WindowCheckFailed as exc:
                reason = exc.message.rstrip(".")
                raise SelfTestFailed(f"The main window did not open: {reason}.") from exc
        return
    root = Path(tempfile.mkdtemp(prefix="liaison-desk-self-test-"))
    bench = Bench(root)
    try:
        failed = run_checks(CHECKS, bench, click.echo)
    finally:
        bench.close()
        shutil.rmtree(root, ignore_errors=True)
    if failed:
        raise SelfTestFailed(f"{failed} of {len(CHECKS)} checks failed or were not run.")
