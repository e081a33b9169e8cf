"""Signed requests to HQ's relay, and transfers that resume where a cut connection left them.

A bundle of 1 MiB or more goes up in the manner of tus (docs/relay.md,
"Uploads that resume"): announced with its digests, then sent from wherever the
relay says it stands, as often as the link allows. A download goes to a
`.part` file beside its destination and, cut short, goes on from the end of
that file (`Range`), in this sync or the next. Within one sync a transfer is
tried again at once after every cut that moved it on, and given up after
a few in a row that moved nothing; what the relay or the spool keeps of it is
where the next sync begins.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import httpx

from liaison_desk.core.atomic import storage_error
from liaison_desk.core.clock import Clock, SystemClock
from liaison_desk.sync.bundle_names import is_bundle_name
from liaison_desk.sync.errors import RelayError, RelayRefused, RelayUnreachable, RosterError
from liaison_desk.sync.identity import Identity
from liaison_desk.sync.relay_http import (
    ANSWER_LIMIT,
    LISTING_LIMIT,
    Answer,
    Deadlines,
    RelayHttp,
)
from liaison_desk.sync.request_signing import EMPTY_DIGEST, sign_request
from liaison_desk.sync.roster import MAX_ROSTER, UNNUMBERED, Roster, read_roster
from liaison_desk.sync.transfer_meter import Meter
from liaison_desk.sync.upload_plan import announce

TIMEOUT_S = 30.0  # the longest wait for any one read or write; Deadlines bound the whole
RESUMABLE_FROM = 1024 * 1024  # a smaller bundle goes whole, in one request
STALLS = 4  # failures in a row that move a transfer on by nothing, before it waits for next time
_READ = 1024 * 1024
_AGAIN = ("offset-mismatch", "upload-moved", "piece-mismatch")  # ask where it stands, go on


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


class _Attempts:
    """One transfer's attempts in one sync. After a cut it goes on at once; each failure in a
    row that moved it on by nothing waits longer (1, 2, 4 s), and the last one is raised."""

    def __init__(self, pause: Callable[[float], None]) -> None:
        self._pause = pause
        self._best = -1
        self._failed = 0

    def at(self, offset: int) -> None:
        if offset > self._best:
            self._best, self._failed = offset, 0

    def failed(self, error: RelayError) -> None:
        self._failed += 1
        if self._failed >= STALLS:
            raise error
        if self._failed > 1:
            self._pause(float(2 ** (self._failed - 2)))


class RelayClient:
    """Signed requests to one relay; every failure is a RelayError with a plain sentence.

    Every answer is bounded in size and every request in time (`sync.relay_http`).
    `transport` replaces the network (tests drive a relay in-process with it);
    `clock` dates each request's signature; `deadlines` are the whole-request limits;
    `pause` waits between attempts of a transfer that made no headway.
    """

    def __init__(
        self,
        url: str,
        me: Identity,
        authority: str | None = None,
        timeout: float = TIMEOUT_S,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
        deadlines: Deadlines | None = None,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = check_url(url)
        self.me = me
        self._prefix = urlsplit(self.url).path
        self._clock = clock or SystemClock()
        self._http = RelayHttp(self.url, authority, timeout, deadlines or Deadlines(), transport)
        self._pause = pause

    def __enter__(self) -> RelayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- requests ---------------------------------------------------------------------------------

    def probe(self) -> None:
        self._http.health()

    def put_roster(self, roster: bytes) -> None:
        sha384 = hashlib.sha384(roster).digest()
        self._signed("PUT", "/v1/roster", "the roster", content=roster, sha384=sha384)

    def roster_number(self) -> int:
        """The number of the roster the relay holds (0 if none), from HQ's own signature on it.

        Only HQ may ask; a restored HQ vault issues its next roster above this.
        """
        held = self.held_roster()
        return UNNUMBERED if held is None else held.seq

    def held_roster(self) -> Roster | None:
        """The roster the relay holds (None if none), checked against HQ's own signature."""
        try:
            answer = self._signed("GET", "/v1/roster", "the roster", limit=MAX_ROSTER)
        except RelayRefused as exc:
            if exc.code == "no-roster":
                return None
            raise
        try:
            return read_roster(answer.body, self.me.public)
        except RosterError as exc:
            raise RelayError(f"The roster the relay holds is not usable: {exc.message}") from exc

    def waiting(self) -> list[Waiting]:
        answer = self._signed(
            "GET",
            f"/v1/mailboxes/{self.me.fingerprint}",
            "the list of waiting bundles",
            limit=LISTING_LIMIT,
        )
        try:
            rows = json.loads(answer.body)["bundles"]
            found = [Waiting(str(r["name"]), int(r["size"])) for r in rows]
        except (ValueError, KeyError, TypeError) as exc:
            raise RelayError("The relay's answer is not understood.") from exc
        return [w for w in found if _plausible(w)]

    def acknowledge(self, name: str) -> None:
        self._signed("DELETE", f"/v1/mailboxes/{self.me.fingerprint}/{name}", "an acknowledgement")

    # -- a wipe, acknowledged (`relay.wipe_acks`) -------------------------------------------------

    def put_wipe_ack(self, document: bytes) -> None:
        """A station HQ ordered wiped leaves HQ its signed word, just before it wipes."""
        self._signed(
            "PUT",
            f"/v1/wipe-acks/{self.me.fingerprint}",
            "the wipe acknowledgement",
            sha384=hashlib.sha384(document).digest(),
            headers={"content-length": str(len(document))},
            content=document,
        )

    def wipe_acks(self) -> list[tuple[str, bytes]]:
        """HQ: (station, document) of each wipe acknowledgement waiting at the relay."""
        answer = self._signed(
            "GET", "/v1/wipe-acks", "the wipe acknowledgements", limit=LISTING_LIMIT
        )
        try:
            rows = json.loads(answer.body)["acks"]
            return [(str(r["station"]), base64.b64decode(r["body"], validate=True)) for r in rows]
        except (ValueError, KeyError, TypeError) as exc:
            raise RelayError("The relay's answer is not understood.") from exc

    def drop_wipe_ack(self, station: str) -> None:
        self._signed("DELETE", f"/v1/wipe-acks/{station}", "a wipe acknowledgement taken")

    # -- downloads --------------------------------------------------------------------------------

    def download(self, waiting: Waiting, dest: Path, meter: Meter | None = None) -> None:
        """Stream one waiting bundle to `dest`, never past the size the listing gave.

        It arrives in `.<name>.part` beside `dest` (renamed once whole), and goes on
        from the end of that file when an earlier attempt, or sync, left one.
        """
        part = part_path(dest)
        attempts = _Attempts(self._pause)
        try:
            while (have := _size(part)) < waiting.size:
                attempts.at(have)
                if have and meter is not None:
                    meter.resuming(have)
                try:
                    self._fetch(waiting, part, have, meter)
                except RelayUnreachable as exc:
                    attempts.failed(exc)
            if have != waiting.size:
                raise RelayError(f"The relay sent bundle {waiting.name} longer than it listed.")
            part.replace(dest)
        except OSError as exc:
            raise storage_error(exc, dest) from exc
        except RelayUnreachable:
            raise  # what came stays in the spool, for the next attempt
        except RelayError:
            part.unlink(missing_ok=True)  # collected meanwhile, refused, or not to be trusted
            raise

    def _fetch(self, waiting: Waiting, part: Path, have: int, meter: Meter | None) -> None:
        with open(part, "ab") as out:
            self._signed(
                "GET",
                f"/v1/mailboxes/{self.me.fingerprint}/{waiting.name}",
                f"bundle {waiting.name}",
                headers={"range": f"bytes={have}-"} if have else None,
                limit=waiting.size - have,
                seconds=self._http.deadlines.transfer_s(waiting.size - have),
                sink=out,
                progress=None if meter is None else lambda done, _: meter(done),
                resume_at=have,
            )

    # -- uploads ----------------------------------------------------------------------------------

    def upload(
        self, recipient: str, bundle: Path, meter: Meter | None = None, supersede: bool = True
    ) -> None:
        """Send one bundle: whole if small, else announced and sent in as many goes as it takes."""
        size = bundle.stat().st_size
        if size < RESUMABLE_FROM:
            self._put(recipient, bundle, size, meter, supersede)
            return
        with open(bundle, "rb") as f:
            announced = announce(f, supersede)
        path = f"/v1/uploads/{recipient}/{bundle.name}"
        body = announced.to_json()
        what = f"bundle {bundle.name}"
        try:
            at, stored = self._begin(path, body, what)
        except RelayRefused as exc:
            if exc.status in (404, 405) and exc.code == "http-error":  # a relay from before
                self._put(recipient, bundle, size, meter, supersede)
                return
            raise
        attempts = _Attempts(self._pause)
        known: int | None = at
        while not stored:
            try:
                if known is None:
                    known, stored = self._stands(path, body, what)
                    continue
                attempts.at(known)
                if known and meter is not None:
                    meter.resuming(known)
                known, stored = self._append(path, bundle, known, size, meter, what)
            except RelayUnreachable as exc:
                attempts.failed(exc)
                known = None
            except RelayRefused as exc:
                if exc.code not in _AGAIN:
                    raise
                attempts.failed(exc)
                known = None

    def _begin(self, path: str, announcement: bytes, what: str) -> tuple[int, bool]:
        """Where the upload stands, and whether the bundle is in its mailbox already."""
        answer = self._signed(
            "POST",
            path,
            what,
            sha384=hashlib.sha384(announcement).digest(),
            headers={"content-type": "application/json"},
            content=announcement,
        )
        return _offset(answer), answer.status == 200

    def _stands(self, path: str, announcement: bytes, what: str) -> tuple[int, bool]:
        """Where the relay's partial upload stands; announced again if the relay has lost it
        (expired, or completed: the announcement says so) or holds all of it (it completes)."""
        try:
            answer = self._signed("HEAD", path, what)
            if answer.headers.get("upload-offset") != answer.headers.get("upload-length"):
                return _offset(answer), False
        except RelayRefused as exc:
            if exc.status != 404:
                raise
        return self._begin(path, announcement, what)

    def _append(
        self, path: str, bundle: Path, at: int, size: int, meter: Meter | None, what: str
    ) -> tuple[int, bool]:
        """Send the bundle from byte `at` to its end: where the upload stands afterwards, and
        whether the bundle is in its mailbox."""
        digest = hashlib.sha384()
        with open(bundle, "rb") as f:
            f.seek(at)
            while block := f.read(_READ):
                digest.update(block)
        answer = self._signed(
            "PATCH",
            path,
            what,
            sha384=digest.digest(),
            headers={
                "content-type": "application/offset+octet-stream",
                "content-length": str(size - at),
                "upload-offset": str(at),
            },
            content=_pieces(bundle, at, meter),
            seconds=self._http.deadlines.transfer_s(size - at),
        )
        return (_offset(answer), False) if answer.status == 204 else (size, True)

    def _put(
        self, recipient: str, bundle: Path, size: int, meter: Meter | None, supersede: bool
    ) -> None:
        digest = hashlib.sha384()
        with open(bundle, "rb") as f:
            while block := f.read(_READ):
                digest.update(block)
        headers = {"content-length": str(size)}
        if supersede:
            headers["liaison-supersede"] = "?1"
        self._signed(
            "PUT",
            f"/v1/mailboxes/{recipient}/{bundle.name}",
            f"bundle {bundle.name}",
            content=_pieces(bundle, 0, meter),
            sha384=digest.digest(),
            headers=headers,
            seconds=self._http.deadlines.transfer_s(size),
        )

    # -- plumbing ---------------------------------------------------------------------------------

    def _signed(
        self,
        method: str,
        path: str,
        what: str,
        sha384: bytes = EMPTY_DIGEST,
        headers: dict[str, str] | None = None,
        content: bytes | Iterator[bytes] | None = None,
        limit: int = ANSWER_LIMIT,
        seconds: float | None = None,
        sink: BinaryIO | None = None,
        progress: Callable[[int, int], None] | None = None,
        resume_at: int = 0,
    ) -> Answer:
        now_s = self._clock.now_ms() // 1000
        signature = sign_request(self.me, method, self._prefix + path, sha384, now_s)
        return self._http.exchange(
            method,
            path,
            what,
            headers={**signature, **(headers or {})},
            content=content,
            limit=limit,
            seconds=seconds,
            sink=sink,
            progress=progress,
            resume_at=resume_at,
        )


def part_path(dest: Path) -> Path:
    """Where a download to `dest` arrives until it is whole."""
    return dest.with_name(f".{dest.name}.part")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _offset(answer: Answer) -> int:
    found = answer.headers.get("upload-offset", "")
    if not found.isdigit():
        raise RelayError("The relay's answer is not understood (it says no Upload-Offset).")
    return int(found)


def _pieces(path: Path, start: int, meter: Meter | None) -> Iterator[bytes]:
    done = start
    with open(path, "rb") as f:
        f.seek(start)
        while piece := f.read(_READ):
            done += len(piece)
            if meter is not None:
                meter(done)
            yield piece


def _plausible(waiting: Waiting) -> bool:
    """Names become file names here: only the relay's own pattern, nothing like a path."""
    return is_bundle_name(waiting.name) and waiting.size >= 0
