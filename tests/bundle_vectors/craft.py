"""Writing `.ldbundle` files at the byte level, including every way of getting one wrong.

`liaison_desk.sync.bundle.write_bundle` only writes good bundles. The test kit
and the hostile-input tests also need bundles whose header lies, whose chunks
are reordered or mis-flagged, or that are signed by the wrong key, yet are
otherwise perfect (re-signed after the change), so that each one trips exactly
one check. A bundle is held here as its parts; change a part, re-seal or
re-sign as the case needs, then assemble.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, replace

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from liaison_desk.sync.bundle import (
    CHUNK_SIZE,
    CONTEXT,
    MAGIC,
    SUITE,
    TAG,
    VERSION,
    _nonce,
    _signed_message,
)
from liaison_desk.sync.identity import Identity, PeerIdentity

ORIGIN = "0123456789abcdef"  # the sender's incarnation in every vector
CREATED_MS = 1_780_000_000_000
_PREFIX = struct.Struct(">8sHH48s48sQ8sQQI")  # the preamble and header, any values allowed
HEADER_LEN = _PREFIX.size - 12


@dataclass(frozen=True)
class Header:
    """Every header field, including the ones a valid bundle fixes (magic, version, length)."""

    sender: str
    recipient: str
    payload_len: int
    chunk_size: int = CHUNK_SIZE
    bundle_seq: int = 1
    origin: str = ORIGIN
    created_ms: int = CREATED_MS
    magic: bytes = MAGIC
    version: int = VERSION
    header_len: int = HEADER_LEN

    def pack(self) -> bytes:
        return _PREFIX.pack(
            self.magic,
            self.version,
            self.header_len,
            bytes.fromhex(self.sender),
            bytes.fromhex(self.recipient),
            self.bundle_seq,
            bytes.fromhex(self.origin),
            self.created_ms,
            self.payload_len,
            self.chunk_size,
        )

    @classmethod
    def unpack(cls, data: bytes) -> Header:
        magic, version, header_len, sender, recipient, seq, origin, created, length, chunk = (
            _PREFIX.unpack_from(data)
        )
        return cls(
            sender.hex(),
            recipient.hex(),
            length,
            chunk,
            seq,
            origin.hex(),
            created,
            magic,
            version,
            header_len,
        )


@dataclass(frozen=True)
class Parts:
    """A bundle taken apart: assemble() lays them out exactly as the format does."""

    header: Header
    sealed: bytes
    chunks: tuple[bytes, ...]
    mldsa87: bytes
    ecdsa_p384: bytes
    sealed_len: int | None = None  # the length field, when it should lie
    mldsa87_len: int | None = None
    ecdsa_p384_len: int | None = None
    trailing: bytes = b""

    @property
    def ciphertext(self) -> bytes:
        return b"".join(self.chunks)

    def message(self) -> bytes:
        """What both signatures sign: digests of the header, the sealed key and the chunks."""
        return _signed_message(
            hashlib.sha384(self.header.pack()).digest(),
            self.sealed,
            hashlib.sha384(self.ciphertext).digest(),
        )

    def assemble(self) -> bytes:
        def field(value: int | None, body: bytes) -> bytes:
            return struct.pack(">H", len(body) if value is None else value) + body

        return b"".join(
            (
                self.header.pack(),
                field(self.sealed_len, self.sealed),
                self.ciphertext,
                field(self.mldsa87_len, self.mldsa87),
                field(self.ecdsa_p384_len, self.ecdsa_p384),
                self.trailing,
            )
        )


def encrypt_chunks(
    file_key: bytes, payload: bytes, chunk_size: int, final: Iterable[bool] | None = None
) -> tuple[bytes, ...]:
    """STREAM-encrypt `payload`; `final` overrides the last-chunk flags (default: last only)."""
    pieces = [payload[at : at + chunk_size] for at in range(0, len(payload), chunk_size)] or [b""]
    flags = list(final) if final is not None else [i == len(pieces) - 1 for i in range(len(pieces))]
    aead = AESGCM(file_key)
    return tuple(
        aead.encrypt(_nonce(i, flag), piece, None)
        for i, (piece, flag) in enumerate(zip(pieces, flags, strict=True))
    )


def seal(file_key: bytes, recipient: PeerIdentity, header: Header) -> bytes:
    return SUITE.encrypt(file_key, recipient.keys.kem_key(), info=CONTEXT + header.pack())


def unseal(parts: Parts, recipient: Identity) -> bytes:
    """The file key, opened with the recipient's secret key (the header is the HPKE info)."""
    return SUITE.decrypt(parts.sealed, recipient.kem_key, info=CONTEXT + parts.header.pack())


def sign(parts: Parts, signer: Identity) -> Parts:
    signatures = signer.sign(parts.message(), CONTEXT)
    return replace(parts, mldsa87=signatures.mldsa87, ecdsa_p384=signatures.ecdsa_p384)


def build(
    sender: Identity,
    recipient: PeerIdentity,
    payload: bytes,
    file_key: bytes,
    *,
    chunk_size: int = CHUNK_SIZE,
    **header: int | str,
) -> Parts:
    """A correct, signed bundle carrying `payload` (already compressed) as written."""
    head = Header(sender.fingerprint, recipient.fingerprint, len(payload), chunk_size)
    head = replace(head, **header)  # type: ignore[arg-type]
    chunks = encrypt_chunks(file_key, payload, chunk_size)
    parts = Parts(head, seal(file_key, recipient, head), chunks, b"", b"")
    return sign(parts, sender)


def parse(data: bytes) -> Parts:
    """Take a well-formed bundle apart (the header's sizes say where each part ends)."""
    header = Header.unpack(data)
    at = _PREFIX.size
    (sealed_len,) = struct.unpack_from(">H", data, at)
    sealed = data[at + 2 : at + 2 + sealed_len]
    at += 2 + sealed_len
    chunks = []
    remaining = header.payload_len
    while True:
        size = min(header.chunk_size, remaining)
        chunks.append(data[at : at + size + TAG])
        at += size + TAG
        remaining -= size
        if remaining == 0:
            break
    (ml_len,) = struct.unpack_from(">H", data, at)
    mldsa87 = data[at + 2 : at + 2 + ml_len]
    at += 2 + ml_len
    (ec_len,) = struct.unpack_from(">H", data, at)
    ecdsa = data[at + 2 : at + 2 + ec_len]
    return Parts(header, sealed, tuple(chunks), mldsa87, ecdsa, trailing=data[at + 2 + ec_len :])


def decrypt(parts: Parts, file_key: bytes) -> bytes:
    """The compressed payload of a well-formed bundle."""
    aead = AESGCM(file_key)
    last = len(parts.chunks) - 1
    return b"".join(aead.decrypt(_nonce(i, i == last), c, None) for i, c in enumerate(parts.chunks))


def compress(items: Iterable[bytes], level: int = 6) -> bytes:
    return zlib.compress(b"".join(items), level)


def spliced_zlib(pieces: Iterable[tuple[bytes, int]], level: int = 9) -> bytes:
    """One valid zlib stream of each (data, times) piece repeated `times` times, made cheaply.

    Each piece is deflated once after a full flush (so it refers to nothing
    before it) and its output repeated; the Adler-32 trailer is computed over
    the whole inflated stream. This is how a gigabyte bomb is made in a second.
    """
    out = [b"\x78\xda"]
    adler = 1
    for data, times in pieces:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        block = compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)
        out.append(block * times)
        for _ in range(times):
            adler = zlib.adler32(data, adler)
    out.append(zlib.compressobj(level, zlib.DEFLATED, -15).flush(zlib.Z_FINISH))
    out.append(adler.to_bytes(4, "big"))
    return b"".join(out)
