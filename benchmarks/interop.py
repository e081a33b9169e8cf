"""vCard import and export speed, each beside vobject's own bare work measured in the same run.

    .venv/bin/python benchmarks/interop.py              # 10,000 cards
    .venv/bin/python benchmarks/interop.py --quick      # 1,000 cards
    .venv/bin/python benchmarks/interop.py --smoke      # 20 cards: what `make test` runs
    .venv/bin/python benchmarks/interop.py --cards 50000

The file is generated (fixed by --seed) as Apple Contacts writes vCard 3.0: item groups,
TYPE parameters, ORG with units, folded notes, and an inline JPEG photo on one card in ten;
each card is as rich as a phone's: a nickname, three typed phones (one with an extension),
two emails, two addresses, a web page, a Skype handle, a birthday and a spouse's name.

- "bare parse" is the maintained library alone: `vobject.readComponents` over the file's
  text, every component built and transformed as a plain vobject user gets them.
- "import" is what `liaison-desk contact import` does, with a progress callback attached:
  read and decode the file (vobject's line parser, our value decoding), check every card
  and look for duplicates (the preview), then write contacts, organizations and photos in
  one transaction into a real encrypted vault (every record validated, stamped, logged to
  the oplog and indexed for search; each card's phones, emails, addresses, handles and
  relation are records of their own). The target: at most 3x the bare parse.
- "re-import" is the same file again with --on-duplicate merge: every card a duplicate.
- "export" writes every contact back as vCard 3.0 (organization chains, photos); beside it,
  vobject serializing the components of its bare parse.
- The CLI line runs the installed console script end to end (process start, unlock at the
  test KDF floor, import), for what a user waits in a terminal.

The vault is created at the KDF floor: unlocking is measured by benchmarks/vault.py, not
here. Everything lives in a temporary directory deleted at the end; the script reports,
it does not gate (exit 0).
"""

from __future__ import annotations

import argparse
import base64
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import vobject

from liaison_desk.core.interop.contact_export import vcard_bytes
from liaison_desk.core.interop.contact_import import apply_import, preview
from liaison_desk.core.interop.vcard import read_vcards
from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.records import Contact
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault

from corpus import LAST_NAMES, PLACES, ascii_fold, words
from report import Row, log, ratio, table, verdict

T = TypeVar("T")
PASSPHRASE = "benchmark amber harbor lantern 42"
MIB = 1024 * 1024
_FIRST = words(
    "Camille Julien Hélène Mathieu Océane Jonas Anneliese Lukas Sabine Jürgen Haruto Yui "
    "Sota Aoi Ren João Rafael Beatriz Wanjiru Otieno Achieng Aarav Priya Katarzyna Piotr "
    "Zofia Émilie Liam Chloé Ingrid Lars Dimitris Eleni Giulia Marco Lucía Amadou Fatou"
)
_MINISTRIES = (
    "Ministère des Armées",
    "Bundesministerium der Verteidigung",
    "Ministry of Defence",
    "Ministerstwo Obrony Narodowej",
    "防衛省",
    "Ministério da Defesa",
)
_UNITS = ("Direction générale", "International Relations", "Navy Staff", "Air Staff", "Policy")
_TITLES = ("Colonel", "Commander", "Major", "Dr", "Ms", "Mr", "Brigadier General", "")


def _fold(line: str, width: int = 75) -> str:
    """Fold as Apple does: continuation lines start with a space."""
    out = [line[:width]]
    rest = line[width:]
    while rest:
        out.append(" " + rest[: width - 1])
        rest = rest[width - 1 :]
    return "\r\n".join(out)


def make_card(rng: random.Random, i: int, photo: bytes | None) -> str:
    # Every card a different person: duplicates are measured by the re-import, not here.
    first = _FIRST[i % len(_FIRST)]
    last = LAST_NAMES[i // len(_FIRST) % len(LAST_NAMES)]
    first += f" {chr(65 + i // (len(_FIRST) * len(LAST_NAMES)) % 26)}."
    title = rng.choice(_TITLES)
    ministry = rng.choice(_MINISTRIES)
    unit = rng.choice(_UNITS)
    city = rng.choice(PLACES)
    email = f"{ascii_fold(first)}.{ascii_fold(last)}.{i}@{ascii_fold(city)}.example.org"
    note = (
        f"Met at the {rng.choice(('reception', 'staff talks', 'exercise', 'course'))} in "
        f"{city}\\, introduced by the {rng.choice(('naval', 'air', 'army'))} attaché. "
        + "Interested in training exchanges and interoperability\\; follow up in spring. "
        * 2
    )
    country = rng.randint(30, 99)
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "PRODID:-//Apple Inc.//macOS 14.4.1//EN",
        f"N:{last};{first};;{title};",  # the initial sits with the given name
        f"FN:{first} {last}",
        f"NICKNAME:{first.split()[0]}",
        f"ORG:{ministry};{unit};",
        f"TITLE:{rng.choice(('Liaison officer', 'Head of cooperation', 'Naval attaché'))}",
        f"item1.EMAIL;type=INTERNET;type=pref:{email}",
        "item1.X-ABLabel:_$!<Other>!$_",
        f"EMAIL;type=INTERNET;type=HOME:{ascii_fold(first)}.{i}@mail.example.com",
        f"TEL;type=CELL;type=VOICE;type=pref:+{country} 6 {rng.randint(10, 99)} "
        f"{rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        f"TEL;type=WORK;type=VOICE:+{country} 1 {rng.randint(100, 999)} "
        f"{rng.randint(1000, 9999)} x{rng.randint(10, 999)}",
        f"TEL;type=WORK;type=FAX:+{country} 1 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        f"item2.ADR;type=WORK;type=pref:;;{rng.randint(1, 200)} Avenue {last};{city};;"
        f"{rng.randint(10000, 99999)};",
        f"item3.ADR;type=HOME:;;{rng.randint(1, 90)} Rue {first.split()[0]};{city};;"
        f"{rng.randint(10000, 99999)};",
        f"item4.URL;type=pref:https\\://{ascii_fold(last).lower()}.example.org/",
        "item4.X-ABLabel:_$!<HomePage>!$_",
        f"IMPP;X-SERVICE-TYPE=Skype;type=pref:skype:{ascii_fold(first)}{i}",
        f"BDAY;value=date:{rng.randint(1955, 1995)}-{rng.randint(1, 12):02d}-"
        f"{rng.randint(1, 28):02d}",
        f"item5.X-ABRELATEDNAMES:{rng.choice(_FIRST)} {last}",
        "item5.X-ABLabel:_$!<Spouse>!$_",
        _fold(f"NOTE:{note}"),
        f"CATEGORIES:{rng.choice(('navy', 'army', 'air'))},{rng.choice(('vip', 'training'))}",
    ]
    if photo is not None:
        lines.append(_fold("PHOTO;ENCODING=b;TYPE=JPEG:" + base64.b64encode(photo).decode()))
    lines.append("END:VCARD")
    return "\r\n".join(lines) + "\r\n"


def make_file(path: Path, cards: int, photos: float, seed: int) -> None:
    rng = random.Random(seed)
    jpeg = b"\xff\xd8\xff\xe0" + rng.randbytes(3_000)
    with path.open("w", encoding="utf-8", newline="") as out:
        for i in range(cards):
            out.write(make_card(rng, i, jpeg if rng.random() < photos else None))


def timed(work: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f} cards/s"


def bare_parse(path: Path) -> list[Any]:
    return list(vobject.readComponents(path.read_text(encoding="utf-8")))


def run(cards: int, photos: float, seed: int, work: Path) -> list[Row]:
    path = work / "contacts.vcf"
    make_file(path, cards, photos, seed)
    size = path.stat().st_size
    log(f"{cards:,} cards, {size / MIB:,.1f} MiB")

    bare_times: list[float] = []
    components: list[Any] = []
    for _ in range(3):
        seconds, components = timed(lambda: bare_parse(path))
        bare_times.append(seconds)
    bare = statistics.median(bare_times)
    log(f"bare parse: {', '.join(f'{t:.2f} s' for t in bare_times)}")

    vault, _ = Vault.create(work / "vault", PASSPHRASE, name="Benchmark", kdf=KdfParams.floor())
    calls = [0]

    def progress(done: int, total: int) -> None:
        calls[0] += 1

    try:
        read_s, parsed = timed(lambda: read_vcards(path, progress))
        preview_s, _ = timed(lambda: preview(vault.store, parsed))
        write_s, summary = timed(lambda: apply_import(vault, parsed, progress=progress))
        ours = read_s + preview_s + write_s
        log(f"import: read {read_s:.2f} s, preview {preview_s:.2f} s, write {write_s:.2f} s")
        stored = vault.store.count(Contact)
        again_s, _ = timed(
            lambda: apply_import(vault, read_vcards(path), on_duplicate="merge", progress=progress)
        )
        export_times = [timed(lambda: vcard_bytes(vault.store, ListQuery()))[0] for _ in range(3)]
        export = statistics.median(export_times)
        serialize = statistics.median(
            timed(lambda: [c.serialize() for c in components])[0] for _ in range(3)
        )
    finally:
        vault.lock()

    cli = cli_import(path, work)
    share = ours / bare
    return [
        Row(
            f"file: {cards:,} vCard 3.0 cards, {photos:.0%} with a photo", f"{size / MIB:,.1f} MiB"
        ),
        Row(
            "import (read, check and preview, write in one transaction)",
            rate(cards, ours),
            rate(cards, bare) + " (parse)",
            f"{share:.2f}x",
            "<= 3x",
            verdict(share <= 3),
        ),
        Row(
            "  read and decode (vobject's line parser + our values)",
            rate(cards, read_s),
            rate(cards, bare),
            ratio(read_s, bare),
        ),
        Row("  check every card, find duplicates (the preview)", rate(cards, preview_s)),
        Row("  write contacts, organizations, photos (one transaction)", rate(cards, write_s)),
        Row("  contacts stored / progress reports", f"{stored:,} / {calls[0]:,}"),
        Row("  new organizations / photos", f"{summary.organizations:,} / {summary.photos:,}"),
        Row(
            "re-import, every card a duplicate (--on-duplicate merge)",
            rate(cards, again_s),
            rate(cards, bare) + " (parse)",
            ratio(again_s, bare),
        ),
        Row(
            f"export {stored:,} contacts as vCard 3.0",
            rate(stored, export),
            rate(cards, serialize) + " (serialize)",
            ratio(export, serialize),
        ),
        Row(
            "CLI end to end: liaison-desk contact import (start, unlock, import)",
            f"{cli:.2f} s" if cli else "not installed",
        ),
    ]


def cli_import(path: Path, work: Path) -> float | None:
    """Wall time of the console script importing the file into a fresh vault."""
    script = Path(sys.executable).parent / "liaison-desk"
    if not script.exists():
        return None
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_DESK_")}
    env["LIAISON_DESK_PASSPHRASE"] = PASSPHRASE
    vault = work / "cli-vault"
    subprocess.run(
        [
            str(script),
            "--vault",
            str(vault),
            "init",
            "--name",
            "CLI",
            "--kdf-memory",
            "64",
            "--kdf-iterations",
            "1",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    start = time.perf_counter()
    subprocess.run(
        [str(script), "--vault", str(vault), "contact", "import", str(path)],
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--photos", type=float, default=0.1, help="share of cards with a photo")
    parser.add_argument("--seed", type=int, default=20_260_314)
    parser.add_argument("--tmp", type=Path, default=None, help="parent of the work directory")
    parser.add_argument("--quick", action="store_true", help="1,000 cards")
    parser.add_argument("--smoke", action="store_true", help="20 cards: seconds")
    args = parser.parse_args(argv)
    if args.quick:
        args.cards = 1_000
    if args.smoke:
        args.cards = 20
    if args.cards < 1 or not 0 <= args.photos <= 1:
        parser.error("--cards must be positive and --photos between 0 and 1")
    print(
        f"Liaison Desk interop benchmark: {args.cards:,} vCards, seed {args.seed}\n"
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"vobject {vobject.VERSION}",
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="liaison-interop-", dir=args.tmp))
    start = time.perf_counter()
    try:
        rows = run(args.cards, args.photos, args.seed, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows.append(Row("peak RSS of this process", f"{peak / 1024:,.0f} MiB"))
    print()
    print(table(rows, "vobject bare"))
    print(
        "\nratio = liaison desk time / vobject's time for the same cards (lower is better). "
        f"{time.perf_counter() - start:.0f} s in all."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
