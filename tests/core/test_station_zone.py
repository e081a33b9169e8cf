"""The station's time zone: a vault setting, the system's zone until set, and the rule it serves."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison_desk.core.errors import ValidationError
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
    # no zone given on a new meeting: the station's
    assert meeting_time(typed, None, "Asia/Tokyo")["timezone"] == "Asia/Tokyo"
    # a blank zone field: the station's, even over the meeting's own
    blank = {**typed, "timezone": None}
    assert meeting_time(blank, "Europe/Paris", "Asia/Tokyo")["timezone"] == "Asia/Tokyo"
    # an edit naming no zone: the meeting's own
    assert meeting_time(typed, "Europe/Paris", "Asia/Tokyo")["timezone"] == "Europe/Paris"
    # a zone given: that one
    given = {**typed, "timezone": "Africa/Lagos"}
    assert meeting_time(given, None, "Asia/Tokyo")["timezone"] == "Africa/Lagos"
    # an offset: the time stands as typed, no zone is added
    offset = {"starts_at": "2026-05-20T18:00+01:00"}
    assert meeting_time(offset, None, "Asia/Tokyo") == offset
    assert meeting_time({"title": "No time"}, None, "Asia/Tokyo") == {"title": "No time"}
