"""`liaison-desk relay serve`: the relay HQ runs for stations that come online.

It needs no vault: only HQ's public identity (from `liaison-desk identity
export` on the HQ vault), which it uses to check the roster HQ uploads.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from liaison_desk.core.user_files import read_bounded
from liaison_desk.relay.connections import ConnectionLimits
from liaison_desk.relay.errors import RelaySetupError
from liaison_desk.relay.limits import ADDRESS_RATE, STATION_RATE, PartialLimits, RateLimit
from liaison_desk.sync.enrol import MAX_FILE
from liaison_desk.sync.errors import EnrolmentError
from liaison_desk.sync.identity import PeerIdentity

_LIMITS = ConnectionLimits()
_PARTIAL = PartialLimits()


@click.group()
def relay() -> None:
    """Run HQ's relay: mailboxes of encrypted bundles for stations that come online.

    Example: liaison-desk relay serve --data /srv/relay --hq-identity hq.json
    """


def _hq_identity(path: Path) -> PeerIdentity:
    try:
        data = read_bounded(path, MAX_FILE, "identity files")
        identity = PeerIdentity.from_json(json.loads(data))
    except ValueError as exc:
        raise RelaySetupError(f"{path} cannot be read as an identity file.") from exc
    except EnrolmentError as exc:
        raise RelaySetupError(f"{path}: {exc.message}") from exc
    if identity.role != "hq":
        raise RelaySetupError(f"{path} is a station's identity; the relay needs HQ's.")
    return identity


@relay.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8443, show_default=True, help="Port (0 picks a free one).")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the mailboxes (the default store).",
)
@click.option("--s3-bucket", help="Keep the mailboxes in this S3 bucket instead of --data.")
@click.option("--s3-endpoint", help="The S3-compatible service's URL (MinIO, Ceph); default AWS.")
@click.option("--s3-prefix", default="", help="Key prefix inside the bucket.")
@click.option(
    "--hq-identity",
    "hq_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="HQ's public identity, from `liaison-desk identity export --out FILE` at HQ.",
)
@click.option(
    "--tls-cert",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The relay's TLS certificate (PEM); serve HTTPS with --tls-key.",
)
@click.option(
    "--tls-key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The private key of --tls-cert (PEM).",
)
@click.option("--max-bundle-mb", default=512, show_default=True, help="Largest bundle accepted.")
@click.option(
    "--partial-uploads",
    default=_PARTIAL.per_sender,
    show_default=True,
    help="Unfinished uploads one sender may keep on the relay (in all, twice --max-bundle-mb).",
)
@click.option(
    "--partial-hours",
    default=_PARTIAL.max_age_s / 3600,
    show_default=True,
    help="Hours an unfinished upload is kept after its last byte came.",
)
@click.option(
    "--rate",
    default=STATION_RATE.per_second,
    show_default=True,
    help="Requests a second per station.",
)
@click.option(
    "--burst", default=STATION_RATE.burst, show_default=True, help="Requests a station may burst."
)
@click.option(
    "--address-rate",
    default=ADDRESS_RATE.per_second,
    show_default=True,
    help="Requests a second per client address (not /v1/health), before signatures are checked.",
)
@click.option(
    "--address-burst",
    default=ADDRESS_RATE.burst,
    show_default=True,
    help="Requests a client address may burst.",
)
@click.option(
    "--header-timeout",
    default=_LIMITS.header_timeout_s,
    show_default=True,
    help="Seconds a client has to send a request's headers, from their first byte.",
)
@click.option(
    "--body-timeout",
    default=_LIMITS.body_timeout_s,
    show_default=True,
    help="Seconds a request's body may pause before the connection is closed.",
)
@click.option(
    "--max-connections",
    default=_LIMITS.max_connections,
    show_default=True,
    help="Connections held at once (lowered to fit the open-file limit).",
)
@click.option(
    "--max-unauthenticated",
    default=_LIMITS.max_unauthenticated,
    show_default=True,
    help="Connections held at once before any of their requests is signed.",
)
@click.option(
    "--max-unauthenticated-per-address",
    default=_LIMITS.max_unauthenticated_per_address,
    show_default=True,
    help="The same, from one client address (an IPv6 /64 counts as one).",
)
def serve(
    host: str,
    port: int,
    data: Path | None,
    s3_bucket: str | None,
    s3_endpoint: str | None,
    s3_prefix: str,
    hq_file: Path,
    tls_cert: Path | None,
    tls_key: Path | None,
    max_bundle_mb: int,
    partial_uploads: int,
    partial_hours: float,
    rate: float,
    burst: int,
    address_rate: float,
    address_burst: int,
    header_timeout: float,
    body_timeout: float,
    max_connections: int,
    max_unauthenticated: int,
    max_unauthenticated_per_address: int,
) -> None:
    """Serve the relay until interrupted; access logs go to stderr (ids and sizes only).

    Example: liaison-desk relay serve --host 0.0.0.0 --data /srv/relay --hq-identity hq.json
    """
    from liaison_desk.relay.app import Relay
    from liaison_desk.relay.server import Listen, serve
    from liaison_desk.relay.store import MailboxStore

    if (tls_cert is None) != (tls_key is None):
        raise RelaySetupError("Give both --tls-cert and --tls-key, or neither.")
    if (data is None) == (s3_bucket is None):
        raise RelaySetupError("Give exactly one store: --data FOLDER or --s3-bucket NAME.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    store: MailboxStore
    if s3_bucket is not None:
        try:
            from liaison_desk.relay.s3_store import S3Store
        except ImportError:  # the installer leaves the AWS SDK out (packaging/liaison-desk.spec)
            raise RelaySetupError(
                "This installation has no S3 support: run the relay from "
                "`pip install 'liaison-desk[relay]'`, or give --data FOLDER."
            ) from None

        store = S3Store(s3_bucket, endpoint_url=s3_endpoint, prefix=s3_prefix)
    else:
        from liaison_desk.relay.dir_store import DirStore

        assert data is not None
        store = DirStore(data)
    relay_app = Relay(
        store,
        _hq_identity(hq_file),
        max_bundle=max_bundle_mb * 1024 * 1024,
        rate=RateLimit(per_second=rate, burst=burst),
        address_rate=RateLimit(per_second=address_rate, burst=address_burst),
        partial_limits=PartialLimits(
            per_sender=partial_uploads,
            bytes_per_sender=2 * max_bundle_mb * 1024 * 1024,
            max_age_s=partial_hours * 3600,
        ),
    )
    limits = ConnectionLimits(
        header_timeout_s=header_timeout,
        body_timeout_s=body_timeout,
        max_connections=max_connections,
        max_unauthenticated=max_unauthenticated,
        max_unauthenticated_per_address=max_unauthenticated_per_address,
    )
    serve(relay_app, Listen(host, port, tls_cert, tls_key), limits)
