"""The `.ldbundle` file: header, sealed file key, STREAM-encrypted payload, two signatures.

The layout is specified byte for byte in docs/bundle-format.md; this module is
its reference implementation. Reading follows a fixed order and never skips a
step: open only a regular file, refuse one larger than the reader's limit
before hashing a byte, check the sender is enrolled and the recipient is us,
bound every length against the file's real size, verify both signatures over
the whole file, unseal the file key, then decrypt chunk by chunk. Both directions stream, so
memory stays flat however large the bundle is.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from liaison_desk.core.errors import FileRefused
from liaison_desk.core.user_files import open_regular, size_text
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.identity import (
    MAX_ECDSA_SIGNATURE,
    MLDSA87_SIGNATURE,
    Identity,
    PeerIdentity,
    Signatures,
)

MAGIC = b"LDBUNDLE"
VERSION = 1
CONTEXT = b"liaison-desk/bundle/v1"
SUITE = hpke.Suite(hpke.KEM.MLKEM1024_P384, hpke.KDF.HKDF_SHA384, hpke.AEAD.AES_256_GCM)
FILE_KEY = 32
SEALED_KEY = 1665 + FILE_KEY + 16  # ML-KEM-1024+P-384 encapsulation, then the sealed key
TAG = 16
CHUNK_SIZE = 64 * 1024
MIN_CHUNK, MAX_CHUNK = 1024, 1024 * 1024
MAX_PAYLOAD = 1 << 40
DEFAULT_MAX_BUNDLE = 2 << 30  # the largest file a reader hashes unless told otherwise

_PREAMBLE = struct.Struct(">8sHH")  # magic, version, header length
_HEADER = struct.Struct(">48s48sQ8sQQI")
_U16 = struct.Struct(">H")
PREFIX = _PREAMBLE.size + _HEADER.size
_READ = 1024 * 1024


@dataclass(frozen=True)
class Header:
    sender: str  # fingerprint, hex
    recipient: str
    bundle_seq: int
    origin: str  # the sender's incarnation (8 bytes, hex)
    created_ms: int
    payload_len: int  # compressed plaintext bytes
    chunk_size: int = CHUNK_SIZE

    def pack(self) -> bytes:
        return _PREAMBLE.pack(MAGIC, VERSION, _HEADER.size) + _HEADER.pack(
            bytes.fromhex(self.sender),
            bytes.fromhex(self.recipient),
            self.bundle_seq,
            bytes.fromhex(self.origin),
            self.created_ms,
            self.payload_len,
            self.chunk_size,
        )

    @property
    def chunks(self) -> int:
        return max(1, -(-self.payload_len // self.chunk_size))

    @property
    def ciphertext_len(self) -> int:
        return self.payload_len + TAG * self.chunks


def _nonce(index: int, last: bool) -> bytes:
    """STREAM nonce (as in age): an 11-byte big-endian chunk counter, then the last-chunk flag."""
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _signed_message(prefix_digest: bytes, sealed: bytes, ciphertext_digest: bytes) -> bytes:
    return prefix_digest + hashlib.sha384(sealed).digest() + ciphertext_digest


# -- writing ------------------------------------------------------------------------------------


def write_bundle(
    out: BinaryIO,
    me: Identity,
    recipient: PeerIdentity,
    bundle_seq: int,
    origin: str,
    created_ms: int,
    payload: Iterable[bytes],
    random_bytes: Callable[[int], bytes] = os.urandom,
) -> int:
    """Write a bundle to `out` (a new file opened for reading and writing); return its size.

    The payload length is known only at the end, so the header and sealed key are
    written last into space reserved for them (both have fixed sizes).
    """
    file_key = random_bytes(FILE_KEY)
    aead = AESGCM(file_key)
    start = out.tell()
    out.write(bytes(PREFIX + _U16.size + SEALED_KEY))
    ciphertext = hashlib.sha384()
    length = index = 0
    pending = b""
    buffer = bytearray()

    def emit(chunk: bytes, last: bool) -> None:
        nonlocal index
        sealed = aead.encrypt(_nonce(index, last), chunk, None)
        ciphertext.update(sealed)
        out.write(sealed)
        index += 1

    for piece in payload:
        buffer += piece
        length += len(piece)
        while len(buffer) > CHUNK_SIZE:  # keep one chunk back: only the last one is flagged
            if pending:
                emit(pending, False)
            pending = bytes(buffer[:CHUNK_SIZE])
            del buffer[:CHUNK_SIZE]
    if pending and buffer:
        emit(pending, False)
        emit(bytes(buffer), True)
    elif pending:
        emit(pending, True)
    else:
        emit(bytes(buffer), True)

    header = Header(me.fingerprint, recipient.fingerprint, bundle_seq, origin, created_ms, length)
    prefix = header.pack()
    sealed_key = SUITE.encrypt(file_key, recipient.keys.kem_key(), info=CONTEXT + prefix)
    signatures = me.sign(
        _signed_message(hashlib.sha384(prefix).digest(), sealed_key, ciphertext.digest()),
        CONTEXT,
    )
    for signature in (signatures.mldsa87, signatures.ecdsa_p384):
        out.write(_U16.pack(len(signature)) + signature)
    end = out.tell()
    out.seek(start)
    out.write(prefix + _U16.pack(len(sealed_key)) + sealed_key)
    out.seek(end)
    return end - start


# -- reading ------------------------------------------------------------------------------------

PeerLookup = Callable[[str], "tuple[PeerIdentity, bool] | None"]  # identity, still enrolled


def _refuse(reason: str, message: str) -> BundleRefused:
    return BundleRefused(reason, message)


def _read(f: BinaryIO, n: int) -> bytes:
    """Up to `n` bytes; a failing read (a drive pulled out mid-import) is a refusal too."""
    try:
        return f.read(n)
    except OSError as exc:
        raise _refuse(
            "unreadable", f"The bundle could not be read to the end ({exc.strerror})."
        ) from exc


def _read_exact(f: BinaryIO, n: int) -> bytes:
    data = _read(f, n)
    if len(data) != n:
        raise _refuse("truncated", "The bundle is truncated (the file ends early).")
    return data


def _open(path: Path) -> BinaryIO:
    """The bundle file, if it is a regular file: a pipe or a device named like one is refused."""
    try:
        return open_regular(path)
    except FileRefused as exc:  # an OSError behind it: missing, or not ours to read
        unreadable = isinstance(exc.__cause__, OSError)
        raise _refuse("unreadable" if unreadable else "not-a-file", exc.message) from exc


def read_header(f: BinaryIO, size: int) -> Header:
    """Parse and bound the header; `size` is the file's real length."""
    if size == 0:
        raise _refuse("empty", "The file is empty; it is not a bundle.")
    head = _read(f, PREFIX)
    if len(head) < len(MAGIC) or head[: len(MAGIC)] != MAGIC:
        raise _refuse("not-a-bundle", "This file is not a Liaison Desk bundle.")
    if len(head) < _PREAMBLE.size:
        raise _refuse("truncated", "The bundle is truncated (the file ends early).")
    _, version, header_len = _PREAMBLE.unpack(head[: _PREAMBLE.size])
    if version != VERSION:
        raise _refuse(
            "unsupported-version",
            f"The bundle uses format version {version}; this Liaison Desk reads version "
            f"{VERSION}. Update the application.",
        )
    if header_len != _HEADER.size:
        raise _refuse("malformed-header", "The bundle's header has the wrong length.")
    if len(head) < PREFIX:
        raise _refuse("truncated", "The bundle is truncated (the file ends early).")
    sender, recipient, seq, origin, created, payload_len, chunk = _HEADER.unpack(
        head[_PREAMBLE.size :]
    )
    if not (MIN_CHUNK <= chunk <= MAX_CHUNK) or chunk & (chunk - 1):
        raise _refuse("malformed-header", "The bundle's chunk size is out of bounds.")
    if payload_len > MAX_PAYLOAD:
        raise _refuse("malformed-header", "The bundle's header claims an impossible size.")
    if seq == 0:
        raise _refuse("malformed-header", "The bundle's sequence number is zero.")
    header = Header(sender.hex(), recipient.hex(), seq, origin.hex(), created, payload_len, chunk)
    least = PREFIX + _U16.size + SEALED_KEY + header.ciphertext_len + 2 * _U16.size
    if least + MLDSA87_SIGNATURE > size:
        raise _refuse("truncated", "The bundle is shorter than its header says; it is truncated.")
    return header


@dataclass
class VerifiedBundle:
    """A bundle whose sender, recipient, sizes and signatures have all been checked."""

    path: Path
    header: Header
    sender: PeerIdentity
    digest: str  # SHA-384 over the signed message: names this exact bundle
    _file_key: bytes
    _ciphertext_digest: bytes

    def chunks(self) -> Iterator[bytes]:
        """Decrypted payload, chunk by chunk, in order; refuses any reordered or altered chunk."""
        aead = AESGCM(self._file_key)
        header = self.header
        recomputed = hashlib.sha384()
        with _open(self.path) as f:
            f.seek(PREFIX + _U16.size + SEALED_KEY)
            remaining = header.payload_len
            for index in range(header.chunks):
                size = min(header.chunk_size, remaining)
                remaining -= size
                sealed = _read_exact(f, size + TAG)
                recomputed.update(sealed)
                try:
                    yield aead.decrypt(_nonce(index, index == header.chunks - 1), sealed, None)
                except InvalidTag:
                    raise _refuse(
                        "chunk-corrupt",
                        f"Part {index + 1} of the bundle fails its integrity check.",
                    ) from None
        if recomputed.digest() != self._ciphertext_digest:
            raise _refuse("changed-while-reading", "The bundle file changed while it was read.")


def too_large(size: int, max_size: int) -> BundleRefused:
    """The refusal of a bundle over this vault's limit, on a drive or waiting on the relay."""
    return _refuse(
        "too-large",
        f"The bundle is {size_text(size)}, more than the {size_text(max_size)} this vault "
        "accepts; if it is expected, raise the limit with `liaison-desk sync max-bundle`.",
    )


def peek_header(path: Path) -> tuple[Header, int]:
    """A bundle file's header and the file's size, nothing verified: to say whose bundle a
    refusal before verification (`too-large`) was about."""
    with _open(path) as f:
        size = os.fstat(f.fileno()).st_size
        return read_header(f, size), size


def open_bundle(
    path: Path, me: Identity, lookup: PeerLookup, max_size: int = DEFAULT_MAX_BUNDLE
) -> VerifiedBundle:
    """Check everything that can be checked before decrypting; raise BundleRefused if not.

    A file larger than `max_size` is refused after its header, before a byte is
    hashed: a sparse file claiming a terabyte costs a few kilobytes of reading.
    """
    with _open(path) as f:
        size = os.fstat(f.fileno()).st_size
        header = read_header(f, size)
        if size > max_size:
            raise too_large(size, max_size)
        if header.recipient != me.fingerprint:
            raise _refuse(
                "wrong-recipient", "This bundle is addressed to another vault, not this one."
            )
        found = lookup(header.sender)
        if found is None:
            raise _refuse("unknown-sender", "This bundle comes from a vault that is not enrolled.")
        sender, active = found
        if not active:
            raise _refuse("revoked-sender", "This bundle comes from a revoked station.")
        prefix = header.pack()
        (sealed_len,) = _U16.unpack(_read_exact(f, _U16.size))
        if sealed_len != SEALED_KEY:
            raise _refuse("malformed-header", "The bundle's sealed key has the wrong length.")
        sealed_key = _read_exact(f, SEALED_KEY)
        ciphertext = hashlib.sha384()
        remaining = header.ciphertext_len
        while remaining:
            block = _read_exact(f, min(_READ, remaining))
            ciphertext.update(block)
            remaining -= len(block)
        signatures = _read_signatures(f)
        if _read(f, 1):
            raise _refuse("trailing-data", "The bundle has unexpected data after its signatures.")
        message = _signed_message(hashlib.sha384(prefix).digest(), sealed_key, ciphertext.digest())
        if not sender.verify(message, signatures, CONTEXT):
            raise _refuse(
                "bad-signature", "The bundle's signatures do not verify; it was altered or forged."
            )
    try:
        file_key = SUITE.decrypt(sealed_key, me.kem_key, info=CONTEXT + prefix)
    except (InvalidTag, ValueError):
        raise _refuse(
            "key-unsealing-failed", "The bundle's key cannot be opened by this vault."
        ) from None
    if len(file_key) != FILE_KEY:
        raise _refuse("key-unsealing-failed", "The bundle's key has the wrong length.")
    return VerifiedBundle(
        path,
        header,
        sender,
        hashlib.sha384(message).hexdigest(),
        file_key,
        ciphertext.digest(),
    )


def _read_signatures(f: BinaryIO) -> Signatures:
    (ml_len,) = _U16.unpack(_read_exact(f, _U16.size))
    if ml_len != MLDSA87_SIGNATURE:
        raise _refuse("malformed-signature", "The bundle's ML-DSA signature has the wrong length.")
    ml = _read_exact(f, ml_len)
    (ec_len,) = _U16.unpack(_read_exact(f, _U16.size))
    if not 8 <= ec_len <= MAX_ECDSA_SIGNATURE:
        raise _refuse("malformed-signature", "The bundle's ECDSA signature has the wrong length.")
    return Signatures(ml, _read_exact(f, ec_len))
