"""Which pages of a SQLCipher 4 database (or of its write-ahead log) a key still opens.

A test's own reading of the format, with nothing but hashlib and hmac: each
4096-byte page ends in 80 reserved bytes, a 16-byte IV and an HMAC-SHA512 over
the page's ciphertext, the IV and the page number (4 bytes, little-endian). With
a raw key the HMAC key is PBKDF2-HMAC-SHA512(key, salt XOR 0x3a, 2 passes, 32
bytes), the salt being the first 16 bytes of the database. A page whose HMAC
verifies under the key is a page that key decrypts. Used to prove that a wiped
vault leaves no page the old key reads; the same check on a live vault (every
page verifies) proves the check itself.
"""

from __future__ import annotations

import hashlib
import hmac

PAGE = 4096
RESERVE = 80  # IV (16) and HMAC-SHA512 (64)
WAL_HEADER = 32
FRAME_HEADER = 24


def _hmac_key(data_key: bytes, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha512", data_key, bytes(b ^ 0x3A for b in salt), 2, 32)


def _page_opens(page: bytes, number: int, hmac_key: bytes) -> bool:
    if len(page) != PAGE:
        return False
    body = page[16 if number == 1 else 0 : PAGE - RESERVE]
    iv = page[PAGE - RESERVE : PAGE - RESERVE + 16]
    mac = page[PAGE - RESERVE + 16 :]
    expected = hmac.new(hmac_key, body + iv + number.to_bytes(4, "little"), "sha512").digest()
    return hmac.compare_digest(expected, mac)


def pages_opened(data: bytes, data_key: bytes, salt: bytes, highest_page: int) -> int:
    """How many pages in `data` (a database file, or a write-ahead log) `data_key` opens.

    Every place a page can sit is tried (each multiple of the page size, as in a
    database, and each frame of a log), with every page number up to `highest_page`:
    a page number lives in a frame's header, which the wipe overwrote too, and must
    not hide a page that would still open under another number.
    """
    hmac_key = _hmac_key(data_key, salt)
    offsets = set(range(0, len(data) - PAGE + 1, PAGE))
    offsets |= set(range(WAL_HEADER + FRAME_HEADER, len(data) - PAGE + 1, FRAME_HEADER + PAGE))
    return sum(
        any(_page_opens(data[o : o + PAGE], n, hmac_key) for n in range(1, highest_page + 1))
        for o in sorted(offsets)
    )
