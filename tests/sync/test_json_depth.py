"""JSON nested deeper than the format allows is refused as malformed, never a crash.

An op nested about 990 levels deep once raised RecursionError out of
`sync import`; 800 levels were accepted. Every JSON item is now checked
against `payload.MAX_DEPTH` before it is parsed, without recursion.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from liaison_desk.core.vault import Vault
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.importing import import_bundle
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.payload import MAX_DEPTH, OP, START, item, json_item, too_deep
from tests.bundle_vectors import craft, generate
from tests.sync.helpers import canonical_dump, enrol_station, make_vault


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Vault, Vault]]:
    hq, station = make_vault(tmp_path, "hq", "hq"), make_vault(tmp_path, "station")
    enrol_station(hq, station)
    yield hq, station
    hq.lock()
    station.lock()


def nested(levels: int) -> bytes:
    """A JSON array `levels` deep."""
    return b"[" * levels + b"]" * levels


def _import(hq: Vault, station: Vault, items: list[bytes], path: Path) -> str:
    me, recipient = load_identity(station.conn), load_identity(hq.conn).public
    parts = craft.build(
        me,
        recipient,
        craft.compress(items),
        os.urandom(32),
        origin=station.info.origin,
        created_ms=station.clock.now_ms(),
    )
    path.write_bytes(parts.assemble())
    try:
        return import_bundle(hq, path).status
    except BundleRefused as refused:
        return refused.reason


def _start(origin: str, ops: int, **extra: Any) -> bytes:
    start = json.loads(generate.start(ops, origin)[5:])
    return json_item(START, {**start, **extra})


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 990, 100_000])
def test_an_op_nested_too_deep_is_refused_as_malformed(
    pair: tuple[Vault, Vault], tmp_path: Path, levels: int
) -> None:
    hq, station = pair
    origin = station.info.origin
    op = json.dumps({**generate.contact(1), "o": origin, "h": generate.stamp(1, origin)})
    body = op.replace('"tags": []', f'"tags": {nested(levels - 2).decode()}').encode()
    assert body != op.encode()
    before = canonical_dump(hq)
    items = [_start(origin, 1), item(OP, body), generate.end(1)]
    assert _import(hq, station, items, tmp_path / "deep.ldbundle") == "malformed-payload"
    assert canonical_dump(hq) == before


def test_a_start_item_at_the_bound_is_applied_one_level_past_it_refused(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, station = pair
    origin = station.info.origin
    # The start item is level 1; a key a reader does not know is ignored, however deep.
    at_bound = [_start(origin, 0, later=json.loads(nested(MAX_DEPTH - 1))), generate.end(0)]
    past = [_start(origin, 0, later=json.loads(nested(MAX_DEPTH))), generate.end(0)]
    assert _import(hq, station, past, tmp_path / "past.ldbundle") == "malformed-payload"
    assert _import(hq, station, at_bound, tmp_path / "at.ldbundle") == "applied"


def test_brackets_inside_strings_do_not_count() -> None:
    text = json.dumps({"notes": "[" * 50 + '\\" {{{{{{{{{{ "' + "]" * 3}).encode()
    assert not too_deep(text)
    assert too_deep(b'{"a": "[[[[", "b": ' + nested(MAX_DEPTH) + b"}")
    assert not too_deep(b'{"a": "]]]]", "b": ' + nested(MAX_DEPTH - 1) + b"}")
