"""Ops written before a field existed: logged by an earlier version, or sent by a vault
not yet upgraded. They lack the field, and the record is made with its default."""

from __future__ import annotations

import json
from pathlib import Path

from liaison_desk.core.kinds import MEETING
from liaison_desk.core.records import Meeting
from tests.sync.helpers import canonical_dump, enrol_station, make_vault, round_trip

# The calendar fields a meeting gained in schema version 7.
_CALENDAR_FIELDS = ("ends_at", "all_day", "recurrence", "exdates", "rdates", "uid")


def test_a_meeting_created_before_its_calendar_fields_existed_arrives_whole(
    tmp_path: Path,
) -> None:
    hq = make_vault(tmp_path, "HQ", "hq")
    paris = make_vault(tmp_path, "Paris")
    try:
        enrol_station(hq, paris)
        meeting = paris.store.add(Meeting(title="Staff talks", starts_at="2026-03-14T10:30Z"))
        ((fields,),) = paris.store.conn.execute(
            "SELECT fields FROM oplog WHERE record_id = ?", (meeting.id,)
        ).fetchall()
        older = {k: v for k, v in json.loads(fields).items() if k not in _CALENDAR_FIELDS}
        assert set(MEETING.fields) - set(older) == set(_CALENDAR_FIELDS)
        paris.store.conn.execute(
            "UPDATE oplog SET fields = ? WHERE record_id = ?", (json.dumps(older), meeting.id)
        )

        round_trip(hq, paris, tmp_path / "usb")

        received = hq.store.get(Meeting, meeting.id)
        assert (received.title, received.starts_at) == ("Staff talks", meeting.starts_at)
        assert (received.ends_at, received.all_day, received.exdates, received.uid) == (
            None,
            False,
            (),
            None,
        )
        assert canonical_dump(hq) == canonical_dump(paris)
    finally:
        hq.lock()
        paris.lock()
