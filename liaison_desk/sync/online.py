"""Syncing through HQ's relay when a network is there: pull what waits, push what is owed.

Every request is signed (`sync.request_signing`); the relay only ever holds
bundles, which only their recipient can open. Downloaded and outgoing bundles
pass through `spool/` in the vault's folder: ciphertext only, never plaintext.
A bundle is acknowledged to the relay (and so removed there) once it has been
applied or refused; a refused bundle is reported, and its sender, never having
been acknowledged, sends those changes again in its next bundle.

An outgoing bundle that could not be uploaded stays in the spool and goes
first next time, unless a newer bundle for that peer supersedes it; the relay
keeps what came of a large one, and the upload goes on from there. A download
cut short stays in the spool as a `.part` file, and goes on from its end
(`sync.relay_client`). The
client honours the system's proxy settings (`HTTPS_PROXY` and the like, and
on Windows and macOS the system configuration, through urllib's discovery).
"""

from __future__ import annotations

import functools
import logging
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

import httpx

from liaison_desk.core.atomic import storage_error
from liaison_desk.core.vault import Vault
from liaison_desk.sync.bundle import too_large
from liaison_desk.sync.bundle_limit import max_bundle_bytes
from liaison_desk.sync.bundle_names import SUFFIX
from liaison_desk.sync.errors import RelayError, RelayRefused
from liaison_desk.sync.exchange import ExportResult, export_bundle
from liaison_desk.sync.fanout import Fanout
from liaison_desk.sync.hq_roster import build_roster, roster_number_known
from liaison_desk.sync.identity import Identity
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import exchange_peers, revoke_again
from liaison_desk.sync.refusals import note_listed_too_large
from liaison_desk.sync.relay_client import RelayClient, Waiting, check_url, part_path
from liaison_desk.sync.relay_http import Deadlines, RelayHttp, trust
from liaison_desk.sync.roster import UNNUMBERED
from liaison_desk.sync.transfer import (
    Refusal,
    StepProgress,
    SyncReport,
    apply_bundle,
    drop_superseded,
    owed,
    step,
)
from liaison_desk.sync.transfer_meter import Meter
from liaison_desk.sync.wipe_order import WipeOrderRefused, relayed_order, take_ack, wipe_now

log = logging.getLogger("liaison_desk.sync")

_STATION_ID = re.compile(r"[0-9a-f]{96}")  # a relay's answer is checked before it is used

T = TypeVar("T")

RELAY_URL_KEY = "relay_url"
RELAY_CA_KEY = "relay_ca"
PROBE_TIMEOUT_S = 5.0


def probe(url: str, authority: str | None = None) -> None:
    """Raise RelayUnreachable unless the relay at `url` answers (an unsigned health check)."""
    url = check_url(url)
    http = RelayHttp(url, authority, PROBE_TIMEOUT_S, Deadlines())
    try:
        http.health()
    finally:
        http.close()


def relay_url(vault: Vault) -> str | None:
    """The relay this vault syncs with, kept inside the vault (where it is is nobody's business)."""
    row = vault.conn.execute("SELECT value FROM meta WHERE key = ?", (RELAY_URL_KEY,)).fetchone()
    return str(row[0]) if row and row[0] else None


def set_relay_url(vault: Vault, url: str) -> None:
    with vault.store.transaction():
        vault.set_meta(RELAY_URL_KEY, check_url(url))


def relay_authority(vault: Vault) -> str | None:
    """The certificate authority (PEM) trusted for the relay, when it is HQ's own."""
    row = vault.conn.execute("SELECT value FROM meta WHERE key = ?", (RELAY_CA_KEY,)).fetchone()
    return str(row[0]) if row and row[0] else None


def set_relay_authority(vault: Vault, pem: str) -> None:
    trust(pem)
    with vault.store.transaction():
        vault.set_meta(RELAY_CA_KEY, pem)


def spool_dir(vault: Vault) -> Path:
    return vault.path / "spool"


class OnVault(Protocol):
    """Runs one step on the vault and returns its result: in the caller's thread for the
    CLI, on the vault's own worker in the GUI (the network is never done there)."""

    def __call__(self, work: Callable[[Vault], T], /) -> T: ...


def sync_online(
    vault: Vault,
    url: str,
    progress: StepProgress | None = None,
    authority: str | None = None,
    transport: httpx.BaseTransport | None = None,
    deadlines: Deadlines | None = None,
) -> SyncReport:
    """Pull what waits for this vault on the relay, apply it, then push what its peers are owed."""

    def here(work: Callable[[Vault], T], /) -> T:
        return work(vault)

    return sync_through(here, url, progress, authority, transport, deadlines)


@dataclass(frozen=True)
class _Start:
    me: Identity
    authority: str | None
    spool: Path
    roster_known: bool  # HQ: its own count of rosters issued is the highest (not restored)
    max_bundle: int  # bytes: a bundle listed larger is not downloaded


def _start(vault: Vault) -> _Start:
    me = load_identity(vault.conn)
    known = me.public.role != "hq" or roster_number_known(vault)
    return _Start(me, relay_authority(vault), spool_dir(vault), known, max_bundle_bytes(vault.conn))


def _send_roster(on_vault: OnVault, client: RelayClient, known: bool) -> None:
    """Issue HQ's roster above every number the relay may hold, and upload it.

    A vault that cannot be sure of its own count (restored, or never numbered)
    asks the relay first. One that is sure but wrong (a copy of an older vault
    file) learns it from the relay's `stale-roster`, asks, and issues again.
    """
    above = UNNUMBERED if known else _read_back(on_vault, client)
    try:
        client.put_roster(on_vault(functools.partial(build_roster, above=above)))
    except RelayRefused as exc:
        if exc.code != "stale-roster" or not known:
            raise
        above = _read_back(on_vault, client)
        client.put_roster(on_vault(functools.partial(build_roster, above=above)))


def _read_back(on_vault: OnVault, client: RelayClient) -> int:
    """Revoke again what the relay's roster revokes (a restore may have undone it), before
    this vault's next roster replaces it; returns the roster's number."""
    held = client.held_roster()
    if held is None:
        return UNNUMBERED
    on_vault(
        functools.partial(
            revoke_again, stations=held.revoked, revoked_ms=held.issued_ms, source="relay roster"
        )
    )
    return held.seq


def sync_through(
    on_vault: OnVault,
    url: str,
    progress: StepProgress | None = None,
    authority: str | None = None,
    transport: httpx.BaseTransport | None = None,
    deadlines: Deadlines | None = None,
) -> SyncReport:
    """`sync_online` with every vault step handed to `on_vault` and the network done here."""
    start = on_vault(_start)
    report = SyncReport(check_url(url))
    authority = authority or start.authority
    with RelayClient(url, start.me, authority, transport=transport, deadlines=deadlines) as client:
        client.probe()
        if start.me.public.role == "hq":
            _send_roster(on_vault, client, start.roster_known)
            report.roster_sent = True
        try:
            _pull(on_vault, client, report, progress, start)
            _push(on_vault, client, report, progress, start.spool / "out")
            if start.me.public.role == "hq":
                _take_wipe_acks(on_vault, client, report)
        except RelayRefused as exc:
            report.error = exc
            if exc.wipe_order is not None and start.me.public.role == "station":
                report.wiped = _obey(on_vault, client, exc.wipe_order)
        except RelayError as exc:
            report.error = exc
    log.info(
        "relay sync: %d applied, %d replayed, %d refused, %d sent",
        len(report.applied),
        len(report.replayed),
        len(report.refused),
        len(report.sent),
    )
    return report


def _obey(on_vault: OnVault, client: RelayClient, order: object) -> bool:
    """HQ's order, passed on by the relay: checked, acknowledged at the relay if it still
    can be, then obeyed (True); or refused, nothing changed (False)."""
    ack = on_vault(functools.partial(relayed_order, order=order))
    if ack is None:
        return False
    try:
        client.put_wipe_ack(ack)
    except RelayError:
        log.warning("the wipe could not be acknowledged through the relay")
    return on_vault(wipe_now)


def _take_wipe_acks(on_vault: OnVault, client: RelayClient, report: SyncReport) -> None:
    """HQ: the stations that acknowledged a wipe at the relay (`wipe_order.take_ack`)."""
    for station, document in client.wipe_acks():
        try:
            taken = on_vault(functools.partial(take_ack, data=document))
        except WipeOrderRefused:
            log.warning("a wipe acknowledgement at the relay was not readable or not signed")
            taken = None
        if taken is not None:
            report.acknowledged_wipes.append(taken)
        if _STATION_ID.fullmatch(station):
            client.drop_wipe_ack(station)


def _pull(
    on_vault: OnVault,
    client: RelayClient,
    report: SyncReport,
    progress: StepProgress | None,
    start: _Start,
) -> None:
    """Download, apply and acknowledge each waiting bundle. One listed above this vault's
    limit is refused unread and left on the relay, for once the limit is raised."""
    found = client.waiting()
    incoming = _keep_parts(start.spool / "in", found)
    for number, waiting in enumerate(found, 1):
        if waiting.size > start.max_bundle:
            refused = too_large(waiting.size, start.max_bundle)
            report.refused.append(Refusal(waiting.name, refused.reason, refused.message))
            on_vault(
                functools.partial(
                    note_listed_too_large,
                    name=waiting.name,
                    size=waiting.size,
                    limit=start.max_bundle,
                )
            )
            continue
        path = incoming / waiting.name
        meter = Meter(progress, f"Receiving bundle {number} of {len(found)}", waiting.size)
        try:
            client.download(waiting, path, meter)
        except RelayRefused as exc:
            if exc.code == "not-found":  # superseded or collected since it was listed
                continue
            raise
        applying = step(progress, f"Applying bundle {number} of {len(found)}")
        try:
            on_vault(functools.partial(apply_bundle, path=path, report=report, progress=applying))
        finally:
            path.unlink(missing_ok=True)
        client.acknowledge(waiting.name)


def _export_owed(vault: Vault, outgoing: Path, progress: StepProgress | None) -> _Outgoing:
    """Write what each peer is owed into its spool folder, replacing what it supersedes."""
    written = {}
    fanout = Fanout()  # each op read and routed once for every bundle
    for peer in owed(vault):
        box = outgoing / peer.fingerprint
        _make(box)
        result = export_bundle(
            vault, peer.fingerprint, box, step(progress, f"Writing for {peer.name}"), fanout=fanout
        )
        written[result.path] = result
        drop_superseded(box, result.path)
    return _Outgoing(written, frozenset(p.fingerprint for p in exchange_peers(vault.conn)))


@dataclass(frozen=True)
class _Outgoing:
    written: dict[Path, ExportResult]
    peers: frozenset[str]


def _push(
    on_vault: OnVault,
    client: RelayClient,
    report: SyncReport,
    progress: StepProgress | None,
    outgoing: Path,
) -> None:
    ready = on_vault(lambda vault: _export_owed(vault, outgoing, progress))
    if not outgoing.is_dir():
        return
    sending = []
    for box in sorted(outgoing.iterdir()):
        if box.name not in ready.peers:  # revoked since: what waited for it is not sent
            shutil.rmtree(box, ignore_errors=True)
            continue
        sending += sorted(box.glob(f"*{SUFFIX}"))
    for number, bundle in enumerate(sending, 1):
        label = f"Sending bundle {number} of {len(sending)}"
        client.upload(bundle.parent.name, bundle, Meter(progress, label, bundle.stat().st_size))
        bundle.unlink()
        if bundle in ready.written:
            report.sent.append(ready.written[bundle])


def _keep_parts(folder: Path, found: list[Waiting]) -> Path:
    """The incoming spool, holding only downloads cut short of bundles still waiting (to go on
    from); anything else an interrupted sync left there was never acknowledged."""
    keep = {part_path(folder / w.name).name for w in found}
    _make(folder)
    for leftover in folder.iterdir():
        if leftover.name not in keep:
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
    return folder


def _make(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise storage_error(exc, folder) from exc
