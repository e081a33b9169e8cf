"""The station's time zone: a vault setting, the system's zone until set, and the rule it serves."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.records import Meeting
from liaison_desk.core.station_zone import (
    meeting_time,
    set_station_zone,
    station_zone,
    station_zone_setting,
    system_zone,
)
from liaison_desk.core.vault import Vault
from tests.conftest import PASSPHRASE


def test_system_zone_follows_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert system_zone() == "Asia/Tokyo"
    monkeypatch.setenv("TZ", "Europe/Paris")
    assert system_zone() == "Europe/Paris"


def test_an_unknown_system_zone_is_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Nowhere/Atlantis")
    assert system_zone() == "UTC"


def test_the_station_zone_is_the_systems_until_set_and_is_kept_in_the_vault(
    vault: Vault, vault_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert station_zone_setting(vault.store) is None
    assert station_zone(vault.store) == "Asia/Tokyo"

    assert set_station_zone(vault.store, " Africa/Lagos ") == "Africa/Lagos"
    vault.lock()
    with Vault.unlock(vault_dir, PASSPHRASE) as again:
        assert station_zone(again.store) == "Africa/Lagos"
        assert set_station_zone(again.store, None) == "Asia/Tokyo"
        assert station_zone_setting(again.store) is None


def test_an_unknown_zone_is_refused_and_nothing_changes(vault: Vault) -> None:
    set_station_zone(vault.store, "Europe/Paris")
    with pytest.raises(ValidationError, match="Unknown time zone"):
        set_station_zone(vault.store, "Europe/Atlantis")
    assert station_zone(vault.store) == "Europe/Paris"


def test_meeting_time_rule() -> None:
    typed = {"starts_at": "2026-05-20T18:00"}
    in_paris = Meeting(title="Talks", starts_at="2026-05-20T16:00:00Z", timezone="Europe/Paris")
    # no zone given on a new meeting: the station's
    assert meeting_time(typed, None, "Asia/Tokyo")["timezone"] == "Asia/Tokyo"
    # a blank zone field: the station's, even over the meeting's own
    blank = {**typed, "timezone": None}
    assert meeting_time(blank, in_paris, "Asia/Tokyo")["timezone"] == "Asia/Tokyo"
    # an edit naming no zone: the meeting's own
    assert meeting_time(typed, in_paris, "Asia/Tokyo")["timezone"] == "Europe/Paris"
    # a zone given: that one
    given = {**typed, "timezone": "Africa/Lagos"}
    assert meeting_time(given, None, "Asia/Tokyo")["timezone"] == "Africa/Lagos"
    # an offset: the time stands as typed, no zone is added
    offset = {"starts_at": "2026-05-20T18:00+01:00"}
    assert meeting_time(offset, None, "Asia/Tokyo") == offset
    assert meeting_time({"title": "No time"}, None, "Asia/Tokyo") == {"title": "No time"}
    assert meeting_time({"title": "No time"}, in_paris, "Asia/Tokyo") == {"title": "No time"}


def test_a_new_zone_without_a_time_keeps_the_hour_shown() -> None:
    """As the editor does: its time field keeps 18:00 while the zone field changes."""
    in_paris = Meeting(title="Talks", starts_at="2026-05-20T16:00:00Z", timezone="Europe/Paris")
    moved = meeting_time({"timezone": "Africa/Lagos"}, in_paris, "Asia/Tokyo")
    assert moved == {"timezone": "Africa/Lagos", "starts_at": "2026-05-20T18:00"}
    cleared = meeting_time({"timezone": None}, in_paris, "Asia/Tokyo")
    assert cleared == {"timezone": "Asia/Tokyo", "starts_at": "2026-05-20T18:00"}
    # a meeting kept without a zone shows (and so keeps) its hour in the station's zone
    zoneless = Meeting(title="Call", starts_at="2026-05-20T09:00:00Z")
    assert meeting_time({"timezone": "Africa/Lagos"}, zoneless, "Asia/Tokyo")["starts_at"] == (
        "2026-05-20T18:00"
    )
