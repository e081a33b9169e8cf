"""Syncing through HQ's relay when a network is there: pull what waits, push what is owed.

Every request is signed (`sync.request_signing`); the relay only ever holds
bundles, which only their recipient can open. Downloaded and outgoing bundles
pass through `spool/` in the vault's folder: ciphertext only, never plaintext.
A bundle is acknowledged to the relay (and so removed there) once it has been
applied or refused; a refused bundle is reported, and its sender, never having
been acknowledged, sends those changes again in its next bundle.

An outgoing bundle that could not be uploaded stays in the spool and goes
first next time, unless a newer bundle for that peer supersedes it. The
client honours the system's proxy settings (`HTTPS_PROXY` and the like, and
on Windows and macOS the system configuration, through urllib's discovery).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

import httpx

from liaison_desk import __version__
from liaison_desk.core.atomic import storage_error
from liaison_desk.core.clock import Clock, SystemClock
from liaison_desk.core.vault import Vault
from liaison_desk.sync.bundle_names import SUFFIX, is_bundle_name
from liaison_desk.sync.errors import RelayError, RelayRefused, RelayUnreachable
from liaison_desk.sync.exchange import ExportResult, export_bundle
from liaison_desk.sync.hq_roster import build_roster
from liaison_desk.sync.identity import Identity
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import exchange_peers
from liaison_desk.sync.request_signing import EMPTY_DIGEST, sign_request
from liaison_desk.sync.transfer import (
    StepProgress,
    SyncReport,
    apply_bundle,
    drop_superseded,
    owed,
    step,
)

log = logging.getLogger("liaison_desk.sync")

T = TypeVar("T")

RELAY_URL_KEY = "relay_url"
RELAY_CA_KEY = "relay_ca"
PROBE_TIMEOUT_S = 5.0
TIMEOUT_S = 30.0
MAX_DOWNLOAD = 1 << 34  # 16 GiB: the relay's listing is believed only this far
_PIECE = 1024 * 1024


@dataclass(frozen=True)
class Waiting:
    name: str
    size: int


def check_url(url: str) -> str:
    """The relay URL, or a sentence saying what is wrong with it."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RelayError(
            f"{url!r} is not a relay address; it looks like https://relay.example:8443."
        )
    return url.strip().rstrip("/")


class RelayClient:
    """Signed requests to one relay; every failure is a RelayError with a plain sentence.

    `transport` replaces the network (tests drive a relay in-process with it);
    `clock` dates each request's signature.
    """

    def __init__(
        self,
        url: str,
        me: Identity,
        authority: str | None = None,
        timeout: float = TIMEOUT_S,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = check_url(url)
        self.me = me
        self._prefix = urlsplit(self.url).path
        self._clock = clock or SystemClock()
        self._http = _http_client(self.url, authority, timeout, transport)

    def __enter__(self) -> RelayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- requests ---------------------------------------------------------------------------------

    def probe(self) -> None:
        _health(self._http, self.url)

    def put_roster(self, roster: bytes) -> None:
        self._request("PUT", "/v1/roster", content=roster, sha384=hashlib.sha384(roster).digest())

    def waiting(self) -> list[Waiting]:
        response = self._request("GET", f"/v1/mailboxes/{self.me.fingerprint}")
        try:
            rows = response.json()["bundles"]
            found = [Waiting(str(r["name"]), int(r["size"])) for r in rows]
        except (ValueError, KeyError, TypeError) as exc:
            raise RelayError("The relay's answer is not understood.") from exc
        return [w for w in found if _plausible(w)]

    def download(self, name: str, dest: Path, progress: Callable[[int, int], None] | None) -> None:
        """Stream one waiting bundle to `dest` (written under a temporary name, then renamed)."""
        path = f"/v1/mailboxes/{self.me.fingerprint}/{name}"
        tmp = dest.with_name(f".{dest.name}.part")
        try:
            with self._stream("GET", path) as response, open(tmp, "wb") as out:
                total = int(response.headers.get("content-length", 0))
                done = 0
                for piece in response.iter_bytes(_PIECE):
                    done += len(piece)
                    if done > MAX_DOWNLOAD:
                        raise RelayError("The relay sent more than any bundle can hold.")
                    out.write(piece)
                    if progress:
                        progress(done, total)
            os.replace(tmp, dest)
        except OSError as exc:
            raise storage_error(exc, dest) from exc
        except httpx.TransportError as exc:
            raise _unreachable(self.url, exc) from exc
        finally:
            tmp.unlink(missing_ok=True)

    def acknowledge(self, name: str) -> None:
        self._request("DELETE", f"/v1/mailboxes/{self.me.fingerprint}/{name}")

    def upload(
        self,
        recipient: str,
        bundle: Path,
        progress: Callable[[int, int], None] | None = None,
        supersede: bool = True,
    ) -> None:
        size = bundle.stat().st_size
        digest = hashlib.sha384()
        with open(bundle, "rb") as f:
            while piece := f.read(_PIECE):
                digest.update(piece)
        headers = {"content-length": str(size)}
        if supersede:
            headers["liaison-supersede"] = "?1"
        self._request(
            "PUT",
            f"/v1/mailboxes/{recipient}/{bundle.name}",
            content=_pieces(bundle, size, progress),
            sha384=digest.digest(),
            headers=headers,
        )

    # -- plumbing ---------------------------------------------------------------------------------

    def _headers(self, method: str, path: str, sha384: bytes) -> dict[str, str]:
        now_s = self._clock.now_ms() // 1000
        return sign_request(self.me, method, self._prefix + path, sha384, now_s)

    def _request(
        self,
        method: str,
        path: str,
        content: bytes | Iterator[bytes] | None = None,
        sha384: bytes = EMPTY_DIGEST,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        signature = self._headers(method, path, sha384)
        try:
            response = self._http.request(
                method, path, content=content, headers={**signature, **(headers or {})}
            )
        except httpx.TransportError as exc:
            raise _unreachable(self.url, exc) from exc
        _raise_for(response)
        return response

    @contextmanager
    def _stream(self, method: str, path: str) -> Iterator[httpx.Response]:
        request = self._http.build_request(
            method, path, headers=self._headers(method, path, EMPTY_DIGEST)
        )
        try:
            response = self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise _unreachable(self.url, exc) from exc
        try:
            if response.status_code >= 400:
                response.read()
                _raise_for(response)
            yield response
        finally:
            response.close()


def _pieces(path: Path, size: int, progress: Callable[[int, int], None] | None) -> Iterator[bytes]:
    done = 0
    with open(path, "rb") as f:
        while piece := f.read(_PIECE):
            done += len(piece)
            if progress:
                progress(done, size)
            yield piece


def _plausible(waiting: Waiting) -> bool:
    """Names become file names here: only the relay's own pattern, nothing like a path."""
    return is_bundle_name(waiting.name) and 0 <= waiting.size <= MAX_DOWNLOAD


def _unreachable(url: str, exc: httpx.TransportError) -> RelayUnreachable:
    if isinstance(exc, httpx.TimeoutException):
        why = "it did not answer in time"
    elif isinstance(exc, httpx.ProxyError):
        why = "the proxy refused the connection"
    elif "CERTIFICATE_VERIFY_FAILED" in str(exc):
        why = "its certificate is not trusted; give its authority with --ca"
    else:
        why = "no connection could be made"
    return RelayUnreachable(
        f"The relay at {url} cannot be reached ({why}). Nothing was lost; "
        "what is waiting goes at the next sync."
    )


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        body = json.loads(response.content)
        code, message = str(body["error"]), str(body["message"])
    except (ValueError, KeyError, TypeError):
        code, message = "http-error", f"The relay answered HTTP {response.status_code}."
    if response.status_code >= 500:
        message = f"The relay is having trouble ({message}) Try again later."
    raise RelayRefused(response.status_code, code, f"The relay refused: {message}")


# -- one sync --------------------------------------------------------------------------------------


def probe(url: str, authority: str | None = None) -> None:
    """Raise RelayUnreachable unless the relay at `url` answers (an unsigned health check)."""
    url = check_url(url)
    with _http_client(url, authority, PROBE_TIMEOUT_S) as http:
        _health(http, url)


def _health(http: httpx.Client, url: str) -> None:
    try:
        response = http.get("/v1/health")
    except httpx.TransportError as exc:
        raise _unreachable(url, exc) from exc
    _raise_for(response)
    try:
        service = response.json().get("service")
    except (ValueError, AttributeError):
        service = None
    if service != "liaison-desk-relay":
        raise RelayUnreachable(f"{url} answers, but it is not a Liaison Desk relay.")


def _http_client(
    url: str, authority: str | None, timeout: float, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """`authority`: PEM certificates to trust instead of the public ones (HQ's own CA)."""
    verify: ssl.SSLContext | bool = True
    if authority is not None:
        verify = trust(authority)
    return httpx.Client(
        base_url=url,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        verify=verify,
        trust_env=transport is None,  # the system's proxies would go around a given transport
        headers={"user-agent": f"liaison-desk/{__version__}"},
        transport=transport,
    )


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


def trust(pem: str) -> ssl.SSLContext:
    """A TLS context trusting exactly these PEM certificates; RelayError if they are not."""
    try:
        return ssl.create_default_context(cadata=pem)
    except (ssl.SSLError, ValueError) as exc:
        raise RelayError("That file holds no certificate in PEM form.") from exc


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
) -> SyncReport:
    """Pull what waits for this vault on the relay, apply it, then push what its peers are owed."""

    def here(work: Callable[[Vault], T], /) -> T:
        return work(vault)

    return sync_through(here, url, progress, authority, transport)


@dataclass(frozen=True)
class _Start:
    me: Identity
    authority: str | None
    roster: bytes | None
    spool: Path


def _start(vault: Vault) -> _Start:
    me = load_identity(vault.conn)
    roster = build_roster(vault) if me.public.role == "hq" else None
    return _Start(me, relay_authority(vault), roster, spool_dir(vault))


def sync_through(
    on_vault: OnVault,
    url: str,
    progress: StepProgress | None = None,
    authority: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> SyncReport:
    """`sync_online` with every vault step handed to `on_vault` and the network done here."""
    start = on_vault(_start)
    report = SyncReport(check_url(url))
    with RelayClient(url, start.me, authority or start.authority, transport=transport) as client:
        client.probe()
        if start.roster is not None:
            client.put_roster(start.roster)
            report.roster_sent = True
        try:
            _pull(on_vault, client, report, progress, start.spool / "in")
            _push(on_vault, client, report, progress, start.spool / "out")
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


def _pull(
    on_vault: OnVault,
    client: RelayClient,
    report: SyncReport,
    progress: StepProgress | None,
    incoming: Path,
) -> None:
    _fresh(incoming)
    found = client.waiting()
    for number, waiting in enumerate(found, 1):
        path = incoming / waiting.name
        try:
            client.download(waiting.name, path, step(progress, f"Receiving bundle {number}"))
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
    for peer in owed(vault):
        box = outgoing / peer.fingerprint
        _make(box)
        result = export_bundle(
            vault, peer.fingerprint, box, step(progress, f"Writing for {peer.name}")
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
    for box in sorted(outgoing.iterdir()):
        if box.name not in ready.peers:  # revoked since: what waited for it is not sent
            shutil.rmtree(box, ignore_errors=True)
            continue
        for bundle in sorted(box.glob(f"*{SUFFIX}")):
            client.upload(box.name, bundle, step(progress, "Sending"))
            bundle.unlink()
            if bundle in ready.written:
                report.sent.append(ready.written[bundle])


def _fresh(folder: Path) -> Path:
    """An empty spool folder (what an interrupted sync left there was never acknowledged)."""
    shutil.rmtree(folder, ignore_errors=True)
    _make(folder)
    return folder


def _make(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise storage_error(exc, folder) from exc
