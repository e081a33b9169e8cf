"""Relay throughput and latency with concurrent clients, beside a bare endpoint in the same run.

    .venv/bin/python benchmarks/relay.py                 # 20 clients: 100 small + 10 large each
    .venv/bin/python benchmarks/relay.py --quick         # 10 small + 2 large each: ~10 s
    .venv/bin/python benchmarks/relay.py --smoke         # 2 clients, 3 small + 1 large each
    .venv/bin/python benchmarks/relay.py --py-spy DIR    # also profile both servers (py-spy)

The relay is a real process (`liaison-desk relay serve --port 0 --data ...`) with its
rate limit raised out of the way (--rate/--burst 1,000,000: this measures throughput, not
the limiter). HQ is a real vault (Argon2id floor); the stations are vault-less identities
HQ enrols, and HQ uploads its roster with `sync_online` as a real HQ does.

Each client is a process of its own: every relay request is signed with ML-DSA-87 and
ECDSA P-384 (about a millisecond of CPU) and httpx is pure Python, so client threads
in one process would share one core through the GIL; processes let the clients and the
servers share the machine's cores as separate programs do. Every relay request goes
through `liaison_desk.sync.online.RelayClient`, as `sync online` sends it: uploads stream
the bundle file with its SHA-384 Content-Digest and ask the relay to drop the sender's older
bundles (`liaison-supersede`); downloads stream to a file and are then acknowledged
(GET + DELETE). The bundles are real: a true header and both signatures. A small one
carries 256 bytes of payload and weighs 6.9 KB: no bundle is smaller than about 6.6 KB,
for the ML-DSA-87 signature (4,627 bytes) and the sealed file key (1,713) it must carry.

The baseline is `bare_server.py`: Starlette's hello-world on uvicorn with the relay's
server settings, in its own process, which reads each PUT body and discards it. Its
clients are the same processes sending the same requests: the same files through the
same `RelayClient`, signed the same way; the bare server ignores the signatures. So the
clients cost the same in both runs, and the ratio is what the relay's own work costs.
Each phase is timed from the moment every client is connected and ready (a barrier) to
the last response; CPU per bundle is the server process's (from /proc) and the clients'
own (process_time).

Everything lives in a temporary directory deleted at the end. The script always exits 0:
it reports, it does not gate.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import multiprocessing
import os
import platform
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Barrier
from pathlib import Path

import httpx
import starlette
import uvicorn

from liaison_desk.core.identity_keys import SecretKeys
from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.vault import Vault
from liaison_desk.sync.bundle import write_bundle
from liaison_desk.sync.bundle_names import bundle_name
from liaison_desk.sync.identity import Identity, PeerIdentity
from liaison_desk.sync.online import TIMEOUT_S, RelayClient, _http_client, sync_online
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import add_peer
from liaison_desk.sync.request_signing import (
    EMPTY_DIGEST,
    read_claims,
    sign_request,
    verify_claims,
)

from report import Row, log, percentile, ratio, table, verdict

PASSPHRASE = "benchmark amber harbor lantern 42"
MB = 1_000_000
MIB = 1024 * 1024
SMALL_PAYLOAD = 256  # a few ops, compressed; the bundle's fixed parts make it ~6.9 KB
LARGE_PAYLOAD = MIB - 7 * 1024  # a bundle of about 1 MiB
TARGET = 0.5  # the issue: at least half the baseline's requests/s for small bundles
UNLIMITED = "1000000"
READY_TIMEOUT_S = 300.0
_PIECE = 1024 * 1024


# -- the two servers ----------------------------------------------------------------------------


class Server:
    """A server process that prints its address on its first line, stopped with SIGTERM."""

    def __init__(self, name: str, argv: Sequence[str], prefix: str, log_path: Path) -> None:
        self.name = name
        self._log = open(log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self._log)
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith(prefix):
            self.stop()
            raise SystemExit(f"the {name} did not start: {line!r}\n{log_path.read_text()}")
        self.url = line.removeprefix(prefix).strip()
        self._spy: subprocess.Popen[bytes] | None = None

    def cpu_seconds(self) -> tuple[float, float]:
        """User and system CPU of the server process so far, all its threads (from /proc)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tick, int(fields[12]) / tick

    def spy(self, out: Path) -> None:
        """Sample this server with py-spy until `unspy`; a speedscope profile goes to `out`.

        Only the thread holding the GIL is sampled (--gil): each server is one Python
        process, and that thread's time is what bounds its throughput.
        """
        py_spy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
        if py_spy is None:
            raise SystemExit("--py-spy needs py-spy: .venv/bin/pip install py-spy")
        self._spy = subprocess.Popen(
            [py_spy, "record", "--pid", str(self.proc.pid), "--rate", "250", "--format",
             "speedscope", "--output", str(out), "--nonblocking", "--gil"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(1.0)  # py-spy attaches before the phase starts

    def unspy(self) -> None:
        if self._spy is not None:
            self._spy.send_signal(signal.SIGINT)
            self._spy.wait(timeout=60)
            self._spy = None

    def stop(self) -> None:
        self.unspy()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()


def start_relay(work: Path, hq_file: Path) -> Server:
    argv = [sys.executable, "-m", "liaison_desk", "relay", "serve", "--port", "0"]
    argv += ["--data", str(work / "relay"), "--hq-identity", str(hq_file)]
    argv += ["--rate", UNLIMITED, "--burst", UNLIMITED]
    return Server("relay", argv, "Relay listening on ", work / "relay.log")


def start_bare(work: Path) -> Server:
    argv = [sys.executable, str(Path(__file__).with_name("bare_server.py"))]
    return Server("bare server", argv, "Listening on ", work / "bare.log")


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
            _http_client(self.setup.bare, None, TIMEOUT_S) as http,
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
            return [Step.of(p, lambda p=p: self._fetch(client, p.name)) for p in self.down]
        paths = self.small if job.kind == "put-small" else self.large
        return [Step.of(p, lambda p=p: client.upload(hq_fp, p)) for p in paths]

    def _fetch(self, client: RelayClient, name: str) -> None:
        dest = self.folder / "in" / name
        client.download(name, dest, None)
        dest.unlink()
        client.acknowledge(name)

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


# -- the parent ---------------------------------------------------------------------------------


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


def hq_with_stations(work: Path, count: int) -> tuple[Vault, list[Identity]]:
    """A real HQ vault and `count` vault-less stations it has enrolled (on its roster)."""
    hq, _ = Vault.create(work / "hq", PASSPHRASE, name="HQ", role="hq", kdf=KdfParams.floor())
    stations = [
        Identity(SecretKeys.generate(os.urandom), f"station-{i}", "station") for i in range(count)
    ]
    with hq.store.transaction():
        for station in stations:
            add_peer(hq.conn, hq.clock, station.public)
    return hq, stations


def signing_cost(me: Identity, rounds: int) -> tuple[float, float]:
    """Seconds to sign one request, and to check one as the relay does, each measured alone."""
    digest = hashlib.sha384(b"").digest()
    path = f"/v1/mailboxes/{me.fingerprint}"
    start = time.perf_counter()
    for _ in range(rounds):
        headers = sign_request(me, "GET", path, digest, int(time.time()))
    sign = (time.perf_counter() - start) / rounds
    start = time.perf_counter()
    for _ in range(rounds):
        claims = read_claims(headers["Signature-Input"], headers["Signature"])
        verify_claims(claims, me.public, "GET", path, headers["Content-Digest"], int(time.time()))
    return sign, (time.perf_counter() - start) / rounds


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} µs"


def split_cpu(m: Measured) -> str:
    return f"{m.server_user / m.count * 1e6:,.0f} + {m.server_sys / m.count * 1e6:,.0f} µs"


def latency(m: Measured) -> str:
    return f"{percentile(m.latencies, 50) * 1000:.1f} / {percentile(m.latencies, 95) * 1000:.1f} ms"


def compare(
    label: str, ours: Measured, base: Measured, unit: str = "requests/s", targeted: bool = False
) -> list[Row]:
    """The rows for one phase; the issue's target is on the requests/s of small uploads."""
    rows = [
        Row(
            f"{label}: {unit}",
            f"{ours.per_second:,.0f} /s",
            f"{base.per_second:,.0f} /s",
            ratio(ours.per_second, base.per_second),
            f">= {TARGET}x" if targeted else "-",
            verdict(ours.per_second >= TARGET * base.per_second) if targeted else "info",
        ),
        Row(
            "  MB/s",
            f"{ours.mb_per_second:,.1f} MB/s",
            f"{base.mb_per_second:,.1f} MB/s",
            ratio(ours.mb_per_second, base.mb_per_second),
        ),
        Row("  latency p50 / p95", latency(ours), latency(base)),
        Row(
            "  server CPU per bundle (user + system)",
            split_cpu(ours),
            split_cpu(base),
            ratio(ours.server_cpu / ours.count, base.server_cpu / base.count),
        ),
        Row(
            "  clients' CPU per bundle",
            us(ours.client_cpu / ours.count),
            us(base.client_cpu / base.count),
            ratio(ours.client_cpu / ours.count, base.client_cpu / base.count),
        ),
    ]
    if ours.failures or base.failures:
        rows.append(Row("  FAILED (see below)", f"{ours.failures:,}", f"{base.failures:,}"))
    return rows


def failures(label: str, m: Measured) -> list[str]:
    return [f"{label}: {m.failures:,} failed, first: {m.first_failure}"] if m.failures else []


def run(args: argparse.Namespace, work: Path) -> tuple[list[Row], list[str]]:
    log(f"HQ vault and {args.clients} stations")
    hq_vault, stations = hq_with_stations(work, args.clients)
    hq = load_identity(hq_vault.conn)
    hq_file = work / "hq.json"
    hq_file.write_text(json.dumps(hq.public.to_json()))
    sign, verify = signing_cost(stations[0], 5 if args.smoke else 50 if args.quick else 200)
    relay = start_relay(work, hq_file)
    servers = [relay]
    try:
        sync_online(hq_vault, relay.url)  # the roster: the relay knows no station before it
        hq_vault.lock()
        bare = start_bare(work)
        servers.append(bare)
        log(f"{args.clients} client processes write their bundles")
        setup = Setup(relay.url, bare.url, hq, work, args.small, args.large)
        clients = Clients(stations, setup)
        try:
            results = phases(args, clients, relay, bare)
            return results.rows(args.clients, sign, verify), results.notes()
        finally:
            clients.stop()
    finally:
        for server in servers:
            server.stop()


def phases(args: argparse.Namespace, clients: Clients, relay: Server, bare: Server) -> Results:
    """Each phase through the bare server, then the same through the relay."""
    spy_dir: Path | None = args.py_spy

    def both(kind: str) -> tuple[Measured, Measured]:
        found = {}
        for name, server in (("bare", bare), ("relay", relay)):
            log(f"{kind} through the {server.name}")
            if spy_dir is not None:
                server.spy(spy_dir / f"{name}-{kind}.speedscope.json")
            found[name] = clients.phase(Job(kind, name), server)
            server.unspy()
        return found["relay"], found["bare"]

    results = Results()
    results.small = both("put-small")
    results.large = both("put-large")
    log("HQ fills every station's mailbox (not timed)")
    results.fill = clients.phase(Job("fill", "relay"), relay)
    results.get = both("get-small")
    return results


@dataclass
class Results:
    """(relay, bare) for each phase, and HQ's filling of the mailboxes between them."""

    small: tuple[Measured, Measured] = field(init=False)
    large: tuple[Measured, Measured] = field(init=False)
    get: tuple[Measured, Measured] = field(init=False)
    fill: Measured = field(init=False)

    def rows(self, clients: int, sign: float, verify: float) -> list[Row]:
        small, large, get = self.small[0], self.large[0], self.get[0]
        rows = compare(
            f"upload {small.count:,} small bundles ({small.bytes / small.count / 1000:.1f} KB), "
            f"{clients} clients",
            *self.small,
            targeted=True,
        )
        rows += compare(
            f"upload {large.count:,} large bundles ({large.bytes / large.count / MIB:.2f} MiB), "
            f"{clients} clients",
            *self.large,
        )
        rows += compare(
            f"download + acknowledge (GET + DELETE) {get.count:,} small bundles, {clients} clients",
            *self.get,
            unit="bundles/s",
        )
        rows.append(Row("sign one request alone (ML-DSA-87 + ECDSA P-384)", us(sign)))
        rows.append(Row("verify one request alone, as the relay does", us(verify)))
        return rows

    def notes(self) -> list[str]:
        return [
            *failures("small uploads through the relay", self.small[0]),
            *failures("small uploads to the bare server", self.small[1]),
            *failures("large uploads through the relay", self.large[0]),
            *failures("large uploads to the bare server", self.large[1]),
            *failures("HQ filling the stations' mailboxes (not timed)", self.fill),
            *failures("downloads through the relay", self.get[0]),
            *failures("downloads from the bare server", self.get[1]),
        ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent client processes")
    parser.add_argument("--small", type=int, default=100, help="small bundles per client")
    parser.add_argument("--large", type=int, default=10, help="~1 MiB bundles per client")
    parser.add_argument("--tmp", type=Path, default=None, help="parent of the work directory")
    parser.add_argument("--quick", action="store_true", help="10 small and 2 large per client")
    parser.add_argument(
        "--smoke", action="store_true", help="2 clients, 3 small and 1 large each: seconds"
    )
    parser.add_argument(
        "--py-spy", type=Path, default=None, help="write speedscope profiles of both servers here"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.small, args.large = 10, 2
    if args.smoke:
        args.clients, args.small, args.large = 2, 3, 1
    if args.py_spy is not None:
        args.py_spy.mkdir(parents=True, exist_ok=True)
    if min(args.clients, args.small, args.large) < 1:
        parser.error("--clients, --small and --large must be positive")

    print(
        f"Liaison Desk relay benchmark: {args.clients} client processes, {args.small} small and "
        f"{args.large} large bundles each, then the small ones downloaded and acknowledged\n"
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"uvicorn {uvicorn.__version__}, starlette {starlette.__version__}, "
        f"httpx {httpx.__version__}; relay rate limit --rate/--burst {UNLIMITED} (out of the way)",
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="liaison-relay-bench-", dir=args.tmp))
    start = time.perf_counter()
    try:
        rows, notes = run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(table(rows, "bare server"), flush=True)
    for note in notes:
        print(f"\nFAILED {note}")
    print(
        "\nBaseline, measured in this run: Starlette's hello-world on uvicorn (same settings as "
        "the relay, its own process) taking the same signed requests from the same client "
        "processes, and ignoring the signatures. Client and server share this machine's "
        f"{os.cpu_count()} cores. {time.perf_counter() - start:.0f} s in all."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
