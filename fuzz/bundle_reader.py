"""Fuzz target for the bundle reader: any exception but BundleRefused, or a hang, is a bug.

Run with atheris (libFuzzer for Python), installed into the venv for the run:

    .venv/bin/pip install atheris
    .venv/bin/python fuzz/bundle_reader.py -max_total_time=600 -timeout=5 \
        -artifact_prefix=fuzz/corpus/

Extra arguments go to libFuzzer. The first byte of each input picks what the
rest is fed to, so mutations reach every layer, not only the signature check
that guards the rest of a file:

    0  a whole file, read as HQ (header, lengths, signatures, unsealing)
    1  a chunk size (its first byte), then an item stream, compressed, sealed and
       signed by the enrolled station, and read back whole (chunks, decryption,
       inflation, items, ops)
    2  an item stream, compressed and split (no cryptography: fast)
    3  a compressed payload, inflated and split
    4  the JSON of one op

Each input that raises anything else is saved in fuzz/corpus/ (named by the
exception and the input's hash; the first three for each place that raises)
and the run goes on; --stop-on-failure stops at the first instead. A hang is
caught by libFuzzer's -timeout, which saves the input as fuzz/corpus/timeout-<hash>
when run with -artifact_prefix=fuzz/corpus/. tests/sync/test_fuzz_corpus.py
replays every file in fuzz/corpus/.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import traceback
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus"
MODES = ("file", "signed", "items", "compressed", "op")
MAX_SEED = 64 * 1024
KEEP = 3  # inputs saved per place a failure is raised (the same bug is hit again and again)


class Target:
    """The reader, set up once: HQ's fixed identity and peers, and a file to write inputs to."""

    def __init__(self, scratch: Path) -> None:
        # Imported here, not at the top, so that atheris can instrument them as they load.
        from liaison_desk.sync import payload
        from liaison_desk.sync.bundle import MIN_CHUNK
        from liaison_desk.sync.errors import BundleRefused
        from tests.bundle_vectors import craft, identities, reader

        self.payload, self.craft, self.reader = payload, craft, reader
        self.refused = BundleRefused
        self.min_chunk = MIN_CHUNK
        self.ids = identities.load()
        self.me = self.ids[identities.RECIPIENT]
        self.lookup = identities.lookup(self.ids)
        self.file = scratch / "input.ldbundle"

    def check(self, data: bytes) -> str:
        """Feed one input to the reader; return `accepted` or the refusal reason."""
        if not data:
            return "no-input"
        mode, body = MODES[data[0] % len(MODES)], data[1:]
        try:
            if mode == "file":
                self.file.write_bytes(body)
                self.reader.read_bundle(self.file, self.me, self.lookup)
            elif mode == "signed":
                station = self.ids["station"]
                key = hashlib.sha256(body).digest()
                chunk = self.min_chunk << (body[0] % 11 if body else 0)  # 1 KiB to 1 MiB
                packed = zlib.compress(body[1:], 1)
                parts = self.craft.build(station, self.me.public, packed, key, chunk_size=chunk)
                self.file.write_bytes(parts.assemble())
                self.reader.read_bundle(self.file, self.me, self.lookup)
            elif mode == "items":
                packed = zlib.compress(body, 1)
                self.reader.read_items(self.payload.items(self._pieces(packed), len(packed)))
            elif mode == "compressed":
                self.reader.read_items(self.payload.items(self._pieces(body), len(body)))
            else:
                self.reader.read_items([self.payload.Item(self.payload.OP, body)])
        except self.refused as refused:
            return str(refused.reason)
        return self.reader.ACCEPTED

    def _pieces(self, data: bytes) -> list[bytes]:
        """The payload as decrypted chunks would hand it over (1 KiB pieces)."""
        step = self.min_chunk
        return [data[at : at + step] for at in range(0, len(data), step)] or [b""]

    def seeds(self) -> list[bytes]:
        """Inputs for every mode, taken from the test kit's vectors."""
        from tests.bundle_vectors import generate

        out = []
        for path in sorted(generate.HERE.glob(f"*{generate.SUFFIX}")):
            data = path.read_bytes()
            if len(data) > MAX_SEED:
                continue
            out.append(b"\x00" + data)
            if not path.name.startswith("accepted-"):
                continue
            parts = self.craft.parse(data)
            packed = self.craft.decrypt(parts, self.craft.unseal(parts, self.me))
            stream = zlib.decompress(packed)
            if len(stream) <= MAX_SEED:
                out += [b"\x01\x00" + stream, b"\x02" + stream, b"\x03" + packed]
            for item in self.payload.items([packed], len(packed)):
                if item.kind == self.payload.OP and len(item.body) < MAX_SEED:
                    out.append(b"\x04" + item.body)
        return out


def save(data: bytes, exc: BaseException) -> Path:
    """Keep an input that broke the reader, named by what it raised and its hash."""
    CORPUS.mkdir(exist_ok=True)
    path = CORPUS / f"{type(exc).__name__}-{hashlib.sha256(data).hexdigest()[:16]}.bin"
    path.write_bytes(data)
    return path


def main(argv: list[str]) -> None:
    import atheris

    stop = "--stop-on-failure" in argv
    argv = [a for a in argv if a != "--stop-on-failure"]
    scratch = Path(tempfile.mkdtemp(prefix="ldfuzz-"))
    with atheris.instrument_imports(include=["liaison_desk", "tests.bundle_vectors"]):
        target = Target(scratch)
    work = [a for a in argv[1:] if not a.startswith("-")]
    if not work:  # libFuzzer grows the first corpus directory: keep it out of the tree
        work_dir = scratch / "work"
        work_dir.mkdir()
        for n, seed in enumerate(target.seeds()):
            (work_dir / f"seed-{n:04d}").write_bytes(seed)
        argv = [*argv, str(work_dir)]
    seen: dict[str, int] = {}  # where a failure was raised -> how many times

    def one_input(data: bytes) -> None:
        try:
            target.check(data)
        except Exception as exc:
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{type(exc).__name__} at {frame.filename}:{frame.lineno}"
            count = seen[where] = seen.get(where, 0) + 1
            if count <= KEEP:
                path = save(data, exc)
                print(f"\nFAILURE saved to {path}:\n{traceback.format_exc()}", file=sys.stderr)
            if count & (count - 1) == 0:  # 1, 2, 4, 8...: the log says how often, briefly
                print(f"FAILURES so far: {count} {where}", file=sys.stderr)
            if stop:
                raise

    atheris.Setup(argv, one_input)
    atheris.Fuzz()  # never returns: libFuzzer exits the process


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(sys.argv)
