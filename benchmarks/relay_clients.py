"""relay.py's load: the client processes, one per station, and the parent's side driving them.

Each client writes its real bundles when it starts, then runs the jobs the parent sends it
through a pipe, each phase starting for all of them at once (a barrier) and timed from there
to its last response. relay.py's docstring says why they are processes and what they send.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Barrier
from pathlib import Path

import httpx

from liaison_desk.sync.bundle import write_bundle
from liaison_desk.sync.bundle_names import bundle_name
from liaison_desk.sync.identity import Identity, PeerIdentity
from liaison_desk.sync.relay_client import TIMEOUT_S, RelayClient, Waiting
from liaison_desk.sync.relay_http import http_client
from liaison_desk.sync.request_signing import EMPTY_DIGEST, sign_request

from relay_servers import Server

MB = 1_000_000
MIB = 1024 * 1024
SMALL_PAYLOAD = 256  # a few ops, compressed; the bundle's fixed parts make it ~6.9 KB
LARGE_PAYLOAD = MIB - 7 * 1024  # a bundle of about 1 MiB
READY_TIMEOUT_S = 300.0
_PIECE = 1024 * 1024


# -- the clients (one process each) -------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    kind: str  # "put-small", "put-large", "fill" (HQ fills this station's mailbox), "get-small"
    server: str  # "relay" or "bare"


@dataclass
class Outcome:
    """What one client did in one phase."""

    latencies: list[float] = field(default_factory=list)
    bytes: int = 0
    cpu: float = 0.0
    failures: int = 0
    first_failure: str = ""


@dataclass(frozen=True)
class Setup:
    relay: str
    bare: str
    hq: Identity
    work: Path
    small: int
    large: int


def make_bundle(
    sender: Identity, recipient: PeerIdentity, seq: int, payload: int, to: Path
) -> Path:
    origin = sender.fingerprint[:16]
    out = io.BytesIO()
    write_bundle(
        out, sender, recipient, seq, origin, int(time.time() * 1000), [os.urandom(payload)]
    )
    path = to / bundle_name(sender.fingerprint, recipient.fingerprint, origin, seq)
    path.write_bytes(out.getvalue())
    return path


class Client:
    """One station: its bundles on disk, and the jobs the parent sends it."""

    def __init__(self, index: int, me: Identity, setup: Setup) -> None:
        self.me = me
        self.setup = setup
        self.folder = setup.work / "clients" / f"{index:02d}"
        for sub in ("small", "large", "down", "in"):
            (self.folder / sub).mkdir(parents=True)
        hq = setup.hq.public
        self.small = [
            make_bundle(me, hq, seq, SMALL_PAYLOAD, self.folder / "small")
            for seq in range(1, setup.small + 1)
        ]
        self.large = [
            make_bundle(me, hq, setup.small + seq, LARGE_PAYLOAD, self.folder / "large")
            for seq in range(1, setup.large + 1)
        ]
        self.down = [
            make_bundle(setup.hq, me.public, seq, SMALL_PAYLOAD, self.folder / "down")
            for seq in range(1, setup.small + 1)
        ]

    def run(self, job: Job, barrier: Barrier) -> Outcome:
        if job.server == "relay":
            signer = self.setup.hq if job.kind == "fill" else self.me
            with RelayClient(self.setup.relay, signer) as client:
                client.probe()  # connected before the clock starts
                return timed(barrier, self._relay_steps(job, client))
        with (
            http_client(self.setup.bare, None, TIMEOUT_S) as http,
            RelayClient(self.setup.bare, self.me) as client,
        ):
            http.get("/health").raise_for_status()
            return timed(barrier, self._bare_steps(job, http, client))

    def _relay_steps(self, job: Job, client: RelayClient) -> list[Step]:
        hq_fp = self.setup.hq.fingerprint
        me_fp = self.me.fingerprint
        if job.kind == "fill":
            return [
                Step.of(p, lambda p=p: client.upload(me_fp, p, supersede=False)) for p in self.down
            ]
        if job.kind == "get-small":
            return [Step.of(p, lambda p=p: self._fetch(client, p)) for p in self.down]
        paths = self.small if job.kind == "put-small" else self.large
        return [Step.of(p, lambda p=p: client.upload(hq_fp, p)) for p in paths]

    def _fetch(self, client: RelayClient, bundle: Path) -> None:
        dest = self.folder / "in" / bundle.name
        client.download(Waiting(bundle.name, bundle.stat().st_size), dest, None)
        dest.unlink()
        client.acknowledge(bundle.name)

    def _bare_steps(self, job: Job, http: httpx.Client, client: RelayClient) -> list[Step]:
        if job.kind == "get-small":
            box = f"/v1/mailboxes/{self.me.fingerprint}"
            return [Step.of(p, lambda p=p: self._bare_fetch(http, box, p)) for p in self.down]
        hq_fp = self.setup.hq.fingerprint
        paths = self.small if job.kind == "put-small" else self.large
        return [Step.of(p, lambda p=p: client.upload(hq_fp, p)) for p in paths]

    def _bare_fetch(self, http: httpx.Client, box: str, bundle: Path) -> None:
        """What RelayClient.download and .acknowledge send, signed alike (the size as a query,
        which the bare server needs and the signature does not cover)."""
        path = f"{box}/{bundle.name}"
        dest = self.folder / "in" / bundle.name
        tmp = dest.with_name(f".{dest.name}.part")
        params = {"size": bundle.stat().st_size}
        headers = sign_request(self.me, "GET", path, EMPTY_DIGEST, int(time.time()))
        with (
            http.stream("GET", path, params=params, headers=headers) as response,
            open(tmp, "wb") as out,
        ):
            response.raise_for_status()
            for piece in response.iter_bytes(_PIECE):
                out.write(piece)
        os.replace(tmp, dest)
        dest.unlink()
        headers = sign_request(self.me, "DELETE", path, EMPTY_DIGEST, int(time.time()))
        http.delete(path, headers=headers).raise_for_status()


@dataclass(frozen=True)
class Step:
    """One bundle's request(s), and the bundle's size (counted whether or not they succeed)."""

    size: int
    send: Callable[[], None]

    @classmethod
    def of(cls, bundle: Path, send: Callable[[], None]) -> Step:
        return cls(bundle.stat().st_size, send)


def timed(barrier: Barrier, steps: list[Step]) -> Outcome:
    outcome = Outcome()
    barrier.wait(READY_TIMEOUT_S)
    cpu = time.process_time()
    for step in steps:
        start = time.perf_counter()
        outcome.bytes += step.size
        try:
            step.send()
        except Exception as exc:  # a refusal or an HTTP error: counted, reported, not fatal
            outcome.failures += 1
            outcome.first_failure = outcome.first_failure or f"{type(exc).__name__}: {exc}"
        outcome.latencies.append(time.perf_counter() - start)
    outcome.cpu = time.process_time() - cpu
    return outcome


def client_main(index: int, me: Identity, setup: Setup, conn: Connection, barrier: Barrier) -> None:
    try:
        client = Client(index, me, setup)
    except BaseException as exc:
        conn.send(f"client {index} failed to start: {exc!r}")
        raise
    conn.send("ready")
    while (job := conn.recv()) is not None:
        conn.send(client.run(job, barrier))


# -- the parent's side --------------------------------------------------------------------------


@dataclass
class Measured:
    count: int
    bytes: int
    seconds: float
    latencies: list[float]
    client_cpu: float
    server_user: float
    server_sys: float
    failures: int
    first_failure: str

    @property
    def server_cpu(self) -> float:
        return self.server_user + self.server_sys

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    @property
    def mb_per_second(self) -> float:
        return self.bytes / MB / self.seconds


class Clients:
    """The client processes, driven phase by phase; each phase starts for all at once."""

    def __init__(self, stations: list[Identity], setup: Setup) -> None:
        ctx = multiprocessing.get_context("fork")  # the identities' keys cannot be pickled
        self.barrier = ctx.Barrier(len(stations) + 1)
        self.conns: list[Connection] = []
        self.procs = []
        for i, me in enumerate(stations):
            ours, theirs = ctx.Pipe()
            proc = ctx.Process(target=client_main, args=(i, me, setup, theirs, self.barrier))
            proc.start()
            self.conns.append(ours)
            self.procs.append(proc)
        for conn in self.conns:
            message = conn.recv()
            if message != "ready":
                self.stop()
                raise SystemExit(message)

    def phase(self, job: Job, server: Server) -> Measured:
        for conn in self.conns:
            conn.send(job)
        self.barrier.wait(READY_TIMEOUT_S)
        start, (user, system) = time.perf_counter(), server.cpu_seconds()
        outcomes: list[Outcome] = [conn.recv() for conn in self.conns]
        seconds, (user_end, system_end) = time.perf_counter() - start, server.cpu_seconds()
        latencies = [t for o in outcomes for t in o.latencies]
        failed = [o for o in outcomes if o.failures]
        return Measured(
            count=len(latencies),
            bytes=sum(o.bytes for o in outcomes),
            seconds=seconds,
            latencies=latencies,
            client_cpu=sum(o.cpu for o in outcomes),
            server_user=user_end - user,
            server_sys=system_end - system,
            failures=sum(o.failures for o in outcomes),
            first_failure=failed[0].first_failure if failed else "",
        )

    def stop(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError):  # that client is gone already
                conn.send(None)
        for proc in self.procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
                proc.join()
