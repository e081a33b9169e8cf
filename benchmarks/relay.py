"""Relay throughput and latency with concurrent clients, beside a bare endpoint in the same run.

    .venv/bin/python benchmarks/relay.py                 # 20 clients: 100 small + 10 large each
    .venv/bin/python benchmarks/relay.py --quick         # 10 small + 2 large each: ~10 s
    .venv/bin/python benchmarks/relay.py --smoke         # 2 clients, 3 small + 1 large each
    .venv/bin/python benchmarks/relay.py --py-spy DIR    # also profile both servers (py-spy)

The relay is a real process (`liaison-desk relay serve --port 0 --data ...`) with its
rate limits raised out of the way (--rate/--burst and --address-rate/--address-burst at
1,000,000: this measures throughput, not the limiters). HQ is a real vault (Argon2id
floor); the stations are vault-less identities HQ enrols, and HQ uploads its roster with
`sync_online` as a real HQ does.

Each client is a process of its own: every relay request is signed with ML-DSA-87 and
ECDSA P-384 (about a millisecond of CPU) and httpx is pure Python, so client threads
in one process would share one core through the GIL; processes let the clients and the
servers share the machine's cores as separate programs do. Every relay request goes
through `liaison_desk.sync.relay_client.RelayClient`, as `sync online` sends it: uploads stream
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
it reports, it does not gate. The client processes are in relay_clients.py, the two server
processes in relay_servers.py; report.py is shared with the other benchmarks.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import starlette
import uvicorn

from liaison_desk.core.identity_keys import SecretKeys
from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.vault import Vault
from liaison_desk.sync.identity import Identity
from liaison_desk.sync.online import sync_online
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import add_peer
from liaison_desk.sync.request_signing import read_claims, sign_request, verify_claims

from relay_clients import MIB, Clients, Job, Measured, Setup
from relay_servers import UNLIMITED, Server, start_bare, start_relay
from report import Row, log, percentile, ratio, table, verdict

PASSPHRASE = "benchmark amber harbor lantern 42"
TARGET = 0.5  # the issue: at least half the baseline's requests/s for small bundles


# -- the run ------------------------------------------------------------------------------------


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
        f"httpx {httpx.__version__}; relay rate limits --rate/--burst and "
        f"--address-rate/--address-burst {UNLIMITED} (out of the way)",
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
