"""The bundle's file name: who sent it to whom, from which incarnation, which number.

    <sender>-to-<recipient>-<origin>-<bundle seq>.ldbundle

Sender and recipient are the first 16 hex digits of their fingerprints, the
origin is the sender's incarnation (16 hex digits) and the number has at least
8 digits. Drives, the relay and the relay client take no other name from
outside: a name is also a file name, so nothing like a path gets through.
Part of the wire format, so it imports nothing (the relay uses it too).
"""

from __future__ import annotations

import re

SUFFIX = ".ldbundle"
NAME_PATTERN = re.compile(r"[0-9a-f]{16}-to-[0-9a-f]{16}-[0-9a-f]{16}-[0-9]{8,12}\.ldbundle")
_ID = 16  # hex digits of a fingerprint in a name


def sender_prefix(sender: str, recipient: str | None = None) -> str:
    """How the names of `sender`'s bundles begin (to `recipient` only, when given)."""
    prefix = f"{sender[:_ID]}-to-"
    return prefix if recipient is None else f"{prefix}{recipient[:_ID]}-"


def bundle_name(sender: str, recipient: str, origin: str, bundle_seq: int) -> str:
    """The file name of bundle `bundle_seq` from fingerprint `sender` to `recipient`."""
    return f"{sender_prefix(sender, recipient)}{origin}-{bundle_seq:08d}{SUFFIX}"


def is_bundle_name(name: str) -> bool:
    return NAME_PATTERN.fullmatch(name) is not None


def name_parts(name: str) -> tuple[str, str, str, int] | None:
    """(sender prefix, recipient prefix, origin, bundle seq) of a bundle name; None if not one."""
    if not is_bundle_name(name):
        return None
    sender, _, rest = name.removesuffix(SUFFIX).partition("-to-")
    recipient, origin, seq = rest.split("-")
    return sender, recipient, origin, int(seq)


def superseded(older: str, newer: str) -> bool:
    """Whether bundle file `older` holds nothing that `newer` lacks, going by their names.

    A bundle carries every change its recipient has not acknowledged, so a later
    bundle of the same sender, recipient and incarnation holds all an earlier
    one did. One of another incarnation (a restored vault) never is: it may hold
    changes the other lacks. A leftover `.part` of a write cut short counts too.
    """
    old, new = older.removeprefix(".").removesuffix(".part"), newer
    if not (is_bundle_name(old) and is_bundle_name(new)):
        return False
    old_pair, _, old_seq = old.removesuffix(SUFFIX).rpartition("-")
    new_pair, _, new_seq = new.removesuffix(SUFFIX).rpartition("-")
    return old_pair == new_pair and int(old_seq) < int(new_seq)
