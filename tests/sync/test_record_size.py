"""No record the core stores is one a peer must refuse: the core's size limit fits the bundle's.

A contact with a 1.5-million-character note was stored, then its op was
refused at HQ as larger than any item may be, and every later bundle carried
it again: the station never reached HQ again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.records import Contact
from liaison_desk.core.validation import MAX_RECORD_BYTES
from liaison_desk.sync.payload import MAX_ITEM
from tests.sync.helpers import exchange, hq_and_two_stations


def test_a_record_too_large_to_sync_is_refused_when_saved(tmp_path: Path) -> None:
    with hq_and_two_stations(tmp_path) as (_hq, paris, _tokyo):
        with pytest.raises(ValidationError) as refused:
            paris.store.add(Contact(full_name="Col. Ade", notes="n" * 1_500_000))
        note = paris.store.add(Contact(full_name="Col. Ade", notes="short"))
        with pytest.raises(ValidationError):
            paris.store.update(Contact, note.id, {"trust_notes": "é" * 600_000})
    assert refused.value.message == (
        "This contact holds 1.5 MB of text; a record may hold at most 1 MB, so that every "
        "peer can receive it. Move long text into an attached file."
    )


def test_the_largest_record_the_core_takes_reaches_hq_and_the_other_station(
    tmp_path: Path,
) -> None:
    """Every long field filled, the whole just under the limit, in text that escapes in
    JSON (quotes, control characters) and in four-byte characters; sent as a creation,
    then as an edit of every field, then as a snapshot (widened to every station)."""
    assert MAX_RECORD_BYTES + 16 * 1024 < MAX_ITEM  # room for an op's clocks
    fields = ("notes", "trust_notes", "how_met")
    share = MAX_RECORD_BYTES // len(fields) - 2_000
    texts = ['"\\\n' * (share // 6), "\U0001f600" * (share // 4), "é" * (share // 2)]
    with hq_and_two_stations(tmp_path) as (hq, paris, tokyo):
        usb = tmp_path / "usb"
        big = paris.store.add(
            Contact(full_name="Col. Ade", **dict(zip(fields, texts, strict=True)))
        )
        assert exchange(paris, hq, usb).refused == ()
        edited = dict(zip(fields, reversed(texts), strict=True))
        paris.store.update(Contact, big.id, edited)
        assert exchange(paris, hq, usb).status == "applied"
        paris.store.update(Contact, big.id, {"distribution": "all"})
        exchange(paris, hq, usb)
        assert exchange(hq, tokyo, usb).status == "applied"
        stored = paris.store.get(Contact, big.id)  # as the core cleaned it (trimmed)
        assert stored.how_met == texts[0].rstrip()
        for vault in (hq, tokyo):
            held = vault.store.get(Contact, big.id)
            assert {f: getattr(held, f) for f in fields} == {f: getattr(stored, f) for f in fields}
