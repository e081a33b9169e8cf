"""The station's time zone: where a meeting time typed without a zone is read.

An officer types "18:00" meaning the post's clock, whatever zone the laptop is
set to while travelling. The zone is a setting of the vault (kept in `meta`,
inside the encryption, local and never synced); until one is set it follows
the system's zone. The GUI and the CLI both read times through `meeting_time`.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import tzlocal

from liaison_desk.core.clock import Clock
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.records import Meeting
from liaison_desk.core.store import Store

log = logging.getLogger("liaison_desk.zone")

SETTING_KEY = "station-zone"
FALLBACK = "UTC"


def system_zone() -> str:
    """The system's IANA zone (TZ, /etc/localtime, or Windows' own setting); UTC if unknown."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tzlocal warns, then guesses, on odd setups
            tzlocal.reload_localzone()  # read again: a laptop's zone changes as it travels
            name = tzlocal.get_localzone_name()
        if name:
            ZoneInfo(name)
            return name
    except (LookupError, ValueError, OSError):
        log.info("the system's time zone is unknown; using UTC")
    return FALLBACK


@functools.cache
def zone_names() -> frozenset[str]:
    """The IANA zones a station may be set to: the same names on every machine.

    ZoneInfo also loads "localtime" (whatever this machine says) and the tzdata
    folder's posix/ and right/ copies; a setting that means something else on
    each computer would read the same typed time differently.
    """
    return frozenset(available_timezones() - {"localtime"})


def check_zone_name(name: str) -> str:
    """`name` if a station may be set to it, else a ValidationError with a sentence."""
    if name not in zone_names():
        raise ValidationError(f"Unknown time zone {name!r} (use a name like Europe/Paris).")
    return name


def station_zone_setting(store: Store) -> str | None:
    """The zone set for this station, None while it follows the system's."""
    row = store.conn.execute("SELECT value FROM meta WHERE key = ?", (SETTING_KEY,)).fetchone()
    return str(row[0]) if row and row[0] else None


def station_zone(store: Store) -> str:
    """The zone a time typed without one is read in: the one set, else the system's."""
    return station_zone_setting(store) or system_zone()


def set_station_zone(store: Store, name: str | None) -> str:
    """Set the station's zone (None or blank: follow the system's again); returns the zone now."""
    name = (name or "").strip() or None
    if name is not None:
        check_zone_name(name)
    with store.transaction():
        if name is None:
            store.conn.execute("DELETE FROM meta WHERE key = ?", (SETTING_KEY,))
        else:
            store.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (SETTING_KEY, name),
            )
    return name or system_zone()


def station_today(store: Store, clock: Clock) -> date:
    """Today at the station: what "due today" and "overdue" count from."""
    now = datetime.fromtimestamp(clock.now_ms() / 1000, tz=UTC)
    return now.astimezone(ZoneInfo(station_zone(store))).date()


def has_offset(when: str) -> bool:
    """Whether a typed time says its own offset (…Z, …+01:00); unreadable text says none."""
    try:
        return datetime.fromisoformat(when.strip().replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False  # the store's validation names the problem


def meeting_time(
    values: Mapping[str, Any], current: Meeting | None, station: str
) -> dict[str, Any]:
    """A meeting's values with the rule for a time typed without a zone applied.

    A time with an offset stands as typed. One without is read in the zone given
    with it; a blank zone means the station's; an edit that names no zone keeps
    the meeting's own (the station's if it has none). The zone it was read in
    becomes the meeting's zone, so the time shows as it was typed. A new zone
    given without a time moves the meeting to that zone's clock at the same
    hour, as the editor shows it (its time field keeps the hour, its zone changes).
    """
    out = dict(values)
    own = current.timezone if current is not None else None
    when = out.get("starts_at")
    if when is None and current is not None and "timezone" in out:
        moment = datetime.fromisoformat(current.starts_at.replace("Z", "+00:00"))
        when = moment.astimezone(ZoneInfo(own or station)).strftime("%Y-%m-%dT%H:%M")
        out["starts_at"] = when
    if not when or has_offset(when):
        return out
    given = out.get("timezone") if "timezone" in out else own
    out["timezone"] = given or station
    return out
