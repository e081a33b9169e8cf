"""HTTP to the relay, every answer bounded: in size before it is read, and in time as a whole.

A relay, or whatever answers in its place, is not trusted to be brief. Each
answer has a size limit, checked against its declared length before a byte is
read and counted as it streams, so a listing of 256 MiB is refused at its
limit instead of filling memory; bundles stream to a file, limited to the size
the listing gave. Each request also has a deadline for the whole exchange:
httpx's timeouts count per read, so a relay trickling a byte every 20 s would
never trip them. httpcore reports each connection it opens (its `trace`
extension); when a deadline passes, a timer shuts those sockets down and the
read waiting on one returns at once.

The figures (docs/relay.md, "The client's limits"): an answer that is not a
listing, a roster or a bundle, 64 KiB; a listing, 8 MiB; a roster, 16 MiB.
A request that moves no bundle, 60 s in all (the health probe 15 s); one that
moves a bundle, 60 s plus one second per 16 KiB of it.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import ssl
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import httpx

from liaison_desk import __version__
from liaison_desk.sync.errors import (
    RelayAnswerTooLarge,
    RelayError,
    RelayRefused,
    RelayTooSlow,
    RelayUnreachable,
)

ANSWER_LIMIT = 64 * 1024  # an answer that is not a listing, a roster or a bundle
LISTING_LIMIT = 8 * 1024 * 1024  # about 60,000 waiting bundles
_CONTENT_RANGE = re.compile(r"bytes (?P<start>[0-9]{1,15})-[0-9]{1,15}/[0-9]{1,15}")
_CONNECTED = (".connect_tcp.complete", ".start_tls.complete", ".connect_unix_socket.complete")


@dataclass(frozen=True)
class Deadlines:
    """How long one request may take in all, however its bytes trickle in."""

    request_s: float = 60.0  # any request that moves no bundle
    probe_s: float = 15.0  # the unsigned health check
    bytes_per_s: int = 16 * 1024  # a bundle's transfer may take one more second per this much

    def transfer_s(self, size: int) -> float:
        return self.request_s + size / self.bytes_per_s


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes  # empty when the body went to a file
    headers: dict[str, str] = field(default_factory=dict)


class _Sockets:
    """The sockets of every connection the pool opened (it may keep them for later requests)."""

    def __init__(self) -> None:
        self._streams: weakref.WeakSet[Any] = weakref.WeakSet()
        self._lock = threading.Lock()

    def seen(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's `trace` callback: keep each connection's stream as it is made."""
        stream = info.get("return_value")
        if event.endswith(_CONNECTED) and hasattr(stream, "get_extra_info"):
            with self._lock:
                self._streams.add(stream)

    def shut(self) -> None:
        """Shut every socket down; a read or write waiting on one fails at once."""
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            sock = stream.get_extra_info("socket")
            if isinstance(sock, socket.socket) and sock.fileno() != -1:
                # The plain socket's shutdown, not TLS's: this thread must not touch the TLS
                # state the reading thread is using; the reader sees the end and stops.
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watch:
    """One request's deadline: a timer that shuts the sockets down if the request outlives it."""

    def __init__(self, sockets: _Sockets, seconds: float) -> None:
        self._sockets = sockets
        self._lock = threading.Lock()
        self._done = False
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
        self._sockets.shut()

    def __enter__(self) -> _Watch:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()


class RelayHttp:
    """One relay's connections; `exchange` is the only way a request goes out."""

    def __init__(
        self,
        url: str,
        authority: str | None,
        timeout: float,
        deadlines: Deadlines,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self.deadlines = deadlines
        self._client = http_client(url, authority, timeout, transport)
        self._sockets = _Sockets()

    def close(self) -> None:
        self._client.close()

    def exchange(
        self,
        method: str,
        path: str,
        what: str,
        *,
        limit: int = ANSWER_LIMIT,
        seconds: float | None = None,
        headers: dict[str, str] | None = None,
        content: bytes | Iterator[bytes] | None = None,
        sink: BinaryIO | None = None,
        progress: Callable[[int, int], None] | None = None,
        resume_at: int = 0,
    ) -> Answer:
        """Send one request and read its answer, at most `limit` bytes (into `sink` if given).

        `what` names the answer in the sentences ("the list of waiting bundles").
        A refusal's body is read up to ANSWER_LIMIT and raised as RelayRefused.
        `resume_at`: the request asked for the rest of a body from there (`Range`), which
        `sink` already holds the start of; `progress` counts from there. A relay that
        answers with the whole body instead has `sink` emptied first.
        """
        seconds = self.deadlines.request_s if seconds is None else seconds
        request = self._client.build_request(
            method, path, content=content, headers=headers, extensions={"trace": self._sockets.seen}
        )
        with _Watch(self._sockets, seconds) as watch:
            try:
                response = self._client.send(request, stream=True)
                try:
                    refused = response.status_code >= 400
                    start = 0 if refused else _resumed(response, resume_at, sink)
                    body = _read(
                        response,
                        ANSWER_LIMIT if refused else limit + resume_at - start,
                        None if refused else sink,
                        None if refused else progress,
                        lambda size: RelayAnswerTooLarge(self.url, what, size),
                        start,
                    )
                finally:
                    response.close()
            except httpx.TransportError as exc:
                if watch.expired:
                    raise RelayTooSlow(self.url, what, seconds) from exc
                raise unreachable(self.url, exc) from exc
            if watch.expired:  # the end came from our own shutdown: what came is not all
                raise RelayTooSlow(self.url, what, seconds)
        if refused:
            raise _refusal(response.status_code, body)
        return Answer(response.status_code, body, dict(response.headers))

    def health(self) -> None:
        """Raise RelayUnreachable unless a Liaison Desk relay answers the unsigned health check."""
        try:
            answer = self.exchange(
                "GET", "/v1/health", "the health check", seconds=self.deadlines.probe_s
            )
        except RelayAnswerTooLarge:
            answer = Answer(200, b"")
        if _json_field(answer.body, "service") != "liaison-desk-relay":
            raise RelayUnreachable(f"{self.url} answers, but it is not a Liaison Desk relay.")


def _resumed(response: httpx.Response, resume_at: int, sink: BinaryIO | None) -> int:
    """Where the body begins: `resume_at` if the relay sent the range asked for, else 0 (the
    whole body, after `sink` is emptied)."""
    if not resume_at:
        return 0
    if response.status_code == 206:
        match = _CONTENT_RANGE.fullmatch(response.headers.get("content-range", ""))
        if match is None or int(match["start"]) != resume_at:
            raise RelayError("The relay's answer is not understood (not the part asked for).")
        return resume_at
    if sink is not None:
        sink.seek(0)
        sink.truncate()
    return 0


def _read(
    response: httpx.Response,
    limit: int,
    sink: BinaryIO | None,
    progress: Callable[[int, int], None] | None,
    too_large: Callable[[int], RelayAnswerTooLarge],
    start: int = 0,
) -> bytes:
    """The body, refused as soon as it is known to pass `limit` (by its length, or as counted);
    `progress` counts from `start`."""
    if response.headers.get("content-encoding", "identity") != "identity":
        raise RelayError("The relay's answer is not understood (it came compressed).")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    total = int(declared) if declared.isdigit() else 0
    kept = bytearray()
    done = 0
    for piece in response.iter_raw():
        done += len(piece)
        if done > limit:
            raise too_large(limit)
        if sink is None:
            kept += piece
        else:
            sink.write(piece)
        if progress:
            progress(start + done, start + total)
    return bytes(kept)


def _json_field(body: bytes, key: str) -> object:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    return document.get(key) if isinstance(document, dict) else None


def _refusal(status: int, body: bytes) -> RelayRefused:
    code, message = _json_field(body, "error"), _json_field(body, "message")
    if not isinstance(code, str) or not isinstance(message, str):
        code, message = "http-error", f"The relay answered HTTP {status}."
    if status >= 500:
        message = f"The relay is having trouble ({message}) Try again later."
    refused = RelayRefused(status, code, f"The relay refused: {message}")
    refused.wipe_order = _json_field(body, "wipe_order")  # HQ's, checked by the station
    return refused


def unreachable(url: str, exc: httpx.TransportError) -> RelayUnreachable:
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


def http_client(
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
        headers={"user-agent": f"liaison-desk/{__version__}", "accept-encoding": "identity"},
        transport=transport,
    )


def trust(pem: str) -> ssl.SSLContext:
    """A TLS context trusting exactly these PEM certificates; RelayError if they are not."""
    try:
        return ssl.create_default_context(cadata=pem)
    except (ssl.SSLError, ValueError) as exc:
        raise RelayError("That file holds no certificate in PEM form.") from exc
