"""Recovery through HQ's relay: the request goes up, HQ's grant comes back, no drive carried.

The station is locked out (sealed for travel, or both secrets lost), so it
cannot sign as itself: its identity keys are in the vault. It signs with the
reply key it made for the request (`sync.recovery`), which the request names;
the relay lets only that key fetch the grant (`relay.recovery_box`), and the
grant is sealed to it. The relay's address is not readable in a locked vault:
the officer gives it (HQ says it on the call if need be), and it is kept beside
the waiting request until the grant is applied.

HQ lists the requests waiting, picks the one whose code the officer read it
on the call (computed from the request HQ fetched, not from what the relay
says), grants it (`sync.recovery.grant`: same checks as by drive) and sends
the grant back.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import httpx

from liaison_desk.core.clock import Clock
from liaison_desk.core.keyslots import KdfParams, read_keyfile
from liaison_desk.core.user_files import read_bounded
from liaison_desk.core.vault import KEY_FILE, Vault
from liaison_desk.sync.errors import RecoveryError, RelayError, RelayRefused
from liaison_desk.sync.identity import Identity, short
from liaison_desk.sync.online import relay_authority, relay_url
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import Peer, get_peer
from liaison_desk.sync.recovery import (
    Pending,
    apply_grant,
    grant,
    read_pending,
    remember_relay,
    write_request,
)
from liaison_desk.sync.recovery_wire import MAX_FILE, read_request, request_code
from liaison_desk.sync.relay_client import RelayClient, check_url

log = logging.getLogger(__name__)
MAX_CERTIFICATE = 1 << 20  # a PEM chain; real ones are a few KiB


@dataclass(frozen=True)
class WaitingRequest:
    """A recovery request waiting on the relay, as HQ lists them."""

    station: str  # fingerprint
    name: str  # the station's name at HQ, or its short id if HQ does not know it
    request: str  # digest
    code: str
    granted: bool


def _client(
    url: str,
    me: Identity,
    authority: str | None,
    clock: Clock | None,
    transport: httpx.BaseTransport | None,
) -> RelayClient:
    return RelayClient(url, me, authority, clock=clock, transport=transport)


def read_authority(path: Path) -> str:
    """The certificate authority (PEM) a relay's certificate is checked against, from a file."""
    try:
        return read_bounded(path, MAX_CERTIFICATE, "certificate files").decode("ascii")
    except UnicodeDecodeError as exc:
        raise RelayError(f"{path} cannot be read as a PEM certificate.") from exc


def station_of(folder: Path) -> str:
    """The station a vault belongs to, from its HQ slot (readable while it is locked)."""
    keyfile = read_keyfile(folder / KEY_FILE)
    if keyfile.hq is None:
        raise RecoveryError("This vault has no HQ slot: HQ cannot open it.")
    return keyfile.hq.station


def _path(station: str, request: str) -> str:
    return f"/v1/recovery/{station}/{request}"


# -- at the station -------------------------------------------------------------------------------


def send_request(
    folder: Path,
    url: str,
    authority: str | None = None,
    *,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
) -> str:
    """Make a recovery request and leave it on the relay for HQ; returns its code."""
    url = check_url(url)
    data, code = write_request(folder, clock)
    body, digest = read_request(data)
    pending = read_pending(folder)
    with _client(url, pending.identity(), authority, clock, transport) as client:
        client.small("PUT", _path(body["station"], digest), "the recovery request", data)
    remember_relay(folder, url, authority)
    log.info("recovery request %s sent through the relay", digest[:12])
    return code


def _relay_of(pending: Pending) -> tuple[str, str | None]:
    if pending.relay_url is None:
        raise RecoveryError(
            "The waiting recovery request did not go through the relay: apply the grant HQ "
            "sent as a file, or make a new request through the relay."
        )
    return pending.relay_url, pending.relay_authority


def fetch_grant(
    folder: Path,
    *,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
) -> bytes:
    """HQ's grant for the waiting request, from the relay it went to (not applied yet)."""
    pending = read_pending(folder)
    url, authority = _relay_of(pending)
    path = _path(station_of(folder), pending.request) + "/grant"
    with _client(url, pending.identity(), authority, clock, transport) as client:
        try:
            return client.small("GET", path, "HQ's recovery grant").body
        except RelayRefused as exc:
            if exc.code == "not-granted":
                raise RecoveryError(
                    "HQ has not granted the request yet: call HQ, read them the code "
                    f"{request_code(pending.request)}, and try again once they have."
                ) from None
            raise


def apply_from_relay(
    folder: Path,
    new_passphrase: str,
    *,
    kdf: KdfParams | None = None,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
) -> tuple[Vault, str]:
    """Fetch HQ's grant, open the vault with it and set a new passphrase (`apply_grant`); then
    ask the relay to forget the request. Returns the vault unlocked and the new recovery code."""
    pending = read_pending(folder)
    data = fetch_grant(folder, clock=clock, transport=transport)
    vault, code = apply_grant(folder, data, new_passphrase, kdf=kdf, clock=clock)
    url, authority = _relay_of(pending)
    try:
        with _client(url, pending.identity(), authority, clock, transport) as client:
            client.small("DELETE", _path(station_of(folder), pending.request), "the request")
    except RelayError as exc:  # the grant is spent here: what the relay keeps opens nothing
        log.warning("the relay kept recovery request %s: %s", pending.request[:12], exc)
    return vault, code


# -- at HQ ----------------------------------------------------------------------------------------


def _hq_client(
    vault: Vault, clock: Clock | None, transport: httpx.BaseTransport | None
) -> RelayClient:
    me = load_identity(vault.conn)
    if me.public.role != "hq":
        raise RecoveryError("Only HQ grants a recovery; this vault is a station.")
    url = relay_url(vault)
    if url is None:
        raise RelayError("No relay is set; sync online once with --relay URL.")
    return RelayClient(url, me, relay_authority(vault), clock=clock, transport=transport)


def waiting_requests(
    vault: Vault,
    *,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
) -> list[WaitingRequest]:
    """HQ: the recovery requests waiting on its relay."""
    with _hq_client(vault, clock, transport) as client:
        answer = client.small("GET", "/v1/recovery", "the recovery requests")
    try:
        rows = json.loads(answer.body)["requests"]
        found = [(str(r["station"]), str(r["request"]), bool(r["granted"])) for r in rows]
    except (ValueError, KeyError, TypeError) as exc:
        raise RelayError("The relay's answer is not understood.") from exc
    result = []
    for station, request, granted in found:
        peer = get_peer(vault.conn, station)
        name = peer.name if peer is not None else short(station)
        result.append(WaitingRequest(station, name, request, request_code(request), granted))
    return result


def _normal(code: str) -> str:
    return "".join(code.split()).lower()


def grant_through_relay(
    vault: Vault,
    code: str,
    *,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Peer:
    """HQ, after checking the officer out of band: grant the waiting request whose code the
    officer read, and leave the grant on the relay for that laptop alone."""
    wanted = _normal(code)
    with _hq_client(vault, clock, transport) as client:
        for waiting in waiting_requests(vault, clock=clock, transport=transport):
            if _normal(waiting.code) != wanted:
                continue
            path = _path(waiting.station, waiting.request)
            data = client.small("GET", path, "the recovery request").body
            if len(data) > MAX_FILE or _normal(request_code(read_request(data)[1])) != wanted:
                raise RecoveryError(
                    "The relay gave a request that is not the one listed; nothing was granted."
                )
            peer, _code, made = grant(vault, data)
            client.small("PUT", path + "/grant", "the recovery grant", made)
            log.info("recovery granted to %s through the relay", short(peer.fingerprint))
            return peer
    raise RecoveryError(
        "No recovery request with that code waits on the relay: check the code with the "
        "officer, or ask them to send the request again."
    )


def discard_waiting(
    vault: Vault,
    code: str,
    *,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
) -> WaitingRequest:
    """HQ: remove from the relay a waiting request nobody called about (a station may have only
    a few waiting, so requests made up by a stranger would otherwise keep its officer's out)."""
    wanted = _normal(code)
    with _hq_client(vault, clock, transport) as client:
        for waiting in waiting_requests(vault, clock=clock, transport=transport):
            if _normal(waiting.code) == wanted:
                client.small("DELETE", _path(waiting.station, waiting.request), "the request")
                log.info("recovery request %s discarded at HQ", waiting.request[:12])
                return waiting
    raise RecoveryError("No recovery request with that code waits on the relay.")
