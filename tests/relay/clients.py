"""Hand-made relay clients for the tests: stations without vaults, bundles without content.

The relay never opens a bundle, so a bundle here need only have a true header
(sender, recipient, name) and be signed; what the stations say is what the
tests choose, down to the clock and the nonce of each request.
"""

from __future__ import annotations

import hashlib
import io
import os
import time

import httpx

from liaison_desk.core.identity_keys import SecretKeys
from liaison_desk.core.vault import Vault
from liaison_desk.sync import bundle_names
from liaison_desk.sync.bundle import write_bundle
from liaison_desk.sync.identity import Identity, PeerIdentity
from liaison_desk.sync.peers import add_peer
from liaison_desk.sync.request_signing import sign_request


def new_identity(name: str, role: str = "station") -> Identity:
    return Identity(SecretKeys.generate(os.urandom), name, role)


def enrol_on_roster(hq: Vault, station: Identity) -> None:
    """Enrol a vault-less station at HQ: enough for HQ's roster, and so for the relay."""
    with hq.store.transaction():
        add_peer(hq.conn, hq.clock, station.public)


def bundle_bytes(
    sender: Identity, recipient: PeerIdentity, seq: int, size: int = 256, origin: str = ""
) -> bytes:
    """`origin`: the sender's incarnation (by default its id's first 16 digits)."""
    out = io.BytesIO()
    origin = origin or sender.fingerprint[:16]
    write_bundle(out, sender, recipient, seq, origin, 1_780_000_000_000, [os.urandom(size)])
    return out.getvalue()


def bundle_name(sender: Identity, recipient: PeerIdentity, seq: int, origin: str = "") -> str:
    origin = origin or sender.fingerprint[:16]
    return bundle_names.bundle_name(sender.fingerprint, recipient.fingerprint, origin, seq)


def signed(
    me: Identity,
    method: str,
    path: str,
    body: bytes = b"",
    created: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    now = int(time.time()) if created is None else created
    return sign_request(me, method, path, hashlib.sha384(body).digest(), now, nonce)


def send(
    http: httpx.Client, me: Identity, method: str, path: str, body: bytes = b"", **kw: object
) -> httpx.Response:
    headers = signed(me, method, path, body, **kw)  # type: ignore[arg-type]
    return http.request(method, path, content=body or None, headers=headers)
