"""The relay takes a wipe acknowledgement from a station HQ ordered wiped, and from no one
else, for no one else; only HQ reads and removes them."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from liaison_desk.core.records import Contact
from liaison_desk.sync.compromise import revoke_station
from liaison_desk.sync.identity import Identity
from liaison_desk.sync.online import sync_online
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.wipe_order import order_wipe, relayed_order
from tests.relay.clients import send
from tests.relay.relay_process import export_identity, relay_process
from tests.sync.helpers import enrol_station, exchange, fingerprint, make_vault


def test_only_a_station_ordered_wiped_leaves_an_acknowledgement_and_only_hq_reads_it(
    tmp_path: Path,
) -> None:
    hq = make_vault(tmp_path, "hq", "hq")
    paris, tokyo, kabul = (make_vault(tmp_path, n) for n in ("paris", "tokyo", "kabul"))
    for station in (paris, tokyo, kabul):
        enrol_station(hq, station)
    paris.store.add(Contact(full_name="Colonel Secret"))
    exchange(paris, hq, tmp_path / "usb")
    order = order_wipe(hq, fingerprint(paris))
    revoke_station(hq, fingerprint(kabul), "Laptop missing for a night")  # revoked, not lost
    ack = relayed_order(paris, order)
    assert ack is not None
    central, lost, enrolled, revoked = (load_identity(v.conn) for v in (hq, paris, tokyo, kabul))
    try:
        with (
            relay_process(export_identity(hq, tmp_path / "hq.json"), tmp_path / "relay") as relay,
            httpx.Client(base_url=relay.url, timeout=30, trust_env=False) as http,
        ):
            sync_online(hq, relay.url)  # the roster: Paris to be wiped, Kabul revoked

            def put(signer: Identity, station: Identity) -> httpx.Response:
                return send(http, signer, "PUT", f"/v1/wipe-acks/{station.fingerprint}", ack)

            def code(response: httpx.Response) -> tuple[int, str]:
                return response.status_code, json.loads(response.content)["error"]

            assert code(put(enrolled, enrolled)) == (403, "no-wipe-order")
            assert code(put(revoked, revoked)) == (403, "revoked")  # revoked, not lost
            assert code(put(lost, enrolled)) == (403, "not-your-ack")
            assert code(send(http, lost, "GET", "/v1/wipe-acks")) == (403, "revoked")
            assert code(send(http, enrolled, "GET", "/v1/wipe-acks")) == (403, "not-hq")
            assert put(lost, lost).status_code == 201
            listed = json.loads(send(http, central, "GET", "/v1/wipe-acks").content)["acks"]
            assert [a["station"] for a in listed] == [fingerprint(paris)]

            assert sync_online(hq, relay.url).acknowledged_wipes == [fingerprint(paris)]
            listed = json.loads(send(http, central, "GET", "/v1/wipe-acks").content)["acks"]
            assert listed == []
    finally:
        for vault in (hq, paris, tokyo, kabul):
            vault.lock()
